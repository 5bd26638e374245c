/**
 * The forecasting PORT the pre-warm policies read. Implementations (ARIMA, Holt-Winters, seasonal
 * naive…) belong to src/observe and arrive with the observe/adapt work; the policies only need
 * this interface. A forecaster must be a pure function of its request — it runs inside `decide`,
 * under the simulator's virtual clock as well as the runtime's real one.
 */
export interface ForecastRequest {
  /** Past values, oldest first. For a rate series, requests per step; for an event series (idle times), one value per event. */
  readonly history: readonly number[];
  /** Step of a time series, ms; undefined for an event series with no fixed step. */
  readonly stepMs?: number | undefined;
  /** When the last step of `history` ended (time series only), so seasonal models can align to the clock. */
  readonly endMs?: number | undefined;
  /** How many future values to predict. */
  readonly horizon: number;
}

export interface Forecaster {
  readonly name: string;
  /** `horizon` predictions, each finite and ≥ 0; the first is the step (or event) right after `history`. */
  forecast(request: ForecastRequest): number[];
}

/**
 * Simple exponential smoothing: a flat forecast at the smoothed level. It is the optimal forecast of
 * an ARIMA(0,1,1) process (θ = 1 − α), the simplest member of the ARIMA family that "Serverless in
 * the Wild" fits to out-of-bound idle times; it is the default only until src/observe provides a
 * fitted model through this port.
 */
export function createSmoothingForecaster(alpha = 0.5): Forecaster {
  if (!(alpha > 0 && alpha <= 1)) throw new RangeError(`smoothing alpha must lie in (0, 1], got ${alpha}`);
  return {
    name: `ses(${alpha})`,
    forecast({ history, horizon }: ForecastRequest): number[] {
      let level: number | undefined;
      for (const x of history) {
        if (!Number.isFinite(x)) continue;
        level = level === undefined ? x : alpha * x + (1 - alpha) * level;
      }
      return Array.from({ length: Math.max(0, horizon) }, () => Math.max(0, level ?? 0));
    },
  };
}
