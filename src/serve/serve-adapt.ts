import { Controller, MemoryMetricsSource, RegistrySampler, checkAdaptLoopOptions, startControllerLoop, type ControllerConfigInput, type ControllerLoop, type MetricsSource, type TickReport } from '../adapt/index.js';
import type { Clock, LoadedFleet, Logger } from '../core/index.js';
import type { EventSink } from '../observe/index.js';
import type { ServeMetrics } from '../observe/serve-metrics.js';
import type { Plan } from '../plan/plan-types.js';
import type { ModelPools } from './model-pools.js';
import { ServeCluster } from './serve-cluster.js';

/** The metric families the controller reads: all the in-process sampler copies by default. */
export const ADAPT_SAMPLED_PREFIXES: readonly string[] = ['tessera_serve_', 'tessera_gpu_'];

export interface ServeAdaptOptions {
  /** Time between controller ticks. @default 10000 */
  readonly intervalMs?: number;
  /** Log and count every action, take none. @default false */
  readonly dryRun?: boolean;
  /** Where every anomaly and action is logged with its reason (`tessera events` reads the JSONL one). */
  readonly events: EventSink;
  /**
   * Where the controller reads history. Default: a `MemoryMetricsSource` that a `RegistrySampler`
   * fills from the serving registry; pass a `PrometheusMetricsSource` to read a real Prometheus.
   */
  readonly metricsSource?: MetricsSource;
  /** Sampling interval of the in-process history. @default min(5000, intervalMs) */
  readonly sampleIntervalMs?: number;
  /** Retention of the in-process history. @default 7200000 (2 h) */
  readonly retentionMs?: number;
  /** Threads all replicas may use together (ServeCluster). @default os.availableParallelism() */
  readonly threadBudget?: number;
  /** Detection, rule table, batch step and pre-scale settings (docs/adapt.md). */
  readonly controller?: ControllerConfigInput;
  /** Told about each finished tick (tests, progress). */
  readonly onTick?: (report: TickReport) => void;
}

export interface ServeAdapt {
  readonly controller: Controller;
  readonly cluster: ServeCluster;
  readonly source: MetricsSource;
  /** Present when the history is the in-process one. */
  readonly sampler: RegistrySampler | undefined;
  /** Stops the tick loop (waiting for a tick in progress) and the sampler. */
  stop(): Promise<void>;
}

export interface ServeAdaptContext {
  readonly pools: ModelPools;
  readonly plan: Plan;
  readonly loaded: LoadedFleet;
  readonly metrics: ServeMetrics;
  readonly clock: Clock;
  readonly logger: Logger;
}

/**
 * Checks the options without starting anything (TESSERA_ERR_ADAPT_CONFIG, every problem at once),
 * so `startServer` can refuse them before it binds a port or loads a model.
 */
export function checkServeAdaptOptions(o: ServeAdaptOptions): void {
  const extra: string[] = [];
  if (o.threadBudget !== undefined && !(Number.isInteger(o.threadBudget) && o.threadBudget >= 1)) extra.push(`threadBudget: must be a whole number ≥ 1, got ${o.threadBudget}`);
  checkAdaptLoopOptions(o, extra);
}

/**
 * Starts the adapt controller inside `tessera serve`: the `ServeCluster` over the running
 * runtimes, a metrics source (the process's own registry sampled into memory, or Prometheus), the
 * event log, and `startControllerLoop` on the real clock. Its tessera_adapt_* metrics register on
 * the serving registry, so `/metrics` shows them.
 */
export function startServeAdapt(ctx: ServeAdaptContext, o: ServeAdaptOptions): ServeAdapt {
  checkServeAdaptOptions(o);
  const intervalMs = o.intervalMs ?? 10_000;
  const cluster = new ServeCluster({ pools: ctx.pools, plan: ctx.plan, loaded: ctx.loaded, logger: ctx.logger, ...(o.threadBudget !== undefined ? { threadBudget: o.threadBudget } : {}) });
  let sampler: RegistrySampler | undefined;
  let source = o.metricsSource;
  if (source === undefined) {
    const memory = new MemoryMetricsSource({ clock: ctx.clock, ...(o.retentionMs !== undefined ? { retentionMs: o.retentionMs } : {}) });
    sampler = new RegistrySampler({ registry: ctx.metrics.registry, target: memory, clock: ctx.clock, intervalMs: o.sampleIntervalMs ?? Math.min(5000, intervalMs), include: ADAPT_SAMPLED_PREFIXES, logger: ctx.logger });
    source = memory;
  }
  // Built (and its options checked) before anything starts, so a bad option leaves no timer behind.
  const controller = new Controller({ ...o.controller, ...(o.dryRun !== undefined ? { dryRun: o.dryRun } : {}), cluster, metrics: source, events: o.events, logger: ctx.logger, registry: ctx.metrics.registry });
  sampler?.start();
  const loop: ControllerLoop = startControllerLoop(controller, {
    intervalMs,
    clock: ctx.clock,
    onTick: (report) => {
      if (report.actions.length > 0 || report.errors.length > 0) {
        ctx.logger.info({ actions: report.actions.map((a) => `${a.action} ${a.subject}${a.dryRun ? ' (dry run)' : ''}`), errors: report.errors.map((e) => `${e.step}: ${e.code}`) }, 'adapt tick');
      }
      o.onTick?.(report);
    },
  });
  ctx.logger.info({ intervalMs, dryRun: controller.config.dryRun, history: sampler === undefined ? 'metrics source given' : 'in-process registry', threadBudget: cluster.threadBudget }, 'adapt controller started');
  let stopped: Promise<void> | undefined;
  return {
    controller,
    cluster,
    source,
    sampler,
    stop: () => {
      stopped ??= (async () => {
        await loop.stop();
        await sampler?.stop();
      })();
      return stopped;
    },
  };
}
