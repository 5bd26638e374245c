import { describe, expect, test } from 'vitest';
import { execAt } from './exec-curves.js';
import { PerformanceModel } from './performance-model.js';
import { erlangC, batchQueue } from './queueing.js';
import { alphaAt, fitAlpha } from './scaling.js';
import { cpuSlice, migSlice, sliceFromPlan, sliceKey, wholeGpuSlice } from './slice.js';
import { simulateBatchQueue } from './test-support/batch-des.js';
import { affineProfile, loadParvaGpu, loadParvaGpuModel } from './test-support/parvagpu-fixture.js';

const mig = (slice: string, k: number) => ({ kind: 'mig' as const, name: `A100-80GB ${slice}`, gpuType: 'A100-80GB', slice, computeSlices: k, fingerprint: `mig/${slice}` });

describe('execution figures from profiles', () => {
  // l(b) = 2 + 0.5·b ms on a 3g slice, measured at 1, 2, 4, 8, 16, 32.
  const pm = new PerformanceModel([affineProfile({ model: 'm', device: mig('3g.40gb', 3), baseMs: 2, perItemMs: 0.5 })]);
  const slice = migSlice('A100-80GB', '3g.40gb');

  test('interpolates latency linearly between measured batch sizes', () => {
    const e = pm.exec('m', slice, 12, 1);
    expect(e?.latencyMs.mean).toBeCloseTo(2 + 0.5 * 12, 9);
    expect(e?.throughputPerS).toBeCloseTo((1000 * 12) / 8, 6);
    expect(e?.estimated).toBe(false);
  });

  test('does not extrapolate above the largest measured batch (it may not fit)', () => {
    expect(pm.exec('m', slice, 33, 1)).toBeUndefined();
    expect(pm.maxBatchSize('m', slice)).toBe(32);
  });

  test('serviceTimeMs is the mean batch time the simulator and runtime read', () => {
    expect(pm.serviceTimeMs('m', slice, 4)).toBeCloseTo(4, 9);
  });

  test('a curve below its smallest measured batch keeps the smallest batch time', () => {
    const curve = { concurrency: 1, points: [{ batchSize: 4, meanMs: 5, p50Ms: 5, p99Ms: 6 }] };
    expect(execAt(curve, 1)?.meanMs).toBe(5);
  });
});

describe('estimates for slices without a profile', () => {
  const profiles = loadParvaGpuModel('resnet50').filter((p) => p.device.slice !== '2g.20gb');
  const pm = new PerformanceModel(profiles);

  test('a slice with no profile is estimated from the closest one and flagged estimated', () => {
    const e = pm.exec('resnet50', migSlice('A100-80GB', '2g.20gb'), 8, 1);
    expect(e?.estimated).toBe(true);
    expect(e?.source).toBe('estimated');
    expect(e?.basis).toMatch(/estimated from .*A100-80GB\/(1g|3g)/);
    // Between the 1g and 3g measurements of the same batch.
    const one = pm.exec('resnet50', migSlice('A100-80GB', '1g.10gb'), 8, 1)?.throughputPerS as number;
    const three = pm.exec('resnet50', migSlice('A100-80GB', '3g.40gb'), 8, 1)?.throughputPerS as number;
    expect(e?.throughputPerS).toBeGreaterThan(one);
    expect(e?.throughputPerS).toBeLessThan(three);
  });

  test('the estimated flag carries into operating points', () => {
    const r = pm.maxSustainableRate({ model: 'resnet50', slice: migSlice('A100-80GB', '2g.20gb'), sloP99Ms: 100 });
    expect(r?.estimated).toBe(true);
    expect(pm.maxSustainableRate({ model: 'resnet50', slice: migSlice('A100-80GB', '3g.40gb'), sloP99Ms: 100 })?.estimated).toBe(false);
  });

  test('same compute with more memory (1g.20gb) and a whole GPU (from 7g) are proxies, not estimates', () => {
    expect(pm.exec('resnet50', migSlice('A100-80GB', '1g.20gb'), 8, 1)?.source).toBe('proxy');
    expect(pm.exec('resnet50', wholeGpuSlice('A100-80GB'), 8, 1)?.estimated).toBe(false);
  });

  test('another GPU type is estimated by relative speed (an H100 is faster than an A100)', () => {
    const h = pm.exec('resnet50', wholeGpuSlice('H100-80GB'), 32, 1);
    const a = pm.exec('resnet50', wholeGpuSlice('A100-80GB'), 32, 1);
    expect(h?.estimated).toBe(true);
    expect(h?.throughputPerS).toBeGreaterThan(a?.throughputPerS as number);
  });

  test('a GPU profile never stands in for a CPU slice', () => {
    expect(pm.exec('resnet50', cpuSlice(2), 1, 1)).toBeUndefined();
  });

  test('α(b) fitted on the A100 tables is sub-linear and peaks at mid-size batches', () => {
    const table = fitAlpha(loadParvaGpu());
    expect(table.pairs).toBeGreaterThan(1000);
    expect(alphaAt(table, 1)).toBeLessThan(0.45);
    expect(alphaAt(table, 16)).toBeGreaterThan(0.75);
    expect(alphaAt(table, 16)).toBeLessThanOrEqual(1);
  });
});

