import type { LatencySummaryMs } from './profile-types.js';

/**
 * When a batch size has been timed enough (docs/profiles.md, "How long each batch size runs"):
 * after `warmupRuns` untimed runs, the batch sizes are timed in `rounds` interleaved slices of
 * about minRuns/rounds runs and minTimeMs/rounds each. After the planned rounds a size is done
 * when it has at least `minRuns` runs AND `minTimeMs` of timing AND the median of the second half
 * of its samples is within `tolerance` of the median of the first half (the figure has stopped
 * drifting: caches, allocator, CPU clocks, other processes); otherwise it gets further slices.
 * It stops regardless at `maxRuns` or `maxTimeMs` — never with fewer than `floorRuns` samples —
 * and is then marked unstable.
 */
export interface StabilityRule {
  readonly warmupRuns: number;
  readonly minRuns: number;
  readonly minTimeMs: number;
  readonly maxRuns: number;
  readonly maxTimeMs: number;
  readonly tolerance: number;
  readonly floorRuns: number;
  readonly rounds: number;
}

export const DEFAULT_STABILITY_RULE: StabilityRule = Object.freeze({
  warmupRuns: 3,
  minRuns: 15,
  minTimeMs: 1000,
  maxRuns: 200_000,
  maxTimeMs: 6000,
  tolerance: 0.05,
  floorRuns: 3,
  rounds: 3,
});

export type StopDecision = 'continue' | 'stable' | 'capped';

/** Linear-interpolated quantile (q in [0, 1]) of an ascending array. */
export function quantileSorted(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = sorted[lo] as number;
  const b = sorted[hi] as number;
  return a + (b - a) * (pos - lo);
}

export function median(values: readonly number[]): number {
  return quantileSorted([...values].sort((x, y) => x - y), 0.5);
}

export function summarize(samplesMs: readonly number[]): LatencySummaryMs {
  const sorted = [...samplesMs].sort((x, y) => x - y);
  const mean = sorted.reduce((s, v) => s + v, 0) / Math.max(1, sorted.length);
  return { p50: quantileSorted(sorted, 0.5), p90: quantileSorted(sorted, 0.9), p99: quantileSorted(sorted, 0.99), mean };
}

/** Relative gap between the medians of the first and second half of the samples. */
export function halfDrift(samplesMs: readonly number[]): number {
  const mid = Math.floor(samplesMs.length / 2);
  const a = median(samplesMs.slice(0, mid));
  const b = median(samplesMs.slice(mid));
  const base = Math.min(a, b);
  return base > 0 ? Math.abs(a - b) / base : a === b ? 0 : Number.POSITIVE_INFINITY;
}

/** Pure: the stop decision for the samples so far, taken `elapsedMs` after timing began. */
export function stopDecision(samplesMs: readonly number[], elapsedMs: number, rule: StabilityRule): StopDecision {
  const n = samplesMs.length;
  if (n < rule.floorRuns) return 'continue';
  if (n >= rule.minRuns && elapsedMs >= rule.minTimeMs && halfDrift(samplesMs) <= rule.tolerance) return 'stable';
  if (n >= rule.maxRuns || elapsedMs >= rule.maxTimeMs) return 'capped';
  return 'continue';
}
