import type { Rng } from '../../core/rng.js';

/** Kinds of injected anomaly the evaluation labels (docs/anomaly.md defines each). */
export type AnomalyKind = 'spike' | 'level-shift' | 'drift';
export const ANOMALY_KINDS: readonly AnomalyKind[] = ['spike', 'level-shift', 'drift'];

export interface LabelledAnomaly {
  readonly kind: AnomalyKind;
  /** First index the anomaly changes. */
  readonly startIndex: number;
  /** Last index the anomaly changes (inclusive). */
  readonly endIndex: number;
}

export interface MatchOptions {
  /** Steps after an anomaly's end still inside its match window (the return to normal is part of it). @default 30 */
  readonly tailSteps?: number;
  /** Flags at most this many steps apart belong to one alarm. @default 5 */
  readonly alarmGapSteps?: number;
}

export interface DetectionScore {
  readonly anomalies: number;
  readonly detected: number;
  readonly alarms: number;
  readonly trueAlarms: number;
  /** trueAlarms / alarms; null when nothing was flagged. */
  readonly precision: number | null;
  /** detected / anomalies; null when there were no anomalies. */
  readonly recall: number | null;
  /** Steps from each detected anomaly's start to its first flag. */
  readonly delaysSteps: readonly number[];
}

/** Consecutive flagged indices (gaps ≤ gap steps) grouped into alarms [first, last]. */
export function groupAlarms(flags: readonly boolean[], gapSteps: number): [number, number][] {
  const alarms: [number, number][] = [];
  for (let i = 0; i < flags.length; i++) {
    if (!flags[i]) continue;
    const last = alarms[alarms.length - 1];
    if (last && i - last[1] <= gapSteps) last[1] = i;
    else alarms.push([i, i]);
  }
  return alarms;
}

/**
 * Event-level matching. An anomaly's match window is [start, end + tailSteps]. It is detected when
 * any flag falls inside the window, with delay = first such flag − start. Flags are grouped into
 * alarms; an alarm is true when any of its flags is inside some match window, false otherwise.
 * Precision is over alarms (a long run of flags is one alarm, not many true positives), recall
 * over anomalies.
 */
export function scoreDetections(flags: readonly boolean[], labels: readonly LabelledAnomaly[], options: MatchOptions = {}): DetectionScore {
  const tail = options.tailSteps ?? 30;
  const gap = options.alarmGapSteps ?? 5;
  const inWindow = new Array<boolean>(flags.length).fill(false);
  const delaysSteps: number[] = [];
  let detected = 0;
  for (const a of labels) {
    const to = Math.min(flags.length - 1, a.endIndex + tail);
    let first = -1;
    for (let i = a.startIndex; i <= to; i++) {
      inWindow[i] = true;
      if (first < 0 && flags[i]) first = i;
    }
    if (first >= 0) {
      detected++;
      delaysSteps.push(first - a.startIndex);
    }
  }
  const alarms = groupAlarms(flags, gap);
  let trueAlarms = 0;
  for (const [from, to] of alarms) {
    let hit = false;
    for (let i = from; i <= to && !hit; i++) hit = flags[i] === true && inWindow[i] === true;
    if (hit) trueAlarms++;
  }
  return {
    anomalies: labels.length,
    detected,
    alarms: alarms.length,
    trueAlarms,
    precision: alarms.length === 0 ? null : trueAlarms / alarms.length,
    recall: labels.length === 0 ? null : detected / labels.length,
    delaysSteps,
  };
}

/** Sums several scores (one per series) into one. */
export function combineScores(scores: readonly DetectionScore[]): DetectionScore {
  const anomalies = scores.reduce((s, x) => s + x.anomalies, 0);
  const detected = scores.reduce((s, x) => s + x.detected, 0);
  const alarms = scores.reduce((s, x) => s + x.alarms, 0);
  const trueAlarms = scores.reduce((s, x) => s + x.trueAlarms, 0);
  return {
    anomalies,
    detected,
    alarms,
    trueAlarms,
    precision: alarms === 0 ? null : trueAlarms / alarms,
    recall: anomalies === 0 ? null : detected / anomalies,
    delaysSteps: scores.flatMap((x) => x.delaysSteps),
  };
}

export interface InjectOptions {
  readonly kind: AnomalyKind;
  /** How many anomalies to place. */
  readonly count: number;
  /** The noise σ of the series, in its units: magnitudes are drawn in multiples of it. */
  readonly sigma: number;
  /** No anomaly starts before this index (leave the detectors their warm-up / a season of history). @default 0 */
  readonly firstIndex?: number;
  /** Clean steps kept between anomalies (and after the last). @default 240 */
  readonly guardSteps?: number;
  /** Clamp injected values at 0 (count series). @default false */
  readonly nonNegative?: boolean;
}

/**
 * Injects labelled anomalies into a copy of a series, spaced evenly with random jitter:
 * - spike: 1–3 points offset by ±(6–10)σ;
 * - level-shift: ±(3–6)σ added for 120–360 steps, then removed;
 * - drift: a ramp from 0 to ±(4–8)σ over 180–360 steps, held 60 steps, then removed.
 * The label spans every changed index; the return to normal falls in the match tail.
 */
export function injectAnomalies(values: readonly number[], rng: Rng, options: InjectOptions): { values: number[]; labels: LabelledAnomaly[] } {
  const out = [...values];
  const labels: LabelledAnomaly[] = [];
  const first = options.firstIndex ?? 0;
  const guard = options.guardSteps ?? 240;
  const slot = Math.floor((values.length - first) / Math.max(1, options.count));
  const sign = (): number => (rng.next() < 0.5 ? -1 : 1);
  const uniform = (lo: number, hi: number): number => lo + (hi - lo) * rng.next();
  for (let k = 0; k < options.count; k++) {
    const slotStart = first + k * slot;
    let length: number;
    let offsetAt: (j: number) => number;
    if (options.kind === 'spike') {
      length = rng.int(1, 3);
      const m = sign() * uniform(6, 10) * options.sigma;
      offsetAt = () => m;
    } else if (options.kind === 'level-shift') {
      length = rng.int(120, 360);
      const m = sign() * uniform(3, 6) * options.sigma;
      offsetAt = () => m;
    } else {
      const ramp = rng.int(180, 360);
      const hold = 60;
      length = ramp + hold;
      const m = sign() * uniform(4, 8) * options.sigma;
      offsetAt = (j) => (j < ramp ? (m * (j + 1)) / ramp : m);
    }
    const room = slot - length - guard;
    if (room < 0) continue;
    const start = slotStart + rng.int(0, room);
    for (let j = 0; j < length; j++) {
      const i = start + j;
      const v = (out[i] as number) + offsetAt(j);
      out[i] = options.nonNegative ? Math.max(0, v) : v;
    }
    labels.push({ kind: options.kind, startIndex: start, endIndex: start + length - 1 });
  }
  return { values: out, labels };
}
