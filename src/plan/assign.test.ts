import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { loadFleetFile, type Fleet } from '../core/index.js';
import { loadProfilesForFleet, type ModelProfile } from '../profile/index.js';
import type { AggregateSolution } from './aggregate.js';
import { assignPlan } from './assign.js';
import { solveHeuristic } from './heuristic.js';
import { solveMilp } from './milp.js';
import { resolvePlanOptions } from './options.js';
import { planFleet } from './plan-fleet.js';
import type { Plan } from './plan-types.js';
import { decidePools } from './pools.js';
import { buildProblem, serviceByIndex } from './problem.js';

/**
 * The assignment must place exactly what the solver counted. test/fixtures/plans/assign-disagree:
 * the pin on gpu-a-1 splits the two nodes into two GPU groups; the MILP reserved the cold-pool
 * 1g.10gb slice in gpu-a-1's group, the assignment used to take the first free 1g.10gb of any
 * group of the type (gpu-a-0's), stealing line-06's slice there — and line-06 was emitted with
 * all its load on one replica (p99 1e9 ms, utilisation 1.29) and `infeasible: []`.
 */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const FIXTURE = path.join(ROOT, 'test/fixtures/plans/assign-disagree.fleet.yaml');

function load(): { fleet: Fleet; profiles: readonly ModelProfile[] | ReadonlyMap<string, readonly ModelProfile[]> } {
  const loaded = loadFleetFile(FIXTURE);
  return { fleet: loaded.fleet as Fleet, profiles: loadProfilesForFleet(loaded, path.join(ROOT, '.tessera/no-store')) };
}

/** The fixture's fleet on `nodes` nodes of `gpus` A100-80GB each (same price per GPU). */
function shaped(fleet: Fleet, nodes: number, gpus: number): Fleet {
  const [node] = fleet.inventory.nodes;
  if (node?.gpus === undefined) throw new Error('fixture has no GPU node');
  return { ...fleet, inventory: { ...fleet.inventory, nodes: [{ ...node, count: nodes, gpus: { ...node.gpus, count: gpus }, pricePerHour: 4 * gpus }] } };
}

