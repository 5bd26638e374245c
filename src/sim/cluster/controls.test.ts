import { describe, expect, test } from 'vitest';
import { ClusterSimulation } from './cluster-simulation.js';
import { simulationCluster } from './cluster-port.js';
import { SIM_LATENCY_LE_S, toServeMetricSamples } from './latency-counters.js';
import { simulatePlan } from './simulate-plan.js';
import { fixtureOptions, type FixtureService } from './test-support/cluster-fixture.js';

const every = (gapMs: number, untilMs: number, fromMs = 0): number[] => Array.from({ length: Math.floor((untilMs - fromMs) / gapMs) + 1 }, (_, i) => fromMs + i * gapMs);
/** 100 ms batches of one, restart / start-up = 500 ms load + 100 ms warm-up. */
const svc = (arrivals: readonly number[], extra: Partial<FixtureService> = {}): FixtureService => ({ name: 's', batchMs: 100, loadMs: 500, firstInferenceMs: 100, arrivals, ...extra });
const ok = (sim: ClusterSimulation): number => sim.counters('s')[0]?.requests.ok ?? 0;

describe('runtime controls (the Cluster port, synchronously)', () => {
  test('scaleService up adds capacity only after the new replica’s load + warm-up', () => {
    // Twice the load one replica carries: a request every 50 ms.
    const sim = new ClusterSimulation(fixtureOptions({ services: [svc(every(50, 4000), { maxReplicas: 4 })] }, { durationMs: 4000 }));
    sim.runUntil(1000);
    const before = ok(sim);
    sim.scaleService('s', 2);
    expect(sim.services()[0]).toMatchObject({ name: 's', replicas: 2, minReplicas: 1, maxReplicas: 4 });
    expect(sim.replicas('s').map((r) => [r.id, r.ready])).toEqual([
      ['s/0', true],
      ['s/1', false],
    ]);
    sim.runUntil(1599);
    // Only the first replica: batches ending at 1100 … 1500.
    expect(ok(sim) - before).toBe(5);
    expect(sim.replicas('s')[1]?.ready).toBe(false);
    const mid = ok(sim);
    sim.runUntil(2599);
    expect(sim.replicas('s')[1]?.ready).toBe(true);
    // Both from 1600: 10 + 9 batches.
    expect(ok(sim) - mid).toBe(19);
  });

  test('scaleService down lets the removed replica finish its batch, then removes it (the highest index first)', () => {
    const sim = new ClusterSimulation(fixtureOptions({ services: [svc([0, 10], { replicas: 2 })] }, { durationMs: 1000 }));
    sim.runUntil(50);
    sim.scaleService('s', 1);
    expect(sim.replicas('s').map((r) => r.id)).toEqual(['s/0']);
    expect(sim.services()[0]?.replicas).toBe(1);
    sim.runUntil(1000);
    expect(sim.result().services[0]).toMatchObject({ completed: 2, failed: 0 });
    // A later scale-up takes a new index: ids are never reused.
    sim.scaleService('s', 2);
    expect(sim.replicas('s').map((r) => r.id)).toEqual(['s/0', 's/2']);
  });

  test('setAdmissionCap refuses requests above the rate (429, counted as dropped) and undefined lifts it', () => {
    // 100 requests/s of 1 ms each; cap 20/s with the default 100 ms burst (2 requests).
    const sim = new ClusterSimulation(fixtureOptions({ services: [svc(every(10, 12_000, 5), { batchMs: 1 })] }, { durationMs: 12_000 }));
    sim.setAdmissionCap('s', 20);
    expect(sim.services()[0]?.admissionCapRps).toBe(20);
    sim.runUntil(10_000);
    const c = sim.counters('s')[0]!;
    expect(c.requests.ok).toBeGreaterThanOrEqual(200);
    expect(c.requests.ok).toBeLessThanOrEqual(202);
    expect(c.requests.dropped).toBe(1000 - c.requests.ok);
    sim.setAdmissionCap('s', undefined);
    sim.runUntil(12_000);
    const r = sim.result().services[0]!;
    expect(r.admissionRefused).toBe(c.requests.dropped);
    expect(r.dropped).toBe(r.admissionRefused);
    expect(r.completed - c.requests.ok).toBe(200);
  });

  test('setBatchSizeCap caps the batches the policy forms; the plan’s cap still applies above it', () => {
    const heavy = svc(every(1, 5000), { batchMs: (b) => 5 + b, policy: 'triton', maxBatchSize: 8, maxQueueDelayMs: 5 });
    const free = simulatePlan(fixtureOptions({ services: [heavy] }, { durationMs: 5000 })).services[0]!;
    expect(free.meanBatchSize).toBeGreaterThan(4);
    const sim = new ClusterSimulation(fixtureOptions({ services: [heavy] }, { durationMs: 5000 }));
    sim.setBatchSizeCap('s', 2);
    expect(sim.services()[0]).toMatchObject({ maxBatchSize: 2, plannedMaxBatchSize: 8 });
    sim.runUntil(5000);
    expect(sim.result().services[0]?.meanBatchSize).toBeLessThanOrEqual(2);
    sim.setBatchSizeCap('s', 64);
    expect(sim.services()[0]?.maxBatchSize).toBe(8);
    expect(() => sim.setBatchSizeCap('s', 0)).toThrow(expect.objectContaining({ code: 'TESSERA_ERR_SIM_OPTION' }) as Error);
  });

  test('restartReplica and repack are restarts: in-flight work fails, the replica is back after its load time', () => {
    const sim = new ClusterSimulation(fixtureOptions({ services: [svc([0, 1000], { replicas: 2 })] }, { durationMs: 3000 }));
    sim.runUntil(50);
    sim.restartReplica('s/0');
    expect(sim.replicas('s').map((r) => r.ready)).toEqual([false, true]);
    sim.runUntil(1050);
    sim.repack({ node: 'local' });
    expect(sim.replicas('s').map((r) => r.ready)).toEqual([false, false]);
    sim.runUntil(3000);
    expect(sim.result().services[0]).toMatchObject({ failed: 2, completed: 0, restarts: 3 });
    expect(sim.replicas('s').map((r) => r.ready)).toEqual([true, true]);
    expect(() => sim.repack({ gpu: 'nope' })).toThrow(expect.objectContaining({ code: 'TESSERA_ERR_SIM_UNKNOWN_TARGET' }) as Error);
    expect(() => sim.repack({})).toThrow(expect.objectContaining({ code: 'TESSERA_ERR_SIM_OPTION' }) as Error);
    expect(() => sim.restartReplica('s/9')).toThrow(expect.objectContaining({ code: 'TESSERA_ERR_SIM_UNKNOWN_TARGET' }) as Error);
    expect(() => sim.scaleService('ghost', 1)).toThrow(expect.objectContaining({ code: 'TESSERA_ERR_SIM_UNKNOWN_TARGET' }) as Error);
    expect(() => sim.scaleService('s', 1.5)).toThrow(expect.objectContaining({ code: 'TESSERA_ERR_SIM_OPTION' }) as Error);
  });

  test('counters: requests by status, cumulative latency buckets with the serving histogram’s le bounds, queue depth', () => {
    const sim = new ClusterSimulation(fixtureOptions({ services: [svc([0, 0, 0], { batchMs: 3 })] }, { durationMs: 100 }));
    sim.runUntil(4);
    expect(sim.counters('s')[0]?.queueDepth).toBe(1);
    sim.runUntil(100);
    const c = sim.counters()[0]!;
    expect(c).toMatchObject({ service: 's', model: 's-model', atMs: 100, requests: { ok: 3, dropped: 0, error: 0 }, queueDepth: 0 });
    expect(c.latency.le).toEqual(SIM_LATENCY_LE_S);
    expect(c.latency.le.at(-1)).toBe(Number.POSITIVE_INFINITY);
    // Latencies 3, 6 and 9 ms: cumulative counts at le 2 ms → 0, 3 ms → 1 (le is inclusive), 5 ms → 1, 7.5 ms → 2, 10 ms → 3.
    const at = (le: number): number | undefined => c.latency.cumulative[c.latency.le.indexOf(le)];
    expect([0.002, 0.003, 0.005, 0.0075, 0.01].map(at)).toEqual([0, 1, 1, 2, 3]);
    expect(c.latency.cumulative.at(-1)).toBe(3);
    expect(c.latency.sumS).toBeCloseTo(0.018, 12);
    const samples = toServeMetricSamples([c]);
    expect(samples).toContainEqual({ metric: 'tessera_serve_requests_total', labels: { model: 's', status: 'ok' }, value: 3 });
    expect(samples).toContainEqual({ metric: 'tessera_serve_request_duration_seconds_bucket', labels: { model: 's', le: '+Inf' }, value: 3 });
    expect(samples).toContainEqual({ metric: 'tessera_serve_queue_depth', labels: { model: 's' }, value: 0 });
  });

  test('the Cluster port over a simulation resolves at once and rejects a bad id with the coded error', async () => {
    const sim = new ClusterSimulation(fixtureOptions({ services: [svc([])] }, { durationMs: 100 }));
    const cluster = simulationCluster(sim);
    expect((await cluster.listServices()).map((s) => s.name)).toEqual(['s']);
    await cluster.scaleService('s', 2, 'test');
    expect(await cluster.listReplicas('s')).toHaveLength(2);
    await expect(cluster.restartReplica('s/5', 'test')).rejects.toMatchObject({ code: 'TESSERA_ERR_SIM_UNKNOWN_TARGET' });
  });

  test('runUntil never goes back in time', () => {
    const sim = new ClusterSimulation(fixtureOptions({ services: [svc([])] }, { durationMs: 100 }));
    sim.runUntil(50);
    expect(() => sim.runUntil(10)).toThrow(expect.objectContaining({ code: 'TESSERA_ERR_SIM_OPTION' }) as Error);
  });
});

