import type { HostTensor } from './host-tensor.js';

/** A request accepted into a model queue; settled exactly once by the batch loop or by expiry. */
export interface QueuedRequest<R = unknown> {
  feeds: Record<string, HostTensor>;
  /** Items along the batch axis (a client may send several in one request). */
  items: number;
  /** Requests are only batched with others of the same key: non-batch shapes and unbatched values. */
  shapeKey: string;
  arrivalMs: number;
  /** When the response is due by the service's SLO; batching policies steer by it. */
  deadlineMs: number;
  /** Past this the request is failed with a timeout rather than run late (the per-request timeout). */
  expiresAtMs: number;
  resolve: (value: R) => void;
  reject: (err: unknown) => void;
}

/**
 * A bounded FIFO of requests for one model. Bounded in items, not requests, because items are
 * what costs memory and compute; the gateway refuses (429) when it is full instead of growing.
 */
export class ModelQueue<R = unknown> {
  private q: QueuedRequest<R>[] = [];
  private itemCount = 0;
  /** No queued request expires before this (a lower bound: removals leave it as it was). */
  private earliestExpiryMs = Number.POSITIVE_INFINITY;

  constructor(readonly maxItems: number) {}

  get length(): number {
    return this.q.length;
  }

  get items(): number {
    return this.itemCount;
  }

  oldest(): QueuedRequest<R> | undefined {
    return this.q[0];
  }

  /** Adds a request unless that would exceed the item bound. */
  offer(req: QueuedRequest<R>): boolean {
    if (this.itemCount + req.items > this.maxItems) return false;
    this.q.push(req);
    this.itemCount += req.items;
    if (req.expiresAtMs < this.earliestExpiryMs) this.earliestExpiryMs = req.expiresAtMs;
    return true;
  }

  /**
   * The requests that may share a batch with the oldest (same shape key), in arrival order, up to
   * the first one that takes the item count past `maxItems` — all a batching policy ever looks at.
   */
  compatibleHead(maxItems: number): QueuedRequest<R>[] {
    const first = this.q[0];
    if (!first) return [];
    const head: QueuedRequest<R>[] = [];
    let items = 0;
    for (const r of this.q) {
      if (r.shapeKey !== first.shapeKey) continue;
      head.push(r);
      items += r.items;
      if (items > maxItems) break;
    }
    return head;
  }

  /** Removes the given requests (a batch the policy chose from `compatibleHead`). */
  remove(batch: readonly QueuedRequest<R>[]): void {
    for (const r of batch) this.itemCount -= r.items;
    // Usually the batch is the front of the queue (one shape): cut it off without a scan.
    let prefix = batch.length <= this.q.length;
    for (let i = 0; prefix && i < batch.length; i++) prefix = this.q[i] === batch[i];
    if (prefix) {
      this.q.splice(0, batch.length);
      return;
    }
    const chosen = new Set(batch);
    this.q = this.q.filter((r) => !chosen.has(r));
  }

  /** Removes and returns every request whose `expiresAtMs` has passed. */
  expire(nowMs: number): QueuedRequest<R>[] {
    // Called on every pump of every replica: skip the scan while nothing can have expired.
    if (nowMs < this.earliestExpiryMs) return [];
    const expired: QueuedRequest<R>[] = [];
    const keep: QueuedRequest<R>[] = [];
    let earliest = Number.POSITIVE_INFINITY;
    for (const r of this.q) {
      if (r.expiresAtMs <= nowMs) expired.push(r);
      else {
        keep.push(r);
        if (r.expiresAtMs < earliest) earliest = r.expiresAtMs;
      }
    }
    this.earliestExpiryMs = earliest;
    if (expired.length === 0) return expired;
    this.q = keep;
    for (const r of expired) this.itemCount -= r.items;
    return expired;
  }

  /** Empties the queue (shutdown): the caller settles what it gets back. */
  drain(): QueuedRequest<R>[] {
    const all = this.q;
    this.q = [];
    this.itemCount = 0;
    this.earliestExpiryMs = Number.POSITIVE_INFINITY;
    return all;
  }
}
