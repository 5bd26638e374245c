import { TesseraError } from '../../core/errors/tessera-error.js';

/**
 * Minimal CSV helpers for the trace formats. The traces Tessera reads are plain comma-separated
 * numbers and timestamps (no quoting inside fields), so a field is whatever lies between commas;
 * a header name may be wrapped in double quotes.
 */

/** A parse error pointing at the 1-based line and column of the offending field. */
export function traceParseError(file: string, line: number, column: number, problem: string): TesseraError {
  return new TesseraError('TESSERA_ERR_SIM_TRACE_PARSE', `${file}:${line}:${column}: ${problem}`, {
    details: { file, line, column },
  });
}

/** Splits a line into fields and the 1-based column where each starts. */
export function splitFields(line: string): { fields: string[]; columns: number[] } {
  const fields: string[] = [];
  const columns: number[] = [];
  let start = 0;
  for (;;) {
    const comma = line.indexOf(',', start);
    const end = comma < 0 ? line.length : comma;
    fields.push(line.slice(start, end));
    columns.push(start + 1);
    if (comma < 0) break;
    start = comma + 1;
  }
  return { fields, columns };
}

/** A header cell without surrounding whitespace and quotes. */
export function headerName(cell: string): string {
  const t = cell.trim();
  return t.length >= 2 && t.startsWith('"') && t.endsWith('"') ? t.slice(1, -1) : t;
}

const DECIMAL = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/;

/** A finite decimal number, or NaN (unlike `Number`, '' and '0x10' are not numbers here). */
export function parseDecimal(text: string): number {
  return DECIMAL.test(text) ? Number(text) : Number.NaN;
}

/**
 * A non-negative integer written in plain digits, or -1. Hand-rolled because the Azure Functions
 * table has two million cells and this is several times faster than a regex plus `Number`.
 */
export function parseCount(line: string, start: number, end: number): number {
  if (end <= start) return -1;
  let n = 0;
  for (let i = start; i < end; i++) {
    const c = line.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

const DATE_TIME = /^\s*(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:?\d{2})?\s*$/;

/**
 * Reads `YYYY-MM-DD HH:MM:SS[.fraction][Z|±HH:MM]` (a `T` may replace the space; without a zone
 * it is read as UTC so a run never depends on the machine's time zone) into `out`: out[0] the
 * epoch ms of the whole second, out[1] the fraction in ms. Returns false when the text is not
 * such a date-time.
 *
 * Why two parts: epoch ms are ~1.7e12, where a double resolves only ~0.24 µs; keeping the
 * fraction apart lets a reader subtract whole seconds exactly and keep the trace's 100 ns digits.
 */
export function parseDateTimeParts(text: string, out: Float64Array): boolean {
  const m = DATE_TIME.exec(text);
  if (!m) return false;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = Number(m[6]);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return false;
  let wholeMs = Date.UTC(year, month - 1, day, hour, minute, second);
  const zone = m[8];
  if (zone !== undefined && zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    wholeMs -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4))) * 60_000;
  }
  out[0] = wholeMs;
  out[1] = m[7] === undefined ? 0 : Number(m[7]) * 1000;
  return true;
}

const scratch = new Float64Array(2);

/** Epoch ms of a date-time as in `parseDateTimeParts` (to ~0.24 µs), or NaN. */
export function parseDateTimeMs(text: string): number {
  return parseDateTimeParts(text, scratch) ? (scratch[0] as number) + (scratch[1] as number) : Number.NaN;
}

/**
 * A timestamp cell: a plain number is seconds (epoch or relative — only differences matter to a
 * replay); otherwise a date-time as in `parseDateTimeMs`. Returns ms, or NaN.
 */
export function parseTimestampMs(text: string): number {
  const s = parseDecimal(text);
  if (!Number.isNaN(s)) return s * 1000;
  return parseDateTimeMs(text);
}
