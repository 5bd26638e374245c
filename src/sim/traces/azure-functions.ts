import { TesseraError } from '../../core/errors/tessera-error.js';
import type { ArrivalSource } from '../arrivals/arrival-stream.js';
import { scaleTime } from '../arrivals/transform.js';
import { CountSeriesArrivals, type CountIntervals, type CountSpreadOptions } from './count-series.js';
import { headerName, parseCount, traceParseError } from './csv.js';
import { LineReader } from './line-reader.js';

/**
 * The Azure Functions 2019 invocation table (Shahrad et al., "Serverless in the Wild"):
 * `HashFunction,HashOwner,HashApp,minute_1,…,minute_N` — one row per function, one column per
 * minute of the day, each cell an invocation count.
 *
 * The table is per function, not per minute, so the reader streams the rows once (64 KiB chunks)
 * and keeps only the selected per-minute series — 1,440 numbers for a day, however many
 * functions the file has.
 */

const KEY_COLUMNS = 3;
const MINUTE_MS = 60_000;

/**
 * Which rows drive the arrivals:
 * - `sum` (or `*`, or absent): every function added up;
 * - a function hash, or a unique prefix of one (at least 6 characters);
 * - `rank:N`: the N-th busiest function by invocations over the whole table (1-based).
 */
export type AzureFunctionSelector = string;

export interface AzureFunctionsSeries {
  /** Invocations per minute of the selection. */
  readonly perMinute: Float64Array;
  /** Hashes of the functions added up (one unless the selection is `sum`). */
  readonly functions: readonly string[];
  /** Function rows in the file. */
  readonly rowsInFile: number;
  /** Sum of `perMinute`. */
  readonly total: number;
}

export interface AzureFunctionSummary {
  readonly hash: string;
  readonly owner: string;
  readonly app: string;
  readonly total: number;
  /** 1-based line in the file. */
  readonly line: number;
}

interface Header {
  readonly minutes: number;
}

function readHeader(reader: LineReader): Header {
  const line = reader.next();
  if (line === undefined) throw traceParseError(reader.file, 1, 1, 'the file is empty; expected the header HashFunction,HashOwner,HashApp,minute_1,…');
  const cells = line.split(',').map(headerName);
  if (cells[0] !== 'HashFunction' || cells[1] !== 'HashOwner' || cells[2] !== 'HashApp' || cells.length <= KEY_COLUMNS) {
    throw traceParseError(reader.file, 1, 1, `expected the header HashFunction,HashOwner,HashApp,minute_1,… (Azure Functions 2019 invocations), found '${line.slice(0, 60)}'`);
  }
  return { minutes: cells.length - KEY_COLUMNS };
}

/** Start of each field on a line, as 0-based offsets (plus one past the end at index n). */
function fieldBounds(line: string, expected: number, file: string, lineNo: number): Int32Array {
  const starts = new Int32Array(expected + 1);
  let field = 0;
  starts[0] = 0;
  for (let i = 0; i < line.length; i++) {
    if (line.charCodeAt(i) === 44) {
      field++;
      if (field >= expected) {
        throw traceParseError(file, lineNo, i + 1, `row has more than ${expected} fields (the header has ${expected})`);
      }
      starts[field] = i + 1;
    }
  }
  if (field !== expected - 1) {
    throw traceParseError(file, lineNo, line.length + 1, `row has ${field + 1} fields, the header has ${expected}`);
  }
  starts[expected] = line.length + 1;
  return starts;
}

/** Adds a row's minute counts into `into` (when given) and returns the row's total. */
function addCounts(line: string, header: Header, file: string, lineNo: number, into: Float64Array | undefined): number {
  const n = KEY_COLUMNS + header.minutes;
  const bounds = fieldBounds(line, n, file, lineNo);
  let total = 0;
  for (let m = 0; m < header.minutes; m++) {
    const start = bounds[KEY_COLUMNS + m] as number;
    const end = (bounds[KEY_COLUMNS + m + 1] as number) - 1;
    const c = parseCount(line, start, end);
    if (c < 0) {
      throw traceParseError(file, lineNo, start + 1, `minute_${m + 1} is '${line.slice(start, end)}', expected a whole number of invocations`);
    }
    if (into !== undefined) into[m] = (into[m] as number) + c;
    total += c;
  }
  return total;
}

/** Every function of the table with its total invocations, busiest first (ties by file order). */
export function listAzureFunctions(file: string): AzureFunctionSummary[] {
  const reader = new LineReader(file);
  try {
    const header = readHeader(reader);
    const out: AzureFunctionSummary[] = [];
    for (let line = reader.next(); line !== undefined; line = reader.next()) {
      if (line.length === 0) continue;
      const total = addCounts(line, header, file, reader.lineNumber, undefined);
      const [hash = '', owner = '', app = ''] = line.split(',', KEY_COLUMNS);
      out.push({ hash, owner, app, total, line: reader.lineNumber });
    }
    return out.sort((a, b) => b.total - a.total || a.line - b.line);
  } finally {
    reader.close();
  }
}

