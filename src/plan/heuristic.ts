import type { AggregateReplicas, AggregateSolution, CurrentState, PoolRequirement } from './aggregate.js';
import type { CpuGroup, GpuGroup, LayoutOption } from './inventory.js';
import { minSliceVolume } from './knapsack.js';
import { serviceByIndex, type PlanProblem, type ServiceDemand, type SliceOption } from './problem.js';

/**
 * The fast planner for fleets too large for the MILP in its time budget (docs/planner.md,
 * "Heuristic"):
 *  1. greedy on throughput per slice: each service takes whole replicas of its most cost-efficient
 *     slice (requests/s per $) and covers the remainder with the cheapest slice that carries it;
 *  2. per GPU group, a greedy cover of the needed slices by layouts (the layout that covers the
 *     most needed compute first);
 *  3. local search: re-choose one service's mix at a time (including moving its remainder onto
 *     slices left idle by the cover) and keep changes that lower the objective, until no move
 *     helps or the budget runs out.
 * The objective is the MILP's (weighted latency, idle capacity, cost), evaluated the same way.
 */

type Mix = Map<string, number>;

interface Evaluation {
  readonly objective: number;
  /** What the search accepts moves on: the objective with half the cost term made fractional
   *  (slice volume), so moves that shrink volume count before they free a whole GPU. */
  readonly search: number;
  readonly layouts: Map<string, Map<string, number>>;
  readonly cpuNodes: Map<string, number>;
  readonly extra: Map<string, number>;
  readonly poolSlices: Map<string, number>;
}

function profileWeight(p: string): number {
  const m = /^(\d+)g\./.exec(p);
  if (m) return Number(m[1]);
  if (p === 'gpu') return 7;
  const s = /^share-([\d.]+)$/.exec(p);
  return s ? 7 * Number(s[1]) : 1;
}

/**
 * Greedy cover of slice needs by layouts: repeatedly the layout covering the most needed compute;
 * among equals, `order` decides — 'large' prefers layouts with the largest slices (small slices
 * are the flexible fillers, keep them for the gaps), 'small' the opposite, 'first' catalog order.
 */
function greedyCover(group: GpuGroup, needs: ReadonlyMap<string, number>, order: 'large' | 'small' | 'first'): Map<string, number> {
  const left = new Map(needs);
  const out = new Map<string, number>();
  const bias = (l: LayoutOption): number => {
    if (order === 'first') return 0;
    let sq = 0;
    for (const [p, n] of l.counts) sq += n * profileWeight(p) ** 2;
    return order === 'large' ? sq : -sq;
  };
  for (;;) {
    let remaining = 0;
    for (const v of left.values()) remaining += v;
    if (remaining <= 0) break;
    let best: { l: LayoutOption; value: number; waste: number; bias: number } | undefined;
    for (const l of group.layouts) {
      let value = 0;
      let total = 0;
      for (const [p, n] of l.counts) {
        value += Math.min(n, left.get(p) ?? 0) * profileWeight(p);
        total += n * profileWeight(p);
      }
      if (value <= 0) continue;
      const waste = total - value;
      const b = bias(l);
      if (best === undefined || value > best.value + 1e-9 || (Math.abs(value - best.value) < 1e-9 && (waste < best.waste - 1e-9 || (Math.abs(waste - best.waste) < 1e-9 && b > best.bias)))) best = { l, value, waste, bias: b };
    }
    if (best === undefined) break;
    // A layout that is used in full stays the best choice while its slices are still needed, so
    // take it as many times as that holds (keeps the cover linear in distinct layouts, not GPUs).
    let times = 1;
    if (best.waste < 1e-9) {
      times = Number.POSITIVE_INFINITY;
      for (const [p, n] of best.l.counts) times = Math.min(times, Math.floor((left.get(p) ?? 0) / n));
      times = Math.max(1, times);
    }
    out.set(best.l.id, (out.get(best.l.id) ?? 0) + times);
    for (const [p, n] of best.l.counts) left.set(p, Math.max(0, (left.get(p) ?? 0) - n * times));
  }
  return out;
}

