import { ConfigProblems, checkProbability, checkState, clamp, pushBounded, residualScale, resolveCommon, scoreFromStatistic } from './common.js';
import type { AnomalyDetector, DetectorCommonOptions, DetectorOutput, DetectorPoint, DetectorStateBase, ResolvedCommonConfig } from './types.js';

export interface EwmaMadOptions extends DetectorCommonOptions {
  /** EWMA smoothing of the baseline, (0, 1]. @default 0.2 */
  readonly alpha?: number;
  /** Robust z at which the score reaches 0.5 (the default threshold). @default 4 */
  readonly zCutoff?: number;
  /** Residuals beyond ±clip·σ are clipped before they update the baseline and scale. @default 3 */
  readonly clip?: number;
}

export interface ResolvedEwmaMadConfig extends ResolvedCommonConfig {
  readonly alpha: number;
  readonly zCutoff: number;
  readonly clip: number;
}

export interface EwmaMadState extends DetectorStateBase {
  readonly detector: 'ewma-mad';
  /** EWMA baseline; null before the first finite point. */
  readonly level: number | null;
  /** Recent (clipped) residuals x − baseline, oldest first. */
  readonly residuals: number[];
}

export function resolveEwmaMadConfig(options: EwmaMadOptions = {}): ResolvedEwmaMadConfig {
  const problems = new ConfigProblems();
  const common = resolveCommon(options, problems);
  const alpha = options.alpha ?? 0.2;
  const zCutoff = options.zCutoff ?? 4;
  const clip = options.clip ?? 3;
  checkProbability(alpha, 'alpha', problems);
  problems.check(zCutoff > 0 && Number.isFinite(zCutoff), `zCutoff must be > 0, got ${zCutoff}`);
  problems.check(clip > 0, `clip must be > 0, got ${clip}`);
  problems.throwIfAny('ewma-mad detector');
  return Object.freeze({ ...common, alpha, zCutoff, clip });
}

/**
 * Robust z-score over an EWMA baseline: z = (r − median(r)) / (1.4826·MAD(r)) for the residual
 * r = x − EWMA over a window of recent residuals. Median and MAD rather than mean and standard
 * deviation so that the anomalies themselves do not inflate the scale that judges them, and
 * residuals are clipped at ±clip·σ before they teach the baseline, so a spike does not drag it.
 * Good at spikes and abrupt shifts; by design it follows slow drifts (use CUSUM for those).
 */
export class EwmaMadDetector implements AnomalyDetector<EwmaMadState> {
  readonly name = 'ewma-mad' as const;
  readonly config: ResolvedEwmaMadConfig;
  private seen = 0;
  private level: number | null = null;
  private residuals: number[] = [];

  constructor(options: EwmaMadOptions = {}) {
    this.config = resolveEwmaMadConfig(options);
  }

  update(point: DetectorPoint): DetectorOutput {
    const x = point.value;
    if (!Number.isFinite(x)) return { score: 0, anomaly: false, expected: this.level ?? Number.NaN };
    if (this.level === null) {
      this.level = x;
      this.seen = 1;
      return { score: 0, anomaly: false, expected: Number.NaN };
    }
    const { center, sigma } = residualScale(this.residuals, this.level, this.config.minScale);
    const r = x - this.level;
    const expected = this.level + center;
    const warm = this.seen >= this.config.warmupPoints;
    const score = warm ? scoreFromStatistic(Math.abs(r - center) / sigma, this.config.zCutoff) : 0;
    // During warm-up the scale is not trusted yet, so residuals are learned unclipped.
    const learned = warm ? center + clamp(r - center, -this.config.clip * sigma, this.config.clip * sigma) : r;
    this.level += this.config.alpha * learned;
    // The scale window keeps raw residuals: MAD shrugs off outliers by itself, whereas a run of
    // identically clipped values (a long shift) would collapse it to 0 and flag everything after.
    pushBounded(this.residuals, r, this.config.scaleWindow);
    this.seen++;
    return { score, anomaly: score >= this.config.threshold, expected };
  }

  snapshot(): EwmaMadState {
    return { detector: 'ewma-mad', seen: this.seen, level: this.level, residuals: [...this.residuals] };
  }

  restore(state: EwmaMadState): void {
    checkState(state, 'ewma-mad', ['level', 'residuals']);
    this.seen = state.seen;
    this.level = state.level;
    this.residuals = [...state.residuals];
  }
}
