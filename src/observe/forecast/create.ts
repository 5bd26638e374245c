import { TesseraError } from '../../core/errors/index.js';
import { HoltWintersForecaster } from './holt-winters.js';
import { SeasonalMedianForecaster } from './seasonal-median.js';
import { SeasonalNaiveForecaster } from './seasonal-naive.js';
import type { SeriesForecaster } from './types.js';

/** The forecasters `tessera forecast --method` offers (docs/forecasting.md says why these). */
export const FORECAST_METHODS = ['seasonal-naive', 'holt-winters', 'seasonal-median'] as const;
export type ForecastMethod = (typeof FORECAST_METHODS)[number];

export function isForecastMethod(name: string): name is ForecastMethod {
  return (FORECAST_METHODS as readonly string[]).includes(name);
}

export function createForecaster(method: string): SeriesForecaster {
  switch (method) {
    case 'seasonal-naive':
      return new SeasonalNaiveForecaster();
    case 'holt-winters':
      return new HoltWintersForecaster();
    case 'seasonal-median':
      return new SeasonalMedianForecaster();
    default:
      throw new TesseraError('TESSERA_ERR_OBSERVE_UNKNOWN_METHOD', `there is no forecaster '${method}'; use one of ${FORECAST_METHODS.join(', ')}`, {
        details: { name: method, known: FORECAST_METHODS },
      });
  }
}
