import type { Rng } from '../../core/index.js';
import type { PerformanceModel, SliceRef } from '../../profile/index.js';

/**
 * Batch time sampler: log-normal with the profile's p50 as median and its p99 as the 99th
 * percentile (σ = ln(p99/p50) / 2.326); deterministic where p99 = p50. Cached per batch size.
 */
export function batchTimeSampler(model: PerformanceModel, name: string, slice: SliceRef, instances: number, rng: Rng): (b: number) => number {
  const cache = new Map<number, { median: number; sigma: number }>();
  return (b: number) => {
    let c = cache.get(b);
    if (!c) {
      const e = model.exec(name, slice, b, instances) ?? model.exec(name, slice, b, 1);
      const p50 = e?.latencyMs.p50 ?? 1;
      const p99 = Math.max(p50, e?.latencyMs.p99 ?? p50);
      c = { median: p50, sigma: p99 > p50 ? Math.log(p99 / p50) / 2.326 : 0 };
      cache.set(b, c);
    }
    return c.sigma === 0 ? c.median : c.median * Math.exp(c.sigma * rng.normal());
  };
}

/** The linear service-time prior a batching policy starts from: base + perItem × b through b = 1 and the largest batch. */
export function linearPrior(model: PerformanceModel, name: string, slice: SliceRef, instances: number, maxBatch: number): { baseMs: number; perItemMs: number } {
  const t1 = model.serviceTimeMs(name, slice, 1, instances) ?? model.serviceTimeMs(name, slice, 1) ?? 1;
  const tb = model.serviceTimeMs(name, slice, maxBatch, instances) ?? model.serviceTimeMs(name, slice, maxBatch) ?? t1 * maxBatch;
  const perItemMs = maxBatch > 1 ? Math.max(0, (tb - t1) / (maxBatch - 1)) : t1;
  return { baseMs: Math.max(0, t1 - perItemMs), perItemMs };
}
