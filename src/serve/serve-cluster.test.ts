import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { isTesseraError, parseFleetText, RealClock, silentLogger, type LoadedFleet } from '../core/index.js';
import { rejectionCodeOf } from '../core/test-support/coded-error.js';
import { ServeMetrics } from '../observe/serve-metrics.js';
import { ModelPools } from './model-pools.js';
import type { HostTensor } from './runtime/host-tensor.js';
import type { ServiceRuntime } from './runtime/service-runtime.js';
import { ServeCluster } from './serve-cluster.js';
import { serviceStarter } from './serve-fleet.js';
import { fraudFleet } from './test-support/fraud-fleet.js';

// The generated fraud MLP is the quickest real model to start: real onnxruntime sessions in real
// worker threads, no doubles (the ServeCluster acts on the runtime the server runs).
const { yaml: FLEET, plan: PLAN } = fraudFleet({
  name: 'cluster',
  cores: 2,
  services: [
    { name: 'fraud', sloP99Ms: 50, rps: 20, slice: 'local/cpu@0' },
    { name: 'fraud-cold', sloP99Ms: 50, rps: 1, pool: 'cold', slice: 'local/cpu@1' },
  ],
  coldPoolBytes: 64 * 1024 ** 2,
});

const features = (): Record<string, HostTensor> => ({ features: { dtype: 'float32', dims: [1, 32], data: new Float32Array(32).fill(0.3) } });

async function batchCounts(metrics: ServeMetrics): Promise<{ total: number; upTo4: number }> {
  const values = (await metrics.batchSize.get()).values.filter((v) => v.labels['model'] === 'fraud');
  const bucket = (le: number | string) => values.find((v) => v.metricName?.endsWith('_bucket') && (v.labels as Record<string, string | number>)['le'] === le)?.value ?? 0;
  return { total: bucket('+Inf'), upTo4: bucket(4) };
}

