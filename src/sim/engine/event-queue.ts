/**
 * The pending-event set of the engine: a binary min-heap ordered by (time, insertion sequence).
 *
 * Why this shape: a simulated day is tens of millions of events, so the hot path must not
 * allocate. Every event lives in a numbered slot (parallel typed arrays plus one array of handler
 * references); the heap holds slot numbers with their keys copied beside them so that sifting
 * compares adjacent memory instead of chasing slot indices. Slots are recycled through a free
 * stack. The sequence number breaks ties between events at the same instant in the order they
 * were scheduled, which is what makes a run repeatable for a seed.
 *
 * An event id packs the slot with a per-slot generation, so cancelling an id whose event already
 * fired (and whose slot now holds a different event) is a harmless no-op rather than a wrong
 * cancellation.
 */

/** Most events that may be pending at once (the slot part of an id). */
export const MAX_PENDING_EVENTS = 1 << 24;
const GEN_LIMIT = 1 << 29;

export class EventQueue<H> {
  // Heap, by position.
  private heapTimeMs: Float64Array;
  private heapSeq: Float64Array;
  private heapSlot: Int32Array;
  private heapSize = 0;

  // Slots, by slot number.
  private slotPos: Int32Array;
  private slotGen: Int32Array;
  private slotKind: Int32Array;
  private slotArg: Float64Array;
  private readonly slotHandler: (H | null)[] = [];
  private freeSlots: Int32Array;
  private freeCount = 0;
  private slotsUsed = 0;
  private capacity: number;
  private nextSeq = 0;

  /** Kind, argument and handler of the event `pop` returned last (read them before the next call). */
  poppedKind = 0;
  poppedArg = 0;
  poppedHandler: H | null = null;

  constructor(initialCapacity = 1024) {
    const cap = Math.max(16, initialCapacity | 0);
    this.capacity = cap;
    this.heapTimeMs = new Float64Array(cap);
    this.heapSeq = new Float64Array(cap);
    this.heapSlot = new Int32Array(cap);
    this.slotPos = new Int32Array(cap).fill(-1);
    this.slotGen = new Int32Array(cap);
    this.slotKind = new Int32Array(cap);
    this.slotArg = new Float64Array(cap);
    this.freeSlots = new Int32Array(cap);
  }

  get size(): number {
    return this.heapSize;
  }

  /** Time of the earliest pending event, or +Infinity when none is pending. */
  peekTimeMs(): number {
    return this.heapSize === 0 ? Number.POSITIVE_INFINITY : (this.heapTimeMs[0] as number);
  }

  /** Adds an event; returns its id. */
  push(timeMs: number, handler: H, kind: number, arg: number): number {
    let slot: number;
    if (this.freeCount > 0) {
      slot = this.freeSlots[--this.freeCount] as number;
    } else {
      if (this.slotsUsed === this.capacity) this.grow();
      slot = this.slotsUsed++;
    }
    this.slotKind[slot] = kind;
    this.slotArg[slot] = arg;
    this.slotHandler[slot] = handler;
    const seq = this.nextSeq++;
    this.siftUp(this.heapSize++, timeMs, seq, slot);
    return (this.slotGen[slot] as number) * MAX_PENDING_EVENTS + slot;
  }

  /**
   * Removes the earliest event and returns its time (its kind, argument and handler are left in
   * `popped*`); +Infinity when the queue is empty.
   */
  pop(): number {
    const n = this.heapSize;
    if (n === 0) return Number.POSITIVE_INFINITY;
    const timeMs = this.heapTimeMs[0] as number;
    const slot = this.heapSlot[0] as number;
    this.poppedKind = this.slotKind[slot] as number;
    this.poppedArg = this.slotArg[slot] as number;
    this.poppedHandler = this.slotHandler[slot] as H;
    this.release(slot);
    const last = n - 1;
    this.heapSize = last;
    if (last > 0) {
      this.siftDown(0, this.heapTimeMs[last] as number, this.heapSeq[last] as number, this.heapSlot[last] as number);
    }
    return timeMs;
  }

  /** Removes a pending event; false when the id is unknown, already fired or already cancelled. */
  cancel(id: number): boolean {
    if (!Number.isInteger(id) || id < 0) return false;
    const slot = id % MAX_PENDING_EVENTS;
    const gen = (id - slot) / MAX_PENDING_EVENTS;
    if (slot >= this.slotsUsed || this.slotGen[slot] !== gen) return false;
    const pos = this.slotPos[slot] as number;
    if (pos < 0) return false;
    this.release(slot);
    const last = --this.heapSize;
    if (pos === last) return true;
    const t = this.heapTimeMs[last] as number;
    const s = this.heapSeq[last] as number;
    const sl = this.heapSlot[last] as number;
    // The moved element may belong above or below the hole.
    const parent = (pos - 1) >> 1;
    if (pos > 0 && less(t, s, this.heapTimeMs[parent] as number, this.heapSeq[parent] as number)) {
      this.siftUp(pos, t, s, sl);
    } else {
      this.siftDown(pos, t, s, sl);
    }
    return true;
  }

