import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { createKeepAlivePolicy, type Forecaster, type KeepAlivePolicyOptions } from '../../policy/index.js';
import { runKeepAliveLoop } from '../../policy/keep-alive/test-support/virtual-keep-alive.js';
import { ClusterSimulation } from './cluster-simulation.js';
import { simulatePlan } from './simulate-plan.js';
import { fixtureOptions, type FixtureService } from './test-support/cluster-fixture.js';

const GB = 1e9;
/** A cold service: 500 ms load + 100 ms first inference, 10 ms batches, 1 GB. */
const cold = (name: string, arrivals: readonly number[], extra: Partial<FixtureService> = {}): FixtureService => ({
  name,
  batchMs: 10,
  pool: 'cold',
  loadMs: 500,
  firstInferenceMs: 100,
  memoryBytes: GB,
  arrivals,
  ...extra,
});

function stateOf(sim: ClusterSimulation, service: string): string | undefined {
  return sim.pools()[0]?.models.find((m) => m.service === service)?.state;
}

describe('cold pools: loads on demand', () => {
  test('a cold start adds exactly load + warm-up to the first request; a resident model adds nothing', () => {
    const r = simulatePlan(fixtureOptions({ services: [cold('a', [1000, 3000])] }, { durationMs: 5000 }));
    const s = r.services[0]!;
    expect(s.coldStarts).toBe(1);
    expect(s.coldStartDelayedRequests).toBe(1);
    expect(s.coldStartDelayMs).toBe(600);
    expect(s.coldStartDelayMeanMs).toBe(600);
    expect(s.completed).toBe(2);
    // 600 ms load + warm-up + 10 ms batch, then 10 ms.
    expect(s.latencyCdf.at(-1)?.ms).toBeCloseTo(610, 0);
    expect(s.latencyCdf[0]?.ms).toBeCloseTo(10, 1);
    expect(r.pools[0]).toMatchObject({ coldStarts: 1, peakUsedBytes: GB });
    // Resident from the load's start (1000 ms) to the end (5000 ms); no keep-alive unloads it.
    expect(s.residentMs).toBe(4000);
  });

  test('the exact latency of the first request is load + warm-up + its batch (served-latency counters)', () => {
    const sim = new ClusterSimulation(fixtureOptions({ services: [cold('a', [1000])] }, { durationMs: 5000 }));
    sim.runUntil(1609);
    expect(sim.counters('a')[0]?.requests.ok).toBe(0);
    expect(stateOf(sim, 'a')).toBe('resident');
    sim.runUntil(1610);
    const c = sim.counters('a')[0]!;
    expect(c.requests.ok).toBe(1);
    expect(c.latency.sumS).toBeCloseTo(0.61, 12);
  });

  test('concurrent requests during a load wait for the same load', () => {
    const r = simulatePlan(fixtureOptions({ services: [cold('a', [1000, 1100, 1200])] }, { durationMs: 5000 }));
    const s = r.services[0]!;
    expect(s.coldStarts).toBe(1);
    expect(s.coldStartDelayedRequests).toBe(3);
    expect(s.coldStartDelayMs).toBe(600 + 500 + 400);
    expect(s.completed).toBe(3);
  });

  test('an unmeasured load falls back to the planner’s assumed cold start (2 s), or the option', () => {
    const unmeasured = cold('a', [0], { loadMs: undefined, firstInferenceMs: undefined });
    expect(simulatePlan(fixtureOptions({ services: [unmeasured] }, { durationMs: 5000 })).services[0]?.coldStartDelayMs).toBe(2000);
    expect(simulatePlan(fixtureOptions({ services: [unmeasured] }, { durationMs: 5000, defaultColdStartMs: 300 })).services[0]?.coldStartDelayMs).toBe(300);
  });

  test('hot services are always resident: no cold start, resident for the whole run', () => {
    const r = simulatePlan(fixtureOptions({ services: [{ name: 'h', batchMs: 10, loadMs: 500, arrivals: [0, 100] }] }, { durationMs: 1000 }));
    expect(r.services[0]).toMatchObject({ coldStarts: 0, coldStartDelayedRequests: 0, residentMs: 1000 });
    expect(r.pools).toEqual([]);
  });
});

