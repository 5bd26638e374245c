import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadExample } from '../test-support/fixtures.js';
import { extenderArgs, v1Node, v1Pod } from '../test-support/scheduler-payloads.js';
import { parseQuantity } from '../quantity.js';
import { PlanScheduler } from './plan-scheduler.js';
import { startExtenderServer, type ExtenderServer } from './server.js';
import { parseExtenderArgs } from './wire.js';

const factory = loadExample('factory');
const mixed = loadExample('gpu-mixed');

const PRODUCT = 'NVIDIA-A100-SXM4-80GB';
const gpuA0 = v1Node({
  name: 'gpu-a-0',
  labels: { 'tessera.dev/node': 'gpu-a-0', 'tessera.dev/price-per-hour': '8', 'nvidia.com/gpu.product': PRODUCT, 'nvidia.com/mig.config': 'tessera-node-gpu-a-0' },
  // GPU 0 carved 3g+2g+1g+1g by the plan; GPUs 1 and 2 whole (mixed strategy keeps them nvidia.com/gpu).
  allocatable: { 'nvidia.com/gpu': '2', 'nvidia.com/mig-1g.10gb': '2', 'nvidia.com/mig-2g.20gb': '1', 'nvidia.com/mig-3g.40gb': '1' },
});
const gpuA1 = v1Node({
  name: 'gpu-a-1',
  labels: { 'tessera.dev/node': 'gpu-a-1', 'tessera.dev/price-per-hour': '8', 'nvidia.com/gpu.product': PRODUCT, 'nvidia.com/mig.config': 'tessera-node-gpu-a-1' },
  allocatable: { 'nvidia.com/gpu': '1', 'nvidia.com/mig-1g.10gb': '2', 'nvidia.com/mig-2g.20gb': '3', 'nvidia.com/mig-3g.40gb': '2' },
});
/** A node the plan does not know: cheaper, carved all-1g. */
const gpuB7 = v1Node({ name: 'gpu-b-7', labels: { 'tessera.dev/price-per-hour': '6', 'nvidia.com/gpu.product': PRODUCT, 'nvidia.com/mig.config': 'all-1g.10gb' }, allocatable: { 'nvidia.com/mig-1g.10gb': '7' } });
const cpuX = v1Node({ name: 'cpu-x', labels: { 'tessera.dev/price-per-hour': '0.68' }, allocatable: {} });
const ALL = [gpuA0, gpuA1, gpuB7, cpuX];

const line06Pod = v1Pod({ name: 'line-06-a100-80gb-1g-10gb-6d8f9c7b5-x2x9q', labels: { 'tessera.dev/service': 'line-06', 'app.kubernetes.io/name': 'line-06', 'app.kubernetes.io/instance': 'line-06-a100-80gb-1g-10gb' }, limits: { 'nvidia.com/mig-1g.10gb': '1' } });
const line07Pod = v1Pod({ name: 'line-07-6d8f9c7b5-k2p4r', labels: { 'tessera.dev/service': 'line-07', 'app.kubernetes.io/name': 'line-07' }, limits: { 'nvidia.com/mig-3g.40gb': '1' } });
const foreignPod = v1Pod({ name: 'notebook-0', labels: { app: 'jupyter' }, limits: { 'nvidia.com/mig-1g.10gb': '1' } });

const FILTER_KEYS = ['Error', 'FailedAndUnresolvableNodes', 'FailedNodes', 'NodeNames', 'Nodes'];

let server: ExtenderServer;
let small: ExtenderServer;

beforeAll(async () => {
  server = await startExtenderServer({ scheduler: new PlanScheduler({ plan: factory.plan, fleet: factory.fleet }), port: 0 });
  small = await startExtenderServer({ scheduler: new PlanScheduler({ plan: factory.plan }), port: 0, bodyLimitBytes: 2048 });
});
afterAll(async () => {
  await server.close();
  await small.close();
});

