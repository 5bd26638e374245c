import { TesseraError } from '../../core/errors/tessera-error.js';
import type { ArrivalSource } from '../arrivals/arrival-stream.js';
import { scaleTime } from '../arrivals/transform.js';
import { CountSeriesArrivals, type CountIntervals, type CountSpreadOptions } from './count-series.js';
import { headerName, parseDecimal, parseTimestampMs, traceParseError } from './csv.js';
import { LineReader } from './line-reader.js';

/**
 * A QPS series (docs/simulator.md, "QPS series"): a CSV with a header row, a timestamp column
 * (`timestamp`, else `time`, else the first column) and one or more rate columns in requests per
 * second. A timestamp is a number of seconds (epoch or relative) or a date-time
 * (`2024-05-01T12:00:00Z`; no zone means UTC). Each row's rate holds from its timestamp until the
 * next row's (one second in a per-second series); the last row holds as long as the interval
 * before it (one second when the file has a single row). Rows are read as the simulation reaches them.
 */
export interface QpsSeriesOptions extends CountSpreadOptions {
  /** Rate column; default `qps`, or the only column besides the timestamp. */
  readonly column?: string;
  /** Where the first row's timestamp lands, ms. Default 0. */
  readonly startMs?: number;
  /** Compress (> 1) or stretch (< 1) time around `startMs`. */
  readonly timeScale?: number;
}

const DEFAULT_LAST_INTERVAL_MS = 1000;

class QpsIntervals implements CountIntervals {
  private readonly reader: LineReader;
  private readonly timeIndex: number;
  private readonly rateIndex: number;
  private readonly fieldCount: number;
  private originMs = Number.NaN;
  // One row of lookahead: a row's interval ends at the next row's timestamp.
  private pendingTimeMs = Number.NaN;
  private pendingRate = 0;
  private previousTimeMs = Number.NEGATIVE_INFINITY;
  private lastLengthMs = DEFAULT_LAST_INTERVAL_MS;
  private exhausted = false;
  intervalStartMs = 0;
  intervalLengthMs = 0;
  intervalCount = 0;

  constructor(
    private readonly file: string,
    column: string | undefined,
    private readonly startMs: number,
  ) {
    this.reader = new LineReader(file);
    try {
      const header = this.reader.next();
      if (header === undefined) throw traceParseError(file, 1, 1, 'the file is empty; expected a header such as timestamp,qps');
      const names = header.split(',').map(headerName);
      this.fieldCount = names.length;
      const lower = names.map((n) => n.toLowerCase());
      let t = lower.indexOf('timestamp');
      if (t < 0) t = lower.indexOf('time');
      if (t < 0) t = 0;
      this.timeIndex = t;
      let r: number;
      if (column !== undefined && column !== '') {
        r = names.indexOf(column);
        if (r < 0) r = lower.indexOf(column.toLowerCase());
      } else {
        r = lower.indexOf('qps');
        if (r < 0 && names.length === 2) r = 1 - t;
      }
      if (r < 0 || r === t) {
        const choices = names.filter((_, i) => i !== t).join(', ');
        throw new TesseraError(
          'TESSERA_ERR_SIM_TRACE_COLUMN',
          column
            ? `${file} has no rate column '${column}'; its columns are ${choices}`
            : `${file} has several rate columns (${choices}) and none is called qps; name one with 'column'`,
          { details: { file, column } },
        );
      }
      this.rateIndex = r;
      this.readRow();
    } catch (err) {
      this.reader.close();
      throw err;
    }
  }

  /** Reads the next row into `pending*`; marks the end when the file is done. */
  private readRow(): void {
    let line = this.reader.next();
    while (line !== undefined && line.length === 0) line = this.reader.next();
    if (line === undefined) {
      this.exhausted = true;
      this.reader.close();
      return;
    }
    const lineNo = this.reader.lineNumber;
    const fields = line.split(',');
    if (fields.length !== this.fieldCount) {
      throw this.fail(traceParseError(this.file, lineNo, line.length + 1, `row has ${fields.length} fields, the header has ${this.fieldCount}`));
    }
    const column = (i: number): number => {
      let c = 1;
      for (let k = 0; k < i; k++) c += (fields[k] as string).length + 1;
      return c;
    };
    const stamp = fields[this.timeIndex] as string;
    const timeMs = parseTimestampMs(stamp);
    if (Number.isNaN(timeMs)) {
      throw this.fail(traceParseError(this.file, lineNo, column(this.timeIndex), `timestamp '${stamp}' is neither a number of seconds nor a date-time like 2024-05-01T12:00:00Z`));
    }
    const rate = parseDecimal(fields[this.rateIndex] as string);
    if (!(rate >= 0)) {
      throw this.fail(traceParseError(this.file, lineNo, column(this.rateIndex), `rate '${fields[this.rateIndex]}' is not a non-negative number of requests per second`));
    }
    if (!(timeMs > this.previousTimeMs)) {
      throw this.fail(
        new TesseraError(
          'TESSERA_ERR_SIM_TRACE_ORDER',
          `${this.file}:${lineNo}:${column(this.timeIndex)}: timestamp ${stamp} is not after the row before; a QPS series must be sorted with one row per instant`,
          { details: { file: this.file, line: lineNo, column: column(this.timeIndex) } },
        ),
      );
    }
    if (Number.isNaN(this.originMs)) this.originMs = timeMs;
    this.previousTimeMs = timeMs;
    this.pendingTimeMs = timeMs;
    this.pendingRate = rate;
  }

  advance(): boolean {
    if (Number.isNaN(this.pendingTimeMs)) return false;
    const timeMs = this.pendingTimeMs;
    const rate = this.pendingRate;
    this.pendingTimeMs = Number.NaN;
    if (!this.exhausted) this.readRow();
    const lengthMs = Number.isNaN(this.pendingTimeMs) ? this.lastLengthMs : this.pendingTimeMs - timeMs;
    this.lastLengthMs = lengthMs;
    this.intervalStartMs = this.startMs + (timeMs - this.originMs);
    this.intervalLengthMs = lengthMs;
    this.intervalCount = (rate * lengthMs) / 1000;
    return true;
  }

  close(): void {
    this.exhausted = true;
    this.pendingTimeMs = Number.NaN;
    this.reader.close();
  }

  private fail(err: TesseraError): TesseraError {
    this.close();
    return err;
  }
}

/** Arrivals of a QPS series, spread inside each row's interval. */
export function qpsSeriesArrivals(file: string, options: QpsSeriesOptions = {}): ArrivalSource {
  const startMs = options.startMs ?? 0;
  const stream = new CountSeriesArrivals(new QpsIntervals(file, options.column, startMs), options);
  return scaleTime(stream, options.timeScale ?? 1, startMs);
}
