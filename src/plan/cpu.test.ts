import { describe, expect, test } from 'vitest';
import type { ModelProfile } from '../profile/index.js';
import { affineProfile } from '../profile/perf/test-support/parvagpu-fixture.js';
import { planFleet } from './plan-fleet.js';
import { fleetOf, svc } from './test-support/fleets.js';

const cpu = (threads: number) => ({ kind: 'cpu' as const, name: 'cpu', threads, fingerprint: `cpu/test/${threads}` });

// Three models measured with 2 threads, like `tessera profile` on a 2-core machine.
const profiles: ModelProfile[] = [
  affineProfile({ model: 'det', device: cpu(2), baseMs: 40, perItemMs: 30, batchSizes: [1, 2, 4, 8] }),
  affineProfile({ model: 'cls', device: cpu(2), baseMs: 1, perItemMs: 0.8, batchSizes: [1, 2, 4, 8, 16, 32] }),
  affineProfile({ model: 'mlp', device: cpu(2), baseMs: 0.05, perItemMs: 0.01, batchSizes: [1, 2, 4, 8, 16, 32, 64] }),
];
const local = [{ name: 'local', cpu: { cores: 2 } }];

describe('CPU-only inventories', () => {
  test('plans every service as CPU replicas with threads and batch settings within the SLO', async () => {
    const fleet = fleetOf([svc('det', 'det', 1500, 1), svc('cls', 'cls', 100, 20), svc('fraud', 'mlp', 20, 300, { traffic: { rps: 300, arrival: 'bursty', cv: 2 } })], local);
    const plan = await planFleet(fleet, profiles, { solver: 'milp' });
    expect(plan.infeasible).toEqual([]);
    expect(plan.summary.gpus).toBe(0);
    expect(plan.summary.cpuCores).toBe(2);
    for (const s of plan.services) {
      expect(s.replicas).toHaveLength(1);
      const r = s.replicas[0];
      expect(r?.threads).toBe(2);
      expect(r?.sliceProfile).toBe('cpu-2');
      expect(r?.estimated).toBe(false);
      expect(r?.predictedP99Ms).toBeLessThanOrEqual(s.sloP99Ms);
      expect(plan.slices.find((x) => x.id === r?.slice)?.kind).toBe('cpu');
    }
  });

  test('more load than the node\'s cores can carry is infeasible with the CPU nodes to add', async () => {
    // det at 1 rps busies ~0.07 core-s/s per request batch; 60 rps is far beyond 2 cores.
    const plan = await planFleet(fleetOf([svc('det', 'det', 1500, 60)], local), profiles, { solver: 'milp' });
    expect(plan.infeasible.length).toBe(1);
    expect(plan.infeasible[0]?.fix).toMatch(/add \d+ CPU nodes? of 2 cores/);
  });
});
