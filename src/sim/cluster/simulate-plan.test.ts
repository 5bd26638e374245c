import { describe, expect, test } from 'vitest';
import { PerformanceModel } from '../../profile/index.js';
import { fluctuation, simulatePlan } from './simulate-plan.js';
import { deterministicProfile, singleServerFleet, singleServerPlan } from './test-support/single-server.js';

const SERVICE_MS = 10;
const planWith = (policy: 'none' | 'triton', instances = 1) => singleServerPlan({ policy, instances, demandRps: 60 });

describe('simulatePlan', () => {
  test('with batching off, one server with Poisson arrivals and deterministic service matches the M/D/1 mean wait within 2 %', () => {
    const rps = 60;
    const model = new PerformanceModel([deterministicProfile(() => SERVICE_MS)]);
    const r = simulatePlan({ fleet: singleServerFleet(rps), plan: planWith('none'), model, durationMs: 3_000_000, seed: 7 });
    const rho = (rps * SERVICE_MS) / 1000;
    const mu = 1 / SERVICE_MS;
    const expectedResponseMs = SERVICE_MS + rho / (2 * mu * (1 - rho));
    const s = r.services[0]!;
    expect(Math.abs(s.meanMs - expectedResponseMs) / expectedResponseMs).toBeLessThan(0.02);
    expect(r.slices[0]!.utilization).toBeCloseTo(rho, 1);
  });

  test('is deterministic for a seed and differs across seeds', () => {
    const model = new PerformanceModel([deterministicProfile((b) => 4 + b)]);
    const run = (seed: number): number => simulatePlan({ fleet: singleServerFleet(300), plan: planWith('triton'), model, durationMs: 20_000, seed }).services[0]!.p99Ms;
    expect(run(3)).toBe(run(3));
    expect(run(3)).not.toBe(run(4));
  });

  test('the runtime’s batching policy batches under load: mean batch grows with the rate and p99 stays bounded', () => {
    const model = new PerformanceModel([deterministicProfile((b) => 4 + b)]);
    const light = simulatePlan({ fleet: singleServerFleet(20), plan: planWith('triton'), model, durationMs: 60_000, seed: 1 }).services[0]!;
    const heavy = simulatePlan({ fleet: singleServerFleet(500), plan: planWith('triton'), model, durationMs: 60_000, seed: 1 }).services[0]!;
    expect(heavy.meanBatchSize).toBeGreaterThan(light.meanBatchSize);
    expect(heavy.sloAttainment).toBeGreaterThan(0.99);
    // Without batching the same load overflows the bounded queue and requests are refused.
    const unbatched = simulatePlan({ fleet: singleServerFleet(500), plan: planWith('none'), model, durationMs: 60_000, seed: 1 }).services[0]!;
    expect(unbatched.dropped).toBeGreaterThan(0);
  });

  test('a plan naming a service the spec lacks is a coded error', () => {
    const model = new PerformanceModel([deterministicProfile(() => SERVICE_MS)]);
    const plan = planWith('none');
    plan.services[0]!.name = 'ghost';
    expect(() => simulatePlan({ fleet: singleServerFleet(10), plan, model, durationMs: 1000 })).toThrow(expect.objectContaining({ code: 'TESSERA_ERR_SIM_PLAN_MISMATCH' }) as Error);
  });

  test('throughput fluctuation is half the 5–95 % spread over the mean', () => {
    expect(fluctuation([100, 100, 100])).toBe(0);
    expect(fluctuation(Array.from({ length: 101 }, (_, i) => 50 + i))).toBeCloseTo(45 / 100, 2);
  });
});
