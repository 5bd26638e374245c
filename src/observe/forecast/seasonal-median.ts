import { median } from '../series/stats.js';
import { cleanHistory } from './seasonal-naive.js';
import type { ForecastInput, SeriesForecaster } from './types.js';

export interface SeasonalMedianOptions {
  /** Past seasons whose values at the same phase are combined. @default 6 */
  readonly seasons?: number;
  /** Recent steps whose residuals set the level correction; default one season. */
  readonly levelWindow?: number;
}

/**
 * A robust seasonal-naive: each future step is the median of the values at the same phase in the
 * last K seasons, plus a level correction — the median residual (value − its own seasonal median)
 * over the last season. Medians because invocation counts are spiky (timer-triggered bursts, retry
 * storms): one burst a season ago should not be forecast to repeat, and a burst in the last few
 * minutes should not shift the level. Kept because it beat seasonal-naive and Holt-Winters in the
 * rolling-origin evaluation on the Azure Functions trace (docs/forecasting.md).
 */
export class SeasonalMedianForecaster implements SeriesForecaster {
  readonly name = 'seasonal-median';
  private readonly seasons: number;
  private readonly levelWindow: number | undefined;

  constructor(options: SeasonalMedianOptions = {}) {
    this.seasons = Math.max(1, Math.floor(options.seasons ?? 6));
    this.levelWindow = options.levelWindow;
  }

  minHistory(seasonLength: number): number {
    return Math.max(1, seasonLength);
  }

  forecast({ values, seasonLength, horizon }: ForecastInput): number[] {
    const h = Math.max(0, Math.floor(horizon));
    const y = cleanHistory(values);
    if (y === undefined) return new Array<number>(h).fill(0);
    const n = y.length;
    const m = Math.floor(seasonLength);
    const window = Math.max(1, Math.floor(this.levelWindow ?? (m >= 2 ? m : 15)));
    if (m < 2 || n < m) return new Array<number>(h).fill(median(y.slice(-window)));
    // Median at absolute index i over the K seasons before it that exist.
    const reference = (i: number, seasonsBack: (j: number) => number): number => {
      const xs: number[] = [];
      for (let j = 1; j <= this.seasons; j++) {
        const q = i - seasonsBack(j);
        if (q >= 0 && q < n) xs.push(y[q] as number);
      }
      return xs.length > 0 ? median(xs) : Number.NaN;
    };
    const residuals: number[] = [];
    for (let i = Math.max(m, n - window); i < n; i++) residuals.push((y[i] as number) - reference(i, (j) => j * m));
    const level = residuals.length > 0 ? median(residuals) : 0;
    return Array.from({ length: h }, (_, k) => {
      // Step n+k repeats phase (n+k) mod m; the nearest past season holding it is ⌈(k+1)/m⌉ back.
      const wraps = Math.ceil((k + 1) / m);
      const ref = reference(n + k, (j) => (j + wraps - 1) * m);
      return (Number.isFinite(ref) ? ref : (y[n - 1] as number)) + level;
    });
  }
}
