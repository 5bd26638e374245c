import { TesseraError } from '../../../core/index.js';
import type { KubeObject } from '../render/objects.js';
import type { AppliedObject, ApplyOptions, ManifestApplier } from './manifest-applier.js';

/** The content type of a server-side apply patch (client-node's `PatchStrategy.ServerSideApply`). */
export const SERVER_SIDE_APPLY = 'application/apply-patch+yaml';

/**
 * The one call of `@kubernetes/client-node`'s KubernetesObjectApi (1.x) the applier makes:
 * `patch(spec, pretty, dryRun, fieldManager, force, patchStrategy)`. Kept as an interface so the
 * real client and a test double are interchangeable.
 */
export interface ObjectPatchClient {
  patch(spec: KubeObject, pretty?: string, dryRun?: string, fieldManager?: string, force?: boolean, patchStrategy?: typeof SERVER_SIDE_APPLY): Promise<unknown>;
}

/** Apply order: what others refer to first (namespaces, config, nodes' labels), CRD-backed kinds last. */
const ORDER = ['Namespace', 'ConfigMap', 'Node', 'Service', 'Deployment', 'DaemonSet', 'PodDisruptionBudget', 'HorizontalPodAutoscaler', 'ScaledObject', 'ServiceMonitor', 'PrometheusRule'];

function rank(kind: string): number {
  const i = ORDER.indexOf(kind);
  return i < 0 ? ORDER.length : i;
}

/** What the API server said, from client-node's ApiException (`code`, `body`) or any error. */
function reasonOf(err: unknown): { status: number | undefined; message: string } {
  const e = err as { code?: unknown; body?: unknown; message?: unknown };
  const status = typeof e.code === 'number' ? e.code : undefined;
  let message = typeof e.message === 'string' ? e.message : String(err);
  const body = typeof e.body === 'string' ? safeJson(e.body) : e.body;
  if (body !== null && typeof body === 'object' && typeof (body as { message?: unknown }).message === 'string') message = (body as { message: string }).message;
  return { status, message };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Server-side apply of rendered objects through an ObjectPatchClient. */
export class ServerSideApplier implements ManifestApplier {
  constructor(private readonly client: ObjectPatchClient) {}

  async apply(objects: readonly KubeObject[], options: ApplyOptions = {}): Promise<AppliedObject[]> {
    const fieldManager = options.fieldManager ?? 'tessera';
    const ordered = [...objects].sort((a, b) => rank(a.kind) - rank(b.kind));
    const applied: AppliedObject[] = [];
    const failures: { object: string; status: number | undefined; message: string }[] = [];
    // One at a time: a namespace must exist before what goes in it, and the API server's answers stay readable in order.
    for (const object of ordered) {
      const id = `${object.kind} ${object.metadata.namespace === undefined ? '' : `${object.metadata.namespace}/`}${object.metadata.name}`;
      try {
        const result = (await this.client.patch(object, undefined, options.dryRun ? 'All' : undefined, fieldManager, options.force ?? false, SERVER_SIDE_APPLY)) as { metadata?: { resourceVersion?: unknown } } | undefined;
        const rv = result?.metadata?.resourceVersion;
        applied.push({ apiVersion: object.apiVersion, kind: object.kind, name: object.metadata.name, namespace: object.metadata.namespace, resourceVersion: typeof rv === 'string' ? rv : undefined });
      } catch (err) {
        failures.push({ object: id, ...reasonOf(err) });
      }
    }
    if (failures.length > 0) {
      const list = failures.map((f) => `  ${f.object}: ${f.status === undefined ? '' : `HTTP ${f.status}: `}${f.message}`).join('\n');
      throw new TesseraError('TESSERA_ERR_K8S_APPLY', `the API server refused ${failures.length} of ${ordered.length} object(s) (${applied.length} applied):\n${list}`, {
        details: { failures, applied: applied.length },
      });
    }
    return applied;
  }
}
