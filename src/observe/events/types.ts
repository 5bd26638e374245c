/**
 * The event log: one record per decision or action (a remediation, a pre-warm, a re-plan, an
 * anomaly), with the reason it was taken. Writers take the time from the event itself, so the
 * controller logs the same way under the simulator's virtual clock and the runtime's real one.
 */

export interface TesseraEvent {
  /** When it happened: ms since the epoch under the real clock, since the run started under a virtual one. */
  readonly timeMs: number;
  /** Dotted kind, area first: `remediation.restart`, `prewarm.load`, `anomaly.detected`, `plan.replan`. */
  readonly kind: string;
  /** What it is about: `service/ocr`, `replica/ocr-0`, `gpu/0/gi/3`. */
  readonly subject: string;
  /** Why, in words a person reading the log understands. */
  readonly reason: string;
  /** Structured context (thresholds, scores, ids); JSON-serialisable. */
  readonly details?: Readonly<Record<string, unknown>>;
}

/**
 * Where a component writes events. `append` never throws and never waits: a control loop must not
 * stop or stall because its log cannot be written (failures are counted by the writer instead).
 */
export interface EventSink {
  append(event: TesseraEvent): void;
}

/** One line of the JSON Lines file: the event plus its time as ISO-8601 for people and tools. */
export interface EventRecord extends TesseraEvent {
  readonly time: string;
}

export function toRecord(event: TesseraEvent): EventRecord {
  const time = Number.isFinite(event.timeMs) ? new Date(event.timeMs).toISOString() : '';
  const base = { time, timeMs: event.timeMs, kind: event.kind, subject: event.subject, reason: event.reason };
  return event.details === undefined ? base : { ...base, details: event.details };
}
