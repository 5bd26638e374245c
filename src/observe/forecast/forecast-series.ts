import { TesseraError } from '../../core/errors/index.js';
import type { Series } from '../series/csv.js';
import { formatTimestamp, inferStepMs, regularise } from '../series/timestamps.js';
import { createForecaster } from './create.js';

export interface ForecastSeriesOptions {
  /** How far past the last row to forecast, ms. */
  readonly horizonMs: number;
  /** Season length, ms. @default 1 day */
  readonly seasonMs?: number;
  /** @default 'holt-winters' */
  readonly method?: string;
  /** Allowed deviation of a gap from a whole number of steps, as a fraction of the step. @default 0.1 */
  readonly stepTolerance?: number;
}

export interface ForecastPoint {
  readonly timestamp: string | number;
  readonly value: number;
}

export interface SeriesForecast {
  readonly method: string;
  readonly stepMs: number;
  readonly seasonSteps: number;
  readonly points: ForecastPoint[];
}

const DAY_MS = 86_400_000;

/**
 * What `tessera forecast` does: infer the step (median gap, irregular series refused), put the
 * rows on that grid (missing rows become gaps the forecaster interpolates), check the history is
 * long enough for the season, and forecast ⌈horizon / step⌉ points with timestamps written the way
 * the input wrote them.
 */
export function forecastSeries(series: Series, options: ForecastSeriesOptions): SeriesForecast {
  const method = options.method ?? 'holt-winters';
  const forecaster = createForecaster(method);
  const { stepMs } = inferStepMs(series.timesMs, options.stepTolerance ?? 0.1);
  const seasonMs = options.seasonMs ?? DAY_MS;
  const problems: string[] = [];
  if (!(options.horizonMs > 0)) problems.push(`the horizon must be positive, got ${options.horizonMs} ms`);
  const seasonSteps = seasonMs / stepMs;
  if (!(seasonMs > 0) || Math.abs(seasonSteps - Math.round(seasonSteps)) > 1e-6) {
    problems.push(`the season (${seasonMs} ms) must be a whole number of the series' ${stepMs} ms step`);
  }
  if (problems.length > 0) throw new TesseraError('TESSERA_ERR_OBSERVE_CONFIG', problems.join('; '), { details: { problems } });
  const m = Math.round(seasonSteps);
  const { startMs, values } = regularise(series.timesMs, series.values, stepMs);
  const need = forecaster.minHistory(m);
  if (values.length < need) {
    throw new TesseraError(
      'TESSERA_ERR_OBSERVE_SERIES_TOO_SHORT',
      `${method} with a season of ${m} steps needs at least ${need} rows at this step; the series has ${values.length}. Pass a shorter --season or more history`,
      { details: { method, need, have: values.length, seasonSteps: m } },
    );
  }
  const horizon = Math.ceil(options.horizonMs / stepMs);
  const predicted = forecaster.forecast({ values, seasonLength: m, horizon });
  const lastMs = startMs + (values.length - 1) * stepMs;
  return {
    method,
    stepMs,
    seasonSteps: m,
    points: predicted.map((value, k) => ({ timestamp: formatTimestamp(lastMs + (k + 1) * stepMs, series.timestampFormat), value })),
  };
}