  /** Time of a pending event, or undefined when the id is not pending. */
  timeOf(id: number): number | undefined {
    if (!Number.isInteger(id) || id < 0) return undefined;
    const slot = id % MAX_PENDING_EVENTS;
    const gen = (id - slot) / MAX_PENDING_EVENTS;
    if (slot >= this.slotsUsed || this.slotGen[slot] !== gen) return undefined;
    const pos = this.slotPos[slot] as number;
    return pos < 0 ? undefined : (this.heapTimeMs[pos] as number);
  }

  clear(): void {
    while (this.heapSize > 0) this.release(this.heapSlot[--this.heapSize] as number);
  }

  private release(slot: number): void {
    this.slotPos[slot] = -1;
    this.slotGen[slot] = ((this.slotGen[slot] as number) + 1) % GEN_LIMIT;
    // Drop the reference so a fired closure or finished object can be collected.
    this.slotHandler[slot] = null;
    this.freeSlots[this.freeCount++] = slot;
  }

  private siftUp(pos: number, t: number, s: number, slot: number): void {
    const ht = this.heapTimeMs;
    const hs = this.heapSeq;
    const hl = this.heapSlot;
    const sp = this.slotPos;
    while (pos > 0) {
      const parent = (pos - 1) >> 1;
      const pt = ht[parent] as number;
      if (pt < t || (pt === t && (hs[parent] as number) < s)) break;
      ht[pos] = pt;
      hs[pos] = hs[parent] as number;
      const ps = hl[parent] as number;
      hl[pos] = ps;
      sp[ps] = pos;
      pos = parent;
    }
    ht[pos] = t;
    hs[pos] = s;
    hl[pos] = slot;
    sp[slot] = pos;
  }

  private siftDown(pos: number, t: number, s: number, slot: number): void {
    const ht = this.heapTimeMs;
    const hs = this.heapSeq;
    const hl = this.heapSlot;
    const sp = this.slotPos;
    const n = this.heapSize;
    for (;;) {
      let child = 2 * pos + 1;
      if (child >= n) break;
      let ct = ht[child] as number;
      let cs = hs[child] as number;
      const right = child + 1;
      if (right < n) {
        const rt = ht[right] as number;
        const rs = hs[right] as number;
        if (rt < ct || (rt === ct && rs < cs)) {
          child = right;
          ct = rt;
          cs = rs;
        }
      }
      if (t < ct || (t === ct && s < cs)) break;
      ht[pos] = ct;
      hs[pos] = cs;
      const cl = hl[child] as number;
      hl[pos] = cl;
      sp[cl] = pos;
      pos = child;
    }
    ht[pos] = t;
    hs[pos] = s;
    hl[pos] = slot;
    sp[slot] = pos;
  }

  private grow(): void {
    if (this.capacity >= MAX_PENDING_EVENTS) {
      throw new RangeError(`more than ${MAX_PENDING_EVENTS} events pending at once; the model is scheduling without bound`);
    }
    const cap = Math.min(MAX_PENDING_EVENTS, this.capacity * 2);
    this.heapTimeMs = growF64(this.heapTimeMs, cap);
    this.heapSeq = growF64(this.heapSeq, cap);
    this.heapSlot = growI32(this.heapSlot, cap);
    const pos = new Int32Array(cap).fill(-1);
    pos.set(this.slotPos);
    this.slotPos = pos;
    this.slotGen = growI32(this.slotGen, cap);
    this.slotKind = growI32(this.slotKind, cap);
    this.slotArg = growF64(this.slotArg, cap);
    this.freeSlots = growI32(this.freeSlots, cap);
    this.capacity = cap;
  }
}

function less(t1: number, s1: number, t2: number, s2: number): boolean {
  return t1 < t2 || (t1 === t2 && s1 < s2);
}

function growF64(a: Float64Array, cap: number): Float64Array {
  const b = new Float64Array(cap);
  b.set(a);
  return b;
}

function growI32(a: Int32Array, cap: number): Int32Array {
  const b = new Int32Array(cap);
  b.set(a);
  return b;
}
