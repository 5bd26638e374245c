/** Small robust statistics shared by the detectors, forecasters and their evaluations. */

/** 1.4826 × MAD estimates σ for normal data. */
export const MAD_TO_SIGMA = 1.4826;
/** √(π/2): mean absolute deviation × this estimates σ for normal data. */
export const MEAN_AD_TO_SIGMA = 1.2533;

/** Median of the finite values; NaN when there are none. */
export function median(values: readonly number[]): number {
  const xs = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (xs.length === 0) return Number.NaN;
  const mid = xs.length >> 1;
  return xs.length % 2 === 1 ? (xs[mid] as number) : ((xs[mid - 1] as number) + (xs[mid] as number)) / 2;
}

/** Median absolute deviation from the median (unscaled); NaN when there are no finite values. */
export function mad(values: readonly number[]): number {
  const m = median(values);
  return median(values.filter(Number.isFinite).map((v) => Math.abs(v - m)));
}

/**
 * A robust σ: 1.4826·MAD, or 1.2533·mean absolute deviation when over half the values are equal
 * (MAD is then 0 although the data do vary — sparse counts, quantised gauges).
 */
export function robustSigma(values: readonly number[]): number {
  const xs = values.filter(Number.isFinite);
  if (xs.length === 0) return Number.NaN;
  const s = MAD_TO_SIGMA * mad(xs);
  if (s > 0) return s;
  const m = median(xs);
  return (MEAN_AD_TO_SIGMA * xs.reduce((acc, v) => acc + Math.abs(v - m), 0)) / xs.length;
}

export function mean(values: readonly number[]): number {
  let s = 0;
  let n = 0;
  for (const v of values) {
    if (Number.isFinite(v)) {
      s += v;
      n++;
    }
  }
  return n === 0 ? Number.NaN : s / n;
}

/**
 * Missing values (NaN, ±Infinity) replaced by linear interpolation between their finite
 * neighbours; leading and trailing gaps take the nearest finite value. All-missing stays as is.
 */
export function fillGaps(values: readonly number[]): number[] {
  const out = values.map((v) => (Number.isFinite(v) ? v : Number.NaN));
  let prev = -1;
  for (let i = 0; i <= out.length; i++) {
    if (i < out.length && Number.isNaN(out[i] as number)) continue;
    if (i - prev > 1) {
      const left = prev >= 0 ? (out[prev] as number) : undefined;
      const right = i < out.length ? (out[i] as number) : undefined;
      for (let k = prev + 1; k < i; k++) {
        if (left !== undefined && right !== undefined) out[k] = left + ((right - left) * (k - prev)) / (i - prev);
        else if (left !== undefined || right !== undefined) out[k] = (left ?? right) as number;
      }
    }
    prev = i;
  }
  return out;
}
