import { describe, expect, test } from 'vitest';
import { isValidLayout } from '../profile/perf/index.js';
import { planFleet } from './plan-fleet.js';
import { a100Profiles, fleetOf, svc } from './test-support/fleets.js';
import type { Plan } from './plan-types.js';

const hot = { pool: 'hot' as const };

function layoutsValid(plan: Plan): boolean {
  return plan.gpus.every((g) => g.layout[0] === 'gpu' || isValidLayout(g.type, g.slices.map((id, k) => ({ profile: g.layout[k] as string, start: Number(/@(\d+)$/.exec(id)?.[1]) })), 535));
}

function capacityCovers(plan: Plan): boolean {
  return plan.services.every((s) => s.replicas.reduce((a, r) => a + (r.maxCapacityRps ?? r.capacityRps), 0) >= s.demandRps - 1e-6);
}

describe('MILP on instances whose optimum is known by hand', () => {
  test('seven light services fit one GPU as seven 1g slices; an eighth needs a second GPU', async () => {
    const seven = Array.from({ length: 7 }, (_, k) => svc(`s${k}`, 'resnet50', 100, 5, hot));
    const one = await planFleet(fleetOf(seven), a100Profiles(), { solver: 'milp', timeLimitMs: 20_000 });
    expect(one.summary.solver).toBe('highs-milp');
    expect(one.summary.optimalityGap).toBe(0);
    expect(one.summary.gpus).toBe(1);
    expect(one.gpus[0]?.layout).toEqual(Array(7).fill('1g.10gb'));
    const eight = await planFleet(fleetOf([...seven, svc('s7', 'resnet50', 100, 5, hot)]), a100Profiles(), { solver: 'milp', timeLimitMs: 20_000 });
    expect(eight.summary.gpus).toBe(2);
    expect(layoutsValid(eight)).toBe(true);
  });

  test('minReplicas with availability spreads replicas over distinct GPUs and nodes', async () => {
    const fleet = fleetOf([svc('ha', 'resnet50', 100, 5, { ...hot, minReplicas: 3, availability: true })], [{ name: 'n', count: 3, gpus: { type: 'A100-80GB', count: 2, driver: 535 }, pricePerHour: 8 }]);
    const plan = await planFleet(fleet, a100Profiles(), { solver: 'milp', timeLimitMs: 20_000 });
    const reps = plan.services[0]?.replicas ?? [];
    expect(reps).toHaveLength(3);
    expect(new Set(reps.map((r) => r.gpu)).size).toBe(3);
    expect(new Set(reps.map((r) => r.node)).size).toBe(3);
    expect(plan.summary.gpus).toBe(3);
  });

  test('demand beyond one slice gets as many replicas as carry it, within the SLO', async () => {
    const plan = await planFleet(fleetOf([svc('big', 'resnet50', 100, 4000, hot)]), a100Profiles(), { solver: 'milp', timeLimitMs: 20_000 });
    const s = plan.services[0];
    expect(s?.replicas.length).toBeGreaterThanOrEqual(2);
    expect(capacityCovers(plan)).toBe(true);
    for (const r of s?.replicas ?? []) expect(r.predictedP99Ms).toBeLessThanOrEqual(100);
    expect(layoutsValid(plan)).toBe(true);
  });

  test('pins and forbids are obeyed', async () => {
    const fleet = fleetOf(
      [
        svc('pinned', 'resnet50', 100, 5, { ...hot, placement: { pin: [{ node: 'b' }] } }),
        svc('no-1g', 'resnet50', 100, 5, { ...hot, placement: { forbid: [{ slice: '1g.10gb' }] } }),
      ],
      [
        { name: 'a', gpus: { type: 'A100-80GB', count: 1, driver: 535 }, pricePerHour: 4 },
        { name: 'b', gpus: { type: 'A100-80GB', count: 1, driver: 535 }, pricePerHour: 4 },
      ],
    );
    const plan = await planFleet(fleet, a100Profiles(), { solver: 'milp', timeLimitMs: 20_000 });
    expect(plan.services.find((s) => s.name === 'pinned')?.replicas.every((r) => r.node === 'b')).toBe(true);
    expect(plan.services.find((s) => s.name === 'no-1g')?.replicas.every((r) => r.sliceProfile !== '1g.10gb')).toBe(true);
    expect(plan.infeasible).toEqual([]);
  });

  test('a 4g+3g layout is not used with a driver older than R510', async () => {
    const services = [svc('a', 'resnet50', 100, 900, hot), svc('b', 'resnet50', 100, 1150, hot)];
    const old = await planFleet(fleetOf(services, [{ name: 'g', gpus: { type: 'A100-80GB', count: 4, driver: 470 }, pricePerHour: 16 }]), a100Profiles(), { solver: 'milp', timeLimitMs: 20_000 });
    for (const g of old.gpus) expect(g.layout.includes('4g.40gb') && g.layout.includes('3g.40gb')).toBe(false);
    expect(layoutsValid(old)).toBe(true);
  });
});
