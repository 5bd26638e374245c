import { TesseraError } from '../core/index.js';
import type { Plan } from './plan-types.js';

export type SolverChoice = 'milp' | 'heuristic' | 'auto';
export type BaselineName = 'dedicated' | 'ffd' | 'nexus';

export interface PlanOptions {
  /** `auto` (default): the MILP when the fleet is small enough to solve in the time limit, else the heuristic. */
  readonly solver?: SolverChoice;
  /** Plan with a baseline instead of the optimizer. */
  readonly baseline?: BaselineName;
  /** MILP wall-clock limit, ms. Default 5000. */
  readonly timeLimitMs?: number;
  /** MILP relative gap at which to stop. Default 0.001. */
  readonly relativeGap?: number;
  /** The plan in force: the reconfiguration cost then keeps placements that need not change. */
  readonly current?: Plan;
  /** Weight of one repartitioned GPU or moved replica, per service, in the objective. Default 0.05. */
  readonly reconfigurationWeight?: number;
  /** CPU nodes are planned up to this busy fraction of their cores. Default 0.5. */
  readonly cpuUtilizationCap?: number;
  /** A service is a cold-pool candidate below this utilisation of its cheapest slice. Default 0.25. */
  readonly coldUtilizationThreshold?: number;
  /** Share of a cold service's requests allowed to miss the SLO through a cold start. Default 0.01. */
  readonly coldMissBudget?: number;
  /** Cold start assumed when a profile does not measure it, ms. Default 2000. */
  readonly defaultColdStartMs?: number;
  /** Resident memory assumed for a model nothing measures or states, bytes. Default 2 GiB. */
  readonly defaultModelMemoryBytes?: number;
  /** `auto` picks the heuristic above this many (service × slice option) pairs. Default 2500. */
  readonly autoMilpMaxPairs?: number;
  /** Heuristic local-search budget, ms. Default 1000. */
  readonly heuristicBudgetMs?: number;
  /** Capacity of a replica whose figures are estimated is multiplied by this. Default 0.85. */
  readonly estimateDiscount?: number;
}

export interface ResolvedPlanOptions {
  readonly solver: SolverChoice;
  readonly baseline: BaselineName | undefined;
  readonly timeLimitMs: number;
  readonly relativeGap: number;
  readonly current: Plan | undefined;
  readonly reconfigurationWeight: number;
  readonly cpuUtilizationCap: number;
  readonly coldUtilizationThreshold: number;
  readonly coldMissBudget: number;
  readonly defaultColdStartMs: number;
  readonly defaultModelMemoryBytes: number;
  readonly autoMilpMaxPairs: number;
  readonly heuristicBudgetMs: number;
  readonly estimateDiscount: number;
}

function check(ok: boolean, what: string): void {
  if (!ok) throw new TesseraError('TESSERA_ERR_PLAN_OPTIONS', `plan option ${what}`);
}

/** Fills defaults, checks ranges (every problem at once is not needed: options come from flags), freezes. */
export function resolvePlanOptions(o: PlanOptions = {}): ResolvedPlanOptions {
  const r: ResolvedPlanOptions = {
    solver: o.solver ?? 'auto',
    baseline: o.baseline,
    timeLimitMs: o.timeLimitMs ?? 5000,
    relativeGap: o.relativeGap ?? 0.001,
    current: o.current,
    reconfigurationWeight: o.reconfigurationWeight ?? 0.05,
    cpuUtilizationCap: o.cpuUtilizationCap ?? 0.5,
    coldUtilizationThreshold: o.coldUtilizationThreshold ?? 0.25,
    coldMissBudget: o.coldMissBudget ?? 0.01,
    defaultColdStartMs: o.defaultColdStartMs ?? 2000,
    defaultModelMemoryBytes: o.defaultModelMemoryBytes ?? 2 * 1024 ** 3,
    autoMilpMaxPairs: o.autoMilpMaxPairs ?? 2500,
    heuristicBudgetMs: o.heuristicBudgetMs ?? 1000,
    estimateDiscount: o.estimateDiscount ?? 0.85,
  };
  check(['milp', 'heuristic', 'auto'].includes(r.solver), `solver must be milp, heuristic or auto (got '${r.solver}')`);
  check(r.baseline === undefined || ['dedicated', 'ffd', 'nexus'].includes(r.baseline), `baseline must be dedicated, ffd or nexus (got '${String(r.baseline)}')`);
  check(r.timeLimitMs > 0, 'timeLimitMs must be > 0');
  check(r.relativeGap >= 0 && r.relativeGap < 1, 'relativeGap must be in [0, 1)');
  check(r.cpuUtilizationCap > 0 && r.cpuUtilizationCap < 1, 'cpuUtilizationCap must be in (0, 1)');
  check(r.coldUtilizationThreshold >= 0 && r.coldUtilizationThreshold <= 1, 'coldUtilizationThreshold must be in [0, 1]');
  check(r.coldMissBudget >= 0 && r.coldMissBudget < 1, 'coldMissBudget must be in [0, 1)');
  check(r.reconfigurationWeight >= 0, 'reconfigurationWeight must be ≥ 0');
  check(r.estimateDiscount > 0 && r.estimateDiscount <= 1, 'estimateDiscount must be in (0, 1]');
  return Object.freeze(r);
}