describe('ServeCluster over the embedded runtime (real onnxruntime, fraud MLP)', () => {
  const metrics = new ServeMetrics({ defaultMetrics: false });
  const clock = new RealClock();
  const loaded: LoadedFleet = { fleet: parseFleetText(FLEET), file: undefined, baseDir: process.cwd() };
  let pools: ModelPools;
  let cluster: ServeCluster;
  let fraud: ServiceRuntime;

  beforeAll(async () => {
    const fleetOpts = { loaded, plan: PLAN, clock, metrics, logger: silentLogger(), modelCacheDir: '.tessera/models' };
    pools = new ModelPools({
      models: PLAN.services.map((svc) => ({ name: svc.name, pool: svc.pool, memoryBytes: 1024 ** 2, start: serviceStarter(fleetOpts, svc).start })),
      coldBudgetBytes: 64 * 1024 ** 2,
      clock,
      metrics,
    });
    expect(await pools.startHot()).toEqual([]);
    fraud = pools.peek('fraud') as ServiceRuntime;
    // A budget of 3 threads: the running replica uses 1, so two more fit.
    cluster = new ServeCluster({ pools, plan: PLAN, loaded, threadBudget: 3 });
  });
  afterAll(async () => {
    await pools.close();
  });

  test('lists the resident services with their bounds, planned batch size and replicas on the plan slices', async () => {
    expect(await cluster.listServices()).toEqual([
      { name: 'fraud', model: 'fraud-mlp', sloP99Ms: 50, replicas: 1, minReplicas: 1, maxReplicas: 3, maxBatchSize: 64, plannedMaxBatchSize: 64, admissionCapRps: undefined },
    ]);
    expect(await cluster.listReplicas()).toEqual([{ id: 'fraud-0', service: 'fraud', slice: 'local/cpu@0', node: 'local', gpu: undefined, ready: true }]);
    expect(await rejectionCodeOf(cluster.scaleService('fraud-cold', 2, 'test'))).toBe('TESSERA_ERR_ADAPT_ACTION'); // cold, not resident
    expect(await rejectionCodeOf(cluster.scaleService('nope', 2, 'test'))).toBe('TESSERA_ERR_ADAPT_ACTION');
  });

  test('scale out warms new replicas before they serve, within the thread budget; scale in retires the newest; no request fails', async () => {
    let sending = true;
    const outcomes: string[] = [];
    const sender = (async () => {
      while (sending) {
        await Promise.all(Array.from({ length: 8 }, () => fraud.infer(features()).then(() => outcomes.push('ok'), (e: unknown) => outcomes.push(isTesseraError(e) ? e.code : String(e)))));
      }
    })();
    await cluster.scaleService('fraud', 3, 'test: scale out');
    expect((await cluster.listReplicas('fraud')).map((r) => [r.id, r.ready])).toEqual([
      ['fraud-0', true],
      ['fraud-1', true],
      ['fraud-2', true],
    ]);
    expect(fraud.instances).toBe(3);
    expect((await cluster.listServices())[0]).toMatchObject({ replicas: 3, maxReplicas: 3 });
    expect(await rejectionCodeOf(cluster.scaleService('fraud', 4, 'test: past the budget'))).toBe('TESSERA_ERR_ADAPT_ACTION');
    await cluster.scaleService('fraud', 1, 'test: scale in');
    sending = false;
    await sender;
    expect((await cluster.listReplicas('fraud')).map((r) => r.id)).toEqual(['fraud-0']);
    expect(fraud.instances).toBe(1);
    expect(outcomes.length).toBeGreaterThan(0);
    expect(outcomes.filter((o) => o !== 'ok')).toEqual([]);
    expect(await rejectionCodeOf(cluster.scaleService('fraud', 0, 'test'))).toBe('TESSERA_ERR_ADAPT_ACTION');
  });

  test('a restart replaces the replica with a fresh warmed one under load, keeping its id; no request fails', async () => {
    const before = fraud.replicas()[0]?.startedAtMs ?? 0;
    const restartsBefore = (await metrics.workerRestarts.get()).values.reduce((n, v) => n + v.value, 0);
    const inflight = Array.from({ length: 200 }, () => fraud.infer(features()));
    await cluster.restartReplica('fraud-0', 'test: restart');
    const results = await Promise.allSettled([...inflight, fraud.infer(features())]);
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    const after = fraud.replicas();
    expect(after.map((r) => r.id)).toEqual(['fraud-0']);
    expect(after[0]?.startedAtMs).toBeGreaterThan(before);
    // Make before break: nothing died, so no worker restart was counted.
    expect((await metrics.workerRestarts.get()).values.reduce((n, v) => n + v.value, 0)).toBe(restartsBefore);
    expect(await rejectionCodeOf(cluster.restartReplica('fraud-9', 'test'))).toBe('TESSERA_ERR_ADAPT_ACTION');
  });

  test('a batch size cap bounds the batches formed; a cap at the plan size restores it', async () => {
    await cluster.setBatchSizeCap('fraud', 4, 'test: lower');
    expect((await cluster.listServices())[0]).toMatchObject({ maxBatchSize: 4, plannedMaxBatchSize: 64 });
    const before = await batchCounts(metrics);
    await Promise.all(Array.from({ length: 120 }, () => fraud.infer(features())));
    const capped = await batchCounts(metrics);
    expect(capped.total - before.total).toBeGreaterThanOrEqual(120 / 4);
    expect(capped.upTo4 - before.upTo4).toBe(capped.total - before.total);

    await cluster.setBatchSizeCap('fraud', 64, 'test: restore');
    expect(fraud.batchSizeCap).toBeUndefined();
    expect((await cluster.listServices())[0]).toMatchObject({ maxBatchSize: 64 });
    await Promise.all(Array.from({ length: 120 }, () => fraud.infer(features())));
    const restored = await batchCounts(metrics);
    expect(restored.total - capped.total).toBeLessThan(120 / 4); // batches over 4 again
  });

  test('an admission cap refuses above its rate with TESSERA_ERR_SERVE_SHED (429, Retry-After); lifting it admits all', async () => {
    await cluster.setAdmissionCap('fraud', 5, 'test: shed');
    expect((await cluster.listServices())[0]?.admissionCapRps).toBe(5);
    expect(fraud.refusalBeforeBody()).toBeUndefined(); // a full bucket: room for now
    const settled = await Promise.allSettled(Array.from({ length: 30 }, () => fraud.infer(features())));
    const refused = settled.filter((s): s is PromiseRejectedResult => s.status === 'rejected').map((s) => s.reason as { code: string; httpStatus: number; details?: { retryAfterS?: number } });
    // One second's worth (5) passes at once; the rest of the burst is refused.
    expect(settled.length - refused.length).toBeGreaterThanOrEqual(5);
    expect(settled.length - refused.length).toBeLessThanOrEqual(6);
    expect(new Set(refused.map((r) => `${r.code} ${r.httpStatus}`))).toEqual(new Set(['TESSERA_ERR_SERVE_SHED 429']));
    expect(refused[0]?.details?.retryAfterS).toBeGreaterThanOrEqual(1);
    expect(fraud.refusalBeforeBody()?.code).toBe('TESSERA_ERR_SERVE_SHED');

    await cluster.setAdmissionCap('fraud', undefined, 'test: lift');
    expect((await cluster.listServices())[0]?.admissionCapRps).toBeUndefined();
    const all = await Promise.allSettled(Array.from({ length: 30 }, () => fraud.infer(features())));
    expect(all.every((s) => s.status === 'fulfilled')).toBe(true);
  });

  test('on CPU a re-pack restarts the replicas of the node in scope; an empty scope is refused', async () => {
    const before = fraud.replicas()[0]?.startedAtMs ?? 0;
    await cluster.repack({ node: 'local' }, 'test: repack');
    expect(fraud.replicas()[0]?.startedAtMs).toBeGreaterThan(before);
    expect(await rejectionCodeOf(cluster.repack({ gpu: 'local/gpu0' }, 'test'))).toBe('TESSERA_ERR_ADAPT_ACTION');
    expect(await rejectionCodeOf(cluster.repack({}, 'test'))).toBe('TESSERA_ERR_ADAPT_ACTION');
  });
});
