/**
 * The Plan: what the planner decides and every executor (simulator, embedded runtime, Kubernetes
 * renderer) carries out. Serialised as JSON by `tessera plan --json`; docs/planner.md documents
 * each field. Extend by adding optional fields; never change the meaning of an existing one.
 */

export type SliceKind = 'mig' | 'gpu' | 'gpu-share' | 'cpu';

/** One unit of hardware a replica runs on: a MIG instance, a whole GPU, a GPU share, or CPU cores. */
export interface PlanSlice {
  /** Unique in the plan, e.g. `gpu-a-0/gpu3/mig-3g.40gb@4` or `local-0/cpu@0`. */
  id: string;
  /** Node instance name (spec node name + `-<index>` when count > 1). */
  node: string;
  /** Id of the GPU in `Plan.gpus`, for GPU slices. */
  gpu?: string;
  kind: SliceKind;
  /** `3g.40gb` for MIG, `gpu` for a whole GPU, `share-0.25` for a time-sliced/MPS share, `cpu-2` for 2 cores. */
  profile: string;
  /** MIG placement start slot. */
  start?: number;
  computeSlices?: number;
  memoryBytes: number;
  /** CPU cores (intra-op threads) for `cpu` slices. */
  cores?: number;
}

export interface PlanGpu {
  id: string;
  node: string;
  type: string;
  /** MIG layout as profile names in placement order (`['3g.40gb', '2g.20gb', '1g.10gb', '1g.10gb']`), or `['gpu']`. */
  layout: string[];
  /** Slice ids on this GPU, same order as `layout`. */
  slices: string[];
}

export interface PlanBatching {
  policy: 'triton' | 'adaptive' | 'aimd' | 'slo-aware' | 'none';
  maxBatchSize: number;
  maxQueueDelayMs: number;
  preferredBatchSizes?: number[];
}

export interface PlanReplica {
  slice: string;
  /** Denormalised from the slice for readers that want one object: GPU id (absent on CPU) and slice profile. */
  gpu?: string;
  sliceProfile: string;
  node: string;
  batching: PlanBatching;
  /** Concurrent model instances on the slice (MPS processes / instance count / session workers). */
  instances: number;
  predictedP99Ms: number;
  /** Requests per second this replica sustains with p99 within the SLO. */
  capacityRps: number;
  /** Share of the replica's capacity the planned demand uses, 0..1. */
  utilization: number;
  /** True when the figures come from a scaled estimate rather than a profile of this slice. */
  estimated: boolean;
  /** Requests per second the plan routes to this replica (= utilization × capacityRps). */
  loadRps?: number;
  /** Highest rate the slice sustains within the SLO with capacity-maximising batch settings (an adaptive batcher's ceiling). */
  maxCapacityRps?: number;
  /** Intra-op threads per instance, for CPU replicas. */
  threads?: number;
  /** Where the figures come from: the profile used, or the scaling rule of an estimate. */
  basis?: string;
}

export interface PlanService {
  name: string;
  model: string;
  sloP99Ms: number;
  /** Peak rate × headroom the plan covers, requests/s. */
  demandRps: number;
  pool: 'hot' | 'cold';
  /** Why the cost model chose this pool. */
  poolReason: string;
  replicas: PlanReplica[];
  /** Predicted p99 of the service: the worst of its replicas'. */
  predictedP99Ms?: number;
  /** Sum of its replicas' capacityRps. */
  capacityRps?: number;
  /** True when any of its replicas' figures are estimated. */
  estimated?: boolean;
}

/** Slices shared by cold-pool services: models loaded on demand, evicted LRU under `memoryBytes`. */
export interface PlanColdPool {
  slice: string;
  services: string[];
  memoryBytes: number;
  /** Slice profile and node/GPU, denormalised from the slice. */
  sliceProfile?: string;
  node?: string;
  gpu?: string;
  /** Models the pool keeps loaded at once (memory ÷ model size). */
  residentModels?: number;
  /** Expected share of the pool's requests that find their model evicted (Che's LRU approximation). */
  expectedMissRate?: number;
}

export interface PlanInfeasibility {
  service: string;
  reason: string;
  /** The smallest change that would make it feasible, in words and as a value where one applies. */
  fix: string;
}

export interface PlanSummary {
  gpus: number;
  cpuCores: number;
  costPerHour: number;
  costPer1kInferences: number;
  meanUtilization: number;
  /** `highs-milp`, `heuristic`, or a baseline name. */
  solver: string;
  /** Relative MILP gap at stop (0 when proven optimal); null for heuristics and baselines. */
  optimalityGap: number | null;
  objective: number;
  solveMs: number;
  lowerBoundGpus?: number;
  /** How the solver stopped: `optimal`, `time-limit`, `gap-limit`, `greedy`, `rule`. */
  status?: string;
  /** Against `--current`: GPUs whose MIG layout changes and replicas that move. */
  reconfiguration?: { repartitionedGpus: number; movedReplicas: number };
  /** Replicas whose figures are estimated (no profile of their slice). */
  estimatedReplicas?: number;
  /** Sum of planned demand, requests/s. */
  demandRps?: number;
}

export interface Plan {
  apiVersion: 'tessera.dev/v1alpha1';
  kind: 'Plan';
  fleet: string;
  summary: PlanSummary;
  gpus: PlanGpu[];
  slices: PlanSlice[];
  services: PlanService[];
  coldPools: PlanColdPool[];
  infeasible: PlanInfeasibility[];
  /** Human-readable reasons, one per decision, for `--explain`. */
  explain: string[];
}
