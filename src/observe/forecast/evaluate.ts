import type { SeriesForecaster } from './types.js';

/**
 * Symmetric MAPE of one point, on the 0–200 scale of the M3/M4 competitions:
 * 200·|F − A| / (|A| + |F|), and 0 when both are 0 (a correct forecast of an idle step).
 */
export function smapePoint(actual: number, forecast: number): number {
  const denom = Math.abs(actual) + Math.abs(forecast);
  return denom === 0 ? 0 : (200 * Math.abs(forecast - actual)) / denom;
}

export function smape(actual: readonly number[], forecast: readonly number[]): number {
  const n = Math.min(actual.length, forecast.length);
  let s = 0;
  for (let i = 0; i < n; i++) s += smapePoint(actual[i] as number, forecast[i] as number);
  return n === 0 ? Number.NaN : s / n;
}

export interface RollingOriginOptions {
  readonly seasonLength: number;
  /** Horizons (in steps) to report. */
  readonly horizons: readonly number[];
  /** First origin: the history length of the first forecast. */
  readonly firstOrigin: number;
  /** Steps between origins. @default 1 */
  readonly originStep?: number;
}

export interface HorizonScore {
  readonly horizon: number;
  /** Mean sMAPE over steps 1..h, averaged over origins. */
  readonly smapeWindow: number;
  /** sMAPE of the h-th step alone, averaged over origins. */
  readonly smapeAtHorizon: number;
  readonly origins: number;
}

/**
 * Rolling-origin evaluation (Tashman 2000): for each origin t = firstOrigin, firstOrigin + step, …
 * with room for the longest horizon, fit on values[0..t) and forecast the next H steps; score each
 * horizon against what happened. Every forecaster sees exactly the same origins.
 */
export function rollingOrigin(values: readonly number[], forecaster: SeriesForecaster, options: RollingOriginOptions): HorizonScore[] {
  const maxH = Math.max(...options.horizons);
  const step = options.originStep ?? 1;
  const sums = options.horizons.map(() => ({ window: 0, at: 0 }));
  let origins = 0;
  for (let t = options.firstOrigin; t + maxH <= values.length; t += step) {
    const fc = forecaster.forecast({ values: values.slice(0, t), seasonLength: options.seasonLength, horizon: maxH });
    const actual = values.slice(t, t + maxH);
    options.horizons.forEach((h, k) => {
      const acc = sums[k] as { window: number; at: number };
      acc.window += smape(actual.slice(0, h), fc.slice(0, h));
      acc.at += smapePoint(actual[h - 1] as number, fc[h - 1] as number);
    });
    origins++;
  }
  return options.horizons.map((horizon, k) => ({
    horizon,
    smapeWindow: (sums[k] as { window: number }).window / origins,
    smapeAtHorizon: (sums[k] as { at: number }).at / origins,
    origins,
  }));
}