describe('cold pools: LRU eviction under the slice memory', () => {
  test('a load that does not fit evicts the least recently used idle model', () => {
    // Room for two: a, b, then a again (b is now the least recent), then c evicts b.
    const o = fixtureOptions({ services: [cold('a', [0, 2000]), cold('b', [1000, 5000]), cold('c', [3000])], poolMemoryBytes: 2 * GB }, { durationMs: 6000 });
    const sim = new ClusterSimulation(o);
    sim.runUntil(3000);
    expect([stateOf(sim, 'a'), stateOf(sim, 'b'), stateOf(sim, 'c')]).toEqual(['resident', 'unloaded', 'loading']);
    sim.runUntil(6000);
    const r = sim.result();
    expect(r.services.map((s) => [s.name, s.coldStarts, s.evictions])).toEqual([
      ['a', 1, 1],
      ['b', 2, 1],
      ['c', 1, 0],
    ]);
    expect(r.pools[0]?.peakUsedBytes).toBe(2 * GB);
  });

  test('a busy model is never evicted: with no idle model to evict the request is refused (as the runtime does), and retried later', () => {
    // a runs one 5 s batch from 600 ms; b asks at 1000 ms (refused) and at 7000 ms (a is idle: evicted).
    const o = fixtureOptions({ services: [cold('a', [0], { batchMs: 5000 }), cold('b', [1000, 7000])], poolMemoryBytes: GB }, { durationMs: 10_000 });
    const sim = new ClusterSimulation(o);
    sim.runUntil(1000);
    expect(stateOf(sim, 'a')).toBe('resident');
    expect(sim.pools()[0]?.models.find((m) => m.service === 'a')?.busy).toBe(true);
    sim.runUntil(10_000);
    const [a, b] = sim.result().services;
    expect(a).toMatchObject({ completed: 1, evictions: 1, failed: 0 });
    expect(b).toMatchObject({ requests: 2, completed: 1, dropped: 1, poolRefused: 1, coldStarts: 1 });
    expect(sim.result().pools[0]).toMatchObject({ refused: 1, evictions: 1 });
  });

  test('property: memory held never exceeds the pool budget, and every request is served or refused', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 4, maxLength: 4 }),
        fc.integer({ min: 3, max: 6 }),
        fc.array(fc.array(fc.integer({ min: 0, max: 20_000 }), { maxLength: 15 }), { minLength: 4, maxLength: 4 }),
        fc.constantFrom<undefined | 'fixed'>(undefined, 'fixed'),
        (sizes, memory, times, keepAlive) => {
          const services = sizes.map((gb, i) => cold(`m${i}`, [...(times[i] ?? [])].sort((x, y) => x - y), { memoryBytes: gb * GB, batchMs: 50 + 100 * i }));
          const o = fixtureOptions({ services, poolMemoryBytes: memory * GB }, { durationMs: 20_000, ...(keepAlive ? { keepAlive: { policy: keepAlive, keepAliveMs: 1500 } } : {}) });
          const sim = new ClusterSimulation(o);
          for (let t = 0; t <= 40_000; t += 250) {
            sim.runUntil(t);
            const p = sim.pools()[0]!;
            expect(p.usedBytes).toBeLessThanOrEqual(p.memoryBytes);
            // A model with work is resident or loading, never unloaded.
            for (const m of p.models) if (m.busy) expect(m.state).not.toBe('unloaded');
          }
          const r = sim.result();
          expect(r.pools[0]!.peakUsedBytes).toBeLessThanOrEqual(memory * GB);
          for (const s of r.services) expect(s.completed + s.dropped).toBe(s.requests);
        },
      ),
      { numRuns: 40, seed: 7 },
    );
  });
});

