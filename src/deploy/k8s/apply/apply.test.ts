import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { TesseraError } from '../../../core/index.js';
import type { KubeObject } from '../render/objects.js';
import { renderPlan } from '../render/render.js';
import { writeRender } from '../render/write.js';
import { loadExample } from '../test-support/fixtures.js';
import { createClusterApplier, readRenderedObjects } from './cluster-applier.js';
import { SERVER_SIDE_APPLY, ServerSideApplier, type ObjectPatchClient } from './server-side-applier.js';

interface PatchCall {
  spec: KubeObject;
  dryRun: string | undefined;
  fieldManager: string | undefined;
  force: boolean | undefined;
  strategy: string | undefined;
}

/**
 * A test double standing in for the Kubernetes API server behind client-node's
 * KubernetesObjectApi.patch: it records each server-side apply and answers as the server would
 * (the object back with a resourceVersion), or with an ApiException-shaped error for chosen kinds.
 */
class FakeApiServer implements ObjectPatchClient {
  readonly calls: PatchCall[] = [];
  private version = 100;
  constructor(private readonly refuse: Readonly<Record<string, { code: number; body: string }>> = {}) {}

  patch(spec: KubeObject, _pretty?: string, dryRun?: string, fieldManager?: string, force?: boolean, strategy?: string): Promise<unknown> {
    this.calls.push({ spec, dryRun, fieldManager, force, strategy });
    const refusal = this.refuse[spec.kind];
    if (refusal !== undefined) return Promise.reject(Object.assign(new Error(`HTTP-Code: ${refusal.code}`), refusal));
    return Promise.resolve({ ...spec, metadata: { ...spec.metadata, resourceVersion: String(++this.version) } });
  }
}

const { fleet, plan } = loadExample('gpu-mixed');
const result = renderPlan(fleet, plan);
const tmp = mkdtempSync(path.join(tmpdir(), 'tessera-apply-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('server-side apply through a test double standing in for the Kubernetes API server', () => {
  test('a rendered folder reads back as exactly the rendered objects', () => {
    writeRender(result, tmp);
    const objects = readRenderedObjects(tmp);
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual(result.objects.map((o) => `${o.kind}/${o.name}`).sort());
  });

  test('applies every object by server-side apply with the field manager, namespace first and the CRD kinds last', async () => {
    const api = new FakeApiServer();
    const applied = await new ServerSideApplier(api).apply(readRenderedObjects(tmp));
    expect(applied).toHaveLength(result.objects.length);
    expect(api.calls.every((c) => c.strategy === SERVER_SIDE_APPLY && c.fieldManager === 'tessera' && c.force === false && c.dryRun === undefined)).toBe(true);
    expect(SERVER_SIDE_APPLY).toBe('application/apply-patch+yaml');
    const kinds = api.calls.map((c) => c.spec.kind);
    expect(kinds[0]).toBe('Namespace');
    expect(kinds.lastIndexOf('Deployment')).toBeLessThan(kinds.indexOf('ScaledObject'));
    expect(kinds.slice(-kinds.filter((k) => k === 'PrometheusRule').length).every((k) => k === 'PrometheusRule')).toBe(true);
    expect(applied[0]?.resourceVersion).toBe('101');
  });

  test('dry run and force reach the API call', async () => {
    const api = new FakeApiServer();
    await new ServerSideApplier(api).apply(readRenderedObjects(tmp).slice(0, 2), { dryRun: true, force: true, fieldManager: 'ci' });
    expect(api.calls.map((c) => [c.dryRun, c.force, c.fieldManager])).toEqual([
      ['All', true, 'ci'],
      ['All', true, 'ci'],
    ]);
  });

  test("refusals are collected into one coded error with the server's reasons; the rest is still applied", async () => {
    const api = new FakeApiServer({
      ScaledObject: { code: 404, body: JSON.stringify({ kind: 'Status', message: 'the server could not find the requested resource (keda.sh/v1alpha1 ScaledObject)' }) },
    });
    const objects = readRenderedObjects(tmp);
    let err: unknown;
    try {
      await new ServerSideApplier(api).apply(objects);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TesseraError);
    expect((err as TesseraError).code).toBe('TESSERA_ERR_K8S_APPLY');
    const scaled = objects.filter((o) => o.kind === 'ScaledObject').length;
    expect((err as TesseraError).message).toContain(`refused ${scaled} of ${objects.length}`);
    expect((err as TesseraError).message).toContain('HTTP 404: the server could not find the requested resource (keda.sh/v1alpha1 ScaledObject)');
    expect(api.calls).toHaveLength(objects.length);
  });
});

describe('@kubernetes/client-node against an HTTP test double standing in for the Kubernetes API server', () => {
  test('discovers the resource, then sends one server-side apply PATCH per object with the field manager and dry run', async () => {
    const seen: { method: string; url: string; type: string | undefined; auth: string | undefined; body: string }[] = [];
    const stub = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push({ method: req.method ?? '', url: req.url ?? '', type: req.headers['content-type'], auth: req.headers['authorization'], body });
        res.writeHead(200, { 'content-type': 'application/json' });
        if (req.method === 'GET' && req.url === '/api/v1') {
          res.end(JSON.stringify({ kind: 'APIResourceList', groupVersion: 'v1', resources: [
            { name: 'namespaces', singularName: 'namespace', namespaced: false, kind: 'Namespace', verbs: ['get', 'patch'] },
            { name: 'configmaps', singularName: 'configmap', namespaced: true, kind: 'ConfigMap', verbs: ['get', 'patch'] },
          ] }));
          return;
        }
        const o = JSON.parse(body) as KubeObject & { metadata: { resourceVersion?: string } };
        o.metadata.resourceVersion = '7';
        res.end(JSON.stringify(o));
      });
    });
    await new Promise<void>((resolve) => stub.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = stub.address() as AddressInfo;
      const kubeconfig = path.join(tmp, 'kubeconfig.yaml');
      // client-node refuses plain HTTP unless TLS verification is off; the stub speaks HTTP.
      writeFileSync(kubeconfig, [
        'apiVersion: v1',
        'kind: Config',
        `clusters: [{name: stub, cluster: {server: "http://127.0.0.1:${port}", insecure-skip-tls-verify: true}}]`,
        'users: [{name: u, user: {token: test-token}}]',
        'contexts: [{name: c, context: {cluster: stub, user: u}}]',
        'current-context: c',
        '',
      ].join('\n'));
      const applier = await createClusterApplier({ kubeconfig });
      const applied = await applier.apply(
        [
          { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'line-04-config', namespace: 'tessera' } },
          { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'tessera' } },
        ],
        { dryRun: true },
      );
      expect(applied.map((a) => [a.kind, a.resourceVersion])).toEqual([['Namespace', '7'], ['ConfigMap', '7']]);
      const patches = seen.filter((r) => r.method === 'PATCH');
      expect(patches.map((p) => p.url)).toEqual([
        '/api/v1/namespaces/tessera?dryRun=All&fieldManager=tessera&force=false',
        '/api/v1/namespaces/tessera/configmaps/line-04-config?dryRun=All&fieldManager=tessera&force=false',
      ]);
      expect(patches.every((p) => p.type === 'application/apply-patch+yaml' && p.auth === 'Bearer test-token')).toBe(true);
      expect(JSON.parse(patches[1]?.body ?? '{}')).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'line-04-config', namespace: 'tessera' } });
    } finally {
      stub.close();
    }
  });
});
