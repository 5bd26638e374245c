import { TesseraError } from '../../core/errors/tessera-error.js';
import { createRng, type Rng } from '../../core/rng.js';
import { ArrivalStream, type ArrivalSource } from '../arrivals/arrival-stream.js';
import { scaleRate, scaleTime } from '../arrivals/transform.js';
import { headerName, parseDateTimeParts, parseDecimal, traceParseError } from './csv.js';
import { LineReader } from './line-reader.js';

/**
 * The Azure LLM inference trace 2023 (Patel et al., Splitwise): `TIMESTAMP,ContextTokens,GeneratedTokens`,
 * one row per request, TIMESTAMP like `2023-11-16 18:17:03.9799600` (UTC, 100 ns digits). Rows
 * are read one at a time as the simulation pulls them.
 */
export interface AzureLlmArrivalOptions {
  /** Where the first request lands, ms; the trace's own first timestamp maps here. Default 0. */
  readonly startMs?: number;
  /** Compress (> 1) or stretch (< 1) time around `startMs`. */
  readonly timeScale?: number;
  /** Thin (< 1) or replicate (> 1) requests, seeded; see `scaleRate`. */
  readonly scale?: number;
  readonly rng?: Rng;
  readonly seed?: number;
}

/** The raw reader: request times relative to the first row, plus the tokens of the row just read. */
export class AzureLlmTraceReader extends ArrivalStream {
  private readonly reader: LineReader;
  private readonly timestampColumn: number;
  private readonly contextColumn: number;
  private readonly generatedColumn: number;
  private readonly fieldCount: number;
  // The first row's whole second (epoch ms) and fraction, kept apart for precision (see parseDateTimeParts).
  private originWholeMs = Number.NaN;
  private originFracMs = 0;
  private readonly stamp = new Float64Array(2);
  private previousMs = Number.NEGATIVE_INFINITY;
  private done = false;
  /** Tokens of the request `nextMs` returned last (NaN when the file has no such column). */
  contextTokens = Number.NaN;
  generatedTokens = Number.NaN;
  /** The absolute (epoch ms) time of the trace's first request, once read. */
  get traceOriginMs(): number {
    return this.originWholeMs + this.originFracMs;
  }

  constructor(
    readonly file: string,
    private readonly startMs = 0,
  ) {
    super();
    this.reader = new LineReader(file);
    const header = this.reader.next();
    if (header === undefined) {
      this.reader.close();
      throw traceParseError(file, 1, 1, 'the file is empty; expected the header TIMESTAMP,ContextTokens,GeneratedTokens');
    }
    const names = header.split(',').map((c) => headerName(c).toLowerCase());
    this.fieldCount = names.length;
    this.timestampColumn = names.indexOf('timestamp');
    this.contextColumn = names.indexOf('contexttokens');
    this.generatedColumn = names.indexOf('generatedtokens');
    if (this.timestampColumn < 0) {
      this.reader.close();
      throw new TesseraError('TESSERA_ERR_SIM_TRACE_COLUMN', `${file} has no TIMESTAMP column (header: ${header.slice(0, 80)}); expected TIMESTAMP,ContextTokens,GeneratedTokens`, {
        details: { file },
      });
    }
  }

  nextMs(): number {
    if (this.done) return Number.POSITIVE_INFINITY;
    let line = this.reader.next();
    while (line !== undefined && line.length === 0) line = this.reader.next();
    if (line === undefined) {
      this.done = true;
      return Number.POSITIVE_INFINITY;
    }
    const lineNo = this.reader.lineNumber;
    const fields = line.split(',');
    if (fields.length !== this.fieldCount) {
      this.fail(traceParseError(this.file, lineNo, line.length + 1, `row has ${fields.length} fields, the header has ${this.fieldCount}`));
    }
    const column = (i: number): number => {
      let c = 1;
      for (let k = 0; k < i; k++) c += (fields[k] as string).length + 1;
      return c;
    };
    const stamp = fields[this.timestampColumn] as string;
    if (!parseDateTimeParts(stamp, this.stamp)) {
      this.fail(traceParseError(this.file, lineNo, column(this.timestampColumn), `TIMESTAMP '${stamp}' is not a date-time like 2023-11-16 18:17:03.9799600`));
    }
    const wholeMs = this.stamp[0] as number;
    const fracMs = this.stamp[1] as number;
    if (Number.isNaN(this.originWholeMs)) {
      this.originWholeMs = wholeMs;
      this.originFracMs = fracMs;
    }
    const relativeMs = wholeMs - this.originWholeMs + (fracMs - this.originFracMs);
    if (relativeMs < this.previousMs) {
      this.fail(
        new TesseraError('TESSERA_ERR_SIM_TRACE_ORDER', `${this.file}:${lineNo}:${column(this.timestampColumn)}: TIMESTAMP ${stamp} is earlier than the row before; sort the trace by time`, {
          details: { file: this.file, line: lineNo, column: column(this.timestampColumn) },
        }),
      );
    }
    this.previousMs = relativeMs;
    for (const [index, name] of [
      [this.contextColumn, 'ContextTokens'],
      [this.generatedColumn, 'GeneratedTokens'],
    ] as const) {
      if (index < 0) continue;
      const v = parseDecimal(fields[index] as string);
      if (!(v >= 0)) this.fail(traceParseError(this.file, lineNo, column(index), `${name} '${fields[index]}' is not a non-negative number`));
      if (name === 'ContextTokens') this.contextTokens = v;
      else this.generatedTokens = v;
    }
    return this.startMs + relativeMs;
  }

  override close(): void {
    this.done = true;
    this.reader.close();
  }

  private fail(err: TesseraError): never {
    this.close();
    throw err;
  }
}

/** Arrivals of the Azure LLM trace with time and rate scaling. */
export function azureLlmArrivals(file: string, options: AzureLlmArrivalOptions = {}): ArrivalSource {
  const startMs = options.startMs ?? 0;
  let stream: ArrivalSource = new AzureLlmTraceReader(file, startMs);
  stream = scaleTime(stream, options.timeScale ?? 1, startMs);
  return scaleRate(stream, options.scale ?? 1, options.rng ?? createRng(options.seed ?? 1));
}
