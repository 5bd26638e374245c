import type { BatchDecision, QueuedRequest } from './types.js';

/** Items a request contributes; a malformed 0 counts as 1, as in Triton (`max(1, BatchSize())`). */
export function itemsOf(request: QueuedRequest): number {
  return request.items >= 1 ? request.items : 1;
}

export interface Prefix {
  readonly requests: number;
  readonly items: number;
  /** True when `head` has a request after the prefix (the batch could not take it). */
  readonly more: boolean;
}

/**
 * The longest run of requests from the front whose items fit in `maxItems`. The oldest request is
 * always taken, even alone over the limit: it was admitted, and leaving it would starve the queue
 * (the loop splits or refuses oversize requests at admission).
 */
export function takePrefix(head: readonly QueuedRequest[], maxItems: number): Prefix {
  let requests = 0;
  let items = 0;
  for (const r of head) {
    const n = itemsOf(r);
    if (requests > 0 && items + n > maxItems) break;
    requests += 1;
    items += n;
  }
  return { requests, items, more: requests < head.length };
}

/** Items in `head`, stopping once `cap` is passed (policies never need to count further). */
export function itemsUpTo(head: readonly QueuedRequest[], cap: number): number {
  let items = 0;
  for (const r of head) {
    items += itemsOf(r);
    if (items > cap) break;
  }
  return items;
}

export function dispatchOf(prefix: Prefix): BatchDecision {
  return { kind: 'dispatch', requests: prefix.requests, items: prefix.items };
}

export const IDLE: BatchDecision = Object.freeze({ kind: 'idle' });

/**
 * The deadline a policy steers by for one request: its own, or `arrivalMs + sloMs` (Clipper keys
 * its queue on arrival + latency SLO the same way).
 */
export function deadlineOf(request: QueuedRequest, sloMs: number): number {
  return request.deadlineMs ?? request.arrivalMs + sloMs;
}

/**
 * Builds a snapshot `head` from a whole queue without copying more than a policy can use: the
 * shortest prefix whose items exceed `maxBatchSize` (or the whole queue when it is shorter).
 */
export function queueHead<T extends QueuedRequest>(queue: readonly T[], maxBatchSize: number): readonly T[] {
  let items = 0;
  for (let i = 0; i < queue.length; i++) {
    items += itemsOf(queue[i] as T);
    if (items > maxBatchSize) return queue.slice(0, i + 1);
  }
  return queue;
}
