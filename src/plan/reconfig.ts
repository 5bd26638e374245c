import { TesseraError } from '../core/index.js';
import type { CurrentState } from './aggregate.js';
import type { Plan } from './plan-types.js';
import type { PlanProblem } from './problem.js';

/** Checks that a parsed JSON value is a Plan this version reads (for `--current`). */
export function parseCurrentPlan(value: unknown, source = '--current'): Plan {
  const v = value as Partial<Plan> | null;
  if (v === null || typeof v !== 'object' || v.apiVersion !== 'tessera.dev/v1alpha1' || v.kind !== 'Plan' || !Array.isArray(v.gpus) || !Array.isArray(v.services) || !Array.isArray(v.slices)) {
    throw new TesseraError('TESSERA_ERR_PLAN_CURRENT', `${source} is not a Plan (apiVersion tessera.dev/v1alpha1, kind Plan, with gpus, slices and services); pass a file written by \`tessera plan -o\``);
  }
  return v as Plan;
}

/** The current plan in the solvers' aggregate terms: layouts per GPU group, replicas per option. */
export function currentState(problem: PlanProblem, plan: Plan): CurrentState {
  const layouts = new Map<string, Map<string, number>>();
  for (const g of plan.gpus) {
    const group = problem.inventory.gpuGroups.find((gr) => gr.gpus.some((x) => x.id === g.id));
    if (group === undefined) continue;
    const sorted = [...g.layout].sort().join('+');
    const layout = group.layouts.find((l) => [...l.placements.map((p) => p.profile)].sort().join('+') === sorted);
    if (layout === undefined) continue;
    const m = layouts.get(group.key) ?? new Map<string, number>();
    m.set(layout.id, (m.get(layout.id) ?? 0) + 1);
    layouts.set(group.key, m);
  }
  const replicas = new Map<number, Map<string, number>>();
  for (const s of plan.services) {
    const svc = problem.services.find((x) => x.name === s.name);
    if (svc === undefined || s.pool === 'cold') continue;
    const m = new Map<string, number>();
    for (const r of s.replicas) {
      const group = r.gpu !== undefined ? problem.inventory.gpuGroups.find((gr) => gr.gpus.some((x) => x.id === r.gpu)) : problem.inventory.cpuGroups.find((c) => c.nodes.includes(r.node));
      if (group === undefined) continue;
      const key = `${group.key}#${r.sliceProfile}`;
      m.set(key, (m.get(key) ?? 0) + 1);
    }
    replicas.set(svc.index, m);
  }
  return { layouts, replicas };
}