async function post(base: string, verb: string, body: unknown, raw = false): Promise<{ status: number; type: string | null; json: unknown }> {
  const res = await fetch(`${base}/${verb}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: raw ? (body as string) : JSON.stringify(body) });
  return { status: res.status, type: res.headers.get('content-type'), json: await res.json() };
}

describe('scheduler extender: /filter (k8s.io/kube-scheduler/extender/v1)', () => {
  test('keeps only the node the plan put the replica on, naming why each other node fails', async () => {
    const { status, type, json } = await post(server.url, 'filter', extenderArgs(line06Pod, ALL));
    expect(status).toBe(200);
    expect(type).toBe('application/json');
    const r = json as Record<string, unknown>;
    expect(Object.keys(r).sort()).toEqual(FILTER_KEYS);
    // The passing nodes come back as the objects kube-scheduler sent, in a NodeList with its metadata.
    expect(r['Nodes']).toEqual({ metadata: { resourceVersion: '52880' }, items: [gpuA1] });
    expect(r['NodeNames']).toBeNull();
    expect(r['FailedNodes']).toEqual({});
    expect(r['FailedAndUnresolvableNodes']).toEqual({
      'gpu-a-0': 'the plan places line-06 (1g.10gb) on gpu-a-1',
      'gpu-b-7': 'the plan places line-06 (1g.10gb) on gpu-a-1',
      'cpu-x': 'node allocates nvidia.com/mig-1g.10gb: 0, the pod requests 1',
    });
    expect(r['Error']).toBe('');
  });

  test('applies the fleet spec pin before the plan, and the slice check before both', async () => {
    const { json } = await post(server.url, 'filter', extenderArgs(line07Pod, ALL));
    const r = json as Record<string, unknown>;
    expect((r['Nodes'] as { items: unknown[] }).items).toEqual([gpuA1]);
    expect(r['FailedAndUnresolvableNodes']).toEqual({
      'gpu-a-0': 'service line-07 is pinned to node gpu-a-1',
      'gpu-b-7': 'node allocates nvidia.com/mig-3g.40gb: 0, the pod requests 1',
      'cpu-x': 'node allocates nvidia.com/mig-3g.40gb: 0, the pod requests 1',
    });
  });

  test('a pod Tessera did not render is filtered by the slice it requests only', async () => {
    const { json } = await post(server.url, 'filter', extenderArgs(foreignPod, ALL));
    const r = json as Record<string, unknown>;
    expect((r['Nodes'] as { items: unknown[] }).items).toEqual([gpuA0, gpuA1, gpuB7]);
    expect(r['FailedAndUnresolvableNodes']).toEqual({ 'cpu-x': 'node allocates nvidia.com/mig-1g.10gb: 0, the pod requests 1' });
  });

  test('when no candidate is a node the plan knows, the plan does not filter (its node names are of another cluster)', async () => {
    const renamed = [gpuA0, gpuA1].map((n, i) => {
      const copy = structuredClone(n) as { metadata: { name: string; labels: Record<string, string> } };
      copy.metadata.name = `ip-10-0-1-${i}`;
      delete copy.metadata.labels['tessera.dev/node'];
      return copy;
    });
    const { json } = await post(server.url, 'filter', extenderArgs(line06Pod, renamed));
    expect((json as { Nodes: { items: unknown[] } }).Nodes.items).toEqual(renamed);
  });

  test('a CPU replica stays on the CPU node the plan chose', () => {
    const scheduler = new PlanScheduler({ plan: mixed.plan, fleet: mixed.fleet });
    const cpu0 = v1Node({ name: 'cpu-0', labels: { 'tessera.dev/node': 'cpu-0', 'tessera.dev/price-per-hour': '0.68' }, allocatable: {} });
    const l40 = v1Node({ name: 'l4-0', labels: { 'tessera.dev/node': 'l4-0', 'nvidia.com/gpu.product': 'NVIDIA-L4-SHARED' }, allocatable: { 'nvidia.com/gpu': '12' } });
    const pod = v1Pod({ name: 'fraud-6d8f9c7b5-abcde', labels: { 'tessera.dev/service': 'fraud' }, limits: { cpu: '2', memory: '1Gi' }, requests: { cpu: '2', memory: '1Gi' } });
    const args = parseExtenderArgs(extenderArgs(pod, [l40, cpu0]), parseQuantity);
    const r = scheduler.filter(args);
    expect(r.Nodes?.items).toEqual([cpu0]);
    expect(r.FailedAndUnresolvableNodes).toEqual({ 'l4-0': 'the plan places fraud (cpu) on cpu-0' });
    // Fragmentation keeps GPU nodes for GPU pods.
    expect(scheduler.explain(args).map((s) => [s.node, s.fragmentation])).toEqual([['l4-0', 0], ['cpu-0', 1]]);
  });
});

describe('scheduler extender: /prioritize', () => {
  test('scores every node 0–10 with the weighted objective: latency, throughput headroom, cost, fragmentation', async () => {
    const { status, json } = await post(server.url, 'prioritize', extenderArgs(line06Pod, [gpuA0, gpuA1, gpuB7]));
    expect(status).toBe(200);
    const list = json as { Host: string; Score: number }[];
    for (const h of list) expect(Object.keys(h).sort()).toEqual(['Host', 'Score']);
    expect(list.map((h) => h.Host)).toEqual(['gpu-a-0', 'gpu-a-1', 'gpu-b-7']);
    for (const h of list) expect(Number.isInteger(h.Score) && h.Score >= 0 && h.Score <= 10).toBe(true);

    // The same numbers by hand: line-06's 1g.10gb replica predicts p99 / SLO and utilization;
    // prices 8, 8, 6 $/h; MIG compute slices 7, 14, 7 of which 2, 2, 7 are 1g.10gb.
    const replica = factory.plan.services.find((s) => s.name === 'line-06')!.replicas.find((r) => r.sliceProfile === '1g.10gb')!;
    const latency = 1 - replica.predictedP99Ms / 100;
    const throughput = 1 - replica.utilization;
    const score = (cost: number, fragmentation: number): number => Math.round((10 * (0.5 * latency + 0.3 * throughput + 0.2 * cost + 0.2 * fragmentation)) / 1.2);
    expect(list.map((h) => h.Score)).toEqual([score(0, 2 / 7), score(0, 2 / 14), score(1, 7 / 7)]);
  });

  test('nodes without price labels are not ranked by cost', () => {
    const scheduler = new PlanScheduler({ plan: factory.plan });
    const unpriced = [gpuA0, gpuA1].map((n) => {
      const copy = structuredClone(n) as { metadata: { labels: Record<string, string> } };
      delete copy.metadata.labels['tessera.dev/price-per-hour'];
      return copy;
    });
    const parts = scheduler.explain(parseExtenderArgs(extenderArgs(line06Pod, unpriced), parseQuantity));
    expect(parts.map((p) => p.cost)).toEqual([1, 1]);
    expect(scheduler.weights).toEqual({ latency: 0.5, throughput: 0.3, cost: 0.2, fragmentation: 0.2 });
  });
});

describe('scheduler extender: malformed requests get Error, never a crash', () => {
  const bad: [string, unknown, boolean, RegExp][] = [
    ['a body that is not JSON', '{"Pod": ', true, /request body is not JSON/],
    ['an empty object', {}, false, /ExtenderArgs.Pod is missing/],
    ['NodeNames only (nodeCacheCapable: true)', { Pod: line06Pod, Nodes: null, NodeNames: ['gpu-a-0'] }, false, /nodeCacheCapable: false/],
    ['a node without a name', { Pod: line06Pod, Nodes: { items: [{ metadata: {} }] } }, false, /Nodes.items\[0\] is not a v1.Node/],
    ['a pod without containers', { Pod: { metadata: { name: 'p' }, spec: {} }, Nodes: { items: [] } }, false, /not ExtenderArgs: Pod.spec.containers/],
    ['a quantity that is not one', extenderArgs(v1Pod({ name: 'p-1', labels: {}, limits: { 'nvidia.com/mig-1g.10gb': 'lots' } }), [gpuA0]), false, /resource 'nvidia.com\/mig-1g.10gb' is not a quantity/],
    ['an array', [1, 2], false, /not ExtenderArgs/],
    ['null', null, false, /not ExtenderArgs/],
  ];

  test.each(bad)('/filter answers 200 with Error for %s', async (_what, body, raw, message) => {
    const { status, json } = await post(server.url, 'filter', body, raw);
    expect(status).toBe(200);
    const r = json as Record<string, unknown>;
    expect(Object.keys(r).sort()).toEqual(FILTER_KEYS);
    expect(r['Error']).toMatch(message);
    expect(r['Nodes']).toBeNull();
    expect(r['NodeNames']).toBeNull();
    expect(r['FailedNodes']).toEqual({});
    expect(r['FailedAndUnresolvableNodes']).toEqual({});
  });

  test.each(bad)('/prioritize answers 400 with Error for %s', async (_what, body, raw, message) => {
    const { status, json } = await post(server.url, 'prioritize', body, raw);
    expect(status).toBe(400);
    expect((json as { Error: string }).Error).toMatch(message);
  });

  test('wrong method, unknown verb and an oversized body are refused; the server keeps answering', async () => {
    const get = await fetch(`${server.url}/filter`);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    expect((await post(server.url, 'bind', {})).status).toBe(404);
    const big = extenderArgs(line06Pod, ALL);
    const filtered = await post(small.url, 'filter', big);
    expect(filtered.status).toBe(200);
    expect((filtered.json as { Error: string }).Error).toMatch(/over 2048 bytes/);
    expect((await post(small.url, 'prioritize', big)).status).toBe(413);
    const health = await fetch(`${server.url}/healthz`);
    expect(await health.json()).toEqual({ status: 'ok' });
    const again = await post(server.url, 'filter', extenderArgs(line06Pod, ALL));
    expect((again.json as { Error: string }).Error).toBe('');
  });

  test('the reader throws the coded error the server turns into Error', () => {
    expect(() => parseExtenderArgs({ Pod: null }, parseQuantity)).toThrow(expect.objectContaining({ code: 'TESSERA_ERR_K8S_EXTENDER_ARGS', message: 'ExtenderArgs.Pod is missing' }));
  });

  test('the urlPrefix may carry a path: the verb is the last segment', async () => {
    const { status, json } = await post(`${server.url}/scheduler`, 'filter', extenderArgs(foreignPod, [gpuA0]));
    expect(status).toBe(200);
    expect((json as { Error: string }).Error).toBe('');
  });
});
