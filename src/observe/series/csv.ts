import { TesseraError } from '../../core/errors/index.js';
import { detectTimestampFormat, parseTimestamp, type TimestampFormat } from './timestamps.js';

/** A timestamped series read from CSV; `values` holds NaN where a row's value is missing. */
export interface Series {
  readonly timesMs: number[];
  readonly values: number[];
  readonly timestampFormat: TimestampFormat;
  /** 1-based CSV line of each row, for messages that point back at the file. */
  readonly lines: number[];
  readonly timestampColumn: string;
  readonly valueColumn: string;
}

export interface ReadSeriesOptions {
  /** Header name, or a 1-based column number. Default: a column named timestamp/time/ts/date, else the first. */
  readonly timestampColumn?: string | undefined;
  /** Header name, or a 1-based column number. Default: a column named value, else the first column that is not the timestamp. */
  readonly valueColumn?: string | undefined;
  /** Name used in messages (the file path). */
  readonly source?: string | undefined;
}

const MISSING = new Set(['', 'nan', 'null', 'na', 'n/a', 'none']);
const NUMBER_RE = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

function csvError(source: string, line: number, column: number, message: string): TesseraError {
  return new TesseraError('TESSERA_ERR_OBSERVE_CSV', `${source}:${line}:${column}: ${message}`, { details: { source, line, column } });
}

/**
 * Splits CSV text into rows of fields (RFC 4180: commas, double-quoted fields with "" escapes,
 * CRLF or LF). Each row carries its 1-based line number and the column where each field starts,
 * so errors can point at the cell.
 */
export function splitCsv(text: string, source = 'input'): { line: number; fields: string[]; columns: number[] }[] {
  const rows: { line: number; fields: string[]; columns: number[] }[] = [];
  let line = 1;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const rowLine = line;
    const fields: string[] = [];
    const columns: number[] = [];
    let col = 1;
    let lineStart = i;
    for (;;) {
      columns.push(i - lineStart + 1);
      let field = '';
      if (text[i] === '"') {
        i++;
        for (;;) {
          if (i >= n) throw csvError(source, rowLine, col, 'a quoted field is not closed; add the closing "');
          const ch = text[i] as string;
          if (ch === '"') {
            if (text[i + 1] === '"') {
              field += '"';
              i += 2;
              continue;
            }
            i++;
            break;
          }
          if (ch === '\n') {
            line++;
            lineStart = i + 1;
          }
          field += ch;
          i++;
        }
        if (i < n && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r') {
          throw csvError(source, rowLine, col, 'text follows a closing quote; quote the whole field');
        }
      } else {
        while (i < n && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r') field += text[i++];
      }
      fields.push(field);
      if (i < n && text[i] === ',') {
        i++;
        col++;
        continue;
      }
      break;
    }
    if (text[i] === '\r') i++;
    if (text[i] === '\n') i++;
    line++;
    // Blank lines (a trailing newline, spacing between blocks) carry no row.
    if (!(fields.length === 1 && (fields[0] as string).trim() === '')) rows.push({ line: rowLine, fields, columns });
  }
  return rows;
}

function resolveColumn(spec: string | undefined, header: string[] | undefined, width: number, fallback: number, what: string, source: string, line: number): number {
  if (spec === undefined) return fallback;
  const byName = header?.findIndex((h) => h.trim() === spec.trim()) ?? -1;
  if (byName >= 0) return byName;
  if (/^\d+$/.test(spec.trim())) {
    const k = Number(spec) - 1;
    if (k >= 0 && k < width) return k;
  }
  const have = header ? header.map((h) => `'${h.trim()}'`).join(', ') : `columns 1..${width}`;
  throw csvError(source, line, 1, `there is no ${what} column '${spec}'; the file has ${have}`);
}

/**
 * Reads a two-column view (timestamp, value) of a CSV series. The first row is a header when its
 * value cell is not a number. Timestamps are ISO-8601 or Unix seconds/milliseconds (told apart by
 * size, see UNIX_MS_THRESHOLD) and must all use one format and strictly increase. Empty, NaN or
 * null values are missing points (NaN); anything else that is not a number is an error naming
 * the line and column.
 */
