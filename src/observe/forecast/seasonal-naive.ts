import { fillGaps } from '../series/stats.js';
import type { ForecastInput, SeriesForecaster } from './types.js';

/** Interpolated history, or undefined when it holds no finite value. */
export function cleanHistory(values: readonly number[]): number[] | undefined {
  if (!values.some(Number.isFinite)) return undefined;
  return fillGaps(values);
}

/**
 * The baseline every other forecaster must beat: each future step repeats the value one season
 * earlier (ŷ[T+h] = y[T+h−m·⌈h/m⌉]). With less than a season of history, or no season, it is the
 * naive forecast (the last value).
 */
export class SeasonalNaiveForecaster implements SeriesForecaster {
  readonly name = 'seasonal-naive';

  minHistory(seasonLength: number): number {
    return Math.max(1, seasonLength);
  }

  forecast({ values, seasonLength, horizon }: ForecastInput): number[] {
    const h = Math.max(0, Math.floor(horizon));
    const y = cleanHistory(values);
    if (y === undefined) return new Array<number>(h).fill(0);
    const n = y.length;
    const m = seasonLength >= 2 && n >= seasonLength ? Math.floor(seasonLength) : 1;
    return Array.from({ length: h }, (_, k) => y[n - m + (k % m)] as number);
  }
}