/** Reads the per-minute series of a selection; any row it uses that does not parse is an error. */
export function readAzureFunctionsSeries(file: string, selector: AzureFunctionSelector = 'sum'): AzureFunctionsSeries {
  const sel = selector.trim();
  if (sel === '' || sel === 'sum' || sel === '*') return readSum(file);
  const rank = /^rank:(\d+)$/.exec(sel);
  if (rank) {
    const n = Number(rank[1]);
    const all = listAzureFunctions(file);
    const pick = all[n - 1];
    if (n < 1 || pick === undefined) {
      throw new TesseraError('TESSERA_ERR_SIM_TRACE_COLUMN', `${file} has ${all.length} functions; rank:${n} must be between rank:1 and rank:${all.length}`, {
        details: { file, selector: sel },
      });
    }
    return readOne(file, pick.hash, true);
  }
  if (sel.length < 6 || !/^[0-9a-fA-F]+$/.test(sel)) {
    throw new TesseraError(
      'TESSERA_ERR_SIM_TRACE_COLUMN',
      `'${sel}' does not select Azure Functions rows: use 'sum', 'rank:N' or a function hash (at least its first 6 hex digits)`,
      { details: { file, selector: sel } },
    );
  }
  return readOne(file, sel.toLowerCase(), false);
}

function readSum(file: string): AzureFunctionsSeries {
  const reader = new LineReader(file);
  try {
    const header = readHeader(reader);
    const perMinute = new Float64Array(header.minutes);
    const functions: string[] = [];
    let total = 0;
    for (let line = reader.next(); line !== undefined; line = reader.next()) {
      if (line.length === 0) continue;
      total += addCounts(line, header, file, reader.lineNumber, perMinute);
      functions.push(line.slice(0, line.indexOf(',')));
    }
    return { perMinute, functions, rowsInFile: functions.length, total };
  } finally {
    reader.close();
  }
}

function readOne(file: string, hashOrPrefix: string, exact: boolean): AzureFunctionsSeries {
  const reader = new LineReader(file);
  try {
    const header = readHeader(reader);
    let found: { hash: string; perMinute: Float64Array; total: number } | undefined;
    let rows = 0;
    const near: string[] = [];
    for (let line = reader.next(); line !== undefined; line = reader.next()) {
      if (line.length === 0) continue;
      rows++;
      const hash = line.slice(0, Math.max(0, line.indexOf(','))).toLowerCase();
      if (near.length < 3) near.push(hash);
      const match = exact ? hash === hashOrPrefix : hash.startsWith(hashOrPrefix);
      if (!match) continue;
      if (found !== undefined) {
        throw new TesseraError('TESSERA_ERR_SIM_TRACE_COLUMN', `'${hashOrPrefix}' matches more than one function in ${file} (${found.hash}, ${hash}); give more of the hash`, {
          details: { file, selector: hashOrPrefix },
        });
      }
      const perMinute = new Float64Array(header.minutes);
      const total = addCounts(line, header, file, reader.lineNumber, perMinute);
      found = { hash, perMinute, total };
    }
    if (found === undefined) {
      throw new TesseraError(
        'TESSERA_ERR_SIM_TRACE_COLUMN',
        `no function in ${file} has a hash starting '${hashOrPrefix}' (${rows} functions, e.g. ${near.join(', ')}); use 'sum', 'rank:N' or one of its hashes`,
        { details: { file, selector: hashOrPrefix } },
      );
    }
    return { perMinute: found.perMinute, functions: [found.hash], rowsInFile: rows, total: found.total };
  } finally {
    reader.close();
  }
}

class MinuteIntervals implements CountIntervals {
  private index = -1;
  intervalStartMs = 0;
  readonly intervalLengthMs = MINUTE_MS;
  intervalCount = 0;
  constructor(
    private readonly perMinute: Float64Array,
    private readonly startMs: number,
  ) {}
  advance(): boolean {
    if (++this.index >= this.perMinute.length) return false;
    this.intervalStartMs = this.startMs + this.index * MINUTE_MS;
    this.intervalCount = this.perMinute[this.index] as number;
    return true;
  }
  close(): void {
    this.index = this.perMinute.length;
  }
}

export interface AzureFunctionsArrivalOptions extends CountSpreadOptions {
  /** Which function(s); see `AzureFunctionSelector`. Default `sum`. */
  readonly select?: AzureFunctionSelector;
  /** Where minute_1 starts, ms. Default 0. */
  readonly startMs?: number;
  /** Compress (> 1) or stretch (< 1) time around `startMs`. */
  readonly timeScale?: number;
}

/** Arrivals from per-minute invocation counts, spread inside each minute. */
export function azureFunctionsArrivals(file: string, options: AzureFunctionsArrivalOptions = {}): ArrivalSource {
  return azureFunctionsSeriesArrivals(readAzureFunctionsSeries(file, options.select), options);
}

/** The same, from a series already read (to drive several services from one read). */
export function azureFunctionsSeriesArrivals(series: AzureFunctionsSeries, options: Omit<AzureFunctionsArrivalOptions, 'select'> = {}): ArrivalSource {
  const startMs = options.startMs ?? 0;
  const stream = new CountSeriesArrivals(new MinuteIntervals(series.perMinute, startMs), options);
  return scaleTime(stream, options.timeScale ?? 1, startMs);
}
