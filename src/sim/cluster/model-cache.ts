/** Residency of one model in a cold pool. */
export type CacheState = 'unloaded' | 'loading' | 'resident';

export interface CacheEntry {
  readonly bytes: number;
  state: CacheState;
  /** Last request for the model, ms: the LRU order. */
  lastUsedMs: number;
}

/**
 * Memory accounting and LRU victim choice for one cold pool — the bookkeeping only, no time: the
 * simulation decides when loads start and finish. A loading model holds its memory from the start
 * of the load. Victims are resident models that are not busy, least recently used first (ties: the
 * order the entries were added), and only as many as the load needs.
 */
export class ModelCache<E extends CacheEntry> {
  private used = 0;
  private peak = 0;
  private readonly entries: E[] = [];

  constructor(readonly memoryBytes: number) {}

  add(entry: E): void {
    this.entries.push(entry);
  }

  get usedBytes(): number {
    return this.used;
  }

  get peakUsedBytes(): number {
    return this.peak;
  }

  /**
   * The models to evict so that `entry` fits: [] when it fits already; undefined when it cannot fit
   * even with every idle resident model evicted (nothing is evicted in vain then).
   */
  victimsFor(entry: E, isBusy: (e: E) => boolean): E[] | undefined {
    let short = this.used + entry.bytes - this.memoryBytes;
    if (short <= 0) return [];
    const idle = this.entries.filter((e) => e !== entry && e.state === 'resident' && !isBusy(e));
    // Stable sort: equal lastUsedMs keep insertion order, so the choice replays.
    idle.sort((a, b) => a.lastUsedMs - b.lastUsedMs);
    const victims: E[] = [];
    for (const e of idle) {
      if (short <= 0) break;
      victims.push(e);
      short -= e.bytes;
    }
    return short <= 0 ? victims : undefined;
  }

  /** Marks a load started; the caller evicted `victimsFor`'s answer first. */
  reserve(entry: E): void {
    if (entry.state !== 'unloaded') throw new Error(`cannot load a model that is ${entry.state}`);
    if (this.used + entry.bytes > this.memoryBytes) throw new Error(`a load of ${entry.bytes} bytes does not fit: ${this.used} of ${this.memoryBytes} in use`);
    entry.state = 'loading';
    this.used += entry.bytes;
    if (this.used > this.peak) this.peak = this.used;
  }

  loaded(entry: E): void {
    if (entry.state !== 'loading') throw new Error(`a load finished for a model that is ${entry.state}`);
    entry.state = 'resident';
  }

  /** Unloads a resident model (eviction or keep-alive). */
  release(entry: E): void {
    if (entry.state !== 'resident') throw new Error(`cannot unload a model that is ${entry.state}`);
    entry.state = 'unloaded';
    this.used -= entry.bytes;
  }
}
