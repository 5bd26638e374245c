import { ConfigProblems, checkProbability, checkState, clamp, pushBounded, residualScale, resolveCommon, scoreFromStatistic } from './common.js';
import { SeasonMemory, type SeasonMemoryState } from './season-memory.js';
import type { AnomalyDetector, DetectorCommonOptions, DetectorOutput, DetectorPoint, DetectorStateBase, ResolvedCommonConfig } from './types.js';

export const DAY_MS = 86_400_000;
export const WEEK_MS = 7 * DAY_MS;

/** Options of the seasonal memory, shared by the seasonal detector and CUSUM on seasonal residuals. */
export interface SeasonOptions {
  /** Season lengths to compare with, most preferred first. @default [1 week, 1 day] for the seasonal detector */
  readonly seasonsMs?: readonly number[];
  /** Series step, ms; learned from the first gap between points when left out. */
  readonly stepMs?: number;
  /** Past seasons at the same time whose median is the reference (as far as the history reaches). @default 3 */
  readonly seasonsBack?: number;
  /** Steps either side of "the same time" also in the median, for patterns that jitter in time. @default 0 */
  readonly neighbourSteps?: number;
}

export interface ResolvedSeasonConfig {
  readonly seasonsMs: readonly number[];
  readonly stepMs: number | null;
  readonly seasonsBack: number;
  readonly neighbourSteps: number;
}

export interface SeasonalOptions extends DetectorCommonOptions, SeasonOptions {
  /**
   * Re-centre seasonal residuals on their recent median, so a level change against the reference
   * stops alarming after about half a scale window. Off by default: the point of a seasonal
   * baseline is to notice that today is not like the last days, drifts included. @default false
   */
  readonly adaptLevel?: boolean;
  /** EWMA smoothing of the fallback baseline used until a season of history exists. @default 0.2 */
  readonly alpha?: number;
  /** Robust z at which the score reaches 0.5. @default 4 */
  readonly zCutoff?: number;
  /** Residuals beyond ±clip·σ are clipped before they are remembered. @default 3 */
  readonly clip?: number;
}

export interface ResolvedSeasonalConfig extends ResolvedCommonConfig, ResolvedSeasonConfig {
  readonly adaptLevel: boolean;
  readonly alpha: number;
  readonly zCutoff: number;
  readonly clip: number;
}

export interface SeasonalState extends DetectorStateBase {
  readonly detector: 'seasonal';
  readonly memory: SeasonMemoryState;
  /** EWMA baseline for when no season of history exists yet. */
  readonly level: number | null;
  readonly residuals: number[];
  /** Which reference judged the last point: a season length in ms, or 0 for the EWMA fallback. */
  readonly lastReferenceMs: number;
}

export function resolveSeasonConfig(options: SeasonOptions, problems: ConfigProblems, defaultSeasonsMs: readonly number[]): ResolvedSeasonConfig {
  const seasonsMs = options.seasonsMs ?? defaultSeasonsMs;
  const neighbourSteps = options.neighbourSteps ?? 0;
  const seasonsBack = options.seasonsBack ?? 3;
  const stepMs = options.stepMs ?? null;
  problems.check(seasonsMs.length > 0 && seasonsMs.every((s) => s > 0 && Number.isFinite(s)), 'seasonsMs must list at least one positive season length');
  problems.check(stepMs === null || (stepMs > 0 && Number.isFinite(stepMs)), `stepMs must be > 0, got ${stepMs}`);
  if (stepMs !== null) {
    for (const s of seasonsMs) problems.check(Math.abs(s / stepMs - Math.round(s / stepMs)) < 1e-9, `season ${s} ms is not a whole number of ${stepMs} ms steps`);
  }
  problems.check(Number.isInteger(neighbourSteps) && neighbourSteps >= 0, `neighbourSteps must be an integer ≥ 0, got ${neighbourSteps}`);
  problems.check(Number.isInteger(seasonsBack) && seasonsBack >= 1, `seasonsBack must be an integer ≥ 1, got ${seasonsBack}`);
  return { seasonsMs: Object.freeze([...seasonsMs]), stepMs, seasonsBack, neighbourSteps };
}

