import { describe, expect, test } from 'vitest';
import type { Fleet } from '../core/index.js';
import { planFleet } from './plan-fleet.js';
import type { Plan } from './plan-types.js';
import { parseCurrentPlan } from './reconfig.js';
import { a100Profiles, fleetOf, svc } from './test-support/fleets.js';

const base = [
  svc('l1', 'resnet50', 100, 670),
  svc('l2', 'mobilenetv2', 100, 1030),
  svc('l3', 'densenet121', 150, 510),
  svc('l4', 'inceptionv3', 100, 970),
  svc('l5', 'vgg16', 150, 470),
  svc('l6', 'resnet101', 200, 320),
  svc('l7', 'bert', 200, 180),
  svc('l8', 'vgg19', 200, 370),
];

function scaled(name: string, factor: number): Fleet {
  return fleetOf(base.map((s) => (s.name === name ? { ...s, traffic: { rps: (s.traffic as { rps: number }).rps * factor, peakRps: (s.traffic as { rps: number }).rps * factor } } : s)));
}

/** GPUs whose layout differs, and replicas whose slice differs, between two plans. */
function changes(a: Plan, b: Plan): { layouts: number; replicas: number } {
  const la = new Map(a.gpus.map((g) => [g.id, g.layout.join('+')]));
  let layouts = 0;
  for (const g of b.gpus) if (la.get(g.id) !== g.layout.join('+')) layouts++;
  layouts += a.gpus.filter((g) => !b.gpus.some((x) => x.id === g.id)).length;
  let replicas = 0;
  for (const s of b.services) {
    const before = new Set(a.services.find((x) => x.name === s.name)?.replicas.map((r) => r.slice));
    replicas += s.replicas.filter((r) => !before.has(r.slice)).length;
  }
  return { layouts, replicas };
}

describe('re-planning against the plan in force', () => {
  test('a demand change moves less with the current plan than without it', async () => {
    const first = await planFleet(fleetOf(base), a100Profiles(), { solver: 'milp', timeLimitMs: 20_000 });
    // l2 drops 20 %: without the current plan the optimizer reshuffles two replicas, with it none.
    const drop = scaled('l2', 0.8);
    const fresh = changes(first, await planFleet(drop, a100Profiles(), { solver: 'milp', timeLimitMs: 20_000 }));
    const kept = await planFleet(drop, a100Profiles(), { solver: 'milp', timeLimitMs: 20_000, current: first });
    const c = changes(first, kept);
    expect(fresh.replicas).toBeGreaterThan(0);
    expect(c).toEqual({ layouts: 0, replicas: 0 });
    expect(kept.summary.reconfiguration).toEqual({ repartitionedGpus: 0, movedReplicas: 0 });
    // l4 grows 15 %: at most one GPU is re-partitioned, and never more than without the current plan.
    const grow = scaled('l4', 1.15);
    const freshGrow = changes(first, await planFleet(grow, a100Profiles(), { solver: 'milp', timeLimitMs: 20_000 }));
    const keptGrow = await planFleet(grow, a100Profiles(), { solver: 'milp', timeLimitMs: 20_000, current: first });
    const g = changes(first, keptGrow);
    expect(g.layouts).toBeLessThanOrEqual(1);
    expect(g.layouts + g.replicas).toBeLessThanOrEqual(freshGrow.layouts + freshGrow.replicas);
    expect(keptGrow.infeasible).toEqual([]);
    for (const s of keptGrow.services) expect(s.replicas.reduce((a, r) => a + (r.maxCapacityRps ?? 0), 0)).toBeGreaterThanOrEqual(s.demandRps - 1e-6);
  });

  test('an unchanged fleet re-plans to the same placement', async () => {
    const first = await planFleet(fleetOf(base), a100Profiles(), { solver: 'milp', timeLimitMs: 20_000 });
    const again = await planFleet(fleetOf(base), a100Profiles(), { solver: 'milp', timeLimitMs: 20_000, current: first });
    expect(changes(first, again)).toEqual({ layouts: 0, replicas: 0 });
  });

  test('--current must be a Plan', () => {
    expect(() => parseCurrentPlan({ kind: 'Fleet' })).toThrow(/TESSERA_ERR_PLAN_CURRENT|not a Plan/);
  });
});
