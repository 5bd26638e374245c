import { TesseraError } from '../../core/errors/index.js';

/**
 * How a series wrote its timestamps, so output rows (forecast points, detector scores) can be
 * written back the same way the input was.
 */
export type TimestampFormat = 'iso' | 'unix-s' | 'unix-ms';

/**
 * Numbers at or above this are Unix milliseconds, below it Unix seconds. 1e11 s is the year 5138
 * and 1e11 ms is 1973-03-03, so no real timestamp of either kind falls on the wrong side.
 */
export const UNIX_MS_THRESHOLD = 1e11;

// ISO-8601 date with optional time, fraction and zone: 2019-07-01, 2019-07-01T00:01:00Z,
// 2019-07-01 00:01:00.250+02:00. Date.parse alone accepts far more ("July 1"), which would hide typos.
const ISO_RE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;
const NUMBER_RE = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** The format of one timestamp cell, or undefined when it is neither ISO-8601 nor a number. */
export function detectTimestampFormat(text: string): TimestampFormat | undefined {
  const t = text.trim();
  if (NUMBER_RE.test(t)) return Math.abs(Number(t)) >= UNIX_MS_THRESHOLD ? 'unix-ms' : 'unix-s';
  if (ISO_RE.test(t) && Number.isFinite(isoToMs(t))) return 'iso';
  return undefined;
}

function isoToMs(text: string): number {
  // A date-time without a zone is read as UTC (not local time) so results do not depend on the machine.
  const normalised = text.replace(' ', 'T');
  const hasZone = /(?:Z|[+-]\d{2}:?\d{2})$/.test(normalised) && normalised.includes('T');
  return Date.parse(hasZone || !normalised.includes('T') ? normalised : `${normalised}Z`);
}

/** Milliseconds since the epoch for a cell already known to be in `format`; NaN when it is not. */
export function parseTimestamp(text: string, format: TimestampFormat): number {
  const t = text.trim();
  if (format === 'iso') return ISO_RE.test(t) ? isoToMs(t) : Number.NaN;
  if (!NUMBER_RE.test(t)) return Number.NaN;
  return format === 'unix-s' ? Number(t) * 1000 : Number(t);
}

/** Writes a time back in the series' own format (ISO strings in UTC; Unix numbers as numbers). */
export function formatTimestamp(ms: number, format: TimestampFormat): string | number {
  if (format === 'iso') return new Date(ms).toISOString();
  return format === 'unix-s' ? ms / 1000 : ms;
}

export interface StepInference {
  readonly stepMs: number;
  /** Rows that a whole-step gap says are missing (filled with NaN by `regularise`). */
  readonly missingRows: number;
}

/**
 * The series step: the median gap between consecutive rows. Every gap must be a whole number of
 * steps within `tolerance` (a fraction of the step) — a gap of 2 steps is a missing row, a gap of
 * 1.5 steps means the series is not regular and no step describes it.
 */
export function inferStepMs(timesMs: readonly number[], tolerance = 0.1): StepInference {
  if (timesMs.length < 2) {
    throw new TesseraError('TESSERA_ERR_OBSERVE_SERIES_TOO_SHORT', 'a step cannot be inferred from fewer than 2 rows; give at least 2 timestamped rows', {
      details: { rows: timesMs.length },
    });
  }
  const gaps: number[] = [];
  for (let i = 1; i < timesMs.length; i++) gaps.push((timesMs[i] as number) - (timesMs[i - 1] as number));
  const sorted = [...gaps].sort((a, b) => a - b);
  const stepMs = sorted[Math.floor((sorted.length - 1) / 2)] as number;
  if (!(stepMs > 0)) {
    throw new TesseraError('TESSERA_ERR_OBSERVE_TIMESTAMPS', 'timestamps must increase from row to row; sort the rows and drop duplicates');
  }
  let missingRows = 0;
  for (let i = 0; i < gaps.length; i++) {
    const ratio = (gaps[i] as number) / stepMs;
    const whole = Math.round(ratio);
    if (whole < 1 || Math.abs(ratio - whole) > tolerance) {
      throw new TesseraError(
        'TESSERA_ERR_OBSERVE_TIMESTAMPS',
        `rows ${i + 1} and ${i + 2} of the data are ${gaps[i]} ms apart, not a whole number of the ${stepMs} ms step (tolerance ${tolerance * 100}%); resample the series to a fixed step`,
        { details: { row: i + 2, gapMs: gaps[i], stepMs, tolerance } },
      );
    }
    missingRows += whole - 1;
  }
  return { stepMs, missingRows };
}

/**
 * Values on a regular grid from the first time with the given step; rows a gap skipped become NaN
 * (missing) so that seasonal positions stay aligned with the clock.
 */
export function regularise(timesMs: readonly number[], values: readonly number[], stepMs: number): { startMs: number; values: number[] } {
  const startMs = timesMs[0] ?? 0;
  const out: number[] = [];
  for (let i = 0; i < timesMs.length; i++) {
    const slot = Math.round(((timesMs[i] as number) - startMs) / stepMs);
    while (out.length < slot) out.push(Number.NaN);
    out[slot] = values[i] as number;
  }
  return { startMs, values: out };
}
