import type { AggregateReplicas, AggregateSolution, CurrentState, PoolRequirement } from './aggregate.js';
import { LpModel, solveLp, type SolveResult } from './highs-solver.js';
import type { CpuGroup, GpuGroup } from './inventory.js';
import { minSliceVolume } from './knapsack.js';
import { serviceByIndex, type PlanProblem, type SliceOption } from './problem.js';
import { migProfileInfo } from '../profile/perf/index.js';

function migFraction(group: GpuGroup, profile: string): number {
  return (migProfileInfo(group.type, profile)?.computeSlices ?? 0) / group.totalComputeSlices;
}

function shareFraction(profile: string): number {
  return profile === 'gpu' ? 1 : Number(profile.replace('share-', '')) || 0;
}

/**
 * The exact formulation (docs/planner.md, "MILP"). Integer variables: z[g,L] GPUs of group g in
 * layout L, x[i,o] replicas of service i on slice option o, w[c] CPU nodes in use; continuous
 * f[i,o] the rate routed to those replicas. Solved by HiGHS.
 */
export interface MilpInput {
  readonly problem: PlanProblem;
  readonly services: readonly number[];
  readonly pool: readonly PoolRequirement[];
  readonly current?: CurrentState | undefined;
  /** 'off': hardware is the inventory; 'minimize': find the least extra hardware; a map: allow exactly that much extra. */
  readonly elastic?: 'off' | 'minimize' | ReadonlyMap<string, number>;
  readonly timeLimitMs: number;
  readonly relativeGap: number;
  /** Solve the LP relaxation (for the lower bound). */
  readonly relax?: boolean;
  /** Objective override: minimise GPUs (lower bound) instead of the weighted objective. */
  readonly minimizeGpus?: boolean;
  /** A solution to start from (the heuristic's): HiGHS then never returns anything worse. */
  readonly start?: AggregateSolution;
}

interface Built {
  readonly lp: LpModel;
  readonly xVars: Map<string, { service: number; option: SliceOption }>;
  readonly zVars: Map<string, { group: GpuGroup; layout: string }>;
  readonly wVars: Map<string, CpuGroup>;
  readonly qVars: Map<string, { group: GpuGroup; profile: string }>;
  readonly eVars: Map<string, string>;
}

