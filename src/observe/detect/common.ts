import { TesseraError } from '../../core/errors/index.js';
import { median, robustSigma } from '../series/stats.js';
import type { DetectorCommonOptions, DetectorName, DetectorStateBase, ResolvedCommonConfig } from './types.js';

export const DETECTOR_DEFAULTS = {
  threshold: 0.5,
  warmupPoints: 20,
  scaleWindow: 60,
  minScale: 0,
} as const;

/**
 * Maps a non-negative statistic to a score in [0, 1): s²/(s² + s₀²). The score is 0.5 exactly at
 * the detector's natural cut-off s₀ (a robust z of 4, a CUSUM sum of h), 0.8 at 2·s₀, 0.9 at 3·s₀,
 * so one threshold (default 0.5) means the same thing for every detector.
 */
export function scoreFromStatistic(s: number, s0: number): number {
  if (!(s > 0)) return 0;
  if (!Number.isFinite(s)) return 1;
  const r = s / s0;
  return (r * r) / (r * r + 1);
}

/** Collects config problems so one error lists all of them. */
export class ConfigProblems {
  readonly problems: string[] = [];
  check(ok: boolean, message: string): void {
    if (!ok) this.problems.push(message);
  }
  throwIfAny(what: string): void {
    if (this.problems.length > 0) {
      throw new TesseraError('TESSERA_ERR_OBSERVE_CONFIG', `${what}: ${this.problems.join('; ')}`, { details: { problems: this.problems } });
    }
  }
}

export function resolveCommon(options: DetectorCommonOptions, problems: ConfigProblems): ResolvedCommonConfig {
  const threshold = options.threshold ?? DETECTOR_DEFAULTS.threshold;
  const warmupPoints = options.warmupPoints ?? DETECTOR_DEFAULTS.warmupPoints;
  const scaleWindow = options.scaleWindow ?? DETECTOR_DEFAULTS.scaleWindow;
  const minScale = options.minScale ?? DETECTOR_DEFAULTS.minScale;
  problems.check(threshold > 0 && threshold < 1, `threshold must lie in (0, 1), got ${threshold}`);
  problems.check(Number.isInteger(warmupPoints) && warmupPoints >= 2, `warmupPoints must be an integer ≥ 2, got ${warmupPoints}`);
  problems.check(Number.isInteger(scaleWindow) && scaleWindow >= 5, `scaleWindow must be an integer ≥ 5, got ${scaleWindow}`);
  problems.check(minScale >= 0 && Number.isFinite(minScale), `minScale must be ≥ 0, got ${minScale}`);
  return { threshold, warmupPoints, scaleWindow, minScale };
}

export function checkProbability(value: number, name: string, problems: ConfigProblems, closedAtOne = true): void {
  problems.check(value > 0 && (closedAtOne ? value <= 1 : value < 1), `${name} must lie in (0, 1${closedAtOne ? ']' : ')'}, got ${value}`);
}

/** Refuses state that another detector made, or that lost fields on the way. */
export function checkState(state: unknown, name: DetectorName, fields: readonly string[]): void {
  const ok =
    typeof state === 'object' &&
    state !== null &&
    (state as DetectorStateBase).detector === name &&
    typeof (state as DetectorStateBase).seen === 'number' &&
    fields.every((f) => Object.hasOwn(state, f));
  if (!ok) {
    const got = typeof state === 'object' && state !== null ? String((state as { detector?: unknown }).detector) : typeof state;
    throw new TesseraError('TESSERA_ERR_OBSERVE_STATE', `the ${name} detector cannot restore this state (made by '${got}' or missing fields); start from a fresh detector`, {
      details: { expected: name, got },
    });
  }
}

/**
 * The robust scale of recent residuals: centre = median, σ = 1.4826·MAD (mean-AD fallback),
 * floored so a series that has been perfectly flat still gives finite scores.
 */
export function residualScale(window: readonly number[], baseline: number, minScale: number): { center: number; sigma: number } {
  const center = window.length > 0 ? median(window) : 0;
  const raw = window.length > 0 ? robustSigma(window) : 0;
  const floor = Math.max(minScale, 1e-9 * Math.max(1, Math.abs(baseline)));
  return { center: Number.isFinite(center) ? center : 0, sigma: Math.max(Number.isFinite(raw) ? raw : 0, floor) };
}

/** Appends keeping at most `max` entries (a bounded FIFO in a plain array, for JSON snapshots). */
export function pushBounded(window: number[], value: number, max: number): void {
  window.push(value);
  if (window.length > max) window.splice(0, window.length - max);
}

export function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}

export const toJsonNumber = (v: number): number | null => (Number.isFinite(v) ? v : null);
export const fromJsonNumber = (v: number | null | undefined): number => (typeof v === 'number' ? v : Number.NaN);