describe('cold pools: keep-alive and pre-warm', () => {
  test('fixed keep-alive unloads a model exactly keepAliveMs after it went idle', () => {
    const o = fixtureOptions({ services: [cold('a', [0, 20_000])] }, { durationMs: 30_000, keepAlive: { policy: 'fixed', keepAliveMs: 10_000 } });
    const sim = new ClusterSimulation(o);
    // Loaded at 600 ms, idle from 610 ms.
    sim.runUntil(10_609);
    expect(stateOf(sim, 'a')).toBe('resident');
    sim.runUntil(10_610);
    expect(stateOf(sim, 'a')).toBe('unloaded');
    sim.runUntil(30_000);
    const s = sim.result().services[0]!;
    expect(s).toMatchObject({ coldStarts: 2, unloads: 1, evictions: 0, prewarms: 0 });
    // Resident 0 → 10 610 ms and 20 000 → 30 610 ms, the second cut at the end of the run.
    expect(s.residentMs).toBe(10_610 + 10_000);
  });

  test('the forecast policy pre-warms ahead of predicted demand, so the request finds the model loaded', () => {
    // Demand predicted from minute 5 on: load at 5 min − (600 ms load + 30 s margin).
    const forecaster: Forecaster = { name: 'step', forecast: ({ endMs = 0, stepMs = 60_000, horizon }) => Array.from({ length: horizon }, (_, k) => (endMs + k * stepMs >= 300_000 ? 5 : 0)) };
    const o = fixtureOptions({ services: [cold('a', [300_000])] }, { durationMs: 310_000, keepAlive: { policy: 'forecast', horizonMs: 600_000 }, forecaster });
    const sim = new ClusterSimulation(o);
    sim.runUntil(269_399);
    expect(stateOf(sim, 'a')).toBe('unloaded');
    sim.runUntil(269_400);
    expect(stateOf(sim, 'a')).toBe('loading');
    sim.runUntil(310_000);
    expect(sim.result().services[0]).toMatchObject({ prewarms: 1, coldStarts: 0, coldStartDelayedRequests: 0, completed: 1 });
  });

  test('a request during a pre-warm waits for that load: delayed, but not a cold start of its own', () => {
    const forecaster: Forecaster = { name: 'now', forecast: ({ horizon }) => Array.from({ length: horizon }, () => 5) };
    const r = simulatePlan(fixtureOptions({ services: [cold('a', [200])] }, { durationMs: 5000, keepAlive: { policy: 'forecast', minKeepAliveMs: 60_000 }, forecaster }));
    expect(r.services[0]).toMatchObject({ prewarms: 1, coldStarts: 0, coldStartDelayedRequests: 1, coldStartDelayMs: 400 });
  });
});

describe('keep-alive loops match the reference loop', () => {
  const MIN = 60_000;
  // A periodic app (every 30 min, then a burst of short gaps), 1 s requests, 600 ms load + warm-up.
  const times = [...Array.from({ length: 30 }, (_, i) => i * 30 * MIN), ...Array.from({ length: 20 }, (_, i) => 15 * 60 * MIN + i * 3 * MIN)];
  test.each<[string, KeepAlivePolicyOptions]>([
    ['fixed 10 min', { policy: 'fixed' }],
    ['fixed 45 min', { policy: 'fixed', keepAliveMs: 45 * MIN }],
    ['hybrid histogram', { policy: 'hybrid-histogram' }],
    ['forecast pre-warm', { policy: 'forecast', horizonMs: 40 * MIN }],
  ])('%s: the same cold starts, pre-warms, unloads and resident time as runKeepAliveLoop', (_name, keepAlive) => {
    const untilMs = 20 * 60 * MIN;
    const ref = runKeepAliveLoop(createKeepAlivePolicy(keepAlive), times, { loadMs: 600, serviceMs: 1000, untilMs });
    const s = simulatePlan(fixtureOptions({ services: [cold('a', times, { batchMs: 1000 })] }, { durationMs: untilMs, keepAlive })).services[0]!;
    // The reference counts every request that found the model unloaded or loading.
    expect(s.coldStartDelayedRequests).toBe(ref.coldStarts);
    expect(s.prewarms).toBe(ref.prewarms);
    expect(s.unloads).toBe(ref.unloads);
    expect(s.residentMs).toBeCloseTo(ref.residentMs, 6);
  });
});