export function buildMilp(input: MilpInput): Built {
  const { problem } = input;
  const lp = new LpModel();
  const weights = problem.fleet.objectives.weights;
  const n = Math.max(1, input.services.length);
  const wL = weights.latency;
  const wT = weights.throughput;
  const wC = weights.cost;
  const wR = problem.options.reconfigurationWeight;
  const elastic = input.elastic ?? 'off';
  const objective = !input.minimizeGpus && elastic !== 'minimize';
  const gpuGroups = problem.inventory.gpuGroups;
  const cpuGroups = problem.inventory.cpuGroups;
  const gIndex = new Map(gpuGroups.map((g, i) => [g.key, i]));
  const cIndex = new Map(cpuGroups.map((c, i) => [c.key, i]));
  const xVars = new Map<string, { service: number; option: SliceOption }>();
  const zVars = new Map<string, { group: GpuGroup; layout: string }>();
  const wVars = new Map<string, CpuGroup>();
  const qVars = new Map<string, { group: GpuGroup; profile: string }>();
  const eVars = new Map<string, string>();
  /**
   * An elastic variable: extra GPUs or nodes of a group beyond the inventory. Minimised when asking
   * how much hardware would make the fleet feasible, fixed to a given count when re-solving with it.
   */
  const addElastic = (e: string, groupKey: string): string => {
    eVars.set(e, groupKey);
    if (elastic === 'minimize') {
      lp.addObjective(e, 1);
      lp.setBounds(e, 0, 10_000);
    } else if (elastic !== 'off') {
      const extra = elastic.get(groupKey) ?? 0;
      lp.setBounds(e, extra, extra);
    }
    lp.setInteger(e);
    return e;
  };

  // Slice-capacity rows collect replica and pool terms per (group, profile).
  const sliceRows = new Map<string, Map<string, number>>();
  const sliceRow = (g: number, profile: string): Map<string, number> => {
    const key = `${g}#${profile}`;
    let row = sliceRows.get(key);
    if (row === undefined) {
      row = new Map();
      sliceRows.set(key, row);
    }
    return row;
  };

  gpuGroups.forEach((group, g) => {
    const used = new Map<string, number>();
    group.layouts.forEach((layout, l) => {
      const z = `z_g${g}_l${l}`;
      zVars.set(z, { group, layout: layout.id });
      lp.setBounds(z, 0, group.gpus.length + (elastic === 'off' ? 0 : 10_000));
      lp.setInteger(z);
      used.set(z, 1);
      if (input.minimizeGpus) lp.addObjective(z, 1);
      else if (objective) lp.addObjective(z, (wC * group.objectivePricePerGpu) / problem.costRef);
      for (const [profile, count] of layout.counts) sliceRow(g, profile).set(z, -count);
    });
    const cap = new Map(used);
    if (elastic !== 'off') cap.set(addElastic(`e_g${g}`, group.key), -1);
    lp.addRow(`gpus_g${g}`, cap, '<=', group.gpus.length);
  });

  cpuGroups.forEach((group, c) => {
    const w = `w_c${c}`;
    wVars.set(w, group);
    lp.setBounds(w, 0, group.nodes.length + (elastic === 'off' ? 0 : 10_000));
    lp.setInteger(w);
    if (objective) lp.addObjective(w, (wC * group.objectivePricePerNode) / problem.costRef);
    const cap = new Map<string, number>([[w, 1]]);
    if (elastic !== 'off') cap.set(addElastic(`e_c${c}`, group.key), -1);
    lp.addRow(`nodes_c${c}`, cap, '<=', group.nodes.length);
  });

  const cpuLoad = new Map<number, Map<string, number>>();
  let totalVolume = 0;
  for (const i of input.services) {
    const svc = serviceByIndex(problem, i);
    const opts = problem.sliceOptions.get(i) ?? [];
    const demand = new Map<string, number>();
    const replicas = new Map<string, number>();
    const perLayout = new Map<string, Map<string, number>>();
    const perCpuGroup = new Map<number, Map<string, number>>();
    opts.forEach((o, k) => {
      const x = `x_s${i}_o${k}`;
      const f = `f_s${i}_o${k}`;
      xVars.set(x, { service: i, option: o });
      // More replicas of one option than it takes to carry all demand alone never help, except
      // to meet minReplicas.
      const ub = Math.max(svc.minReplicas, Math.ceil(svc.demandRps / o.capacityRps - 1e-9), 1);
      lp.setBounds(x, 0, svc.maxReplicas === undefined ? ub : Math.min(ub, svc.maxReplicas));
      lp.setInteger(x);
      lp.setBounds(f, 0, svc.demandRps);
      demand.set(f, 1);
      replicas.set(x, 1);
      lp.addRow(`cap_s${i}_o${k}`, [[f, 1], [x, -o.capacityRps]], '<=', 0);
      if (objective) {
        lp.addObjective(f, (wL * o.latencyScore) / (svc.demandRps * n) - wT / (n * o.capacityRps));
        lp.addObjective(x, wT / n);
      }
      if (o.family === 'gpu') {
        const g = gIndex.get(o.groupKey) as number;
        sliceRow(g, o.profile).set(x, 1);
      } else {
        const c = cIndex.get(o.groupKey) as number;
        const row = cpuLoad.get(c) ?? new Map<string, number>();
        row.set(f, o.coreSecondsPerRequest);
        cpuLoad.set(c, row);
        const per = perCpuGroup.get(c) ?? new Map<string, number>();
        per.set(x, 1);
        perCpuGroup.set(c, per);
      }
      const cur = input.current?.replicas.get(i)?.get(o.key) ?? 0;
      if (cur > 0 && wR > 0 && objective) {
        // m ≥ current − x: replicas of this option that would have to move.
        const m = `m_s${i}_o${k}`;
        lp.setBounds(m, 0, cur);
        lp.addObjective(m, wR / n);
        lp.addRow(`mv_s${i}_o${k}`, [[m, 1], [x, 1]], '>=', cur);
      }
    });
    if (svc.availability && svc.minReplicas >= 2) {
      // Distinct GPUs, exactly: a[i,g,L,p] replicas of service i sit on different GPUs of layout
      // L (one per GPU: Σ_p a ≤ z[g,L]), each on a slice of a profile L has, and no more than the
      // replicas x of that option: Σ_L a ≤ x. Then Σ a ≥ minReplicas. CPU: one replica per node
      // already, so a ≤ x and a ≤ w.
      const cover = new Map<string, number>();
      opts.forEach((o, k) => {
        const x = `x_s${i}_o${k}`;
        const perOption = new Map<string, number>([[x, -1]]);
        if (o.family === 'gpu') {
          const g = gIndex.get(o.groupKey) as number;
          (gpuGroups[g] as GpuGroup).layouts.forEach((layout, l) => {
            if ((layout.counts.get(o.profile) ?? 0) <= 0) return;
            const a = `a_s${i}_o${k}_l${l}`;
            lp.setBounds(a, 0, svc.minReplicas);
            perOption.set(a, 1);
            cover.set(a, 1);
            const key = `g${g}_l${l}`;
            const row = perLayout.get(key) ?? new Map<string, number>([[`z_g${g}_l${l}`, -1]]);
            row.set(a, 1);
            perLayout.set(key, row);
          });
        } else {
          const a = `a_s${i}_o${k}`;
          lp.setBounds(a, 0, svc.minReplicas);
          perOption.set(a, 1);
          cover.set(a, 1);
          lp.addRow(`an_s${i}_o${k}`, [[a, 1], [`w_c${cIndex.get(o.groupKey) as number}`, -1]], '<=', 0);
        }
        lp.addRow(`ax_s${i}_o${k}`, perOption, '<=', 0);
      });
      for (const [key, row] of perLayout) lp.addRow(`al_s${i}_${key}`, row, '<=', 0);
      lp.addRow(`spread_s${i}`, cover, '>=', svc.minReplicas);
    }
    // Valid inequality (tightens the LP relaxation, cuts no integer solution): a service's
    // replicas hold at least the least slice volume that carries it (knapsack over its options).
    if (opts.every((o) => o.family === 'gpu')) {
      const minVol = minSliceVolume(svc.demandRps, svc.minReplicas, opts);
      if (minVol !== undefined) {
        totalVolume += minVol.volume;
        const row = new Map<string, number>();
        opts.forEach((o, k) => row.set(`x_s${i}_o${k}`, o.gpuFraction));
        lp.addRow(`vol_s${i}`, row, '>=', minVol.volume - 1e-9);
      }
    }
    lp.addRow(`dem_s${i}`, demand, '=', svc.demandRps);
    if (svc.minReplicas > 0) lp.addRow(`min_s${i}`, replicas, '>=', svc.minReplicas);
    if (svc.maxReplicas !== undefined) lp.addRow(`max_s${i}`, replicas, '<=', svc.maxReplicas);
    // One CPU replica per service per node: a second process on the same cores adds nothing.
    for (const [c, row] of perCpuGroup) lp.addRow(`one_s${i}_c${c}`, new Map([...row, [`w_c${c}`, -1]]), '<=', 0);
  }

  // Valid inequality: GPUs in use ≥ ⌈total least slice volume + pool slices⌉ (one GPU is volume 1).
  if (gpuGroups.length > 0 && totalVolume > 0) {
    let poolVolume = 0;
    for (const req of input.pool) {
      const g = gpuGroups.find((x) => x.type === req.gpuType);
      const frac = g === undefined ? 0 : (g.mig ? (g.layouts.flatMap((l) => [...l.counts.keys()]).includes(req.profile) ? migFraction(g, req.profile) : 0) : shareFraction(req.profile));
      poolVolume += frac * req.count;
    }
    const row = new Map<string, number>();
    gpuGroups.forEach((group, g) => group.layouts.forEach((_, l) => row.set(`z_g${g}_l${l}`, 1)));
    if (elastic === 'off') lp.addRow('gpus_lb', row, '>=', Math.ceil(totalVolume + poolVolume - 1e-6));
  }
  for (const [c, row] of cpuLoad) {
    const group = cpuGroups[c] as CpuGroup;
    lp.addRow(`cores_c${c}`, new Map([...row, [`w_c${c}`, -problem.options.cpuUtilizationCap * group.coresPerNode]]), '<=', 0);
  }

  input.pool.forEach((req, k) => {
    const row = new Map<string, number>();
    gpuGroups.forEach((group, g) => {
      if (group.type !== req.gpuType || !group.sliceProfiles.includes(req.profile)) return;
      const q = `q_g${g}_k${k}`;
      qVars.set(q, { group, profile: req.profile });
      lp.setBounds(q, 0, req.count);
      lp.setInteger(q);
      row.set(q, 1);
      sliceRow(g, req.profile).set(q, 1);
    });
    lp.addRow(`pool_k${k}`, row, '=', req.count);
  });

  for (const [key, row] of sliceRows) {
    const [g, profile] = key.split('#') as [string, string];
    if ([...row.values()].every((v) => v <= 0)) continue;
    lp.addRow(`slices_g${g}_${profile.replace(/[^A-Za-z0-9]/g, '_')}`, row, '<=', 0);
  }

  if (input.current !== undefined && wR > 0 && objective) {
    gpuGroups.forEach((group, g) => {
      const cur = input.current?.layouts.get(group.key);
      if (cur === undefined) return;
      group.layouts.forEach((layout, l) => {
        const c = cur.get(layout.id) ?? 0;
        if (c <= 0) return;
        // r ≥ current − z: GPUs that leave this layout are re-partitioned.
        const r = `r_g${g}_l${l}`;
        lp.setBounds(r, 0, c);
        lp.addObjective(r, wR / n);
        lp.addRow(`rp_g${g}_l${l}`, [[r, 1], [`z_g${g}_l${l}`, 1]], '>=', c);
      });
    });
  }
  return { lp, xVars, zVars, wVars, qVars, eVars };
}

