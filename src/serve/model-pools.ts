import { TesseraError, type Clock, type Logger } from '../core/index.js';
import { createKeepAlivePolicy, type KeepAlivePolicy, type KeepAlivePolicyOptions, type KeepAliveStateBase } from '../policy/index.js';
import type { ServeMetrics } from '../observe/serve-metrics.js';
import type { ServiceRuntime } from './runtime/service-runtime.js';

export interface PooledModelSpec {
  name: string;
  pool: 'hot' | 'cold';
  /** Resident memory one load costs, bytes (the profile's, or an estimate). */
  memoryBytes: number;
  start: () => Promise<ServiceRuntime>;
}

export interface ModelPoolsOptions {
  models: readonly PooledModelSpec[];
  /** Memory the cold pool may hold at once; LRU eviction keeps it under this. */
  coldBudgetBytes: number;
  keepAlive?: KeepAlivePolicyOptions;
  clock: Clock;
  metrics?: ServeMetrics;
  logger?: Logger;
  /** Told whenever a model becomes resident or leaves (the repository tracks what it can serve). */
  onResident?: (runtime: ServiceRuntime) => void;
  onEvicted?: (name: string) => void;
}

interface Entry {
  spec: PooledModelSpec;
  runtime: ServiceRuntime | undefined;
  loading: Promise<ServiceRuntime> | undefined;
  lastUsedMs: number;
  /** Measured load + warm-up of the last load, ms (what pre-warm must lead by). */
  loadMs: number;
  keepAlive: KeepAliveStateBase;
}

/**
 * Hot models are loaded at start and pinned. Cold models are loaded on first request — concurrent
 * first requests share one load — and evicted least-recently-used when a load needs room under the
 * budget; the keep-alive policy (the same object the simulator runs) decides when an idle cold model
 * is unloaded and when one is loaded ahead of demand.
 */
export class ModelPools {
  private readonly entries = new Map<string, Entry>();
  private readonly policy: KeepAlivePolicy;
  private closed = false;

  constructor(private readonly o: ModelPoolsOptions) {
    this.policy = createKeepAlivePolicy(o.keepAlive ?? { policy: 'fixed' });
    const now = o.clock.nowMs();
    for (const spec of o.models) {
      this.entries.set(spec.name, { spec, runtime: undefined, loading: undefined, lastUsedMs: now, loadMs: 0, keepAlive: this.policy.initialState() });
    }
  }

  /** Loads every hot model (in parallel); a failure is reported per model, the rest still start. */
  async startHot(): Promise<Array<{ name: string; error: unknown }>> {
    const hot = [...this.entries.values()].filter((e) => e.spec.pool === 'hot');
    const results = await Promise.allSettled(hot.map((e) => this.load(e, 'startup')));
    return results.flatMap((r, i) => (r.status === 'rejected' ? [{ name: (hot[i] as Entry).spec.name, error: r.reason }] : []));
  }

  isResident(name: string): boolean {
    return this.entries.get(name)?.runtime !== undefined;
  }

  /** The resident runtime of a model, without loading it or counting a use. */
  peek(name: string): ServiceRuntime | undefined {
    return this.entries.get(name)?.runtime;
  }

  residentNames(): string[] {
    return [...this.entries.values()].filter((e) => e.runtime).map((e) => e.spec.name);
  }

  /** The runtime for a model, loading it first if it is a cold model not resident now. */
  async acquire(name: string): Promise<ServiceRuntime> {
    const e = this.entries.get(name);
    if (!e) throw new TesseraError('TESSERA_ERR_RUNTIME_NOT_READY', `model '${name}' is not served here`);
    const now = this.o.clock.nowMs();
    e.lastUsedMs = now;
    e.keepAlive = this.policy.observe(e.keepAlive, { kind: 'request', atMs: now });
    if (e.runtime) return e.runtime;
    return this.load(e, 'on-demand');
  }

