import type { Fleet } from '../core/index.js';
import type { ModelProfile } from '../profile/index.js';
import type { AggregateSolution } from './aggregate.js';
import { assignPlan } from './assign.js';
import { planBaseline } from './baselines/index.js';
import { solveHeuristic } from './heuristic.js';
import { round } from './ids.js';
import { lowerBound } from './lower-bound.js';
import { solveMilp } from './milp.js';
import { resolvePlanOptions, type PlanOptions, type ResolvedPlanOptions } from './options.js';
import type { Plan, PlanInfeasibility } from './plan-types.js';
import { decidePools, type PoolDecision } from './pools.js';
import { buildProblem, serviceByIndex, type PlanProblem } from './problem.js';
import { currentState } from './reconfig.js';
import { evaluateObjective, totals } from './summary.js';

export type ProfileInput = readonly ModelProfile[] | ReadonlyMap<string, readonly ModelProfile[]>;

/**
 * Plans a fleet: every service's replicas, slices and batch settings so that p99 stays within its
 * SLO at the least weighted cost (docs/planner.md). Infeasible services are reported in
 * `infeasible[]` with the smallest fix; this only throws on bad options or a solver failure.
 */
export async function planFleet(fleet: Fleet, profiles: ProfileInput, options: PlanOptions = {}): Promise<Plan> {
  const started = performance.now();
  const opts = resolvePlanOptions(options);
  const problem = buildProblem(fleet, profiles, opts);
  if (opts.baseline !== undefined) {
    const plan = await planBaseline(problem, opts.baseline);
    return finish(problem, plan, started);
  }
  const pools = decidePools(problem);
  const { agg, notes } = await solve(problem, pools, opts);
  const assigned = assignPlan(problem, agg, pools, opts.current);
  const infeasible: PlanInfeasibility[] = [...problem.infeasible];
  const extraFix = extraHardwareFix(problem, agg);
  for (const inf of assigned.infeasible) infeasible.push({ ...inf, fix: inf.fix || extraFix || 'add GPUs of the inventory\'s types' });
  const t = totals(problem, assigned);
  const explain = [...notes, ...problem.explain, ...assigned.explain];
  for (const s of assigned.services) {
    const reps = s.replicas;
    const by = new Map<string, number>();
    for (const r of reps) by.set(r.sliceProfile, (by.get(r.sliceProfile) ?? 0) + 1);
    const mix = [...by.entries()].map(([p, n]) => `${n} × ${p}`).join(' + ');
    const r0 = reps[0];
    explain.push(
      `${s.name}: ${mix || 'no replica'} carry ${s.capacityRps?.toFixed(1) ?? '?'} rps for ${s.demandRps.toFixed(1)} rps demand (peak × headroom ${fleet.objectives.headroom}); ` +
        `predicted p99 ${s.predictedP99Ms?.toFixed(1) ?? '?'} ms ≤ ${s.sloP99Ms} ms` +
        (r0 ? ` (batch ≤ ${r0.batching.maxBatchSize}, wait ≤ ${r0.batching.maxQueueDelayMs} ms, ${r0.instances} instance${r0.instances === 1 ? '' : 's'})` : '') +
        `${s.estimated ? '; ESTIMATED figures: ' + (r0?.basis ?? '') : ''}; ${s.poolReason}`,
    );
  }
  for (const g of assigned.gpus) explain.push(`${g.id} (${g.type}): ${g.layout.join(' + ')}`);
  const plan: Plan = {
    apiVersion: 'tessera.dev/v1alpha1',
    kind: 'Plan',
    fleet: fleet.metadata.name,
    summary: {
      gpus: t.gpus,
      cpuCores: t.cpuCores,
      costPerHour: round(t.costPerHour, 4),
      costPer1kInferences: round(t.costPer1kInferences, 6),
      meanUtilization: round(t.meanUtilization, 4),
      solver: agg.solver,
      optimalityGap: agg.gap === null ? null : round(agg.gap, 6),
      objective: 0,
      solveMs: 0,
      status: agg.status,
      estimatedReplicas: t.estimatedReplicas,
      demandRps: round(t.demandRps, 3),
      ...(assigned.reconfiguration ? { reconfiguration: assigned.reconfiguration } : {}),
    },
    gpus: assigned.gpus,
    slices: assigned.slices,
    services: assigned.services,
    coldPools: assigned.coldPools,
    infeasible: dedupeInfeasible(infeasible),
    explain,
  };
  return finish(problem, plan, started);
}

