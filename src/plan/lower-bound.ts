import { minSliceVolume } from './knapsack.js';
import { solveMilp } from './milp.js';
import { serviceByIndex, type PlanProblem } from './problem.js';

/**
 * Lower bounds on the GPUs of any plan in which every replica meets its service's SLO under the
 * performance model (docs/planner.md, "Lower bound"):
 *
 * - fractional volume: Σ_i d_i · min_o (gpuFraction_o / R_io) — as if slices could be cut to fit;
 * - integer volume: Σ_i minSliceVolume_i — each hot service holds whole slices, at least the
 *   knapsack minimum of slice volume whose capacities cover its demand (and its minReplicas);
 *   services that may go to a cold pool (where slices are shared) count fractionally;
 * - LP: the LP relaxation of the MILP with the objective "number of GPUs", which sees the layout
 *   geometry (a GPU holds at most two 3g slices).
 *
 * The bound is ⌈max(integer volume, LP)⌉. Services that can run on CPU nodes add nothing. A plan
 * under another latency rule (the Nexus baseline's 2·l(b)) can use fewer GPUs only by exceeding a
 * p99 the queueing model predicts; the benchmark reports those violations.
 */
export interface LowerBound {
  readonly gpus: number;
  readonly fractionalVolume: number;
  readonly integerVolume: number;
  readonly lp: number | undefined;
}

function coldCandidate(problem: PlanProblem, i: number): boolean {
  const svc = serviceByIndex(problem, i);
  if (svc.pool === 'hot') return false;
  if (svc.pool === 'cold') return true;
  const opts = (problem.sliceOptions.get(i) ?? []).filter((o) => o.family === 'gpu');
  const best = Math.max(0, ...opts.map((o) => svc.demandRps / o.capacityRps));
  // Below the threshold on its smallest slice the pool decision may share its slice.
  const smallest = Math.min(...opts.map((o) => o.gpuFraction));
  const onSmallest = opts.filter((o) => o.gpuFraction === smallest).map((o) => svc.demandRps / o.capacityRps);
  return Math.min(best, ...onSmallest) < problem.options.coldUtilizationThreshold;
}

export function volumeBounds(problem: PlanProblem, services: readonly number[]): { fractional: number; integer: number } {
  let fractional = 0;
  let integer = 0;
  for (const i of services) {
    const svc = serviceByIndex(problem, i);
    const opts = problem.sliceOptions.get(i) ?? [];
    if (opts.some((o) => o.family === 'cpu')) continue;
    const frac = svc.demandRps * Math.min(...opts.map((o) => o.gpuFraction / o.capacityRps));
    if (!Number.isFinite(frac)) continue;
    fractional += frac;
    const whole = coldCandidate(problem, i) ? undefined : minSliceVolume(svc.demandRps, svc.minReplicas, opts);
    integer += whole?.volume ?? frac;
  }
  return { fractional, integer };
}

/** The fractional slice-volume bound alone (cheap; no solver). */
export function volumeBound(problem: PlanProblem, services: readonly number[]): number {
  return volumeBounds(problem, services).fractional;
}

export async function lowerBound(problem: PlanProblem, services: readonly number[], withLp: boolean): Promise<LowerBound> {
  const { fractional, integer } = volumeBounds(problem, services);
  let lp: number | undefined;
  if (withLp && services.length > 0) {
    const gpuOnly = services.filter((i) => !(problem.sliceOptions.get(i) ?? []).some((o) => o.family === 'cpu') && !coldCandidate(problem, i));
    if (gpuOnly.length > 0) {
      const r = await solveMilp({ problem, services: gpuOnly, pool: [], timeLimitMs: 2000, relativeGap: 0, relax: true, minimizeGpus: true });
      if (r.raw.status === 'optimal' && Number.isFinite(r.raw.objective)) lp = r.raw.objective;
    }
  }
  return { gpus: Math.ceil(Math.max(integer, lp ?? 0) - 1e-6), fractionalVolume: fractional, integerVolume: integer, lp };
}
