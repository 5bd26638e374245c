import type { LinearServiceTime } from './types.js';

export interface Line {
  readonly intercept: number;
  readonly slope: number;
}

/**
 * Weighted least squares for y = intercept + slope·x. With a single distinct x the slope is
 * undetermined; it is then 0 and the intercept is the weighted mean, which is the safest guess.
 */
export function weightedLine(xs: readonly number[], ys: readonly number[], ws: readonly number[]): Line | undefined {
  let sw = 0;
  let sx = 0;
  let sy = 0;
  for (let i = 0; i < xs.length; i++) {
    const w = ws[i] as number;
    sw += w;
    sx += w * (xs[i] as number);
    sy += w * (ys[i] as number);
  }
  if (!(sw > 0)) return undefined;
  const mx = sx / sw;
  const my = sy / sw;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < xs.length; i++) {
    const w = ws[i] as number;
    const dx = (xs[i] as number) - mx;
    sxx += w * dx * dx;
    sxy += w * dx * ((ys[i] as number) - my);
  }
  const slope = sxx > 1e-12 ? sxy / sxx : 0;
  return { intercept: my - slope * mx, slope };
}

/** Means of x and y and the centred sums Sxx and Sxy the ridge fits share; undefined for no data. */
function centredMoments(xs: readonly number[], ys: readonly number[]): { mx: number; my: number; sxx: number; sxy: number } | undefined {
  const n = xs.length;
  if (n === 0) return undefined;
  let sx = 0;
  let sy = 0;
  for (let i = 0; i < n; i++) {
    sx += xs[i] as number;
    sy += ys[i] as number;
  }
  const mx = sx / n;
  const my = sy / n;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    const dx = (xs[i] as number) - mx;
    sxx += dx * dx;
    sxy += dx * ((ys[i] as number) - my);
  }
  return { mx, my, sxx, sxy };
}

/**
 * Ridge regression with an unpenalised intercept (x centred): slope = Sxy / (Sxx + λ). Clipper
 * fits its batch-from-latency estimator with dlib's `rr_trainer`; a fixed λ stands in for the
 * leave-one-out choice dlib makes, and keeps one-point fits finite (slope 0).
 */
export function ridgeLine(xs: readonly number[], ys: readonly number[], lambda: number): Line | undefined {
  const m = centredMoments(xs, ys);
  if (!m) return undefined;
  const { mx, my, sxx, sxy } = m;
  const denom = sxx + lambda;
  const slope = denom > 0 ? sxy / denom : 0;
  return { intercept: my - slope * mx, slope };
}

/**
 * Least squares for y = intercept + slope·x with the slope pulled toward `priorSlope` by a ridge
 * term λ: slope = (Sxy + λ·priorSlope) / (Sxx + λ). With one distinct x the slope is the prior's
 * and the line goes through the data's mean, which is all one size can tell.
 */
export function slopeRidgeLine(xs: readonly number[], ys: readonly number[], priorSlope: number, lambda: number): Line | undefined {
  const m = centredMoments(xs, ys);
  if (!m) return undefined;
  const { mx, my, sxx, sxy } = m;
  const denom = sxx + lambda;
  const slope = denom > 1e-12 ? (sxy + lambda * priorSlope) / denom : priorSlope;
  return { intercept: my - slope * mx, slope };
}

/**
 * A linear batch-time model from profile points (batch size, latency), for `serviceTimePrior`.
 * The per-item cost is kept ≥ 0: a profile whose larger batches look faster is noise, and a
 * negative slope would make every batch size look free.
 */
export function fitLinearServiceTime(points: readonly { batchSize: number; latencyMs: number }[]): LinearServiceTime {
  const xs = points.map((p) => p.batchSize);
  const ys = points.map((p) => p.latencyMs);
  const line = weightedLine(xs, ys, xs.map(() => 1));
  if (line === undefined) return { baseMs: 0, perItemMs: 0 };
  return nonNegativeSlope(line, xs, ys);
}

export function nonNegativeSlope(line: Line, xs: readonly number[], ys: readonly number[]): LinearServiceTime {
  if (line.slope >= 0) return { baseMs: line.intercept, perItemMs: line.slope };
  const mean = ys.reduce((a, b) => a + b, 0) / Math.max(1, ys.length);
  return { baseMs: xs.length > 0 ? mean : 0, perItemMs: 0 };
}

/** Predicted batch time, never below zero (a fitted line can cross it at small b). */
export function predictMs(model: LinearServiceTime, batchItems: number): number {
  return Math.max(0, model.baseMs + model.perItemMs * batchItems);
}

/**
 * The Nexus rule (uwsampl/nexus `ModelProfile::GetMaxBatch`): a request can wait one batch before
 * its own runs, so the largest useful batch has t(b) ≤ SLO/2; its throughput b / t(b) is what a
 * saturated instance sustains within the SLO. Returns items/s, or undefined if even b = 1 misses.
 */
export function nexusSaturatingThroughputPerS(model: LinearServiceTime, sloMs: number, maxBatchSize: number): number | undefined {
  let best: number | undefined;
  for (let b = 1; b <= maxBatchSize; b++) {
    const t = predictMs(model, b);
    if (t > sloMs / 2) break;
    if (t > 0) best = (1000 * b) / t;
  }
  return best;
}
