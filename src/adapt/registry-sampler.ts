import type { Registry } from 'prom-client';
import { RealClock, type Clock } from '../core/clock.js';
import { toTesseraError } from '../core/errors/index.js';
import type { Logger } from '../core/logger.js';
import type { MemoryMetricsSource } from './memory-metrics-source.js';

export interface RegistrySamplerOptions {
  readonly registry: Registry;
  readonly target: MemoryMetricsSource;
  /** Time between samples (what a Prometheus scrape interval would be). @default 5000 */
  readonly intervalMs?: number;
  /** Stamps each sample. @default RealClock */
  readonly clock?: Clock;
  /**
   * Which metric families to copy: name prefixes, or a predicate. Copying only what the controller
   * reads keeps the store small (a histogram is one series per bucket). @default every family
   */
  readonly include?: readonly string[] | ((family: string) => boolean);
  readonly logger?: Logger;
}

/** One family as prom-client's `getMetricsAsJSON()` returns it (only the fields read here). */
interface JsonFamily {
  readonly name: string;
  readonly values: ReadonlyArray<{ readonly value: number; readonly labels: Readonly<Record<string, string | number>>; readonly metricName?: string }>;
}

/**
 * Copies a prom-client registry into a `MemoryMetricsSource` every `intervalMs`, stamped with the
 * clock — the in-process counterpart of a Prometheus scrape, so `tessera serve`'s own metrics
 * become the controller's history without a Prometheus server. Histograms arrive as their
 * `_bucket` (with `le`), `_sum` and `_count` series, counters and gauges as their values.
 * A failed sample is logged and counted; the timer goes on.
 */
export class RegistrySampler {
  private readonly intervalMs: number;
  private readonly clock: Clock;
  private readonly include: (family: string) => boolean;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;
  private counts = { samples: 0, added: 0, refused: 0, errors: 0 };

  constructor(private readonly o: RegistrySamplerOptions) {
    this.intervalMs = o.intervalMs ?? 5000;
    if (!(this.intervalMs > 0)) throw new RangeError(`RegistrySampler intervalMs must be > 0, got ${this.intervalMs}`);
    this.clock = o.clock ?? new RealClock();
    const inc = o.include;
    this.include = inc === undefined ? () => true : typeof inc === 'function' ? inc : (name) => inc.some((p) => name.startsWith(p));
  }

  /** Reads the registry once and adds every sample at the clock's now; resolves with how many were added. */
  async sampleOnce(): Promise<number> {
    const families = (await this.o.registry.getMetricsAsJSON()) as unknown as readonly JsonFamily[];
    const nowMs = this.clock.nowMs();
    let added = 0;
    for (const family of families) {
      if (!this.include(family.name)) continue;
      for (const v of family.values) {
        const labels: Record<string, string> = {};
        // prom-client gives `le` as a number (and '+Inf'); the store keeps label values as text.
        for (const [k, x] of Object.entries(v.labels)) labels[k] = typeof x === 'number' ? String(x) : x;
        if (this.o.target.add(v.metricName ?? family.name, labels, v.value, nowMs)) added++;
        else this.counts.refused++;
      }
    }
    this.counts.samples++;
    this.counts.added += added;
    return added;
  }

  /** Samples now and then every `intervalMs` until `stop()`; samples never overlap. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    const run = (): void => {
      this.running = this.sampleOnce()
        .then(() => undefined)
        .catch((err: unknown) => {
          this.counts.errors++;
          const e = toTesseraError(err);
          this.o.logger?.warn({ code: e.code, err: e.message }, 'registry sample failed; sampling goes on');
        })
        .finally(() => {
          this.running = undefined;
          if (!this.stopped) {
            this.timer = setTimeout(run, this.intervalMs);
            // The sampler alone must not keep a process alive.
            this.timer.unref();
          }
        });
    };
    run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  stats(): { readonly samples: number; readonly added: number; readonly refused: number; readonly errors: number } {
    return { ...this.counts };
  }
}
