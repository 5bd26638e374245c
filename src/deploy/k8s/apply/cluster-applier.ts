import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { TesseraError } from '../../../core/index.js';
import { KUSTOMIZATION } from '../render/render.js';
import type { KubeObject } from '../render/objects.js';
import { ServerSideApplier, type ObjectPatchClient } from './server-side-applier.js';

export interface ClusterApplierOptions {
  /** A kubeconfig file; default: $KUBECONFIG, ~/.kube/config or the in-cluster service account. */
  readonly kubeconfig?: string | undefined;
  readonly context?: string | undefined;
}

/**
 * A ServerSideApplier talking to a real API server through `@kubernetes/client-node` 1.x
 * (loaded only here, so nothing else pays for it). Not exercised by the tests: no API server runs
 * on the machines Tessera is built on.
 */
export async function createClusterApplier(o: ClusterApplierOptions = {}): Promise<ServerSideApplier> {
  const k8s = await import('@kubernetes/client-node');
  const kc = new k8s.KubeConfig();
  try {
    if (o.kubeconfig !== undefined) kc.loadFromFile(o.kubeconfig);
    else kc.loadFromDefault();
    if (o.context !== undefined) kc.setCurrentContext(o.context);
  } catch (cause) {
    throw new TesseraError('TESSERA_ERR_K8S_OPTIONS', `cannot load the kubeconfig${o.kubeconfig === undefined ? '' : ` '${o.kubeconfig}'`}: ${(cause as Error).message}`, { cause });
  }
  const api = k8s.KubernetesObjectApi.makeApiClient(kc);
  const client: ObjectPatchClient = {
    patch: (spec, pretty, dryRun, fieldManager, force, strategy) => api.patch(spec, pretty, dryRun, fieldManager, force, strategy ?? k8s.PatchStrategy.ServerSideApply),
  };
  return new ServerSideApplier(client);
}

function yamlFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((entry) => {
      const full = path.join(dir, entry);
      if (statSync(full).isDirectory()) return yamlFiles(full);
      return /\.ya?ml$/.test(entry) && entry !== KUSTOMIZATION ? [full] : [];
    });
}

/** Reads the objects of a `tessera k8s render` output folder (every YAML document but the kustomization). */
export function readRenderedObjects(dir: string): KubeObject[] {
  let files: string[];
  try {
    files = yamlFiles(dir);
  } catch (cause) {
    throw new TesseraError('TESSERA_ERR_INPUT_FILE_NOT_FOUND', `cannot read the rendered folder '${dir}'`, { cause });
  }
  const out: KubeObject[] = [];
  for (const file of files) {
    for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
      if (doc.errors.length > 0) throw new TesseraError('TESSERA_ERR_INPUT_FILE_UNREADABLE', `${file} is not valid YAML: ${doc.errors[0]?.message ?? ''}`);
      const value: unknown = doc.toJS();
      if (value === null || value === undefined) continue;
      const o = value as Partial<KubeObject>;
      if (typeof o.apiVersion !== 'string' || typeof o.kind !== 'string' || typeof o.metadata?.name !== 'string') {
        throw new TesseraError('TESSERA_ERR_INPUT_FILE_UNREADABLE', `${file} holds a document that is not a Kubernetes object (apiVersion, kind, metadata.name)`);
      }
      out.push(value as KubeObject);
    }
  }
  return out;
}