export function parseSeriesCsv(text: string, options: ReadSeriesOptions = {}): Series {
  const source = options.source ?? 'input';
  const rows = splitCsv(text.replace(/^\uFEFF/, ''), source);
  if (rows.length === 0) throw csvError(source, 1, 1, 'the file has no rows; give a header and at least one timestamp,value row');
  const first = rows[0] as (typeof rows)[number];
  const width = first.fields.length;
  const names = first.fields.map((f) => f.trim().toLowerCase());
  const guessTs = names.findIndex((f) => ['timestamp', 'time', 'ts', 'date', 'datetime'].includes(f));
  const headerLooksLikeText = first.fields.some((f) => f.trim() !== '' && !NUMBER_RE.test(f.trim()) && detectTimestampFormat(f) === undefined);
  const header = headerLooksLikeText ? first.fields : undefined;
  const tsCol = resolveColumn(options.timestampColumn, header, width, header && guessTs >= 0 ? guessTs : 0, 'timestamp', source, first.line);
  const guessValue = header ? names.findIndex((f, k) => f === 'value' && k !== tsCol) : -1;
  const valueFallback = guessValue >= 0 ? guessValue : tsCol === 0 ? 1 : 0;
  const valueCol = resolveColumn(options.valueColumn, header, width, valueFallback, 'value', source, first.line);
  if (valueCol >= width || tsCol === valueCol) {
    throw csvError(source, first.line, 1, `a series needs a timestamp column and a different value column; the file has ${width} column(s)`);
  }

  const timesMs: number[] = [];
  const values: number[] = [];
  const lines: number[] = [];
  let format: TimestampFormat | undefined;
  for (const row of header ? rows.slice(1) : rows) {
    if (row.fields.length !== width) {
      throw csvError(source, row.line, 1, `expected ${width} fields like the first row, found ${row.fields.length}`);
    }
    const tsText = row.fields[tsCol] as string;
    const tsColumn = row.columns[tsCol] as number;
    const kind = detectTimestampFormat(tsText);
    if (kind === undefined) {
      throw csvError(source, row.line, tsColumn, `'${tsText.trim()}' is not a timestamp; write ISO-8601 (2019-07-01T00:01:00Z) or Unix seconds or milliseconds`);
    }
    // Seconds and milliseconds are both "numbers"; a series that mixes them is read by its first row's unit.
    const numeric = kind !== 'iso';
    if (format === undefined) format = kind;
    else if (numeric !== (format !== 'iso')) {
      throw csvError(source, row.line, tsColumn, `timestamp '${tsText.trim()}' is written differently from the first row (${format}); use one format throughout`);
    }
    const t = parseTimestamp(tsText, format);
    const prev = timesMs[timesMs.length - 1];
    if (prev !== undefined && !(t > prev)) {
      throw new TesseraError('TESSERA_ERR_OBSERVE_TIMESTAMPS', `${source}:${row.line}:${tsColumn}: timestamp '${tsText.trim()}' is not after the previous row's; sort the rows and drop duplicates`, {
        details: { source, line: row.line, column: tsColumn },
      });
    }
    const vText = (row.fields[valueCol] as string).trim();
    let v: number;
    if (MISSING.has(vText.toLowerCase())) v = Number.NaN;
    else if (NUMBER_RE.test(vText)) v = Number(vText);
    else throw csvError(source, row.line, row.columns[valueCol] as number, `'${vText}' is not a number; write a number, or leave it empty for a missing point`);
    timesMs.push(t);
    values.push(v);
    lines.push(row.line);
  }
  if (timesMs.length === 0) throw csvError(source, first.line, 1, 'the file has a header but no data rows');
  return {
    timesMs,
    values,
    lines,
    timestampFormat: format ?? 'iso',
    timestampColumn: header ? (header[tsCol] as string).trim() : String(tsCol + 1),
    valueColumn: header ? (header[valueCol] as string).trim() : String(valueCol + 1),
  };
}

/** Reads and parses a series CSV file; a missing file is TESSERA_ERR_INPUT_FILE_NOT_FOUND. */
export async function readSeriesFile(file: string, options: Omit<ReadSeriesOptions, 'source'> = {}): Promise<Series> {
  const { readFile } = await import('node:fs/promises');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new TesseraError('TESSERA_ERR_INPUT_FILE_NOT_FOUND', `there is no file ${file}; check the --input path`, { cause, details: { file } });
    throw new TesseraError('TESSERA_ERR_INPUT_FILE_UNREADABLE', `could not read ${file}: ${(cause as Error).message}`, { cause, details: { file } });
  }
  return parseSeriesCsv(text, { ...options, source: file });
}