export interface MilpResult {
  readonly solution: AggregateSolution | undefined;
  readonly raw: SolveResult;
}

/** Variable values of the formulation for an aggregate solution (the MILP's warm start). */
export function startValues(input: MilpInput, built: Built, agg: AggregateSolution): Map<string, number> {
  const values = new Map<string, number>();
  for (const [z, { group, layout }] of built.zVars) values.set(z, agg.layouts.get(group.key)?.get(layout) ?? 0);
  for (const [w, group] of built.wVars) values.set(w, agg.cpuNodes.get(group.key) ?? 0);
  const poolLeft = new Map(agg.poolSlices);
  for (const [q, { group, profile }] of built.qVars) {
    const key = `${group.key}#${profile}`;
    const left = poolLeft.get(key) ?? 0;
    values.set(q, left);
    poolLeft.set(key, 0);
  }
  const byService = new Map<number, { x: string; f: string; option: SliceOption }[]>();
  for (const [x, { service, option }] of built.xVars) byService.set(service, [...(byService.get(service) ?? []), { x, f: x.replace(/^x_/, 'f_'), option }]);
  for (const [i, list] of byService) {
    const svc = serviceByIndex(input.problem, i);
    const reps = agg.replicas.get(i) ?? [];
    let cap = 0;
    for (const { option } of list) cap += (reps.find((r) => r.optionKey === option.key)?.count ?? 0) * option.capacityRps;
    for (const { x, f, option } of list) {
      const count = reps.find((r) => r.optionKey === option.key)?.count ?? 0;
      values.set(x, count);
      values.set(f, cap > 0 ? (svc.demandRps * count * option.capacityRps) / cap : 0);
    }
  }
  for (const [e] of built.eVars) values.set(e, 0);
  return values;
}