  /** Runs the keep-alive policy for every cold model: unload idle ones whose time is up, pre-warm ones it predicts. */
  async tick(): Promise<void> {
    const now = this.o.clock.nowMs();
    for (const e of this.entries.values()) {
      if (e.spec.pool !== 'cold' || this.closed) continue;
      const busy = e.runtime !== undefined && (e.runtime.queueDepth > 0 || e.runtime.inflightBatches > 0);
      if (e.runtime && !busy && e.keepAlive.idleSinceMs === null) {
        e.keepAlive = this.policy.observe(e.keepAlive, { kind: 'idle', atMs: now });
      }
      const residency = e.loading ? 'loading' : e.runtime ? (busy ? 'busy' : 'idle') : 'unloaded';
      const step = this.policy.decide(e.keepAlive, { nowMs: now, residency, loadMs: e.loadMs });
      e.keepAlive = step.state;
      if (step.decision.kind === 'unload' && e.runtime && !busy) await this.unload(e);
      else if (step.decision.kind === 'load' && !e.runtime && !e.loading) void this.load(e, 'prewarm').catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.entries.values()].map(async (e) => {
      const r = e.runtime ?? (await e.loading?.catch(() => undefined));
      await r?.close();
      e.runtime = undefined;
    }));
  }

  /** Every resident model: for draining. */
  resident(): ServiceRuntime[] {
    return [...this.entries.values()].flatMap((e) => (e.runtime ? [e.runtime] : []));
  }

  private load(e: Entry, reason: 'startup' | 'on-demand' | 'prewarm'): Promise<ServiceRuntime> {
    if (e.loading) return e.loading;
    const t0 = this.o.clock.nowMs();
    e.loading = (async () => {
      if (e.spec.pool === 'cold') await this.makeRoom(e);
      const runtime = await e.spec.start();
      if (this.closed) {
        await runtime.close();
        throw new TesseraError('TESSERA_ERR_RUNTIME_CLOSED', 'the server is shutting down');
      }
      const now = this.o.clock.nowMs();
      e.runtime = runtime;
      e.loadMs = now - t0;
      e.keepAlive = this.policy.observe(e.keepAlive, { kind: 'loaded', atMs: now });
      this.o.metrics?.poolLoads.inc({ model: e.spec.name, reason });
      this.o.metrics?.poolResident.set({ model: e.spec.name, pool: e.spec.pool }, 1);
      this.o.logger?.info({ model: e.spec.name, pool: e.spec.pool, reason, loadMs: Math.round(e.loadMs) }, 'model loaded');
      this.o.onResident?.(runtime);
      return runtime;
    })();
    e.loading.then(
      () => (e.loading = undefined),
      () => (e.loading = undefined),
    );
    return e.loading;
  }

  private async unload(e: Entry): Promise<void> {
    const r = e.runtime;
    if (!r) return;
    e.runtime = undefined;
    this.o.onEvicted?.(e.spec.name);
    await r.drain();
    await r.close();
    e.keepAlive = this.policy.observe(e.keepAlive, { kind: 'unloaded', atMs: this.o.clock.nowMs() });
    this.o.metrics?.poolEvictions.inc({ model: e.spec.name });
    this.o.metrics?.poolResident.set({ model: e.spec.name, pool: e.spec.pool }, 0);
    this.o.logger?.info({ model: e.spec.name }, 'model unloaded');
  }

  /** Evicts idle cold models, least recently used first, until `incoming` fits in the budget. */
  private async makeRoom(incoming: Entry): Promise<void> {
    const cold = [...this.entries.values()].filter((x) => x.spec.pool === 'cold' && x !== incoming);
    const used = (): number => cold.filter((x) => x.runtime || x.loading).reduce((n, x) => n + x.spec.memoryBytes, 0);
    const victims = cold.filter((x) => x.runtime && x.runtime.queueDepth === 0 && x.runtime.inflightBatches === 0).sort((a, b) => a.lastUsedMs - b.lastUsedMs);
    while (used() + incoming.spec.memoryBytes > this.o.coldBudgetBytes) {
      const v = victims.shift();
      if (!v) {
        throw new TesseraError('TESSERA_ERR_RUNTIME_NOT_READY', `no room in the cold pool for '${incoming.spec.name}' (every resident model is busy); retry shortly`, { details: { retryAfterS: 1 } });
      }
      await this.unload(v);
    }
  }
}
