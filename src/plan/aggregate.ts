/**
 * A solver's answer before concrete placement: how many GPUs of each group take each layout, how
 * many replicas each service gets on each slice option, how many CPU nodes are used. The MILP and
 * the heuristic both produce this; `assign.ts` turns it into GPU indices and placement starts.
 */
export interface AggregateReplicas {
  readonly optionKey: string;
  readonly count: number;
}

export interface AggregateSolution {
  readonly solver: string;
  readonly status: string;
  readonly gap: number | null;
  readonly solveMs: number;
  /** Objective value the solver reports for its own model (NaN for the heuristic). */
  readonly solverObjective: number;
  /** groupKey → layout id → GPUs. */
  readonly layouts: ReadonlyMap<string, ReadonlyMap<string, number>>;
  /** Service index → replicas by option. */
  readonly replicas: ReadonlyMap<number, readonly AggregateReplicas[]>;
  /** CPU groupKey → nodes in use. */
  readonly cpuNodes: ReadonlyMap<string, number>;
  /** Cold-pool slices placed: groupKey#profile → count. */
  readonly poolSlices: ReadonlyMap<string, number>;
  /** Hardware beyond the inventory the solution needs (infeasible fleets only): groupKey → GPUs or nodes. */
  readonly extra: ReadonlyMap<string, number>;
}

/** Cold-pool slices the solver must find room for: `count` slices of `profile` on a GPU of `gpuType`. */
export interface PoolRequirement {
  readonly gpuType: string;
  readonly profile: string;
  readonly count: number;
}

/** What the plan in force looks like, in the aggregate terms the solvers use. */
export interface CurrentState {
  /** groupKey → layout id → GPUs. */
  readonly layouts: ReadonlyMap<string, ReadonlyMap<string, number>>;
  /** Service index → option key → replicas. */
  readonly replicas: ReadonlyMap<number, ReadonlyMap<string, number>>;
}