export async function solveMilp(input: MilpInput): Promise<MilpResult> {
  const built = buildMilp(input);
  const start = input.start === undefined || input.start.extra.size > 0 ? undefined : startValues(input, built, input.start);
  const raw = await solveLp(built.lp, { timeLimitMs: input.timeLimitMs, relativeGap: input.relativeGap, ...(input.relax ? { relax: true } : {}), ...(start ? { start } : {}) });
  if (raw.values.size === 0) return { solution: undefined, raw };
  const v = (name: string): number => Math.round(raw.values.get(name) ?? 0);
  const layouts = new Map<string, Map<string, number>>();
  for (const [z, { group, layout }] of built.zVars) {
    const count = v(z);
    if (count <= 0) continue;
    const m = layouts.get(group.key) ?? new Map<string, number>();
    m.set(layout, count);
    layouts.set(group.key, m);
  }
  const replicas = new Map<number, AggregateReplicas[]>();
  for (const [x, { service, option }] of built.xVars) {
    const count = v(x);
    if (count <= 0) continue;
    replicas.set(service, [...(replicas.get(service) ?? []), { optionKey: option.key, count }]);
  }
  const cpuNodes = new Map<string, number>();
  for (const [w, group] of built.wVars) if (v(w) > 0) cpuNodes.set(group.key, v(w));
  const poolSlices = new Map<string, number>();
  for (const [q, { group, profile }] of built.qVars) if (v(q) > 0) poolSlices.set(`${group.key}#${profile}`, (poolSlices.get(`${group.key}#${profile}`) ?? 0) + v(q));
  const extra = new Map<string, number>();
  for (const [e, key] of built.eVars) if (v(e) > 0) extra.set(key, v(e));
  return {
    raw,
    solution: {
      solver: 'highs-milp',
      status: raw.status === 'optimal' ? 'optimal' : 'time-limit',
      gap: raw.status === 'optimal' ? 0 : Number.isFinite(raw.gap) ? raw.gap : null,
      solveMs: raw.solveMs,
      solverObjective: raw.objective,
      layouts,
      replicas,
      cpuNodes,
      poolSlices,
      extra,
    },
  };
}
