import { beforeAll, describe, expect, test } from 'vitest';
import { isValidLayout, wholeGpuSlice } from '../profile/perf/index.js';
import { solveHeuristic } from './heuristic.js';
import { solveMilp } from './milp.js';
import { resolvePlanOptions } from './options.js';
import { planFleet } from './plan-fleet.js';
import type { Plan } from './plan-types.js';
import { decidePools } from './pools.js';
import { buildProblem } from './problem.js';
import { a100Profiles, fleetOf, svc } from './test-support/fleets.js';
import { syntheticFleet } from './test-support/synthetic-fleet.js';
import { PARVAGPU_MODELS } from '../profile/perf/test-support/parvagpu-fixture.js';
import type { Fleet } from '../core/index.js';

function capacityCovers(plan: Plan): boolean {
  return plan.services.every((s) => s.replicas.reduce((a, r) => a + (r.maxCapacityRps ?? r.capacityRps), 0) >= s.demandRps - 1e-6);
}

function migLayoutsValid(plan: Plan): boolean {
  return plan.gpus.every((g) => g.layout[0] === 'gpu' || isValidLayout(g.type, g.slices.map((id, k) => ({ profile: g.layout[k] as string, start: Number(/@(\d+)$/.exec(id)?.[1]) })), 535));
}

const fleets: Fleet[] = [];
beforeAll(() => {
  fleets.push(syntheticFleet({ services: 12, mix: 'light', seed: 11, models: PARVAGPU_MODELS, profiles: a100Profiles() }));
  fleets.push(syntheticFleet({ services: 12, mix: 'medium', seed: 12, models: PARVAGPU_MODELS, profiles: a100Profiles() }));
  fleets.push(syntheticFleet({ services: 10, mix: 'heavy', seed: 13, models: PARVAGPU_MODELS, profiles: a100Profiles() }));
});

describe('baselines', () => {
  test('dedicated: one whole GPU per replica, ⌈demand / whole-GPU capacity⌉ replicas', async () => {
    const fleet = fleets[1] as Fleet;
    const plan = await planFleet(fleet, a100Profiles(), { baseline: 'dedicated' });
    const problem = buildProblem(fleet, a100Profiles(), resolvePlanOptions({}));
    let expected = 0;
    for (const s of problem.services) {
      const r = problem.perf.maxSustainableRate({ model: s.model, slice: wholeGpuSlice('A100-80GB'), sloP99Ms: s.sloP99Ms, maxBatchSize: s.maxBatchSize, arrivalScv: s.arrivalScv })?.capacityRps as number;
      expected += Math.max(1, Math.ceil(s.demandRps / r - 1e-9));
    }
    expect(plan.summary.gpus).toBe(expected);
    expect(plan.gpus.every((g) => g.layout.length === 1 && g.layout[0] === 'gpu')).toBe(true);
    expect(capacityCovers(plan)).toBe(true);
  });

  test('ffd: valid MIG layouts, every service carried within its SLO', async () => {
    for (const fleet of fleets) {
      const plan = await planFleet(fleet, a100Profiles(), { baseline: 'ffd' });
      expect(migLayoutsValid(plan)).toBe(true);
      expect(capacityCovers(plan)).toBe(true);
      for (const s of plan.services) for (const r of s.replicas) expect(r.predictedP99Ms).toBeLessThanOrEqual(s.sloP99Ms);
    }
  });

  test('nexus: whole GPUs; light residuals share a GPU by duty cycle', async () => {
    const fleet = fleetOf([svc('a', 'resnet50', 200, 100), svc('b', 'mobilenetv2', 200, 100), svc('c', 'vgg16', 200, 50)]);
    const plan = await planFleet(fleet, a100Profiles(), { baseline: 'nexus' });
    expect(plan.summary.gpus).toBe(1);
    expect(plan.gpus[0]?.layout).toEqual(['gpu']);
    expect(plan.services.every((s) => s.replicas.length === 1 && s.replicas[0]?.slice === plan.gpus[0]?.slices[0])).toBe(true);
    for (const s of plan.services) expect(s.replicas[0]?.predictedP99Ms).toBeLessThanOrEqual(s.sloP99Ms);
  });

  test('nexus: a heavy service saturates whole GPUs at b_max with 2·l(b_max) ≤ SLO', async () => {
    const plan = await planFleet(fleetOf([svc('a', 'resnet50', 100, 6000)]), a100Profiles(), { baseline: 'nexus' });
    const reps = plan.services[0]?.replicas ?? [];
    expect(reps.length).toBeGreaterThanOrEqual(2);
    const full = reps.filter((r) => r.utilization > 0.999);
    expect(full.length).toBeGreaterThan(0);
    for (const r of full) expect(r.predictedP99Ms).toBeLessThanOrEqual(100);
  });
});

describe('lower bound', () => {
  test('the lower bound is at most the GPUs of every plan that meets the SLOs', async () => {
    for (const fleet of fleets) {
      const plans = await Promise.all([
        planFleet(fleet, a100Profiles(), { solver: 'milp', timeLimitMs: 10_000 }),
        planFleet(fleet, a100Profiles(), { solver: 'heuristic' }),
        planFleet(fleet, a100Profiles(), { baseline: 'dedicated' }),
        planFleet(fleet, a100Profiles(), { baseline: 'ffd' }),
      ]);
      for (const p of plans) {
        expect(p.infeasible).toEqual([]);
        expect(p.summary.lowerBoundGpus).toBeLessThanOrEqual(p.summary.gpus);
      }
    }
  });
});

describe('heuristic against the MILP', () => {
  test('on instances both solve, the MILP objective is no worse and the heuristic is within one GPU', async () => {
    for (const fleet of fleets) {
      const problem = buildProblem(fleet, a100Profiles(), resolvePlanOptions({}));
      const pools = decidePools(problem);
      const h = solveHeuristic(problem, pools.hot, pools.requirements);
      const m = await solveMilp({ problem, services: pools.hot, pool: pools.requirements, timeLimitMs: 20_000, relativeGap: 0 });
      expect(m.raw.status).toBe('optimal');
      expect(m.solution?.solverObjective).toBeLessThanOrEqual(h.solverObjective + 1e-6);
      const gpus = (agg: { layouts: ReadonlyMap<string, ReadonlyMap<string, number>> }): number => [...agg.layouts.values()].reduce((s, l) => s + [...l.values()].reduce((a, b) => a + b, 0), 0);
      expect(gpus(h)).toBeLessThanOrEqual(gpus(m.solution as NonNullable<typeof m.solution>) + 1);
    }
  });

  test('heuristic plans are valid and carry every service within its SLO', async () => {
    for (const fleet of fleets) {
      const plan = await planFleet(fleet, a100Profiles(), { solver: 'heuristic' });
      expect(plan.summary.solver).toBe('heuristic');
      expect(plan.summary.optimalityGap).toBeNull();
      expect(migLayoutsValid(plan)).toBe(true);
      expect(capacityCovers(plan)).toBe(true);
      for (const s of plan.services) for (const r of s.replicas) expect(r.predictedP99Ms).toBeLessThanOrEqual(s.sloP99Ms);
    }
  });
});
