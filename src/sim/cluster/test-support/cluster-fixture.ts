import { parseFleetText, type Fleet } from '../../../core/index.js';
import type { BatchPolicyName } from '../../../policy/index.js';
import { PerformanceModel, type ModelProfile } from '../../../profile/index.js';
import type { Plan, PlanService } from '../../../plan/plan-types.js';
import { arrivalsFromArray, type ArrivalSource } from '../../arrivals/arrival-stream.js';
import type { SimulatePlanOptions } from '../options.js';

/** One service of a hand-made test plan: its model's batch time, cold start and memory. */
export interface FixtureService {
  readonly name: string;
  /** Deterministic batch time (p50 = p99), ms; `(b) => …` for size-dependent times. */
  readonly batchMs: number | ((b: number) => number);
  /** With a p99 above p50, batch times are drawn log-normal (noise): the p99/p50 ratio. @default 1 */
  readonly p99OverP50?: number;
  readonly pool?: 'hot' | 'cold';
  /** Measured session load, ms (omit for an unmeasured cold start). */
  readonly loadMs?: number;
  readonly firstInferenceMs?: number;
  /** Spec memoryBytes of its model. */
  readonly memoryBytes?: number;
  readonly replicas?: number;
  readonly instances?: number;
  readonly maxBatchSize?: number;
  readonly maxQueueDelayMs?: number;
  readonly policy?: BatchPolicyName;
  readonly sloMs?: number;
  readonly maxReplicas?: number;
  /** Arrival times, ms (else the spec's Poisson `rps`). */
  readonly arrivals?: readonly number[];
  readonly rps?: number;
}

export interface FixtureOptions {
  readonly services: readonly FixtureService[];
  /** One cold pool on its own CPU slice holding every cold service, with this memory. */
  readonly poolMemoryBytes?: number;
}

const POOL_SLICE = 'local/cpu@pool';

function profileOf(s: FixtureService): ModelProfile {
  const ms = (b: number): number => (typeof s.batchMs === 'number' ? s.batchMs : s.batchMs(b));
  const ratio = s.p99OverP50 ?? 1;
  const instances = s.instances ?? 1;
  return {
    schemaVersion: 1,
    model: `${s.name}-model`,
    origin: 'imported',
    device: { kind: 'cpu', name: 'cpu', threads: 1, fingerprint: 'test-cpu' },
    runtime: { name: 'test', version: '0' },
    points: [...new Set([1, instances])].flatMap((c) =>
      [1, 2, 4, 8, 16].map((b) => ({ batchSize: b, concurrency: c, latencyMs: { p50: ms(b), p90: ms(b) * Math.sqrt(ratio), p99: ms(b) * ratio, mean: ms(b) * (1 + (ratio - 1) / 4) }, throughputPerS: (1000 * b * c) / ms(b), samples: 100 })),
    ),
    ...(s.loadMs === undefined ? {} : { loadMs: s.loadMs }),
    ...(s.firstInferenceMs === undefined ? {} : { firstInferenceMs: s.firstInferenceMs }),
    measuredAt: '2026-01-01T00:00:00Z',
  };
}

/**
 * A fleet, a hand-made plan and a performance model for cluster tests: every service on CPU, hot
 * services each on their own slice (`local/cpu@<i>`), cold ones sharing one pool slice.
 */
export function clusterFixture(o: FixtureOptions): { fleet: Fleet; yaml: string; profiles: ModelProfile[]; plan: Plan; model: PerformanceModel; arrivals: Map<string, ArrivalSource> } {
  const yaml = `
apiVersion: tessera.dev/v1alpha1
kind: Fleet
metadata: { name: fixture }
models:
${o.services.map((s) => `  - { name: ${s.name}-model, profiles: ./m.json, maxBatchSize: 16${s.memoryBytes === undefined ? '' : `, memoryBytes: ${s.memoryBytes}`} }`).join('\n')}
services:
${o.services.map((s) => `  - { name: ${s.name}, model: ${s.name}-model, slo: { p99Ms: ${s.sloMs ?? 1000} }, traffic: { rps: ${s.rps ?? 1}, arrival: poisson }${s.maxReplicas === undefined ? '' : `, maxReplicas: ${s.maxReplicas}`} }`).join('\n')}
inventory: { nodes: [{ name: local, cpu: { cores: 64 } }] }
`;
  const fleet = parseFleetText(yaml);
  const slices: Plan['slices'] = [];
  const services: PlanService[] = o.services.map((s, i) => {
    const cold = s.pool === 'cold';
    const slice = cold ? POOL_SLICE : `local/cpu@${i}`;
    if (!cold) slices.push({ id: slice, node: 'local', kind: 'cpu', profile: 'cpu-1', memoryBytes: 1e9, cores: 1 });
    return {
      name: s.name,
      model: `${s.name}-model`,
      sloP99Ms: s.sloMs ?? 1000,
      demandRps: s.rps ?? 1,
      pool: cold ? 'cold' : 'hot',
      poolReason: 'test',
      replicas: Array.from({ length: s.replicas ?? 1 }, () => ({
        slice,
        sliceProfile: 'cpu-1',
        node: 'local',
        batching: { policy: s.policy ?? 'none', maxBatchSize: s.maxBatchSize ?? 8, maxQueueDelayMs: s.maxQueueDelayMs ?? 0 },
        instances: s.instances ?? 1,
        predictedP99Ms: 10,
        capacityRps: 100,
        utilization: 0.5,
        estimated: false,
      })),
    };
  });
  const coldNames = o.services.filter((s) => s.pool === 'cold').map((s) => s.name);
  if (coldNames.length > 0) slices.push({ id: POOL_SLICE, node: 'local', kind: 'cpu', profile: 'cpu-1', memoryBytes: o.poolMemoryBytes ?? 1e9, cores: 1 });
  const plan: Plan = {
    apiVersion: 'tessera.dev/v1alpha1',
    kind: 'Plan',
    fleet: 'fixture',
    summary: { gpus: 0, cpuCores: slices.length, costPerHour: 1, costPer1kInferences: 0, meanUtilization: 0, solver: 'hand', optimalityGap: null, objective: 0, solveMs: 0 },
    gpus: [],
    slices,
    services,
    coldPools: coldNames.length === 0 ? [] : [{ slice: POOL_SLICE, services: coldNames, memoryBytes: o.poolMemoryBytes ?? 1e9 }],
    infeasible: [],
    explain: [],
  };
  const profiles = o.services.map(profileOf);
  const model = new PerformanceModel(profiles);
  const arrivals = new Map<string, ArrivalSource>();
  for (const s of o.services) if (s.arrivals !== undefined) arrivals.set(s.name, arrivalsFromArray(s.arrivals));
  return { fleet, yaml, profiles, plan, model, arrivals };
}

/** Options for `simulatePlan` / `ClusterSimulation` from a fixture. */
export function fixtureOptions(o: FixtureOptions, extra: Partial<SimulatePlanOptions> & { durationMs: number }): SimulatePlanOptions {
  const f = clusterFixture(o);
  return { fleet: f.fleet, plan: f.plan, model: f.model, arrivals: f.arrivals, seed: 1, ...extra };
}
