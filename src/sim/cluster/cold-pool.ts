import type { KeepAlivePolicy, Residency } from '../../policy/index.js';
import type { EventId, SimEngine } from '../engine/engine.js';
import { KeepAliveLoop } from './keep-alive-loop.js';
import { ModelCache, type CacheEntry } from './model-cache.js';
import type { SimReplica, SimService } from './sim-state.js';

/**
 * One cold-pool model: a service's model on one pool slice. Two services of the same model are two
 * entries, as in the runtime's ModelPools (keyed by service) and in the planner's Che approximation
 * (one request stream per service).
 */
export interface PoolEntry extends CacheEntry {
  readonly service: SimService;
  readonly pool: ColdPool;
  /** Load + warm-up, ms. */
  readonly loadMs: number;
  /** The service's replicas on this slice (a scale-up adds clones here). */
  readonly replicas: SimReplica[];
  /** Had queued or running work since it last went idle: an `idle` event is due when that ends. */
  active: boolean;
  residentSinceMs: number;
  residentMs: number;
  loadEventId: EventId | undefined;
  coldStarts: number;
  prewarms: number;
  evictions: number;
  unloads: number;
  refused: number;
  keepAlive: KeepAliveLoop | undefined;
}

export interface ColdPoolHooks {
  /** A load finished: the replicas may dispatch what waited for it. */
  onResident(entry: PoolEntry, nowMs: number): void;
}

/**
 * A cold pool in virtual time: models load on demand (load + warm-up from the performance model),
 * concurrent requests wait for the same load, and a load that does not fit evicts idle models,
 * least recently used first (ModelCache). When no idle model can make room the request is refused,
 * as the runtime's ModelPools refuses it (503, retry) — it does not wait. A keep-alive policy, when
 * given, runs one loop per entry: it may unload an idle model and pre-warm one; a pre-warm evicts
 * like a demand load (the runtime's does too), and is skipped when nothing can make room.
 */
export class ColdPool {
  readonly cache: ModelCache<PoolEntry>;
  readonly entries: PoolEntry[] = [];
  private byteMs = 0;
  private usedAtMs: number;
  private readonly busyFn = (e: PoolEntry): boolean => this.isBusy(e);

  constructor(
    readonly slice: string,
    readonly memoryBytes: number,
    private readonly engine: SimEngine,
    private readonly hooks: ColdPoolHooks,
  ) {
    this.cache = new ModelCache<PoolEntry>(memoryBytes);
    this.usedAtMs = engine.nowMs;
  }

  addEntry(service: SimService, loadMs: number, bytes: number, policy: KeepAlivePolicy | undefined): PoolEntry {
    const entry: PoolEntry = {
      service,
      pool: this,
      bytes,
      loadMs,
      state: 'unloaded',
      lastUsedMs: Number.NEGATIVE_INFINITY,
      replicas: [],
      active: false,
      residentSinceMs: 0,
      residentMs: 0,
      loadEventId: undefined,
      coldStarts: 0,
      prewarms: 0,
      evictions: 0,
      unloads: 0,
      refused: 0,
      keepAlive: undefined,
    };
    if (policy !== undefined) {
      entry.keepAlive = new KeepAliveLoop(policy, this.engine, {
        residency: () => this.residency(entry),
        prewarm: (now) => this.load(entry, now, 'prewarm'),
        unload: (now) => this.unload(entry, now, 'keep-alive'),
      }, loadMs);
    }
    this.cache.add(entry);
    this.entries.push(entry);
    return entry;
  }

  /** Queued or running work: such a model is never evicted or unloaded. */
  isBusy(e: PoolEntry): boolean {
    if (e.service.queuedItems > 0) return true;
    for (const r of e.replicas) if (r.busy > 0) return true;
    return false;
  }

  residency(e: PoolEntry): Residency {
    if (e.state === 'unloaded') return 'unloaded';
    if (e.state === 'loading') return 'loading';
    return this.isBusy(e) ? 'busy' : 'idle';
  }

  /**
   * A request for the entry's service arrived: it counts for LRU and the keep-alive policy, and an
   * unloaded model starts loading (a cold start). False when there is no room: refuse it.
   */
  request(e: PoolEntry, nowMs: number): boolean {
    e.lastUsedMs = nowMs;
    e.keepAlive?.observe('request', nowMs);
    if (e.state !== 'unloaded') return true;
    return this.load(e, nowMs, 'demand');
  }

  /** After the request was queued or refused: the model's work changed; let its policy decide. */
  afterRequest(e: PoolEntry, nowMs: number): void {
    if (this.isBusy(e)) e.active = true;
    e.keepAlive?.decide(nowMs);
  }

  /** After a batch finished or failed: a resident model left with no work starts an idle period. */
  activityChanged(e: PoolEntry, nowMs: number): void {
    if (e.state !== 'resident') return;
    if (this.isBusy(e)) {
      e.active = true;
      return;
    }
    if (!e.active) return;
    e.active = false;
    e.keepAlive?.observe('idle', nowMs);
    e.keepAlive?.decide(nowMs);
  }

  /** Starts a load, evicting LRU idle models as needed; false (and nothing evicted) when it cannot fit. */
  load(e: PoolEntry, nowMs: number, kind: 'demand' | 'prewarm'): boolean {
    const victims = this.cache.victimsFor(e, this.busyFn);
    if (victims === undefined) return false;
    for (const v of victims) this.unload(v, nowMs, 'evict');
    this.accrue(nowMs);
    this.cache.reserve(e);
    e.residentSinceMs = nowMs;
    if (kind === 'demand') {
      e.coldStarts++;
      e.service.coldStarts++;
    } else e.prewarms++;
    e.loadEventId = this.engine.at(nowMs + e.loadMs, (eng) => this.loadDone(e, eng.nowMs));
    // An evicted model's policy decides after this event, not inside it (no re-entrant loads).
    for (const v of victims) if (v.keepAlive !== undefined) this.engine.at(nowMs, (eng) => v.keepAlive?.decide(eng.nowMs));
    return true;
  }

  unload(e: PoolEntry, nowMs: number, reason: 'evict' | 'keep-alive'): void {
    this.accrue(nowMs);
    this.cache.release(e);
    e.residentMs += nowMs - e.residentSinceMs;
    e.active = false;
    if (reason === 'evict') e.evictions++;
    else e.unloads++;
    e.keepAlive?.observe('unloaded', nowMs);
  }

  /** Model-time resident up to `nowMs`, ms. */
  residentMsOf(e: PoolEntry, nowMs: number): number {
    return e.residentMs + (e.state === 'unloaded' ? 0 : nowMs - e.residentSinceMs);
  }

  /** Time-weighted mean memory held over [0, nowMs], bytes. */
  meanUsedBytes(nowMs: number): number {
    const area = this.byteMs + this.cache.usedBytes * (nowMs - this.usedAtMs);
    return nowMs > 0 ? area / nowMs : this.cache.usedBytes;
  }

  private loadDone(e: PoolEntry, nowMs: number): void {
    e.loadEventId = undefined;
    this.cache.loaded(e);
    e.keepAlive?.observe('loaded', nowMs);
    this.hooks.onResident(e, nowMs);
    e.active = this.isBusy(e);
    e.keepAlive?.decide(nowMs);
  }

  private accrue(nowMs: number): void {
    this.byteMs += this.cache.usedBytes * (nowMs - this.usedAtMs);
    this.usedAtMs = nowMs;
  }
}