describe('queueing model', () => {
  test('Erlang C matches known values', () => {
    expect(erlangC(1, 0.5)).toBeCloseTo(0.5, 12);
    expect(erlangC(2, 1)).toBeCloseTo(1 / 3, 12);
    expect(erlangC(3, 0)).toBe(0);
  });

  test('an overloaded replica has an infinite p99', () => {
    const r = batchQueue({ rateRps: 1000, batchSize: 1, instances: 1, maxQueueDelayMs: 0, execMeanMs: () => 2, execP99FullMs: 2, arrivalScv: 1, execScv: 0 });
    expect(r.p99Ms).toBe(Number.POSITIVE_INFINITY);
  });

  test('predicted p99 bounds a simulation of the dispatch rule, and not loosely', () => {
    const pm = new PerformanceModel(loadParvaGpuModel('resnet50'));
    for (const [profile, slo] of [['3g.40gb', 100], ['1g.10gb', 200], ['7g.80gb', 50]] as const) {
      const slice = migSlice('A100-80GB', profile);
      const r = pm.maxSustainableRate({ model: 'resnet50', slice, sloP99Ms: slo, maxBatchSize: 64 });
      expect(r).toBeDefined();
      const curve = pm.sliceExec('resnet50', slice)?.curves.find((c) => c.concurrency === r?.instances);
      const rate = (r?.capacityRps as number) * 0.9;
      const predicted = pm.predictP99Ms({ model: 'resnet50', slice, sloP99Ms: slo, rateRps: rate, batchSize: r?.batchSize as number, instances: r?.instances as number, maxQueueDelayMs: r?.maxQueueDelayMs as number }) as number;
      const sim = simulateBatchQueue({ rateRps: rate, batchSize: r?.batchSize as number, instances: r?.instances as number, maxQueueDelayMs: r?.maxQueueDelayMs as number, execMs: (n) => execAt(curve as NonNullable<typeof curve>, n)?.meanMs as number, requests: 20_000, seed: 3 });
      // Conservative within 10 % on the optimistic side, and not more than 1.6× pessimistic.
      expect(sim.p99Ms).toBeLessThanOrEqual(predicted * 1.1);
      expect(predicted).toBeLessThanOrEqual(sim.p99Ms * 1.6);
    }
  });
});

