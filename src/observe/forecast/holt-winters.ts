import { cleanHistory } from './seasonal-naive.js';
import type { ForecastInput, SeriesForecaster } from './types.js';

/** Smoothing parameters of additive Holt-Winters (β is the trend factor on the level change, as in Hyndman & Athanasopoulos). */
export interface HoltWintersParams {
  readonly alpha: number;
  readonly beta: number;
  readonly gamma: number;
  /** Trend damping; 1 = undamped. */
  readonly phi: number;
}

export interface HoltWintersOptions {
  /** Damped trend (Gardner & McKenzie): forecasts level off instead of extrapolating a slope forever. @default false */
  readonly damped?: boolean;
  /** Fixed parameters instead of fitting them (tests, reproductions). */
  readonly params?: HoltWintersParams;
}

const ALPHAS = [0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9];
const BETAS = [0, 0.01, 0.05, 0.1, 0.2];
const GAMMAS = [0.01, 0.05, 0.1, 0.2, 0.3, 0.5];
const PHIS_DAMPED = [0.8, 0.9, 0.95, 0.98];

interface Components {
  level: number;
  trend: number;
  season: Float64Array;
}

function mean(y: readonly number[], from: number, to: number): number {
  let s = 0;
  for (let i = from; i < to; i++) s += y[i] as number;
  return s / (to - from);
}

/**
 * Classical initial state from the first two seasons: level = mean of season 1, trend = change of
 * the season means per step, season[i] = y[i] − level.
 */
function initialState(y: readonly number[], m: number): Components {
  const level = mean(y, 0, m);
  const trend = y.length >= 2 * m ? (mean(y, m, 2 * m) - level) / m : 0;
  const season = new Float64Array(m);
  for (let i = 0; i < m; i++) season[i] = (y[i] as number) - level;
  return { level, trend, season };
}

/**
 * Runs the additive recursion over the whole history; returns the final components and the sum
 * of squared one-step errors after the first season (the first season fits the initial state by
 * construction, so it would flatter every parameter equally).
 */
function run(y: readonly number[], m: number, p: HoltWintersParams, init: Components): { state: Components; sse: number } {
  let level = init.level;
  let trend = init.trend;
  const season = Float64Array.from(init.season);
  let sse = 0;
  const { alpha, beta, gamma, phi } = p;
  for (let t = 0; t < y.length; t++) {
    const yt = y[t] as number;
    const j = t % m;
    const s = season[j] as number;
    const damped = phi * trend;
    const e = yt - (level + damped + s);
    if (t >= m) sse += e * e;
    const newLevel = alpha * (yt - s) + (1 - alpha) * (level + damped);
    trend = beta * (newLevel - level) + (1 - beta) * damped;
    season[j] = gamma * (yt - newLevel) + (1 - gamma) * s;
    level = newLevel;
  }
  return { state: { level, trend, season }, sse };
}

/** Holt's linear method (no season): the fallback below two seasons of history. */
function runHolt(y: readonly number[], p: HoltWintersParams): { level: number; trend: number; sse: number } {
  let level = y[0] as number;
  let trend = y.length > 1 ? (y[1] as number) - (y[0] as number) : 0;
  let sse = 0;
  for (let t = 1; t < y.length; t++) {
    const yt = y[t] as number;
    const damped = p.phi * trend;
    const e = yt - (level + damped);
    sse += e * e;
    const newLevel = p.alpha * yt + (1 - p.alpha) * (level + damped);
    trend = p.beta * (newLevel - level) + (1 - p.beta) * damped;
    level = newLevel;
  }
  return { level, trend, sse };
}

/** 1 + φ + … + φ^(h−1) times φ: the damped trend multiplier for h steps ahead. */
function dampedSum(phi: number, h: number): number {
  if (phi === 1) return h;
  let s = 0;
  let f = 1;
  for (let k = 1; k <= h; k++) {
    f *= phi;
    s += f;
  }
  return s;
}

/**
 * Additive Holt-Winters (level + trend + season of m steps), parameters fitted by grid search on
 * the one-step-ahead SSE over the history (α × β × γ, and φ when damped: 240 or 960 runs of the
 * recursion, linear in the history). Below two seasons of history it fits Holt's linear method
 * instead, below two points it repeats the last value.
 */
export class HoltWintersForecaster implements SeriesForecaster {
  readonly name: string;
  private readonly damped: boolean;
  private readonly fixed: HoltWintersParams | undefined;

  constructor(options: HoltWintersOptions = {}) {
    this.damped = options.damped ?? false;
    this.fixed = options.params;
    this.name = this.damped ? 'holt-winters-damped' : 'holt-winters';
  }

  minHistory(seasonLength: number): number {
    return seasonLength >= 2 ? 2 * seasonLength : 2;
  }

  private candidates(seasonal: boolean): HoltWintersParams[] {
    if (this.fixed) return [this.fixed];
    const phis = this.damped ? PHIS_DAMPED : [1];
    const out: HoltWintersParams[] = [];
    for (const alpha of ALPHAS) for (const beta of BETAS) for (const gamma of seasonal ? GAMMAS : [0]) for (const phi of phis) out.push({ alpha, beta, gamma, phi });
    return out;
  }

  /** The fitted parameters and final state (exposed for the evaluation and tests). */
  fit(values: readonly number[], seasonLength: number): { params: HoltWintersParams; seasonal: boolean; sse: number } | undefined {
    const y = cleanHistory(values);
    if (y === undefined || y.length < 2) return undefined;
    const m = Math.floor(seasonLength);
    const seasonal = m >= 2 && y.length >= 2 * m;
    let best: { params: HoltWintersParams; sse: number } | undefined;
    const init = seasonal ? initialState(y, m) : undefined;
    for (const p of this.candidates(seasonal)) {
      const sse = init ? run(y, m, p, init).sse : runHolt(y, p).sse;
      if (best === undefined || sse < best.sse) best = { params: p, sse };
    }
    return best && { ...best, seasonal };
  }

  forecast({ values, seasonLength, horizon }: ForecastInput): number[] {
    const h = Math.max(0, Math.floor(horizon));
    const y = cleanHistory(values);
    if (y === undefined) return new Array<number>(h).fill(0);
    if (y.length < 2) return new Array<number>(h).fill(y[y.length - 1] as number);
    const fitted = this.fit(y, seasonLength) as { params: HoltWintersParams; seasonal: boolean };
    const { params, seasonal } = fitted;
    if (!seasonal) {
      const { level, trend } = runHolt(y, params);
      return Array.from({ length: h }, (_, k) => level + dampedSum(params.phi, k + 1) * trend);
    }
    const m = Math.floor(seasonLength);
    const { state } = run(y, m, params, initialState(y, m));
    const n = y.length;
    return Array.from({ length: h }, (_, k) => state.level + dampedSum(params.phi, k + 1) * state.trend + (state.season[(n + k) % m] as number));
  }
}
