import type { Registry } from 'prom-client';
import { Controller, MemoryMetricsSource, checkAdaptLoopOptions, type AdaptAnomalyKind, type ControllerAction, type ControllerConfigInput, type ControllerStep, type LimitVerdict, type TickReport } from '../../adapt/index.js';
import type { Clock, Logger } from '../../core/index.js';
import type { EventSink } from '../../observe/index.js';
import { ClusterSimulation } from './cluster-simulation.js';
import { simulationCluster } from './cluster-port.js';
import { toServeMetricSamples } from './latency-counters.js';
import type { SimulatePlanOptions } from './options.js';
import type { SimulationResult } from './result-types.js';

/**
 * The controller's settings inside a simulation. The names mirror `ServeAdaptOptions`
 * (src/serve/serve-adapt.ts) so one configuration reads the same in `tessera serve --adapt` and
 * `tessera simulate --adapt`; every time here is virtual.
 */
export interface SimAdaptOptions {
  /** Virtual time between controller ticks. @default 10000 */
  readonly intervalMs?: number;
  /**
   * Virtual time between two copies of the simulation's counters into the metrics store — the
   * scrape interval of the Prometheus the controller would read (its default is 15 s). The store
   * is also fed at every tick, so a tick always sees the counters of its own instant.
   * @default 15000
   */
  readonly sampleIntervalMs?: number;
  /** Retention of the metrics store (the controller's history). @default 7200000 (2 h) */
  readonly retentionMs?: number;
  /**
   * Samples the store keeps per series (MemoryMetricsSource's bound). A pre-scale reading a day of
   * history needs more than the default at a 10 s tick and 15 s samples (≈ 11,500 a day).
   * @default 8192
   */
  readonly maxSamplesPerSeries?: number;
  /** Log and count every action, take none. @default false */
  readonly dryRun?: boolean;
  /** Where every anomaly and action is logged with its reason; event times are virtual ms. @default discarded */
  readonly events?: EventSink;
  /** Detection, rule table, batch step and pre-scale settings (docs/adapt.md). */
  readonly controller?: ControllerConfigInput;
  readonly logger?: Logger;
  /** Where the tessera_adapt_* metrics register. @default a fresh registry */
  readonly registry?: Registry;
  /** Only times the steps (in `onTick` reports); decisions use virtual time. @default RealClock */
  readonly durationClock?: Clock;
  /** Told about each finished tick (progress, benches that want the pre-scale decisions). */
  readonly onTick?: (report: TickReport) => void;
}

export interface SimulateWithControllerOptions extends SimulatePlanOptions {
  readonly adapt?: SimAdaptOptions;
}

/** One action the controller took (or, in dry-run, would have taken), at a virtual time. */
export interface SimAdaptAction {
  readonly timeMs: number;
  readonly action: ControllerAction;
  readonly subject: string;
  readonly reason: string;
  readonly dryRun: boolean;
}

export interface SimAdaptError {
  readonly timeMs: number;
  readonly step: ControllerStep;
  readonly code: string;
  readonly message: string;
}

/** What the controller did over the run. Deterministic for a seed: nothing here is wall-clock. */
export interface SimAdaptReport {
  readonly ticks: number;
  readonly intervalMs: number;
  readonly sampleIntervalMs: number;
  readonly dryRun: boolean;
  /** In time order. */
  readonly actions: readonly SimAdaptAction[];
  /** Anomalies counted at onset (a breach lasting ten ticks counts once), by kind. */
  readonly anomalies: Readonly<Partial<Record<AdaptAnomalyKind, number>>>;
  /** Ticks on which each kind of anomaly was seen (on any subject). */
  readonly anomalyTicks: Readonly<Partial<Record<AdaptAnomalyKind, number>>>;
  /** Actions a rule asked for but a cooldown or rate limit held back, by verdict. */
  readonly suppressed: Readonly<Partial<Record<Exclude<LimitVerdict, 'ok'>, number>>>;
  /** Step failures (the loop went on); the first `MAX_REPORTED_ERRORS`, `errorCount` counts all. */
  readonly errors: readonly SimAdaptError[];
  readonly errorCount: number;
  /** Desired replicas per service at the start, at the end and at most during the run. */
  readonly replicas: Readonly<Record<string, { readonly initial: number; readonly final: number; readonly peak: number }>>;
}

export interface SimulateWithControllerResult {
  readonly result: SimulationResult;
  readonly adapt: SimAdaptReport;
}

/** A step that fails on every tick of a day would otherwise fill the report with 8,640 copies. */
export const MAX_REPORTED_ERRORS = 100;

const DISCARD: EventSink = { append: () => undefined };

/**
 * Checks the loop's options and the controller's together, every problem at once, before the
 * simulation is built: TESSERA_ERR_ADAPT_CONFIG, as `tessera serve --adapt` reports them.
 */
export function checkSimAdaptOptions(o: SimAdaptOptions): void {
  const extra: string[] = [];
  if (o.maxSamplesPerSeries !== undefined && !(Number.isInteger(o.maxSamplesPerSeries) && o.maxSamplesPerSeries >= 2)) extra.push(`maxSamplesPerSeries: must be a whole number ≥ 2 (a rate needs two samples), got ${o.maxSamplesPerSeries}`);
  checkAdaptLoopOptions(o, extra);
}