/** What every plan the planner returns must satisfy; returns the violations (empty when none). */
function violations(fleet: Fleet, plan: Plan): string[] {
  const out: string[] = [];
  const slices = new Map(plan.slices.map((s) => [s.id, s]));
  const gpus = new Map(plan.gpus.map((g) => [g.id, g]));
  const infeasible = new Set(plan.infeasible.map((x) => x.service));
  const names = new Set(fleet.services.map((s) => s.name));
  const poolSlices = new Map(plan.coldPools.map((p) => [p.slice, p]));
  const hotOn = new Map<string, string[]>();
  for (const x of plan.infeasible) {
    if (!names.has(x.service)) out.push(`infeasible names an unknown service '${x.service}'`);
    if (x.reason === '' || x.fix === '') out.push(`infeasible ${x.service} lacks a reason or a fix`);
  }
  for (const s of plan.services) {
    for (const r of s.replicas) {
      const at = `${s.name} on ${r.slice}`;
      if (!Number.isFinite(r.predictedP99Ms) || r.predictedP99Ms > s.sloP99Ms + 0.01) out.push(`${at}: p99 ${r.predictedP99Ms} ms above the SLO ${s.sloP99Ms} ms`);
      if (!(r.predictedP99Ms <= (s.predictedP99Ms ?? Number.NaN))) out.push(`${at}: p99 above the service's claimed worst ${s.predictedP99Ms}`);
      if (!(r.utilization >= 0 && r.utilization <= 1)) out.push(`${at}: utilization ${r.utilization}`);
      if (!((r.loadRps ?? Number.NaN) <= r.capacityRps + 1e-3)) out.push(`${at}: load ${r.loadRps} over capacity ${r.capacityRps}`);
      const slice = slices.get(r.slice);
      if (slice === undefined) {
        out.push(`${at}: the slice is not in slices[]`);
        continue;
      }
      if (slice.profile !== r.sliceProfile || slice.node !== r.node) out.push(`${at}: profile/node disagree with slices[]`);
      if (slice.kind !== 'cpu') {
        const gpu = gpus.get(r.gpu ?? '');
        const k = gpu?.slices.indexOf(r.slice) ?? -1;
        if (gpu === undefined || k < 0 || gpu.layout[k] !== r.sliceProfile) out.push(`${at}: not a slice of a GPU in gpus[] whose layout holds it`);
      }
      if (s.pool === 'cold') {
        if (!poolSlices.get(r.slice)?.services.includes(s.name)) out.push(`${at}: cold replica not on a cold pool that lists it`);
      } else {
        hotOn.set(r.slice, [...(hotOn.get(r.slice) ?? []), s.name]);
      }
    }
    // A service the plan does not call infeasible carries its whole demand.
    const routed = s.replicas.reduce((a, r) => a + (r.loadRps ?? Number.NaN), 0);
    if (!infeasible.has(s.name) && Math.abs(routed - s.demandRps) > 1e-3 * Math.max(1, s.demandRps)) out.push(`${s.name}: routes ${routed} of ${s.demandRps} rps without being reported infeasible`);
  }
  // MIG / whole-GPU / share slices are exclusive: one hot replica, and never a cold pool's slice.
  for (const [id, who] of hotOn) {
    if (slices.get(id)?.kind === 'cpu') continue;
    if (who.length > 1) out.push(`${id} holds ${who.length} hot replicas (${who.join(', ')})`);
    if (poolSlices.has(id)) out.push(`${id} is both a cold pool and ${who.join(', ')}'s slice`);
  }
  for (const p of plan.coldPools) if (!slices.has(p.slice) || !((p.residentModels ?? 0) >= 1)) out.push(`cold pool ${p.slice} is not a planned slice or holds no model`);
  for (const g of plan.gpus) for (const id of g.slices) if (!slices.has(id)) out.push(`${g.id}: slice ${id} missing from slices[]`);
  // Every service is planned or reported.
  for (const name of names) if (!infeasible.has(name) && !plan.services.some((s) => s.name === name)) out.push(`${name} is neither planned nor infeasible`);
  return out;
}

