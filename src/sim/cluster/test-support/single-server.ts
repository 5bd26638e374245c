/**
 * The smallest plan to simulate, for results that queueing theory predicts (M/D/1 and the like):
 * one service `s` of model `m` on one CPU slice, with batch times that do not vary.
 */
import { parseFleetText, type Fleet } from '../../../core/index.js';
import type { Plan, PlanBatching } from '../../../plan/plan-types.js';
import { cpuReplica, cpuSlice, handPlan } from '../../../plan/test-support/hand-plan.js';
import type { ModelProfile } from '../../../profile/index.js';

/** The fleet: `s` on model `m` (batches up to 8), p99 SLO 100 ms, `rps` arriving `arrival`, one core. */
export function singleServerFleet(rps: number, arrival: 'poisson' | 'constant' = 'poisson'): Readonly<Fleet> {
  return parseFleetText(`
apiVersion: tessera.dev/v1alpha1
kind: Fleet
metadata: { name: sim }
models: [{ name: m, profiles: ./m.json, maxBatchSize: 8 }]
services: [{ name: s, model: m, slo: { p99Ms: 100 }, traffic: { rps: ${rps}, arrival: ${arrival} } }]
inventory: { nodes: [{ name: local, cpu: { cores: 1 } }] }
`);
}

export interface SingleServerPlanOptions {
  readonly policy: PlanBatching['policy'];
  /** @default 1 */
  readonly instances?: number;
  readonly demandRps: number;
}

/** The plan: one replica of `s` on `local/cpu@0`, batches up to 8 within 5 ms under `policy`. */
export function singleServerPlan(o: SingleServerPlanOptions): Plan {
  return handPlan({
    fleet: 'sim',
    slices: [cpuSlice('local/cpu@0')],
    services: [
      {
        name: 's',
        model: 'm',
        sloP99Ms: 100,
        demandRps: o.demandRps,
        replicas: [cpuReplica('local/cpu@0', { policy: o.policy, maxBatchSize: 8, maxQueueDelayMs: 5, instances: o.instances ?? 1, predictedP99Ms: 50, capacityRps: 100, utilization: 0.6 })],
      },
    ],
    costPerHour: 1,
  });
}

/** A CPU profile of `m` whose every latency percentile of a batch of b is `batchMs(b)` (b = 1, 2, 4, 8). */
export function deterministicProfile(batchMs: (b: number) => number): ModelProfile {
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