export function resolveSeasonalConfig(options: SeasonalOptions = {}): ResolvedSeasonalConfig {
  const problems = new ConfigProblems();
  const common = resolveCommon(options, problems);
  const season = resolveSeasonConfig(options, problems, [WEEK_MS, DAY_MS]);
  const alpha = options.alpha ?? 0.2;
  const zCutoff = options.zCutoff ?? 4;
  const clip = options.clip ?? 3;
  checkProbability(alpha, 'alpha', problems);
  problems.check(zCutoff > 0 && Number.isFinite(zCutoff), `zCutoff must be > 0, got ${zCutoff}`);
  problems.check(clip > 0, `clip must be > 0, got ${clip}`);
  problems.throwIfAny('seasonal detector');
  return Object.freeze({ ...common, ...season, adaptLevel: options.adaptLevel ?? false, alpha, zCutoff, clip });
}

/**
 * Seasonal baseline: a point is compared with the same time in the last seasons — the median of the
 * same minute on the last 3 days, say, or last week's when a week of history exists (the preferred
 * season is the first in `seasonsMs` whose previous occurrence is remembered) — and with an EWMA
 * baseline until any season of history exists. The residual is judged by the same robust z as
 * ewma-mad. After a seasonal judgement what it remembers is clipped at ±clip·σ, so today's spike
 * does not become tomorrow's "expected" value.
 */
export class SeasonalDetector implements AnomalyDetector<SeasonalState> {
  readonly name = 'seasonal' as const;
  readonly config: ResolvedSeasonalConfig;
  private seen = 0;
  private memory: SeasonMemory;
  private level: number | null = null;
  private residuals: number[] = [];
  private lastReferenceMs = 0;

  constructor(options: SeasonalOptions = {}) {
    this.config = resolveSeasonalConfig(options);
    this.memory = new SeasonMemory(this.config);
  }

  update(point: DetectorPoint): DetectorOutput {
    const x = point.value;
    const slot = this.memory.slotOf(point.timeMs, Number.isFinite(x));
    if (!Number.isFinite(x)) return { score: 0, anomaly: false, expected: this.level ?? Number.NaN };
    if (this.level === null) {
      this.level = x;
      this.seen = 1;
      if (slot !== undefined) this.memory.remember(slot, x);
      return { score: 0, anomaly: false, expected: Number.NaN };
    }
    const ref = slot !== undefined ? this.memory.reference(slot) : undefined;
    const baseline = ref?.value ?? this.level;
    this.lastReferenceMs = ref?.seasonMs ?? 0;
    const scale = residualScale(this.residuals, baseline, this.config.minScale);
    const sigma = scale.sigma;
    // Against the level fallback the recent median residual corrects the EWMA's lag on ramps.
    const center = ref && !this.config.adaptLevel ? 0 : scale.center;
    const r = x - baseline;
    const warm = this.seen >= this.config.warmupPoints;
    const score = warm ? scoreFromStatistic(Math.abs(r - center) / sigma, this.config.zCutoff) : 0;
    const learned = warm ? center + clamp(r - center, -this.config.clip * sigma, this.config.clip * sigma) : r;
    // The scale window keeps raw residuals: MAD shrugs off outliers by itself, whereas a run of
    // identically clipped values (a long shift) would collapse it to 0 and flag everything after.
    pushBounded(this.residuals, r, this.config.scaleWindow);
    const levelResidual = x - this.level;
    const levelLearned = warm ? clamp(levelResidual, -this.config.clip * sigma, this.config.clip * sigma) : levelResidual;
    this.level += this.config.alpha * levelLearned;
    // Only a seasonal judgement may clip what is remembered: against the level fallback a daily
    // peak looks like an anomaly, and clipping it would teach the detector that peaks are wrong.
    if (slot !== undefined) this.memory.remember(slot, ref ? baseline + learned : x);
    this.seen++;
    return { score, anomaly: score >= this.config.threshold, expected: baseline + center };
  }

  /** Which reference judged the last point: a season length in ms, or 0 for the EWMA fallback. */
  get lastReference(): number {
    return this.lastReferenceMs;
  }

  snapshot(): SeasonalState {
    return {
      detector: 'seasonal',
      seen: this.seen,
      memory: this.memory.snapshot(),
      level: this.level,
      residuals: [...this.residuals],
      lastReferenceMs: this.lastReferenceMs,
    };
  }

  restore(state: SeasonalState): void {
    checkState(state, 'seasonal', ['memory', 'level', 'residuals']);
    this.seen = state.seen;
    this.memory = new SeasonMemory(this.config);
    this.memory.restore(state.memory);
    this.level = state.level;
    this.residuals = [...state.residuals];
    this.lastReferenceMs = state.lastReferenceMs ?? 0;
  }
}
