/**
 * Test helpers: hand-written plans on CPU slices of one node, `local`, so that serving and
 * simulation tests need neither profiling nor a solver run.
 */
import type { Plan, PlanBatching, PlanColdPool, PlanReplica, PlanSlice } from '../plan-types.js';

/** A one-core CPU slice (`cpu-1`) of node `local`, e.g. `cpuSlice('local/cpu@0')`. */
export function cpuSlice(id: string, memoryBytes = 1e9): PlanSlice {
  return { id, node: 'local', kind: 'cpu', profile: 'cpu-1', memoryBytes, cores: 1 };
}

/** What a planned replica batches and what the planner would have predicted for it. */
export interface CpuReplicaOptions {
  /** @default 'triton' */
  readonly policy?: PlanBatching['policy'];
  readonly maxBatchSize: number;
  readonly maxQueueDelayMs: number;
  /** @default 1 */
  readonly instances?: number;
  readonly predictedP99Ms: number;
  readonly capacityRps: number;
  readonly utilization: number;
}

/** One measured (not estimated) replica on a `cpuSlice` of node `local`. */
export function cpuReplica(slice: string, o: CpuReplicaOptions): PlanReplica {
  return {
    slice,
    sliceProfile: 'cpu-1',
    node: 'local',
    batching: { policy: o.policy ?? 'triton', maxBatchSize: o.maxBatchSize, maxQueueDelayMs: o.maxQueueDelayMs },
    instances: o.instances ?? 1,
    predictedP99Ms: o.predictedP99Ms,
    capacityRps: o.capacityRps,
    utilization: o.utilization,
    estimated: false,
  };
}

/** A planned service; its pool reason is `test`. */
export interface HandService {
  readonly name: string;
  readonly model: string;
  readonly sloP99Ms: number;
  readonly demandRps: number;
  /** @default 'hot' */
  readonly pool?: 'hot' | 'cold';
  readonly replicas: readonly PlanReplica[];
}

export interface HandPlanOptions {
  /** The fleet's `metadata.name`. */
  readonly fleet: string;
  readonly slices: readonly PlanSlice[];
  readonly services: readonly HandService[];
  /** @default [] */
  readonly coldPools?: readonly PlanColdPool[];
  /** Summary figure. @default 0 */
  readonly costPerHour?: number;
  /** Summary figure. @default 0 */
  readonly meanUtilization?: number;
}

/**
 * A plan as the `hand` solver: no GPUs, the slices' cores as its CPU cores, nothing infeasible
 * and nothing to explain.
 */
export function handPlan(o: HandPlanOptions): Plan {
  return {
    apiVersion: 'tessera.dev/v1alpha1',
    kind: 'Plan',
    fleet: o.fleet,
    summary: {
      gpus: 0,
      cpuCores: o.slices.reduce((n, s) => n + (s.cores ?? 0), 0),
      costPerHour: o.costPerHour ?? 0,
      costPer1kInferences: 0,
      meanUtilization: o.meanUtilization ?? 0,
      solver: 'hand',
      optimalityGap: null,
      objective: 0,
      solveMs: 0,
    },
    gpus: [],
    slices: [...o.slices],
    services: o.services.map((s) => ({ name: s.name, model: s.model, sloP99Ms: s.sloP99Ms, demandRps: s.demandRps, pool: s.pool ?? 'hot', poolReason: 'test', replicas: [...s.replicas] })),
    coldPools: [...(o.coldPools ?? [])],
    infeasible: [],
    explain: [],
  };
}
