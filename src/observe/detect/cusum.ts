import { median } from '../series/stats.js';
import { ConfigProblems, checkProbability, checkState, clamp, pushBounded, residualScale, resolveCommon, scoreFromStatistic } from './common.js';
import { SeasonMemory, type SeasonMemoryState } from './season-memory.js';
import { resolveSeasonConfig, type ResolvedSeasonConfig, type SeasonOptions } from './seasonal.js';
import type { AnomalyDetector, DetectorCommonOptions, DetectorOutput, DetectorPoint, DetectorStateBase, ResolvedCommonConfig } from './types.js';

export interface CusumOptions extends DetectorCommonOptions, Omit<SeasonOptions, 'seasonsMs'> {
  /** Allowance k in σ: shifts smaller than about 2k are ignored. @default 0.5 */
  readonly k?: number;
  /** Decision interval h in σ: the score is 0.5 when a cumulative sum reaches h. @default 6 */
  readonly h?: number;
  /** Smoothing α of the in-control mean; slow, so that a shift shows before it is absorbed. @default 0.05 */
  readonly alpha?: number;
  /**
   * Trend smoothing β of the in-control mean (Holt's linear method); 0 keeps a level-only mean.
   * A trend lets μ follow smooth ramps that a level-only μ lags by slope/α. @default 0
   */
  readonly beta?: number;
  /**
   * Run on seasonal residuals (value − the same time in the last seasons) once a season of history
   * exists, so that a daily or hourly pattern is not read as a string of shifts. @default [] (off)
   */
  readonly seasonsMs?: readonly number[];
  /** Residuals beyond ±clip·σ are clipped before they update the mean and scale. @default 3 */
  readonly clip?: number;
  /** Points after an alarm whose median becomes the new mean (no alarms meanwhile). @default 5 */
  readonly resetPoints?: number;
}

export interface ResolvedCusumConfig extends ResolvedCommonConfig, ResolvedSeasonConfig {
  readonly k: number;
  readonly h: number;
  readonly alpha: number;
  readonly beta: number;
  readonly clip: number;
  readonly resetPoints: number;
}

export interface CusumState extends DetectorStateBase {
  readonly detector: 'cusum';
  /** `raw` values, or `seasonal` residuals once a season of history exists (seasonsMs set). */
  readonly input: 'raw' | 'seasonal';
  /** In-control mean μ of the input; null before the first finite point. */
  readonly mean: number | null;
  /** Per-step trend of μ (0 when beta is 0). */
  readonly trend: number;
  /** Upper and lower cumulative sums, in σ. */
  readonly upper: number;
  readonly lower: number;
  readonly residuals: number[];
  /** Inputs seen since the last alarm while re-basing; null when not re-basing. */
  readonly rebase: number[] | null;
  readonly alarms: number;
  /** Seasonal memory (only used with seasonsMs). */
  readonly memory: SeasonMemoryState;
}

export function resolveCusumConfig(options: CusumOptions = {}): ResolvedCusumConfig {
  const problems = new ConfigProblems();
  const common = resolveCommon(options, problems);
  const seasonsMs = options.seasonsMs ?? [];
  const season = seasonsMs.length > 0 ? resolveSeasonConfig({ ...options, seasonsMs }, problems, []) : { seasonsMs: [], stepMs: options.stepMs ?? null, seasonsBack: options.seasonsBack ?? 3, neighbourSteps: options.neighbourSteps ?? 0 };
  const k = options.k ?? 0.5;
  const h = options.h ?? 6;
  const alpha = options.alpha ?? 0.05;
  const beta = options.beta ?? 0;
  const clip = options.clip ?? 3;
  const resetPoints = options.resetPoints ?? 5;
  problems.check(k >= 0 && Number.isFinite(k), `k must be ≥ 0, got ${k}`);
  problems.check(h > 0 && Number.isFinite(h), `h must be > 0, got ${h}`);
  checkProbability(alpha, 'alpha', problems);
  problems.check(beta >= 0 && beta <= 1, `beta must lie in [0, 1], got ${beta}`);
  problems.check(clip > 0, `clip must be > 0, got ${clip}`);
  problems.check(Number.isInteger(resetPoints) && resetPoints >= 1, `resetPoints must be an integer ≥ 1, got ${resetPoints}`);
  problems.throwIfAny('cusum detector');
  return Object.freeze({ ...common, ...season, k, h, alpha, beta, clip, resetPoints });
}

/**
 * Two-sided tabular CUSUM (Page 1954) on standardised residuals z = (u − μ)/σ:
 * S⁺ = max(0, S⁺ + z − k), S⁻ = max(0, S⁻ − z − k). A sustained shift of δσ adds δ − k per point,
 * so it is found in about h/(δ − k) points even when each point alone looks normal; that is what
 * catches level shifts a per-point z-score misses. The score is max(S⁺, S⁻) mapped so it is 0.5 at
 * h. On an alarm both sums reset and the next resetPoints inputs re-base μ to their median: after
 * a spike that is the old level again, after a shift the new one — so one shift raises one alarm,
 * not a run of them.
 *
 * The input u is the raw value, or — with `seasonsMs` — the residual against the same time in the
 * last seasons once that history exists (the detector then starts over on residuals), because a
 * daily or hourly pattern is itself a sequence of "shifts" to a level-only μ.
 */