describe('assignment agrees with the solver', () => {
  test('assign-disagree fixture: a clean plan, every replica within its SLO and capacity', async () => {
    const { fleet, profiles } = load();
    const plan = await planFleet(fleet, profiles, { solver: 'milp', timeLimitMs: 30_000 });
    expect(violations(fleet, plan)).toEqual([]);
    expect(plan.infeasible).toEqual([]);
    expect(plan.explain.filter((e) => e.startsWith('assign:'))).toEqual([]);
    const line06 = plan.services.find((s) => s.name === 'line-06');
    expect(line06?.capacityRps).toBeGreaterThanOrEqual(line06?.demandRps ?? Number.POSITIVE_INFINITY);
  }, 120_000);

  test.each(['milp', 'heuristic'] as const)('%s: cold-pool slices land in the groups the solver reserved, replicas exactly as counted', async (solver) => {
    const { fleet, profiles } = load();
    // The heuristic does not fit the fixture's 2 × 2 GPUs (it cannot split services across the
    // pin's groups as well as the MILP); 3 GPUs per node keep the same two groups.
    const problem = buildProblem(solver === 'milp' ? fleet : shaped(fleet, 2, 3), profiles, resolvePlanOptions({ solver }));
    expect(problem.inventory.gpuGroups).toHaveLength(2); // the pin splits the nodes
    const pools = decidePools(problem);
    expect(pools.requirements.length).toBeGreaterThan(0);
    let agg: AggregateSolution | undefined = solveHeuristic(problem, pools.hot, pools.requirements);
    if (solver === 'milp') agg = (await solveMilp({ problem, services: pools.hot, pool: pools.requirements, timeLimitMs: 30_000, relativeGap: 0.001, start: agg })).solution;
    if (agg === undefined) throw new Error('no solution');
    const out = assignPlan(problem, agg, pools, undefined);
    expect(out.infeasible).toEqual([]);
    // Pool slices by group, as placed vs as reserved.
    const groupOfNode = new Map(problem.inventory.gpuGroups.flatMap((g) => g.nodes.map((n) => [n, g.key] as const)));
    const placedPools = new Map<string, number>();
    for (const p of out.coldPools) {
      const key = `${groupOfNode.get(p.node ?? '') ?? '?'}#${p.sliceProfile ?? '?'}`;
      placedPools.set(key, (placedPools.get(key) ?? 0) + 1);
    }
    expect(placedPools).toEqual(new Map(agg.poolSlices));
    // Hot replicas per (service, group, profile), as placed vs as counted.
    for (const [i, reps] of agg.replicas) {
      const svc = serviceByIndex(problem, i);
      const placed = new Map<string, number>();
      for (const r of out.services.find((s) => s.name === svc.name)?.replicas ?? []) {
        const key = `${groupOfNode.get(r.node) ?? '?'}#${r.sliceProfile}`;
        placed.set(key, (placed.get(key) ?? 0) + 1);
      }
      expect(placed).toEqual(new Map(reps.map((r) => [r.optionKey, r.count])));
    }
  }, 120_000);

  test('a replica the assignment cannot place is reported infeasible, never emitted overloaded', () => {
    const { fleet, profiles } = load();
    const problem = buildProblem(shaped(fleet, 2, 3), profiles, resolvePlanOptions({}));
    const pools = decidePools(problem);
    const agg = solveHeuristic(problem, pools.hot, pools.requirements);
    expect(agg.extra.size).toBe(0);
    // Take one GPU away from what the solution partitions: its slices' replicas have nowhere to go.
    const [groupKey, layouts] = [...agg.layouts].find(([, m]) => [...m.values()].some((n) => n > 0)) as [string, ReadonlyMap<string, number>];
    const [layoutId, count] = [...layouts].find(([, n]) => n > 0) as [string, number];
    const tampered: AggregateSolution = { ...agg, layouts: new Map([...agg.layouts, [groupKey, new Map([...layouts, [layoutId, count - 1]])]]) };
    const out = assignPlan(problem, tampered, pools, undefined);
    expect(out.infeasible.length).toBeGreaterThan(0);
    for (const x of out.infeasible) expect(x.fix).not.toBe('');
    const plan = { apiVersion: 'tessera.dev/v1alpha1', kind: 'Plan', fleet: 'x', summary: {} as Plan['summary'], gpus: out.gpus, slices: out.slices, services: out.services, coldPools: out.coldPools, infeasible: out.infeasible, explain: out.explain } as Plan;
    expect(violations(problem.fleet, plan)).toEqual([]);
  });

  // Property-style: the invariants hold for every plan the planner returns, over inventory shapes
  // that are short of GPUs (infeasible, extra hardware), tight, and roomy; with one node the pin
  // on gpu-a-1 matches nothing (line-07 is infeasible up front).
  const shapes: [number, number][] = [];
  for (let nodes = 1; nodes <= 4; nodes++) for (let gpus = 1; gpus <= 4; gpus++) shapes.push([nodes, gpus]);
  test.each(['milp', 'heuristic'] as const)('%s: plan invariants over 1–4 nodes × 1–4 GPUs', async (solver) => {
    const { fleet, profiles } = load();
    for (const [nodes, gpus] of shapes) {
      const f = shaped(fleet, nodes, gpus);
      const plan = await planFleet(f, profiles, { solver, timeLimitMs: 5_000 });
      expect({ nodes, gpus, violations: violations(f, plan) }).toEqual({ nodes, gpus, violations: [] });
    }
  }, 300_000);
});
