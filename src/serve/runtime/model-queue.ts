import type { HostTensor } from './host-tensor.js';

/** A request accepted into a model queue; settled exactly once by the batch loop or by expiry. */
export interface QueuedRequest<R = unknown> {
  feeds: Record<string, HostTensor>;
  /** Items along the batch axis (a client may send several in one request). */
  items: number;
  /** Requests are only batched with others of the same key: non-batch shapes and unbatched values. */
  shapeKey: string;
  arrivalMs: number;
  /** Past this the request is failed with a timeout rather than run late. */
  deadlineMs: number;
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

  /** Items that could go in one batch with the oldest request (same shape), in queue order. */
  itemsCompatibleWithOldest(limit: number): number {
    const first = this.oldest();
    if (!first) return 0;
    let n = 0;
    for (let i = 0; i < this.q.length && n < limit; i++) {
      const r = this.q[i] as QueuedRequest<R>;
      if (r.shapeKey === first.shapeKey) n += r.items;
    }
    return Math.min(n, limit);
  }

  /** Adds a request unless that would exceed the item bound. */
  offer(req: QueuedRequest<R>): boolean {
    if (this.itemCount + req.items > this.maxItems) return false;
    this.q.push(req);
    this.itemCount += req.items;
    return true;
  }

  /**
   * Takes the oldest request and, in order, later ones with its shape, while the total stays within
   * `maxItems`. The oldest is always taken (even if it alone exceeds maxItems: it was admitted).
   */
  takeBatch(maxItems: number): QueuedRequest<R>[] {
    const first = this.oldest();
    if (!first) return [];
    const taken: QueuedRequest<R>[] = [first];
    let total = first.items;
    const keep: QueuedRequest<R>[] = [];
    for (let i = 1; i < this.q.length; i++) {
      const r = this.q[i] as QueuedRequest<R>;
      if (r.shapeKey === first.shapeKey && total + r.items <= maxItems) {
        taken.push(r);
        total += r.items;
      } else keep.push(r);
    }
    this.q = keep;
    this.itemCount -= total;
    return taken;
  }

  /** Removes and returns every request whose deadline has passed. */
  expire(nowMs: number): QueuedRequest<R>[] {
    const expired: QueuedRequest<R>[] = [];
    const keep: QueuedRequest<R>[] = [];
    for (const r of this.q) {
      if (r.deadlineMs <= nowMs) expired.push(r);
      else keep.push(r);
    }
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
    return all;
  }
}
