import { describe, expect, test } from 'vitest';
import { codeOf } from '../../core/test-support/coded-error.js';
import { simulatePlan } from './simulate-plan.js';
import { fixtureOptions, type FixtureService } from './test-support/cluster-fixture.js';

const every = (gapMs: number, untilMs: number): number[] => Array.from({ length: Math.floor(untilMs / gapMs) }, (_, i) => i * gapMs);
/** 10 ms batches of one, a request every 100 ms: never queued, so latency = batch time + overhead. */
const quiet = (extra: Partial<FixtureService> = {}): FixtureService => ({ name: 's', batchMs: 10, maxBatchSize: 1, arrivals: every(100, 10_000), ...extra });

describe('serving overhead (the gateway and worker hand-off a model profile does not contain)', () => {
  test('a constant request overhead adds exactly its time to every request, and counts against the SLO', () => {
    const base = simulatePlan(fixtureOptions({ services: [quiet({ sloMs: 12 })] }, { durationMs: 10_000 }));
    const withOh = simulatePlan({ ...fixtureOptions({ services: [quiet({ sloMs: 12 })] }, { durationMs: 10_000 }), servingOverhead: { requestP50Ms: 3 } });
    const [b, o] = [base.services[0]!, withOh.services[0]!];
    expect(b.p50Ms).toBeCloseTo(10, 1);
    expect(o.p50Ms).toBeCloseTo(13, 1);
    expect(o.p99Ms).toBeCloseTo(13, 1);
    expect(b.sloAttainment).toBe(1);
    expect(o.sloAttainment).toBe(0);
    // It does not occupy the replica: throughput and batches are unchanged.
    expect(o.completed).toBe(b.completed);
  });

  test('a spread between p50 and p99 widens the tail; per-service overheads apply by name', () => {
    const opts = fixtureOptions({ services: [quiet(), { ...quiet(), name: 't' }] }, { durationMs: 10_000 });
    const r = simulatePlan({ ...opts, servingOverhead: new Map([['s', { requestP50Ms: 2, requestP99Ms: 8 }]]) });
    const [s, t] = [r.services.find((x) => x.name === 's')!, r.services.find((x) => x.name === 't')!];
    expect(s.p50Ms).toBeGreaterThan(11.5);
    expect(s.p50Ms).toBeLessThan(12.5);
    expect(s.p99Ms).toBeGreaterThan(15);
    expect(t.p50Ms).toBeCloseTo(10, 1);
    expect(t.p99Ms).toBeCloseTo(10, 1);
  });

  test('batch overhead occupies the instance: at 90 % load it turns a stable queue into an overloaded one', () => {
    // 9 ms batches, a request every 10 ms; 2 ms of hand-off per batch pushes the load past 100 %.
    const busy = (): FixtureService => ({ name: 's', batchMs: 9, maxBatchSize: 1, arrivals: every(10, 10_000) });
    const base = simulatePlan(fixtureOptions({ services: [busy()] }, { durationMs: 10_000 }));
    const slow = simulatePlan({ ...fixtureOptions({ services: [busy()] }, { durationMs: 10_000 }), servingOverhead: { requestP50Ms: 0, batchMs: 2 } });
    expect(base.services[0]!.p99Ms).toBeLessThan(10);
    expect(slow.services[0]!.p99Ms).toBeGreaterThan(50);
  });

  test('a negative or inverted overhead is a coded option error', () => {
    const opts = fixtureOptions({ services: [quiet()] }, { durationMs: 1000 });
    expect(codeOf(() => simulatePlan({ ...opts, servingOverhead: { requestP50Ms: -1 } }))).toBe('TESSERA_ERR_SIM_OPTION');
    expect(codeOf(() => simulatePlan({ ...opts, servingOverhead: { requestP50Ms: 5, requestP99Ms: 2 } }))).toBe('TESSERA_ERR_SIM_OPTION');
  });
});
