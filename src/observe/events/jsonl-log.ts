import { appendFile, mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { TesseraError } from '../../core/errors/index.js';
import { matchesEvent, type EventQuery } from './query.js';
import { toRecord, type EventSink, type TesseraEvent } from './types.js';

export interface JsonlEventLogOptions {
  /** Rotate when the live file would grow past this. @default 10 MiB */
  readonly maxBytes?: number;
  /** Rotated files kept (`events.jsonl.1` … `.N`, 1 the newest). @default 5 */
  readonly maxFiles?: number;
  /** Told about each failed write or rotation (the log keeps going). */
  readonly onError?: (err: TesseraError) => void;
}

export interface EventLogStats {
  readonly appended: number;
  readonly written: number;
  /** Events that could not be serialised or written. */
  readonly dropped: number;
  readonly rotations: number;
  readonly errors: number;
}

/**
 * The persisted event log: append-only JSON Lines with rotation by size.
 *
 * `append` serialises the event at once (so later mutation of `details` cannot change what is
 * logged) and queues the line; a single writer drains the queue in order with one `appendFile`
 * per batch. Appends from many async callers in one process therefore never interleave or
 * reorder, and rotation happens between batches, never inside one. Across processes only the
 * O_APPEND semantics of the OS apply — give each process its own file. Failures never reach the
 * caller: they are counted (`stats`) and passed to `onError`.
 */
export class JsonlEventLog implements EventSink {
  readonly file: string;
  private readonly maxBytes: number;
  private readonly maxFiles: number;
  private readonly onError: ((err: TesseraError) => void) | undefined;
  private pending: string[] = [];
  private draining: Promise<void> | null = null;
  private size: number | null = null;
  private counts = { appended: 0, written: 0, dropped: 0, rotations: 0, errors: 0 };

  constructor(file: string, options: JsonlEventLogOptions = {}) {
    this.file = file;
    this.maxBytes = options.maxBytes ?? 10 * 1024 * 1024;
    this.maxFiles = Math.max(1, options.maxFiles ?? 5);
    this.onError = options.onError;
  }

  append(event: TesseraEvent): void {
    this.counts.appended++;
    let line: string;
    try {
      line = `${JSON.stringify(toRecord(event))}\n`;
    } catch (cause) {
      this.fail(new TesseraError('TESSERA_ERR_OBSERVE_EVENT_LOG', `event ${event.kind} for ${event.subject} has details that are not JSON; it was dropped`, { cause }), 1);
      return;
    }
    this.pending.push(line);
    // Started from a microtask so `draining` is always set before drain's `finally` clears it.
    if (this.draining === null) this.draining = Promise.resolve().then(() => this.drain());
  }

  /** Resolves once every event appended so far has been written (or counted as dropped). */
  async flush(): Promise<void> {
    while (this.draining !== null) await this.draining;
  }

  stats(): EventLogStats {
    return { ...this.counts };
  }

  private fail(err: TesseraError, dropped: number): void {
    this.counts.errors++;
    this.counts.dropped += dropped;
    this.onError?.(err);
  }

  private async drain(): Promise<void> {
    try {
      while (this.pending.length > 0) {
        const batch = this.pending;
        this.pending = [];
        const text = batch.join('');
        const bytes = Buffer.byteLength(text);
        try {
          if (this.size === null) {
            await mkdir(path.dirname(this.file), { recursive: true });
            this.size = await stat(this.file).then(
              (s) => s.size,
              () => 0,
            );
          }
          if (this.size > 0 && this.size + bytes > this.maxBytes) await this.rotate();
          await appendFile(this.file, text);
          this.size += bytes;
          this.counts.written += batch.length;
        } catch (cause) {
          this.size = null;
          this.fail(new TesseraError('TESSERA_ERR_OBSERVE_EVENT_LOG', `could not write ${batch.length} event(s) to ${this.file}: ${(cause as Error).message}`, { cause }), batch.length);
        }
      }
    } finally {
      this.draining = null;
    }
  }

  private async rotate(): Promise<void> {
    try {
      await rm(`${this.file}.${this.maxFiles}`, { force: true });
      for (let k = this.maxFiles - 1; k >= 1; k--) {
        await rename(`${this.file}.${k}`, `${this.file}.${k + 1}`).catch((err: NodeJS.ErrnoException) => {
          if (err.code !== 'ENOENT') throw err;
        });
      }
      await rename(this.file, `${this.file}.1`);
      this.size = 0;
      this.counts.rotations++;
    } catch (cause) {
      // Keep appending to the live file rather than lose events because rotation failed.
      this.fail(new TesseraError('TESSERA_ERR_OBSERVE_EVENT_LOG', `could not rotate ${this.file}: ${(cause as Error).message}`, { cause }), 0);
    }
  }
}

/** Parses one line of the log; undefined for a line that is not an event (a torn last line after a crash). */
export function parseEventLine(line: string): TesseraEvent | undefined {
  if (line.trim() === '') return undefined;
  try {
    const o = JSON.parse(line) as Record<string, unknown>;
    if (typeof o['timeMs'] !== 'number' || typeof o['kind'] !== 'string' || typeof o['subject'] !== 'string' || typeof o['reason'] !== 'string') return undefined;
    const event: TesseraEvent = { timeMs: o['timeMs'], kind: o['kind'], subject: o['subject'], reason: o['reason'] };
    const details = o['details'];
    return typeof details === 'object' && details !== null ? { ...event, details: details as Record<string, unknown> } : event;
  } catch {
    return undefined;
  }
}

/**
 * Reads the log and its rotated files, oldest first (`.N` … `.1`, then the live file), keeping the
 * events that match. Lines that do not parse are skipped and counted, so one torn line does not
 * hide the rest of the log.
 */
export async function readEventLog(file: string, query: EventQuery = {}): Promise<{ events: TesseraEvent[]; skippedLines: number; files: string[] }> {
  const files: string[] = [];
  for (let k = 1; k <= 1000; k++) {
    const rotated = `${file}.${k}`;
    const exists = await stat(rotated).then(
      () => true,
      () => false,
    );
    if (!exists) break;
    files.unshift(rotated);
  }
  const live = await stat(file).then(
    () => true,
    () => false,
  );
  if (live) files.push(file);
  if (files.length === 0) {
    throw new TesseraError('TESSERA_ERR_INPUT_FILE_NOT_FOUND', `there is no event log at ${file}; pass --file with the log a serve or simulate run wrote`, { details: { file } });
  }
  const events: TesseraEvent[] = [];
  let skippedLines = 0;
  for (const f of files) {
    let text: string;
    try {
      text = await readFile(f, 'utf8');
    } catch (cause) {
      throw new TesseraError('TESSERA_ERR_OBSERVE_EVENT_LOG', `could not read ${f}: ${(cause as Error).message}`, { cause });
    }
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      const e = parseEventLine(line);
      if (e === undefined) skippedLines++;
      else if (matchesEvent(e, query)) events.push(e);
    }
  }
  return { events: query.limit !== undefined ? events.slice(-query.limit) : events, skippedLines, files };
}
