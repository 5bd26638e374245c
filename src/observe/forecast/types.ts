/**
 * Point forecasters for regular time series. They are pure functions of their input (fitting
 * happens inside `forecast`), so the same object can serve `tessera forecast`, the rolling-origin
 * evaluation and — through `toPolicyForecaster` — the pre-warm policy under a virtual clock.
 */

export interface ForecastInput {
  /** Past values at a fixed step, oldest first; NaN marks a missing step (interpolated). */
  readonly values: readonly number[];
  /** Steps per season (e.g. 1440 for a daily season at 1 minute); 0 or 1 for no season. */
  readonly seasonLength: number;
  /** How many steps to predict after the last value. */
  readonly horizon: number;
}

export interface SeriesForecaster {
  readonly name: string;
  /** History the method needs to use the season at all; shorter histories get a non-seasonal fallback. */
  minHistory(seasonLength: number): number;
  /**
   * `horizon` finite predictions, the first for the step right after the last value. Never
   * throws on data: too little history degrades to a simpler method, no finite value at all
   * predicts 0.
   */
  forecast(input: ForecastInput): number[];
}