async function finish(problem: PlanProblem, plan: Plan, started: number): Promise<Plan> {
  const lb = await lowerBound(problem, problem.plannable, true);
  const obj = evaluateObjective(problem, plan);
  plan.summary.objective = obj.objective;
  plan.summary.lowerBoundGpus = lb.gpus;
  plan.explain.push(
    `lower bound: ${lb.gpus} GPU(s) (whole-slice volume ${lb.integerVolume.toFixed(2)}, fractional volume ${lb.fractionalVolume.toFixed(2)}${lb.lp === undefined ? '' : `, LP relaxation ${lb.lp.toFixed(2)}`}); plan uses ${plan.summary.gpus}`,
    `objective ${obj.objective.toFixed(4)} = ${problem.fleet.objectives.weights.latency} × latency ${obj.latency.toFixed(3)} + ${problem.fleet.objectives.weights.throughput} × idle capacity ${obj.headroom.toFixed(3)} + ${problem.fleet.objectives.weights.cost} × cost ${obj.cost.toFixed(3)}`,
  );
  // Wall time is left out of the Plan's golden fields by callers that compare plans; it is real here.
  plan.summary.solveMs = Math.round(performance.now() - started);
  return plan;
}

function dedupeInfeasible(list: PlanInfeasibility[]): PlanInfeasibility[] {
  const seen = new Set<string>();
  return list.filter((x) => {
    if (seen.has(x.service)) return false;
    seen.add(x.service);
    return true;
  });
}

function extraHardwareFix(problem: PlanProblem, agg: AggregateSolution): string {
  const parts: string[] = [];
  for (const [key, n] of agg.extra) {
    const g = problem.inventory.gpuGroups.find((x) => x.key === key);
    if (g) parts.push(`${n} ${g.type} GPU${n === 1 ? '' : 's'}`);
    const c = problem.inventory.cpuGroups.find((x) => x.key === key);
    if (c) parts.push(`${n} CPU node${n === 1 ? '' : 's'} of ${c.coresPerNode} cores`);
  }
  return parts.length === 0 ? '' : `add ${parts.join(' and ')} (the least extra hardware that carries every service)`;
}

function choose(problem: PlanProblem, hot: readonly number[], opts: ResolvedPlanOptions): 'milp' | 'heuristic' {
  if (opts.solver !== 'auto') return opts.solver;
  const pairs = hot.reduce((s, i) => s + (problem.sliceOptions.get(i)?.length ?? 0), 0);
  return pairs <= opts.autoMilpMaxPairs ? 'milp' : 'heuristic';
}

async function solve(problem: PlanProblem, pools: PoolDecision, opts: ResolvedPlanOptions): Promise<{ agg: AggregateSolution; notes: string[] }> {
  const notes: string[] = [];
  const hot = pools.hot;
  const current = opts.current === undefined ? undefined : currentState(problem, opts.current);
  const which = choose(problem, hot, opts);
  if (which === 'heuristic') {
    const agg = solveHeuristic(problem, hot, pools.requirements, current);
    notes.push(`solver: heuristic (${opts.solver === 'auto' ? 'auto: fleet above the MILP size threshold' : 'requested'}), ${agg.status}`);
    return { agg, notes };
  }
  // The heuristic's answer (milliseconds) starts branch-and-bound, so a MILP stopped by its time
  // limit is never worse than the heuristic.
  const seed = solveHeuristic(problem, hot, pools.requirements, current, Math.min(opts.heuristicBudgetMs, 300));
  const base = { problem, services: hot, pool: pools.requirements, current, timeLimitMs: Math.max(50, opts.timeLimitMs - seed.solveMs), relativeGap: opts.relativeGap };
  const first = await solveMilp({ ...base, start: seed });
  if (first.solution !== undefined) {
    const s = first.solution;
    notes.push(`solver: HiGHS MILP ${s.status === 'optimal' ? 'proved optimal' : `stopped at the time limit with a relative gap of ${((s.gap ?? 0) * 100).toFixed(2)}%`} (started from the heuristic's plan)`);
    return { agg: s, notes };
  }
  if (first.raw.status === 'infeasible') {
    // Demand beyond the inventory: find the least extra hardware, then plan with exactly that.
    const need = await solveMilp({ ...base, elastic: 'minimize' });
    if (need.solution !== undefined) {
      const fixed = await solveMilp({ ...base, elastic: need.solution.extra });
      const agg = fixed.solution ?? need.solution;
      notes.push(`solver: the inventory cannot carry every service; HiGHS found the least extra hardware (${[...need.solution.extra.values()].reduce((a, b) => a + b, 0)} unit(s)) and planned with it`);
      return { agg: { ...agg, status: 'infeasible' }, notes };
    }
  }
  // No MILP answer in time: the heuristic always answers.
  const agg = solveHeuristic(problem, hot, pools.requirements, current);
  notes.push(`solver: HiGHS found no solution within ${opts.timeLimitMs} ms (${first.raw.status}); the heuristic planned instead`);
  return { agg, notes };
}

export { serviceByIndex };