describe('operating points', () => {
  const pm = new PerformanceModel(loadParvaGpu(['resnet50', 'vgg16', 'bert']));

  test('maximum sustainable rate never falls when the SLO is relaxed', () => {
    for (const model of ['resnet50', 'vgg16', 'bert']) {
      for (const profile of ['1g.10gb', '3g.40gb', '7g.80gb']) {
        let prev = 0;
        for (const slo of [10, 15, 20, 30, 50, 75, 100, 150, 200, 300]) {
          const r = pm.maxSustainableRate({ model, slice: migSlice('A100-80GB', profile), sloP99Ms: slo, maxBatchSize: 64 })?.capacityRps ?? 0;
          expect(r).toBeGreaterThanOrEqual(prev * (1 - 1e-6));
          prev = r;
        }
      }
    }
  });

  test('the Nexus rule: largest b with 2·l(b) ≤ SLO, throughput b / l(b)', () => {
    // l(b) = 2 + 0.5·b: with SLO 20, 2·l(b) ≤ 20 ⇔ b ≤ 16, throughput 16 / 10 ms = 1600 rps.
    const m = new PerformanceModel([affineProfile({ model: 'm', device: mig('7g.80gb', 7), baseMs: 2, perItemMs: 0.5 })]);
    const r = m.maxSustainableRate({ model: 'm', slice: migSlice('A100-80GB', '7g.80gb'), sloP99Ms: 20, rule: 'nexus' });
    expect(r?.batchSize).toBe(16);
    expect(r?.capacityRps).toBeCloseTo(1600, 0);
    expect(r?.predictedP99Ms).toBeCloseTo(20, 6);
  });

  test('the queueing model carries more than the Nexus rule at loose SLOs (multiple instances, chosen queue delay)', () => {
    const slice = migSlice('A100-80GB', '7g.80gb');
    const q = pm.maxSustainableRate({ model: 'resnet50', slice, sloP99Ms: 100, maxBatchSize: 64 })?.capacityRps as number;
    const n = pm.maxSustainableRate({ model: 'resnet50', slice, sloP99Ms: 100, maxBatchSize: 64, rule: 'nexus' })?.capacityRps as number;
    expect(q).toBeGreaterThan(n);
  });

  test('the operating point for a rate meets the SLO with capacity to spare and beats the capacity settings on p99', () => {
    const slice = migSlice('A100-80GB', '3g.40gb');
    const max = pm.maxSustainableRate({ model: 'resnet50', slice, sloP99Ms: 100, maxBatchSize: 64 });
    const op = pm.operatingPoint({ model: 'resnet50', slice, sloP99Ms: 100, rateRps: 300, maxBatchSize: 64 });
    expect(op?.predictedP99Ms).toBeLessThanOrEqual(100);
    expect(op?.capacityRps).toBeGreaterThanOrEqual(300);
    expect(op?.utilization).toBeLessThanOrEqual(1);
    expect(op?.predictedP99Ms).toBeLessThan(max?.predictedP99Ms as number);
  });

  test('no setting meets an SLO below the batch-1 latency; the fix names the smallest SLO that works', () => {
    const m = new PerformanceModel([affineProfile({ model: 'm', device: mig('7g.80gb', 7), baseMs: 4, perItemMs: 1 })]);
    const slice = migSlice('A100-80GB', '7g.80gb');
    expect(m.maxSustainableRate({ model: 'm', slice, sloP99Ms: 4.5 })).toBeUndefined();
    const min = m.minFeasibleSloMs({ model: 'm', slice }) as number;
    expect(min).toBeGreaterThanOrEqual(5);
    expect(min).toBeLessThan(5.2);
    expect(m.maxSustainableRate({ model: 'm', slice, sloP99Ms: min })).toBeDefined();
  });

  test('CPU slices use profiles measured with that many threads', () => {
    const cpu = { kind: 'cpu' as const, name: 'cpu', threads: 2, fingerprint: 'cpu/x' };
    const m = new PerformanceModel([affineProfile({ model: 'c', device: cpu, baseMs: 1, perItemMs: 0.2 })]);
    expect(m.exec('c', cpuSlice(2), 4, 1)?.estimated).toBe(false);
    expect(m.exec('c', cpuSlice(1), 4, 1)?.estimated).toBe(true);
    expect(m.exec('c', cpuSlice(1), 4, 1)?.latencyMs.mean).toBeGreaterThan(m.exec('c', cpuSlice(2), 4, 1)?.latencyMs.mean as number);
  });
});

describe('GPU facts read from src/hardware', () => {
  test('full MIG layouts of an A100-40GB: 19 with a current driver, 18 before R510', async () => {
    const { enumerateFullLayouts } = await import('./hardware-adapter.js');
    const classic = ['1g.5gb', '2g.10gb', '3g.20gb', '4g.20gb', '7g.40gb'];
    expect(enumerateFullLayouts('A100-40GB', 999, classic)).toHaveLength(19);
    expect(enumerateFullLayouts('A100-40GB', 470, classic)).toHaveLength(18);
  });

  test('relative speed orders the catalog sensibly (H100 > A100 > L4)', async () => {
    const { relativeGpuSpeed } = await import('./hardware-adapter.js');
    expect(relativeGpuSpeed('A100-80GB')).toBeCloseTo(1, 9);
    expect(relativeGpuSpeed('H100-80GB') as number).toBeGreaterThan(1.5);
    expect(relativeGpuSpeed('L4') as number).toBeLessThan(0.5);
  });
});

describe('slices named by a plan', () => {
  test('a plan slice maps to the slice the model answers for', () => {
    expect(sliceKey(sliceFromPlan({ kind: 'mig', profile: '3g.40gb', computeSlices: 3 }, 'A100-80GB'))).toBe('A100-80GB/3g.40gb');
    expect(sliceKey(sliceFromPlan({ kind: 'gpu', profile: 'gpu' }, 'L4'))).toBe('L4/gpu');
    expect(sliceKey(sliceFromPlan({ kind: 'cpu', profile: 'cpu-2', cores: 2 }))).toBe('cpu/cpu-2');
    expect(sliceFromPlan({ kind: 'gpu-share', profile: 'share-0.25' }, 'T4').fraction).toBe(0.25);
  });
});