/** Greedy cover of slice needs by layouts (best of three tie-break orders); returns layout counts. */
export function coverLayouts(group: GpuGroup, needs: ReadonlyMap<string, number>): Map<string, number> {
  let best: Map<string, number> | undefined;
  let bestCount = Number.POSITIVE_INFINITY;
  for (const order of ['large', 'first', 'small'] as const) {
    const c = greedyCover(group, needs, order);
    const count = [...c.values()].reduce((a, b) => a + b, 0);
    if (count < bestCount) {
      best = c;
      bestCount = count;
    }
  }
  return best ?? new Map();
}

interface State {
  mixes: Map<number, Mix>;
}

function sameMix(a: Mix, b: Mix): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) if (b.get(k) !== v) return false;
  return true;
}

export function solveHeuristic(problem: PlanProblem, services: readonly number[], pool: readonly PoolRequirement[], current?: CurrentState, budgetMs?: number): AggregateSolution {
  const started = performance.now();
  const budget = budgetMs ?? problem.options.heuristicBudgetMs;
  const weights = problem.fleet.objectives.weights;
  const n = Math.max(1, services.length);
  const optionOf = new Map<string, SliceOption>();
  for (const i of services) for (const o of problem.sliceOptions.get(i) ?? []) optionOf.set(`${i}|${o.key}`, o);
  const gpuGroup = new Map(problem.inventory.gpuGroups.map((g) => [g.key, g]));
  const cpuGroup = new Map(problem.inventory.cpuGroups.map((g) => [g.key, g]));

  // --- 1. greedy mixes -------------------------------------------------------------------
  const initialMix = (svc: ServiceDemand, opts: readonly SliceOption[]): Mix => {
    const mix: Mix = new Map();
    const cur = current?.replicas.get(svc.index);
    if (cur !== undefined && [...cur.entries()].every(([k]) => opts.some((o) => o.key === k))) {
      const cap = [...cur.entries()].reduce((s, [k, c]) => s + c * (opts.find((o) => o.key === k)?.capacityRps ?? 0), 0);
      const count = [...cur.values()].reduce((a, b) => a + b, 0);
      if (cap >= svc.demandRps && count >= svc.minReplicas) return new Map(cur);
    }
    // Least slice volume that carries the demand (exact, by knapsack) when all options are GPU slices of one price per volume.
    const knap = opts.every((o) => o.family === 'gpu') ? minSliceVolume(svc.demandRps, svc.minReplicas, opts.filter((o) => o.groupKey === opts[0]?.groupKey)) : undefined;
    if (knap !== undefined && (svc.maxReplicas === undefined || [...knap.mix.values()].reduce((a, b) => a + b, 0) <= svc.maxReplicas)) return new Map(knap.mix);
    const eff = (o: SliceOption): number => (o.unitCost > 0 ? o.capacityRps / o.unitCost : o.capacityRps * 1e6);
    const sorted = [...opts].sort((a, b) => eff(b) - eff(a) || a.latencyScore - b.latencyScore || a.key.localeCompare(b.key));
    const main = sorted[0] as SliceOption;
    const k = Math.floor(svc.demandRps / main.capacityRps + 1e-9);
    let residual = svc.demandRps - k * main.capacityRps;
    if (k > 0) mix.set(main.key, k);
    if (residual > 1e-9) {
      const fits = opts.filter((o) => o.capacityRps >= residual - 1e-9).sort((a, b) => a.unitCost - b.unitCost || a.latencyScore - b.latencyScore || a.key.localeCompare(b.key));
      const r = fits[0] ?? main;
      mix.set(r.key, (mix.get(r.key) ?? 0) + 1);
      residual = 0;
    }
    let count = [...mix.values()].reduce((a, b) => a + b, 0);
    const cheapest = [...opts].sort((a, b) => a.unitCost - b.unitCost || b.capacityRps - a.capacityRps)[0] as SliceOption;
    while (count < svc.minReplicas) {
      mix.set(cheapest.key, (mix.get(cheapest.key) ?? 0) + 1);
      count++;
    }
    return mix;
  };
  const state: State = { mixes: new Map() };
  for (const i of services) {
    const svc = serviceByIndex(problem, i);
    state.mixes.set(i, initialMix(svc, problem.sliceOptions.get(i) ?? []));
  }

  // --- 2. evaluation, incremental: per-service contributions are summed once; a move
  // re-derives only the moved service and the covers of the GPU groups it touches.
  interface Contribution {
    readonly latency: number;
    readonly idle: number;
    readonly gpu: readonly (readonly [string, string, number])[];
    readonly cpu: readonly (readonly [string, number, number])[];
  }
  const contributionOf = (i: number, mix: Mix): Contribution => {
    const svc = serviceByIndex(problem, i);
    let cap = 0;
    for (const [key, c] of mix) cap += c * (optionOf.get(`${i}|${key}`) as SliceOption).capacityRps;
    let latency = 0;
    let idle = 0;
    const gpu: [string, string, number][] = [];
    const cpu: [string, number, number][] = [];
    for (const [key, c] of mix) {
      const o = optionOf.get(`${i}|${key}`) as SliceOption;
      const share = cap > 0 ? (o.capacityRps * c) / cap : 0;
      const load = share * svc.demandRps;
      latency += share * o.latencyScore;
      idle += c - load / o.capacityRps;
      if (o.family === 'gpu') gpu.push([o.groupKey, o.profile, c]);
      else cpu.push([o.groupKey, load * o.coreSecondsPerRequest, c]);
    }
    return { latency, idle, gpu, cpu };
  };
  const contrib = new Map<number, Contribution>();
  let latencySum = 0;
  let idleSum = 0;
  const needs = new Map<string, Map<string, number>>();
  const cpuCore = new Map<string, number>();
  const cpuReplicas = new Map<string, Map<number, number>>();
  const poolSlices = new Map<string, number>();
  const addNeed = (g: string, p: string, c: number): void => {
    const m = needs.get(g) ?? new Map<string, number>();
    m.set(p, (m.get(p) ?? 0) + c);
    needs.set(g, m);
  };
  const apply = (i: number, c: Contribution, sign: 1 | -1): void => {
    latencySum += sign * c.latency;
    idleSum += sign * c.idle;
    for (const [g, p, n] of c.gpu) addNeed(g, p, sign * n);
    for (const [g, core, n] of c.cpu) {
      cpuCore.set(g, (cpuCore.get(g) ?? 0) + sign * core);
      const m = cpuReplicas.get(g) ?? new Map<number, number>();
      if (sign > 0) m.set(i, Math.max(m.get(i) ?? 0, n));
      else m.delete(i);
      cpuReplicas.set(g, m);
    }
  };
  for (const req of pool) {
    const g = problem.inventory.gpuGroups.find((x) => x.type === req.gpuType && x.sliceProfiles.includes(req.profile));
    if (g === undefined) continue;
    addNeed(g.key, req.profile, req.count);
    poolSlices.set(`${g.key}#${req.profile}`, (poolSlices.get(`${g.key}#${req.profile}`) ?? 0) + req.count);
  }
  for (const [i, mix] of state.mixes) {
    const c = contributionOf(i, mix);
    contrib.set(i, c);
    apply(i, c, 1);
  }
  interface GroupCost {
    readonly layouts: Map<string, number>;
    readonly used: number;
    readonly cost: number;
    readonly volumeCost: number;
  }
  const coverCache = new Map<string, GroupCost>();
  const groupCost = (key: string): GroupCost => {
    const g = gpuGroup.get(key) as GpuGroup;
    const need = needs.get(key) ?? new Map<string, number>();
    const layouts = coverLayouts(g, need);
    const used = [...layouts.values()].reduce((a, b) => a + b, 0);
    let vol = 0;
    for (const [p, c] of need) vol += c * profileWeight(p);
    return { layouts, used, cost: used * g.objectivePricePerGpu, volumeCost: (vol / g.totalComputeSlices) * g.objectivePricePerGpu };
  };
  const evaluate = (dirty: Iterable<string>): Evaluation => {
    for (const key of dirty) coverCache.set(key, groupCost(key));
    for (const key of needs.keys()) if (!coverCache.has(key)) coverCache.set(key, groupCost(key));
    const layouts = new Map<string, Map<string, number>>();
    const extra = new Map<string, number>();
    let cost = 0;
    let volumeCost = 0;
    for (const [key, gc] of coverCache) {
      const g = gpuGroup.get(key) as GpuGroup;
      if (gc.used > 0) layouts.set(key, gc.layouts);
      if (gc.used > g.gpus.length) extra.set(key, gc.used - g.gpus.length);
      cost += gc.cost;
      volumeCost += gc.volumeCost;
    }
    const cpuNodes = new Map<string, number>();
    for (const [key, core] of cpuCore) {
      const g = cpuGroup.get(key) as CpuGroup;
      const reps = Math.max(0, ...(cpuReplicas.get(key)?.values() ?? []));
      if (reps <= 0 && core <= 1e-12) continue;
      const nodes = Math.max(reps, Math.ceil(core / (problem.options.cpuUtilizationCap * g.coresPerNode) - 1e-9), 1);
      cpuNodes.set(key, nodes);
      if (nodes > g.nodes.length) extra.set(key, nodes - g.nodes.length);
      cost += nodes * g.objectivePricePerNode;
      volumeCost += nodes * g.objectivePricePerNode;
    }
    let overflow = 0;
    for (const v of extra.values()) overflow += v;
    const base = (weights.latency * latencySum) / n + (weights.throughput * idleSum) / n + overflow * 1000;
    const objective = base + (weights.cost * cost) / problem.costRef;
    const search = base + (weights.cost * (cost + volumeCost)) / 2 / problem.costRef;
    return { objective, search, layouts, cpuNodes, extra, poolSlices: new Map(poolSlices) };
  };
  /** Evaluates service i with `mix`; keeps the change only when `commit` says so after seeing it. */
  const tryMove = (i: number, mix: Mix, commit: (e: Evaluation) => boolean): Evaluation | undefined => {
    const old = contrib.get(i) as Contribution;
    const next = contributionOf(i, mix);
    const dirty = new Set([...old.gpu.map((x) => x[0]), ...next.gpu.map((x) => x[0])]);
    const saved = new Map([...dirty].map((k) => [k, coverCache.get(k)]));
    apply(i, old, -1);
    apply(i, next, 1);
    const e = evaluate(dirty);
    if (commit(e)) {
      contrib.set(i, next);
      state.mixes.set(i, mix);
      return e;
    }
    apply(i, next, -1);
    apply(i, old, 1);
    for (const [k, v] of saved) {
      if (v === undefined) coverCache.delete(k);
      else coverCache.set(k, v);
    }
    return undefined;
  };

  let now = evaluate([]);
  let best = now;
  let bestMixes = new Map(state.mixes);

  // --- 3. local search ------------------------------------------------------------------------
  const alternatives = (svc: ServiceDemand, opts: readonly SliceOption[]): Mix[] => {
    const out: Mix[] = [];
    const eff = (o: SliceOption): number => (o.unitCost > 0 ? o.capacityRps / o.unitCost : o.capacityRps * 1e6);
    const mains = [...opts].sort((a, b) => eff(b) - eff(a) || a.key.localeCompare(b.key)).slice(0, 3);
    for (const main of mains) {
      const k = Math.floor(svc.demandRps / main.capacityRps + 1e-9);
      const residual = svc.demandRps - k * main.capacityRps;
      const residualOptions = residual > 1e-9 ? opts.filter((o) => o.capacityRps >= residual - 1e-9) : [undefined];
      for (const r of residualOptions) {
        const mix: Mix = new Map();
        if (k > 0) mix.set(main.key, k);
        if (r !== undefined) mix.set(r.key, (mix.get(r.key) ?? 0) + 1);
        // Also: one more whole replica instead of a remainder.
        out.push(mix);
      }
      if (residual > 1e-9) out.push(new Map([[main.key, k + 1]]));
      // Split the remainder over two small slices (fills idle slices of a layout).
      if (residual > 1e-9) {
        for (const r of opts) {
          if (2 * r.capacityRps >= residual - 1e-9 && r.capacityRps < residual) {
            const mix: Mix = new Map();
            if (k > 0) mix.set(main.key, k);
            mix.set(r.key, (mix.get(r.key) ?? 0) + 2);
            out.push(mix);
          }
        }
      }
    }
    return out
      .map((mix) => {
        let count = [...mix.values()].reduce((a, b) => a + b, 0);
        const cheapest = [...opts].sort((a, b) => a.unitCost - b.unitCost)[0] as SliceOption;
        while (count < svc.minReplicas) {
          mix.set(cheapest.key, (mix.get(cheapest.key) ?? 0) + 1);
          count++;
        }
        return mix;
      })
      .filter((mix) => svc.maxReplicas === undefined || [...mix.values()].reduce((a, b) => a + b, 0) <= svc.maxReplicas);
  };
  const candidateMixes = new Map<number, Mix[]>();
  for (const i of services) {
    const svc = serviceByIndex(problem, i);
    const opts = problem.sliceOptions.get(i) ?? [];
    const list = alternatives(svc, opts);
    // Per GPU group, the least-volume mix (knapsack).
    for (const key of new Set(opts.filter((o) => o.family === 'gpu').map((o) => o.groupKey))) {
      const k = minSliceVolume(svc.demandRps, svc.minReplicas, opts.filter((o) => o.groupKey === key));
      if (k !== undefined) list.push(new Map(k.mix));
    }
    candidateMixes.set(i, list);
  }
  let improved = true;
  let rounds = 0;
  while (improved && performance.now() - started < budget) {
    improved = false;
    rounds++;
    // Largest services first: their choices shape the covers most.
    const order = [...services].sort((a, b) => serviceByIndex(problem, b).demandRps - serviceByIndex(problem, a).demandRps || a - b);
    for (const i of order) {
      if (performance.now() - started >= budget) break;
      for (const mix of candidateMixes.get(i) ?? []) {
        if (sameMix(mix, state.mixes.get(i) as Mix)) continue;
        const e = tryMove(i, mix, (x) => x.search < now.search - 1e-9);
        if (e === undefined) continue;
        now = e;
        improved = true;
        if (e.objective < best.objective - 1e-9) {
          best = e;
          bestMixes = new Map(state.mixes);
        }
      }
    }
  }
  if (now.objective < best.objective - 1e-9) {
    best = now;
    bestMixes = new Map(state.mixes);
  }
  const replicas = new Map<number, AggregateReplicas[]>();
  for (const [i, mix] of bestMixes) {
    replicas.set(
      i,
      [...mix.entries()].filter(([, c]) => c > 0).map(([optionKey, count]) => ({ optionKey, count })),
    );
  }
  return {
    solver: 'heuristic',
    status: best.extra.size > 0 ? 'infeasible' : `greedy+local-search (${rounds} round${rounds === 1 ? '' : 's'})`,
    gap: null,
    solveMs: performance.now() - started,
    solverObjective: best.objective,
    layouts: best.layouts,
    replicas,
    cpuNodes: best.cpuNodes,
    poolSlices: best.poolSlices,
    extra: best.extra,
  };
}