/**
 * Runs a plan in virtual time with the adapt controller in the loop — the same `Controller` that
 * `tessera serve --adapt` runs, acting through `simulationCluster(sim)` (the `Cluster` port over
 * the simulation) and reading a `MemoryMetricsSource` that is fed the simulation's counters as the
 * runtime's `tessera_serve_*` series.
 *
 * The loop: advance the simulation to the next sample or tick instant, copy the counters into the
 * store at that virtual time, and on a tick instant `await controller.tick(now)`; actions apply at
 * that instant. Ticks fall at `intervalMs`, 2 × `intervalMs`, … before `durationMs`; samples at 0
 * and every `sampleIntervalMs`, and at every tick. Deterministic for a seed: the controller decides
 * from virtual time and the store only, and the simulation's controls are synchronous.
 */
export async function simulateWithController(options: SimulateWithControllerOptions): Promise<SimulateWithControllerResult> {
  const a = options.adapt ?? {};
  checkSimAdaptOptions(a);
  const intervalMs = a.intervalMs ?? 10_000;
  const sampleIntervalMs = a.sampleIntervalMs ?? 15_000;
  const durationMs = options.durationMs;
  const sim = new ClusterSimulation(options);
  try {
    // No clock: "now" is the newest sample, i.e. virtual time.
    const store = new MemoryMetricsSource({
      ...(a.retentionMs !== undefined ? { retentionMs: a.retentionMs } : {}),
      ...(a.maxSamplesPerSeries !== undefined ? { maxSamplesPerSeries: a.maxSamplesPerSeries } : {}),
    });
    const controller = new Controller({
      ...a.controller,
      ...(a.dryRun !== undefined ? { dryRun: a.dryRun } : {}),
      cluster: simulationCluster(sim),
      metrics: store,
      events: a.events ?? DISCARD,
      ...(a.logger !== undefined ? { logger: a.logger } : {}),
      ...(a.registry !== undefined ? { registry: a.registry } : {}),
      ...(a.durationClock !== undefined ? { durationClock: a.durationClock } : {}),
    });
    const feed = (nowMs: number): void => {
      for (const s of toServeMetricSamples(sim.counters())) store.add(s.metric, s.labels, s.value, nowMs);
    };

    const replicas = new Map(sim.services().map((s) => [s.name, { initial: s.replicas, final: s.replicas, peak: s.replicas }]));
    const actions: SimAdaptAction[] = [];
    const anomalies: Partial<Record<AdaptAnomalyKind, number>> = {};
    const anomalyTicks: Partial<Record<AdaptAnomalyKind, number>> = {};
    const suppressed: Partial<Record<Exclude<LimitVerdict, 'ok'>, number>> = {};
    const errors: SimAdaptError[] = [];
    let errorCount = 0;
    let ticks = 0;
    let active = new Set<string>();
    const bump = <K extends string>(m: Partial<Record<K, number>>, k: K): void => {
      m[k] = (m[k] ?? 0) + 1;
    };

    feed(0);
    // Instants as whole multiples of each interval, so a long run does not drift by adding floats.
    let tickNo = 1;
    let sampleNo = 1;
    for (;;) {
      const tickAt = tickNo * intervalMs;
      const sampleAt = sampleNo * sampleIntervalMs;
      const t = Math.min(tickAt, sampleAt);
      if (t >= durationMs) break;
      sim.runUntil(t);
      feed(t);
      if (sampleAt === t) sampleNo++;
      if (tickAt !== t) continue;
      tickNo++;
      const report = await controller.tick(t);
      ticks++;
      for (const x of report.actions) actions.push({ timeMs: t, action: x.action, subject: x.subject, reason: x.reason, dryRun: x.dryRun });
      for (const s of report.suppressed) bump(suppressed, s.verdict);
      const now = new Set<string>();
      const kindsThisTick = new Set<AdaptAnomalyKind>();
      for (const an of report.anomalies) {
        const key = `${an.kind}|${an.subject}`;
        now.add(key);
        kindsThisTick.add(an.kind);
        if (!active.has(key)) bump(anomalies, an.kind);
      }
      for (const k of kindsThisTick) bump(anomalyTicks, k);
      active = now;
      for (const e of report.errors) {
        errorCount++;
        if (errors.length < MAX_REPORTED_ERRORS) errors.push({ timeMs: t, step: e.step, code: e.code, message: e.message });
      }
      for (const s of sim.services()) {
        const r = replicas.get(s.name);
        if (r !== undefined) replicas.set(s.name, { ...r, final: s.replicas, peak: Math.max(r.peak, s.replicas) });
      }
      a.onTick?.(report);
    }
    sim.runUntil(durationMs);
    const result = sim.result();
    return {
      result,
      adapt: {
        ticks,
        intervalMs,
        sampleIntervalMs,
        dryRun: controller.config.dryRun,
        actions,
        anomalies,
        anomalyTicks,
        suppressed,
        errors,
        errorCount,
        replicas: Object.fromEntries(replicas),
      },
    };
  } finally {
    sim.close();
  }
}
