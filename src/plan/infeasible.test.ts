import { describe, expect, test } from 'vitest';
import { planFleet } from './plan-fleet.js';
import { a100Profiles, fleetOf, svc } from './test-support/fleets.js';

const hot = { pool: 'hot' as const };
const oneGpu = [{ name: 'g', gpus: { type: 'A100-80GB', count: 1, driver: 535 }, pricePerHour: 4 }];

describe('infeasible input is a returned result with the smallest fix', () => {
  test('an SLO below the fastest slice\'s batch-1 latency names the SLO that would work', async () => {
    const plan = await planFleet(fleetOf([svc('tight', 'resnet50', 2, 10, hot), svc('ok', 'resnet50', 100, 10, hot)]), a100Profiles(), { solver: 'milp' });
    expect(plan.infeasible).toHaveLength(1);
    const inf = plan.infeasible[0];
    expect(inf?.service).toBe('tight');
    // resnet50 runs a batch of 1 in 4.6–5.1 ms depending on the slice (mean-only table, p99 = 1.05 × mean).
    const slo = Number(/raise slo\.p99Ms to ≥ ([\d.]+) ms/.exec(inf?.fix ?? '')?.[1]);
    expect(slo).toBeGreaterThan(4.5);
    expect(slo).toBeLessThan(6);
    expect(plan.services.map((s) => s.name)).toEqual(['ok']);
  });

  test('demand beyond the inventory names the services left out and the GPUs to add', async () => {
    const services = [svc('a', 'resnet50', 100, 2000, hot), svc('b', 'resnet50', 100, 2000, hot), svc('c', 'resnet50', 100, 50, hot)];
    const plan = await planFleet(fleetOf(services, oneGpu), a100Profiles(), { solver: 'milp' });
    expect(plan.infeasible.length).toBeGreaterThan(0);
    for (const inf of plan.infeasible) expect(inf.fix).toMatch(/^add \d+ A100-80GB GPUs?/);
    const extra = Number(/^add (\d+)/.exec(plan.infeasible[0]?.fix ?? '')?.[1]);
    // Two services at ~2400 rps each need more than one A100 each; one GPU is there.
    expect(extra).toBeGreaterThanOrEqual(1);
    // The plan with that many more GPUs is feasible.
    const more = await planFleet(fleetOf(services, [{ name: 'g', gpus: { type: 'A100-80GB', count: 1 + extra, driver: 535 }, pricePerHour: 4 * (1 + extra) }]), a100Profiles(), { solver: 'milp' });
    expect(more.infeasible).toEqual([]);
    // The plan never emits GPUs the inventory does not have.
    expect(plan.gpus.every((g) => g.node === 'g')).toBe(true);
  });

  test('the heuristic reports demand beyond the inventory the same way', async () => {
    const services = [svc('a', 'resnet50', 100, 2000, hot), svc('b', 'resnet50', 100, 2000, hot)];
    const plan = await planFleet(fleetOf(services, oneGpu), a100Profiles(), { solver: 'heuristic' });
    expect(plan.infeasible.length).toBeGreaterThan(0);
    expect(plan.infeasible[0]?.fix).toMatch(/add/);
  });

  test('a model with no profile asks for one', async () => {
    const plan = await planFleet(fleetOf([svc('x', 'resnet50', 100, 10, hot)]), [], { solver: 'milp' });
    expect(plan.infeasible[0]?.fix).toMatch(/tessera profile/);
  });

  test('maxReplicas too low for the demand names the replicas needed', async () => {
    const plan = await planFleet(fleetOf([svc('x', 'resnet50', 100, 8000, { ...hot, maxReplicas: 1 })]), a100Profiles(), { solver: 'milp' });
    expect(plan.infeasible[0]?.fix).toMatch(/raise maxReplicas to ≥ \d+/);
  });

  test('trace traffic without a peak rate asks for traffic.peakRps', async () => {
    const fleet = fleetOf([{ name: 't', model: 'resnet50', slo: { p99Ms: 100 }, traffic: { trace: { file: 'x.csv', format: 'qps-series' } } }]);
    const plan = await planFleet(fleet, a100Profiles(), { solver: 'milp' });
    expect(plan.infeasible[0]?.fix).toMatch(/peakRps/);
  });
});
