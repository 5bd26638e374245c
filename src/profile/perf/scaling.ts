import type { ModelProfile } from '../profile-types.js';

/**
 * The scaling rule used to estimate a slice that has no profile (docs/planner.md, "Estimates"):
 *
 *   throughput(target) = throughput(source) · (cap_target / cap_source)^α(b)
 *   latency(target)    = latency(source)    · (cap_source / cap_target)^α(b)
 *
 * where cap is the slice's compute capability (compute-slice fraction × the GPU type's relative
 * speed; cores for CPU) and α(b) < 1 is the sub-linear exponent for batch size b, fitted by least
 * squares on log-ratios of pairs measured on two slice sizes of the same GPU (same model, batch and
 * concurrency). Small batches cannot fill a big slice (α ≈ 0.36 at b = 1), mid-size batches scale
 * almost linearly (α ≈ 0.85 at b = 16), very large ones saturate memory bandwidth again.
 */

/** α(b) fitted on the 11 A100-80GB MIG tables of ../shared/data/profiles/a100-80gb-mig (2,556 pairs). */
export const A100_FITTED_ALPHA: Readonly<Record<number, number>> = {
  1: 0.361,
  2: 0.52,
  4: 0.695,
  8: 0.814,
  16: 0.848,
  32: 0.832,
  64: 0.738,
  128: 0.612,
  256: 0.576,
};

/** Exponent for CPU thread scaling when the loaded profiles give no pair to fit it on. */
export const DEFAULT_CPU_ALPHA = 0.7;

/** Minimum pairs in a batch bucket before the runtime fit replaces the built-in one. */
const MIN_PAIRS = 20;

export interface AlphaTable {
  readonly byBatch: ReadonlyMap<number, number>;
  /** Pairs the fit used (0: the built-in A100 fit). */
  readonly pairs: number;
}

function bucketOf(b: number): number {
  return 2 ** Math.round(Math.log2(Math.max(1, b)));
}

/**
 * Fits α(b) on every pair of GPU profiles of the same model and GPU type measured on two slice
 * sizes; buckets with too few pairs keep the built-in A100 value.
 */
export function fitAlpha(profiles: readonly ModelProfile[]): AlphaTable {
  const sums = new Map<number, { xy: number; xx: number; n: number }>();
  const gpu = profiles.filter((p) => (p.device.kind === 'mig' || p.device.kind === 'gpu') && p.device.computeSlices !== undefined && p.device.gpuType !== undefined);
  const byModelType = new Map<string, ModelProfile[]>();
  for (const p of gpu) {
    const key = `${p.model}\u0000${p.device.gpuType}`;
    byModelType.set(key, [...(byModelType.get(key) ?? []), p]);
  }
  let pairs = 0;
  for (const group of byModelType.values()) {
    for (const a of group) {
      for (const b of group) {
        const ka = a.device.computeSlices as number;
        const kb = b.device.computeSlices as number;
        if (kb <= ka) continue;
        const tb = new Map(b.points.map((pt) => [`${pt.batchSize}/${pt.concurrency}`, pt.throughputPerS]));
        for (const pt of a.points) {
          const other = tb.get(`${pt.batchSize}/${pt.concurrency}`);
          if (other === undefined || !(other > 0) || !(pt.throughputPerS > 0)) continue;
          const x = Math.log(kb / ka);
          const y = Math.log(other / pt.throughputPerS);
          const bucket = bucketOf(pt.batchSize);
          const s = sums.get(bucket) ?? { xy: 0, xx: 0, n: 0 };
          s.xy += x * y;
          s.xx += x * x;
          s.n += 1;
          sums.set(bucket, s);
          pairs += 1;
        }
      }
    }
  }
  const byBatch = new Map<number, number>();
  for (const [b, alpha] of Object.entries(A100_FITTED_ALPHA)) byBatch.set(Number(b), alpha);
  for (const [bucket, s] of sums) {
    // Clamp: an exponent outside (0, 1] would claim a slice gets faster when it shrinks, or
    // super-linear scaling; neither is physical for a fixed model.
    if (s.n >= MIN_PAIRS && s.xx > 0) byBatch.set(bucket, Math.min(1, Math.max(0.05, s.xy / s.xx)));
  }
  return { byBatch, pairs };
}

/** α at batch size b, interpolated in log2(b) between fitted buckets. */
export function alphaAt(table: AlphaTable, b: number): number {
  const keys = [...table.byBatch.keys()].sort((x, y) => x - y);
  if (keys.length === 0) return 0.65;
  const lb = Math.log2(Math.max(1, b));
  let prev = keys[0] as number;
  if (b <= prev) return table.byBatch.get(prev) as number;
  for (const k of keys) {
    if (b <= k) {
      const lo = Math.log2(prev);
      const hi = Math.log2(k);
      const t = hi === lo ? 0 : (lb - lo) / (hi - lo);
      return (table.byBatch.get(prev) as number) * (1 - t) + (table.byBatch.get(k) as number) * t;
    }
    prev = k;
  }
  return table.byBatch.get(prev) as number;
}
