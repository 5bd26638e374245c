import type { TesseraEvent } from './types.js';

export interface EventQuery {
  /** Events at or after this time (ms). */
  readonly sinceMs?: number;
  /** Events before this time (ms). */
  readonly untilMs?: number;
  /** Kinds to keep: exact (`remediation.restart`) or a prefix ending in `*` (`remediation.*`). */
  readonly kinds?: readonly string[];
  /** Keep events whose subject is this or starts with it followed by `/` (`service/ocr` keeps `service/ocr/replica-0`). */
  readonly subject?: string;
  /** Keep only the newest N matches. */
  readonly limit?: number;
}

function kindMatches(kind: string, patterns: readonly string[]): boolean {
  return patterns.some((p) => (p.endsWith('*') ? kind.startsWith(p.slice(0, -1)) : kind === p));
}

export function matchesEvent(e: TesseraEvent, q: EventQuery): boolean {
  if (q.sinceMs !== undefined && !(e.timeMs >= q.sinceMs)) return false;
  if (q.untilMs !== undefined && !(e.timeMs < q.untilMs)) return false;
  if (q.kinds !== undefined && q.kinds.length > 0 && !kindMatches(e.kind, q.kinds)) return false;
  if (q.subject !== undefined && e.subject !== q.subject && !e.subject.startsWith(`${q.subject}/`)) return false;
  return true;
}