describe('determinism', () => {
  test('the same seed replays a run with noise, cold pools, keep-alive and failures exactly; another seed differs', () => {
    const services: FixtureService[] = [
      { name: 'hot', batchMs: (b) => 4 + b, p99OverP50: 2, policy: 'triton', maxBatchSize: 8, maxQueueDelayMs: 2, rps: 150, loadMs: 300, replicas: 2 },
      { name: 'c1', batchMs: 20, p99OverP50: 1.5, pool: 'cold', loadMs: 400, memoryBytes: 1e9, rps: 2 },
      { name: 'c2', batchMs: 30, p99OverP50: 1.5, pool: 'cold', loadMs: 600, memoryBytes: 1e9, rps: 1 },
    ];
    const run = (seed: number): unknown => {
      const r = simulatePlan(fixtureOptions({ services, poolMemoryBytes: 1e9 }, { durationMs: 30_000, seed, keepAlive: { policy: 'fixed', keepAliveMs: 2000 }, failures: [{ atMs: 10_000, replica: 'hot/1' }] }));
      return { ...r, summary: { ...r.summary, wallMs: 0 } };
    };
    const a = run(5);
    expect(run(5)).toEqual(a);
    expect(run(6)).not.toEqual(a);
    const r = a as ReturnType<typeof simulatePlan>;
    expect(r.summary.coldStarts).toBeGreaterThan(0);
    // One model fits the pool at a time: the two take turns (evicted or unloaded by keep-alive).
    expect(r.pools[0]!.evictions + r.pools[0]!.unloads).toBeGreaterThan(0);
    expect(r.services.find((s) => s.name === 'hot')?.restarts).toBe(1);
  });
});
