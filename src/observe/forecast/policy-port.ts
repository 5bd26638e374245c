import type { Forecaster, ForecastRequest } from '../../policy/forecaster.js';
import { HoltWintersForecaster } from './holt-winters.js';
import type { SeriesForecaster } from './types.js';

export interface PolicyForecasterOptions {
  /** Season of the series, ms (e.g. 1 day); turned into steps with the request's stepMs. */
  readonly seasonMs: number;
  /** Used when the request has no step (an event series) or too little history for the season. Default: Holt's linear trend. */
  readonly fallback?: SeriesForecaster;
}

/**
 * Adapts a series forecaster to the policy layer's `Forecaster` port (src/policy/forecaster.ts),
 * which the forecast-driven pre-warm policy calls inside `decide`. The port speaks in steps of a
 * request-given `stepMs` and wants finite, non-negative predictions (request rates, idle times);
 * the season is fixed here in ms. Event series (no stepMs) and short histories go to the fallback,
 * so the policy always gets an answer.
 */
export function toPolicyForecaster(forecaster: SeriesForecaster, options: PolicyForecasterOptions): Forecaster {
  const fallback = options.fallback ?? new HoltWintersForecaster();
  return {
    name: `${forecaster.name}(season ${options.seasonMs} ms)`,
    forecast(request: ForecastRequest): number[] {
      const horizon = Math.max(0, Math.floor(request.horizon));
      const m = request.stepMs !== undefined && request.stepMs > 0 ? Math.round(options.seasonMs / request.stepMs) : 0;
      const seasonal = m >= 2 && request.history.length >= forecaster.minHistory(m);
      const raw = seasonal
        ? forecaster.forecast({ values: request.history, seasonLength: m, horizon })
        : fallback.forecast({ values: request.history, seasonLength: 0, horizon });
      return raw.map((v) => (Number.isFinite(v) && v > 0 ? v : 0));
    },
  };
}
