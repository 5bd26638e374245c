/**
 * Streaming anomaly detectors. Each is a small class whose whole memory is a plain-JSON snapshot:
 * `update` scores one point and learns from it, `snapshot`/`restore` move the memory across a
 * restart or from the simulator to the runtime. Time comes only from the points, never the clock.
 */

export type DetectorName = 'ewma-mad' | 'seasonal' | 'cusum';

export interface DetectorPoint {
  readonly timeMs: number;
  /** NaN (or ±Infinity) marks a missing point: it is scored 0 and teaches the detector nothing. */
  readonly value: number;
}

export interface DetectorOutput {
  /** How anomalous the point is, in [0, 1]; 0 while warming up and for missing points. */
  readonly score: number;
  /** score ≥ the detector's threshold. */
  readonly anomaly: boolean;
  /** The value the detector expected here (its baseline); NaN while it has none. */
  readonly expected: number;
}

/** Options every detector takes. */
export interface DetectorCommonOptions {
  /** Decision threshold on the score, in (0, 1). @default 0.5 */
  readonly threshold?: number;
  /** Points seen before any score is given (the scale needs data). @default 20 */
  readonly warmupPoints?: number;
  /** Recent residuals kept for the robust (MAD) scale. @default 60 */
  readonly scaleWindow?: number;
  /** Smallest σ used, in the series' units; a floor for series that are flat for a while. @default 0 */
  readonly minScale?: number;
}

export interface ResolvedCommonConfig {
  readonly threshold: number;
  readonly warmupPoints: number;
  readonly scaleWindow: number;
  readonly minScale: number;
}

/** Fields every snapshot carries, so `restore` can refuse another detector's state. */
export interface DetectorStateBase {
  readonly detector: DetectorName;
  /** Finite points learned from so far. */
  readonly seen: number;
}

export interface AnomalyDetector<S extends DetectorStateBase = DetectorStateBase> {
  readonly name: DetectorName;
  readonly config: ResolvedCommonConfig;
  /** Scores the point against what was learned before it, then learns from it. */
  update(point: DetectorPoint): DetectorOutput;
  /** Everything learned, as plain JSON (no NaN: missing values are null). */
  snapshot(): S;
  /** Continues from a snapshot taken by a detector with the same name and config. */
  restore(state: S): void;
}
