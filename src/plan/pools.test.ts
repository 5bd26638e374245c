import { describe, expect, test } from 'vitest';
import { planFleet } from './plan-fleet.js';
import { cheMissRates } from './pools.js';
import { a100Profiles, fleetOf, svc } from './test-support/fleets.js';

const GIB = 1024 ** 3;

function withMemory(fleet: ReturnType<typeof fleetOf>, bytes: number): ReturnType<typeof fleetOf> {
  return { ...fleet, models: fleet.models.map((m) => ({ ...m, memoryBytes: bytes })) };
}

describe('hot and cold pools', () => {
  test("Che's approximation: equal rates, M of N resident, each misses with probability 1 − M/N", () => {
    const miss = cheMissRates([2, 2, 2, 2], 2);
    for (const m of miss) expect(m).toBeCloseTo(0.5, 6);
    expect(cheMissRates([1, 5], 2)).toEqual([0, 0]);
    const skew = cheMissRates([10, 1, 0.1], 1);
    expect(skew[0]).toBeLessThan(skew[1] as number);
    expect(skew[1]).toBeLessThan(skew[2] as number);
  });

  const services = [
    svc('busy', 'resnet50', 100, 900),
    ...['a', 'b', 'c', 'd', 'e'].map((n) => svc(`rare-${n}`, 'vgg16', 200, 0.5)),
    svc('rare-hot', 'vgg16', 200, 0.5, { pool: 'hot' }),
  ];

  test('services too light for a slice of their own share a cold pool, and the plan says why', async () => {
    const plan = await planFleet(withMemory(fleetOf(services), 1 * GIB), a100Profiles(), { solver: 'milp' });
    const cold = plan.services.filter((s) => s.pool === 'cold').map((s) => s.name).sort();
    expect(cold).toEqual(['rare-a', 'rare-b', 'rare-c', 'rare-d', 'rare-e']);
    for (const s of plan.services.filter((x) => x.pool === 'cold')) {
      expect(s.poolReason).toMatch(/^cold: .*miss rate/);
      expect(s.replicas).toHaveLength(1);
    }
    expect(plan.coldPools.length).toBeGreaterThan(0);
    const pooled = plan.coldPools.flatMap((p) => p.services).sort();
    expect(pooled).toEqual(cold);
    const slices = new Set(plan.coldPools.map((p) => p.slice));
    for (const s of plan.services.filter((x) => x.pool === 'cold')) expect(slices.has(s.replicas[0]?.slice as string)).toBe(true);
    expect(plan.services.find((s) => s.name === 'rare-hot')?.pool).toBe('hot');
    expect(plan.services.find((s) => s.name === 'rare-hot')?.poolReason).toMatch(/pool: hot/);
    expect(plan.services.find((s) => s.name === 'busy')?.poolReason).toMatch(/^hot: .*threshold/);
  });

  test('when models would be evicted often and a cold start breaks the SLO, services stay hot', async () => {
    // 30 GiB models: one resident per 3g slice; five equal streams miss 80 % of the time, and an
    // (assumed) 2 s cold start is beyond the 200 ms SLO.
    const plan = await planFleet(withMemory(fleetOf(services), 30 * GIB), a100Profiles(), { solver: 'milp' });
    const rare = plan.services.filter((s) => s.name.startsWith('rare-') && s.name !== 'rare-hot');
    expect(rare.some((s) => s.pool === 'hot' && /evicted/.test(s.poolReason))).toBe(true);
  });

  test('pool: cold in the spec is respected', async () => {
    const plan = await planFleet(withMemory(fleetOf([svc('busy', 'resnet50', 100, 900), svc('forced', 'vgg16', 200, 20, { pool: 'cold' }), svc('other', 'vgg16', 200, 1, { pool: 'cold' })]), 1 * GIB), a100Profiles(), { solver: 'milp' });
    expect(plan.services.find((s) => s.name === 'forced')?.pool).toBe('cold');
    expect(plan.services.find((s) => s.name === 'forced')?.poolReason).toMatch(/spec sets pool: cold/);
  });
});