export class CusumDetector implements AnomalyDetector<CusumState> {
  readonly name = 'cusum' as const;
  readonly config: ResolvedCusumConfig;
  private seen = 0;
  private input: 'raw' | 'seasonal' = 'raw';
  private mean: number | null = null;
  private trend = 0;
  private upper = 0;
  private lower = 0;
  private residuals: number[] = [];
  private rebase: number[] | null = null;
  private alarms = 0;
  private memory: SeasonMemory;

  constructor(options: CusumOptions = {}) {
    this.config = resolveCusumConfig(options);
    this.memory = new SeasonMemory(this.config);
  }

  private get seasonal(): boolean {
    return this.config.seasonsMs.length > 0;
  }

  update(point: DetectorPoint): DetectorOutput {
    const x = point.value;
    const slot = this.seasonal ? this.memory.slotOf(point.timeMs, Number.isFinite(x)) : undefined;
    if (!Number.isFinite(x)) return { score: 0, anomaly: false, expected: this.mean === null || this.input === 'seasonal' ? Number.NaN : this.mean + this.trend };
    const ref = slot !== undefined ? this.memory.reference(slot) : undefined;
    if (ref && this.input === 'raw') {
      // A season of history now exists: start over on residuals, whose level and scale differ.
      this.input = 'seasonal';
      this.mean = null;
      this.trend = 0;
      this.upper = 0;
      this.lower = 0;
      this.residuals = [];
      this.rebase = null;
      this.seen = 0;
    }
    const offset = this.input === 'seasonal' ? (ref?.value ?? Number.NaN) : 0;
    const u = x - offset;
    if (!Number.isFinite(u)) {
      // Seasonal mode but no reference for this slot (a hole a season ago): remember, do not judge.
      if (slot !== undefined) this.memory.remember(slot, x);
      return { score: 0, anomaly: false, expected: Number.NaN };
    }
    if (this.mean === null) {
      this.mean = u;
      this.seen = 1;
      if (slot !== undefined) this.memory.remember(slot, x);
      return { score: 0, anomaly: false, expected: Number.NaN };
    }
    const predicted = this.mean + this.trend;
    const expected = offset + predicted;
    if (this.rebase !== null) {
      this.rebase.push(u);
      if (this.rebase.length >= this.config.resetPoints) {
        // Re-based on the points after the alarm; the old trend belonged to the old regime.
        this.mean = median(this.rebase);
        this.trend = 0;
        this.rebase = null;
      }
      if (slot !== undefined) this.memory.remember(slot, x);
      this.seen++;
      return { score: 0, anomaly: false, expected };
    }
    // The scale is about the noise around μ, so its centre is ignored: a shift must not be absorbed into it.
    const { sigma } = residualScale(this.residuals, predicted, this.config.minScale);
    const r = u - predicted;
    const warm = this.seen >= this.config.warmupPoints;
    let score = 0;
    if (warm) {
      const z = r / sigma;
      this.upper = Math.max(0, this.upper + z - this.config.k);
      this.lower = Math.max(0, this.lower - z - this.config.k);
      score = scoreFromStatistic(Math.max(this.upper, this.lower), this.config.h);
    }
    const anomaly = score >= this.config.threshold;
    const learned = warm ? clamp(r, -this.config.clip * sigma, this.config.clip * sigma) : r;
    // The scale window keeps raw residuals: MAD shrugs off outliers by itself, whereas a run of
    // identically clipped values (a long shift) would collapse it to 0 and flag everything after.
    pushBounded(this.residuals, r, this.config.scaleWindow);
    // What the seasonal memory keeps is clipped too, so a shift today is not tomorrow's reference.
    if (slot !== undefined) this.memory.remember(slot, this.input === 'raw' ? x : offset + predicted + learned);
    this.seen++;
    if (anomaly) {
      this.alarms++;
      this.upper = 0;
      this.lower = 0;
      this.rebase = [];
    } else {
      // Holt's linear method in error-correction form: the level moves to the prediction plus α·error.
      this.mean = predicted + this.config.alpha * learned;
      this.trend += this.config.alpha * this.config.beta * learned;
    }
    return { score, anomaly, expected };
  }

  snapshot(): CusumState {
    return {
      detector: 'cusum',
      seen: this.seen,
      input: this.input,
      mean: this.mean,
      trend: this.trend,
      upper: this.upper,
      lower: this.lower,
      residuals: [...this.residuals],
      rebase: this.rebase === null ? null : [...this.rebase],
      alarms: this.alarms,
      memory: this.memory.snapshot(),
    };
  }

  restore(state: CusumState): void {
    checkState(state, 'cusum', ['input', 'mean', 'trend', 'upper', 'lower', 'residuals', 'rebase', 'memory']);
    this.seen = state.seen;
    this.input = state.input;
    this.mean = state.mean;
    this.trend = state.trend;
    this.upper = state.upper;
    this.lower = state.lower;
    this.residuals = [...state.residuals];
    this.rebase = state.rebase === null ? null : [...state.rebase];
    this.alarms = state.alarms ?? 0;
    this.memory = new SeasonMemory(this.config);
    this.memory.restore(state.memory);
  }
}
