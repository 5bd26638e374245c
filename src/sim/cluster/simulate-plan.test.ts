import { describe, expect, test } from 'vitest';
import { parseFleetText } from '../../core/index.js';
import { PerformanceModel, type ModelProfile } from '../../profile/index.js';
import type { Plan } from '../../plan/plan-types.js';
import { fluctuation, simulatePlan } from './simulate-plan.js';

const SERVICE_MS = 10;

function profile(batchMs: (b: number) => number): ModelProfile {
  return {
    schemaVersion: 1,
    model: 'm',
    origin: 'imported',
    device: { kind: 'cpu', name: 'cpu', threads: 1, fingerprint: 'test-cpu' },
    runtime: { name: 'test', version: '0' },
    points: [1, 2, 4, 8].map((b) => ({ batchSize: b, concurrency: 1, latencyMs: { p50: batchMs(b), p90: batchMs(b), p99: batchMs(b), mean: batchMs(b) }, throughputPerS: (1000 * b) / batchMs(b), samples: 100 })),
    measuredAt: '2026-01-01T00:00:00Z',
  };
}

function fleetAt(rps: number, arrival: 'poisson' | 'constant' = 'poisson'): ReturnType<typeof parseFleetText> {
  return parseFleetText(`
apiVersion: tessera.dev/v1alpha1
kind: Fleet
metadata: { name: sim }
models: [{ name: m, profiles: ./m.json, maxBatchSize: 8 }]
services: [{ name: s, model: m, slo: { p99Ms: 100 }, traffic: { rps: ${rps}, arrival: ${arrival} } }]
inventory: { nodes: [{ name: local, cpu: { cores: 1 } }] }
`);
}

function planWith(policy: 'none' | 'triton', instances = 1): Plan {
  return {
    apiVersion: 'tessera.dev/v1alpha1',
    kind: 'Plan',
    fleet: 'sim',
    summary: { gpus: 0, cpuCores: 1, costPerHour: 1, costPer1kInferences: 0, meanUtilization: 0, solver: 'hand', optimalityGap: null, objective: 0, solveMs: 0 },
    gpus: [],
    slices: [{ id: 'local/cpu@0', node: 'local', kind: 'cpu', profile: 'cpu-1', memoryBytes: 1e9, cores: 1 }],
    services: [
      {
        name: 's',
        model: 'm',
        sloP99Ms: 100,
        demandRps: 60,
        pool: 'hot',
        poolReason: 'test',
        replicas: [{ slice: 'local/cpu@0', sliceProfile: 'cpu-1', node: 'local', batching: { policy, maxBatchSize: 8, maxQueueDelayMs: 5 }, instances, predictedP99Ms: 50, capacityRps: 100, utilization: 0.6, estimated: false }],
      },
    ],
    coldPools: [],
    infeasible: [],
    explain: [],
  };
}

describe('simulatePlan', () => {
  test('with batching off, one server with Poisson arrivals and deterministic service matches the M/D/1 mean wait within 2 %', () => {
    const rps = 60;
    const model = new PerformanceModel([profile(() => SERVICE_MS)]);
    const r = simulatePlan({ fleet: fleetAt(rps), plan: planWith('none'), model, durationMs: 3_000_000, seed: 7 });
    const rho = (rps * SERVICE_MS) / 1000;
    const mu = 1 / SERVICE_MS;
    const expectedResponseMs = SERVICE_MS + rho / (2 * mu * (1 - rho));
    const s = r.services[0]!;
    expect(Math.abs(s.meanMs - expectedResponseMs) / expectedResponseMs).toBeLessThan(0.02);
    expect(r.slices[0]!.utilization).toBeCloseTo(rho, 1);
  });

  test('is deterministic for a seed and differs across seeds', () => {
    const model = new PerformanceModel([profile((b) => 4 + b)]);
    const run = (seed: number): number => simulatePlan({ fleet: fleetAt(300), plan: planWith('triton'), model, durationMs: 20_000, seed }).services[0]!.p99Ms;
    expect(run(3)).toBe(run(3));
    expect(run(3)).not.toBe(run(4));
  });

  test('the runtime’s batching policy batches under load: mean batch grows with the rate and p99 stays bounded', () => {
    const model = new PerformanceModel([profile((b) => 4 + b)]);
    const light = simulatePlan({ fleet: fleetAt(20), plan: planWith('triton'), model, durationMs: 60_000, seed: 1 }).services[0]!;
    const heavy = simulatePlan({ fleet: fleetAt(500), plan: planWith('triton'), model, durationMs: 60_000, seed: 1 }).services[0]!;
    expect(heavy.meanBatchSize).toBeGreaterThan(light.meanBatchSize);
    expect(heavy.sloAttainment).toBeGreaterThan(0.99);
    // Without batching the same load overflows the bounded queue and requests are refused.
    const unbatched = simulatePlan({ fleet: fleetAt(500), plan: planWith('none'), model, durationMs: 60_000, seed: 1 }).services[0]!;
    expect(unbatched.dropped).toBeGreaterThan(0);
  });

  test('a plan naming a service the spec lacks is a coded error', () => {
    const model = new PerformanceModel([profile(() => SERVICE_MS)]);
    const plan = planWith('none');
    plan.services[0]!.name = 'ghost';
    expect(() => simulatePlan({ fleet: fleetAt(10), plan, model, durationMs: 1000 })).toThrow(expect.objectContaining({ code: 'TESSERA_ERR_SIM_PLAN_MISMATCH' }) as Error);
  });

  test('throughput fluctuation is half the 5–95 % spread over the mean', () => {
    expect(fluctuation([100, 100, 100])).toBe(0);
    expect(fluctuation(Array.from({ length: 101 }, (_, i) => 50 + i))).toBeCloseTo(45 / 100, 2);
  });
});
