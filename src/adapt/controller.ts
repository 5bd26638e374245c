import type { Registry } from 'prom-client';
import { RealClock, type Clock } from '../core/clock.js';
import { toTesseraError } from '../core/errors/index.js';
import type { Logger } from '../core/logger.js';
import { createDetector, createForecaster, toPolicyForecaster, type AnomalyDetector, type EventSink } from '../observe/index.js';
import { createTargetTrackingScaler, type Forecaster, type TargetTrackingScaler, type TargetTrackingState } from '../policy/index.js';
import type { Cluster, ReplicaState, ServiceState } from './cluster.js';
import { ControllerMetrics } from './controller-metrics.js';
import type { MetricSample, MetricsSource } from './metrics-source.js';
import { resolveControllerConfig, type ControllerConfigInput, type PrescaleOptions, type PrescaleServiceOptions, type ResolvedControllerConfig } from './options.js';
import { ActionLimiter, type AdaptAnomalyKind, type ControllerAction, type LimitVerdict, type RateLimit, type RemediationRule } from './rules.js';

export type ControllerStep = 'observe' | 'detect' | 'remediate' | 'batch' | 'prescale';

export interface ControllerOptions extends ControllerConfigInput {
  readonly cluster: Cluster;
  readonly metrics: MetricsSource;
  readonly events: EventSink;
  readonly logger?: Logger;
  /** Where the tessera_adapt_* metrics register (e.g. the serving registry, so /metrics shows them). */
  readonly registry?: Registry;
  /** Only for measuring step durations; decisions use the `nowMs` given to `tick`. @default RealClock */
  readonly durationClock?: Clock;
}

export interface AdaptAnomaly {
  readonly kind: AdaptAnomalyKind;
  /** `service/<name>` or `gpu/<label>`. */
  readonly subject: string;
  readonly service?: string | undefined;
  readonly gpu?: string | undefined;
  readonly value: number;
  readonly threshold: number;
  /** Detector score in [0, 1]; 1 for a hard threshold breach. */
  readonly score: number;
  readonly reason: string;
}

export interface ActionRecord {
  readonly action: ControllerAction;
  readonly subject: string;
  readonly dryRun: boolean;
  readonly reason: string;
  readonly details: Readonly<Record<string, unknown>>;
}

export interface SuppressedAction {
  readonly action: ControllerAction;
  readonly subject: string;
  readonly verdict: Exclude<LimitVerdict, 'ok'>;
}

export interface ServiceSignals {
  readonly p99Ms: number;
  readonly totalRps: number;
  readonly okRps: number;
  /** Share of requests that failed after being accepted (`status` error or timeout). */
  readonly errorRate: number;
  /** Share refused at admission (`status` rejected): overload, not a fault. */
  readonly rejectedRate: number;
  readonly queueDepth: number;
}

/** `tessera_serve_requests_total` statuses that mean accepted work failed (client errors and refusals do not). */
const FAULT_STATUSES: ReadonlySet<string> = new Set(['error', 'timeout']);

export interface PrescaleDecisionRecord {
  readonly service: string;
  /** Request rate now (last history point), requests/s. */
  readonly load: number;
  /** Highest forecast within the lead time, requests/s. */
  readonly predictedLoad: number;
  readonly leadMs: number;
  readonly historyPoints: number;
  readonly currentReplicas: number;
  readonly desiredReplicas: number;
}

export interface TickReport {
  readonly nowMs: number;
  readonly signals: Readonly<Record<string, ServiceSignals>>;
  readonly anomalies: readonly AdaptAnomaly[];
  readonly actions: readonly ActionRecord[];
  readonly suppressed: readonly SuppressedAction[];
  readonly prescale: readonly PrescaleDecisionRecord[];
  readonly errors: readonly { readonly step: ControllerStep; readonly code: string; readonly message: string }[];
  /** Steps that did not run because one they depend on failed. */
  readonly skipped: readonly ControllerStep[];
  readonly stepDurationsMs: Readonly<Partial<Record<ControllerStep, number>>>;
}

interface MutableReport {
  nowMs: number;
  signals: Record<string, ServiceSignals>;
  anomalies: AdaptAnomaly[];
  actions: ActionRecord[];
  suppressed: SuppressedAction[];
  prescale: PrescaleDecisionRecord[];
  errors: { step: ControllerStep; code: string; message: string }[];
  skipped: ControllerStep[];
  stepDurationsMs: Partial<Record<ControllerStep, number>>;
}

interface Observed {
  readonly services: readonly ServiceState[];
  readonly replicas: readonly ReplicaState[];
}

const serviceSubject = (name: string): string => `service/${name}`;
const fmt = (v: number, digits = 1): string => (Number.isFinite(v) ? v.toFixed(digits) : String(v));

/**
 * The adapt controller: one `tick(nowMs)` observes the cluster, detects anomalies in the service
 * metrics, applies the remediation rule table, and pre-scales services ahead of forecast load.
 * Time is passed in, so the simulator drives it on virtual time and `startControllerLoop` on a
 * real interval. Every step catches, logs and counts its own failure; `tick` never throws.
 * All actions go through the Cluster port, each behind a cooldown and rate limit, each logged to
 * the event log with its reason; in dry-run mode they are logged and counted but not taken.
 */
export class Controller {
  readonly config: ResolvedControllerConfig;
  readonly metrics: ControllerMetrics;
  private readonly cluster: Cluster;
  private readonly source: MetricsSource;
  private readonly events: EventSink;
  private readonly logger: Logger | undefined;
  private readonly clock: Clock;
  private readonly limiter: ActionLimiter;
  private readonly detectors = new Map<string, AnomalyDetector>();
  private readonly active = new Map<string, AdaptAnomaly>();
  private readonly lastRestartMs = new Map<string, number>();
  private readonly shedByUs = new Set<string>();
  /** Replica counts set earlier in this tick, so pre-scale does not start from the stale observed count. */
  private readonly setThisTick = new Map<string, number>();
  private readonly prescaleOptions: PrescaleOptions | undefined;
  private readonly forecaster: Forecaster | undefined;
  private readonly scalers = new Map<string, { bounds: string; scaler: TargetTrackingScaler; state: TargetTrackingState }>();
  /** Consecutive ticks each service's latency was calm (the batch step's evidence). */
  private readonly calmTicks = new Map<string, number>();

  constructor(options: ControllerOptions) {
    this.config = resolveControllerConfig(options);
    this.metrics = new ControllerMetrics(options.registry);
    this.cluster = options.cluster;
    this.source = options.metrics;
    this.events = options.events;
    this.logger = options.logger;
    this.clock = options.durationClock ?? new RealClock();
    this.limiter = new ActionLimiter(this.config.globalRateLimit);
    this.prescaleOptions = options.prescale;
    if (options.prescale !== undefined) {
      this.forecaster = options.prescale.forecaster ?? toPolicyForecaster(createForecaster('holt-winters'), { seasonMs: 86_400_000 });
    }
  }

  async tick(nowMs: number): Promise<TickReport> {
    this.setThisTick.clear();
    const report: MutableReport = { nowMs, signals: {}, anomalies: [], actions: [], suppressed: [], prescale: [], errors: [], skipped: [], stepDurationsMs: {} };
    const observed = await this.step('observe', report, async () => {
      const [services, replicas] = await Promise.all([this.cluster.listServices(), this.cluster.listReplicas()]);
      return { services, replicas };
    });
    if (observed === undefined) {
      // Acting on a stale replica count could scale twice; wait for the next tick's fresh view.
      report.skipped.push('detect', 'remediate');
      if (this.config.batchRecovery !== undefined) report.skipped.push('batch');
      if (this.prescaleOptions !== undefined) report.skipped.push('prescale');
      return report;
    }
    const anomalies = await this.step('detect', report, () => this.detect(nowMs, observed, report));
    if (anomalies !== undefined) report.anomalies.push(...anomalies);
    await this.step('remediate', report, () => this.remediate(nowMs, observed, anomalies ?? [], report));
    if (this.config.batchRecovery !== undefined) {
      // Raising a cap needs evidence that latency is calm; without this tick's signals there is none.
      if (anomalies === undefined) report.skipped.push('batch');
      else await this.step('batch', report, () => this.batch(nowMs, observed, anomalies, report));
    }
    if (this.prescaleOptions !== undefined) await this.step('prescale', report, () => this.prescale(nowMs, observed, report));
    return report;
  }

  private async step<T>(name: ControllerStep, report: MutableReport, fn: () => Promise<T>): Promise<T | undefined> {
    const start = this.clock.nowMs();
    try {
      return await fn();
    } catch (err) {
      this.stepFailed(name, report, err);
      return undefined;
    } finally {
      const ms = Math.max(0, this.clock.nowMs() - start);
      report.stepDurationsMs[name] = ms;
      this.metrics.stepDuration.observe({ step: name }, ms / 1000);
    }
  }

  private stepFailed(step: ControllerStep, report: MutableReport, err: unknown): void {
    const e = toTesseraError(err);
    this.metrics.stepErrors.inc({ step });
    report.errors.push({ step, code: e.code, message: e.message });
    this.logger?.warn({ step, code: e.code, err: e.message }, 'adapt step failed; the loop goes on');
    this.events.append({ timeMs: report.nowMs, kind: 'adapt.step-error', subject: `controller/${step}`, reason: `${step} failed: ${e.message}`, details: { step, code: e.code } });
  }

  // ---- detection -------------------------------------------------------------------------

  private detector(key: string): AnomalyDetector {
    let d = this.detectors.get(key);
    if (d === undefined) {
      d = createDetector(this.config.detection.detector);
      this.detectors.set(key, d);
    }
    return d;
  }

  private async detect(nowMs: number, observed: Observed, report: MutableReport): Promise<AdaptAnomaly[]> {
    const c = this.config.detection;
    const label = c.serviceLabel;
    const [p99, requests, queue, frag] = await Promise.all([
      this.source.instant({ metric: 'tessera_serve_request_duration_seconds', reduce: { kind: 'quantile', q: 0.99, windowMs: c.windowMs }, sumBy: [label] }, nowMs),
      this.source.instant({ metric: 'tessera_serve_requests_total', reduce: { kind: 'rate', windowMs: c.windowMs }, sumBy: [label, 'status'] }, nowMs),
      this.source.instant({ metric: 'tessera_serve_queue_depth', sumBy: [label] }, nowMs),
      c.fragmentationThreshold === undefined ? Promise.resolve([] as readonly MetricSample[]) : this.source.instant({ metric: 'tessera_gpu_memory_fragmentation_ratio' }, nowMs),
    ]);
    const byService = (samples: readonly MetricSample[], name: string): MetricSample[] => samples.filter((s) => s.labels[label] === name);

    const found: AdaptAnomaly[] = [];
    for (const svc of observed.services) {
      const p99Ms = (byService(p99, svc.name)[0]?.value ?? NaN) * 1000;
      let totalRps = 0;
      let okRps = 0;
      let faultRps = 0;
      let rejectedRps = 0;
      for (const s of byService(requests, svc.name)) {
        if (!Number.isFinite(s.value)) continue;
        totalRps += s.value;
        const status = s.labels['status'];
        if (status === 'ok') okRps += s.value;
        else if (status === 'rejected') rejectedRps += s.value;
        else if (FAULT_STATUSES.has(status ?? '')) faultRps += s.value;
      }
      // Only failures of accepted work count: a refusal (overload, a shed cap, a full cold pool) is
      // the system protecting itself, and restarting a healthy replica for it only removes capacity.
      const errorRate = totalRps > 0 ? faultRps / totalRps : NaN;
      const rejectedRate = totalRps > 0 ? rejectedRps / totalRps : NaN;
      const queueDepth = byService(queue, svc.name)[0]?.value ?? NaN;
      report.signals[svc.name] = { p99Ms, totalRps, okRps, errorRate, rejectedRate, queueDepth };
      const subject = serviceSubject(svc.name);

      const lat = this.detector(`${svc.name}|p99`).update({ timeMs: nowMs, value: p99Ms });
      const latHard = p99Ms > svc.sloP99Ms;
      if (latHard || (lat.anomaly && p99Ms > svc.sloP99Ms * c.latencyWatchRatio)) {
        found.push({ kind: 'latency-slo-breach', subject, service: svc.name, value: p99Ms, threshold: svc.sloP99Ms, score: latHard ? 1 : lat.score, reason: `p99 ${fmt(p99Ms)} ms against a ${svc.sloP99Ms} ms SLO (detector score ${fmt(lat.score, 2)})` });
      }

      // Too few requests make a ratio meaningless: the detector learns nothing from them either.
      const errValue = totalRps >= c.minRpsForErrorRate ? errorRate : NaN;
      const err = this.detector(`${svc.name}|errors`).update({ timeMs: nowMs, value: errValue });
      const errHard = errValue > c.maxErrorRate;
      if (errHard || (err.anomaly && errValue > c.errorRateFloor)) {
        found.push({ kind: 'error-rate', subject, service: svc.name, value: errValue, threshold: c.maxErrorRate, score: errHard ? 1 : err.score, reason: `${fmt(errValue * 100)} % of ${fmt(totalRps, 2)} req/s failed (limit ${c.maxErrorRate * 100} %, detector score ${fmt(err.score, 2)})` });
      }

      const q = this.detector(`${svc.name}|queue`).update({ timeMs: nowMs, value: queueDepth });
      const qHard = queueDepth > c.maxQueueDepth;
      if (qHard || (q.anomaly && queueDepth > c.queueDepthFloor)) {
        found.push({ kind: 'queue-depth', subject, service: svc.name, value: queueDepth, threshold: c.maxQueueDepth, score: qHard ? 1 : q.score, reason: `${fmt(queueDepth, 0)} requests queued (limit ${c.maxQueueDepth}, detector score ${fmt(q.score, 2)})` });
      }
    }

    if (c.fragmentationThreshold !== undefined) {
      for (const s of frag) {
        const gpu = s.labels['gpu'] === undefined ? undefined : [s.labels['hostname'], s.labels['gpu']].filter((x) => x !== undefined).join('/');
        if (gpu === undefined || !(s.value > c.fragmentationThreshold)) continue;
        found.push({ kind: 'fragmentation', subject: `gpu/${gpu}`, gpu, value: s.value, threshold: c.fragmentationThreshold, score: 1, reason: `memory fragmentation ${fmt(s.value, 2)} on GPU ${gpu} is above ${c.fragmentationThreshold}` });
      }
    }

    this.trackOnsets(nowMs, found);
    return found;
  }

  /** Logs an anomaly when it starts and when it clears, not on every tick it lasts. */
  private trackOnsets(nowMs: number, found: readonly AdaptAnomaly[]): void {
    const now = new Map(found.map((a) => [`${a.kind}|${a.subject}`, a]));
    for (const [key, a] of now) {
      if (this.active.has(key)) continue;
      this.metrics.anomalies.inc({ kind: a.kind });
      this.events.append({ timeMs: nowMs, kind: 'anomaly.detected', subject: a.subject, reason: a.reason, details: { anomaly: a.kind, value: a.value, threshold: a.threshold, score: a.score } });
    }
    for (const [key, a] of this.active) {
      if (!now.has(key)) this.events.append({ timeMs: nowMs, kind: 'anomaly.cleared', subject: a.subject, reason: `${a.kind} no longer seen`, details: { anomaly: a.kind } });
    }
    this.active.clear();
    for (const [k, a] of now) this.active.set(k, a);
  }

  // ---- remediation -----------------------------------------------------------------------

  private ruleFor(anomaly: AdaptAnomaly, svc: ServiceState | undefined): RemediationRule | undefined {
    return this.config.rules.find((r) => {
      if (r.anomaly !== anomaly.kind) return false;
      const when = r.when ?? 'always';
      if (when === 'always') return true;
      if (svc === undefined) return false;
      return when === 'at-max-replicas' ? svc.replicas >= svc.maxReplicas : svc.replicas < svc.maxReplicas;
    });
  }

  private async remediate(nowMs: number, observed: Observed, anomalies: readonly AdaptAnomaly[], report: MutableReport): Promise<void> {
    const services = new Map(observed.services.map((s) => [s.name, s]));
    let firstError: unknown;
    for (const anomaly of anomalies) {
      const svc = anomaly.service === undefined ? undefined : services.get(anomaly.service);
      const rule = this.ruleFor(anomaly, svc);
      if (rule === undefined) continue;
      try {
        await this.applyRule(nowMs, rule, anomaly, svc, observed, report);
      } catch (err) {
        // One failed action must not keep the others in this tick from running; the step still counts it.
        firstError ??= err;
      }
    }
    try {
      await this.liftSheds(nowMs, observed, anomalies, report);
    } catch (err) {
      firstError ??= err;
    }
    if (firstError !== undefined) throw firstError;
  }

  private async applyRule(nowMs: number, rule: RemediationRule, anomaly: AdaptAnomaly, svc: ServiceState | undefined, observed: Observed, report: MutableReport): Promise<void> {
    const action = rule.action;
    let run: (() => Promise<void>) | undefined;
    let details: Record<string, unknown> = { anomaly: anomaly.kind, value: anomaly.value, threshold: anomaly.threshold, score: anomaly.score };
    let what = '';
    switch (action) {
      case 'scale-out': {
        if (svc === undefined || svc.replicas >= svc.maxReplicas) return;
        const to = svc.replicas + 1;
        details = { ...details, from: svc.replicas, to };
        what = `scale ${svc.name} out from ${svc.replicas} to ${to} replicas`;
        run = async () => {
          await this.cluster.scaleService(svc.name, to, `${anomaly.kind}: ${anomaly.reason}`);
          this.setThisTick.set(svc.name, to);
        };
        break;
      }
      case 'lower-batch-size': {
        if (svc === undefined || svc.maxBatchSize <= 1) return;
        const to = Math.max(1, Math.floor(svc.maxBatchSize / 2));
        details = { ...details, from: svc.maxBatchSize, to };
        what = `halve ${svc.name}'s batch size cap from ${svc.maxBatchSize} to ${to}`;
        run = () => this.cluster.setBatchSizeCap(svc.name, to, `${anomaly.kind}: ${anomaly.reason}`);
        break;
      }
      case 'shed-load': {
        if (svc === undefined) return;
        const okRps = report.signals[svc.name]?.okRps ?? 0;
        const cap = Math.max(1, Math.round(okRps * this.config.shedFactor * 10) / 10);
        details = { ...details, capRps: cap, okRps };
        what = `cap ${svc.name}'s admission at ${cap} req/s (${this.config.shedFactor} × the ${fmt(okRps, 2)} req/s it completes)`;
        run = async () => {
          await this.cluster.setAdmissionCap(svc.name, cap, `${anomaly.kind}: ${anomaly.reason}`);
          this.shedByUs.add(svc.name);
        };
        break;
      }
      case 'restart-worker': {
        if (svc === undefined) return;
        const replica = this.pickReplicaToRestart(svc.name, observed.replicas);
        if (replica === undefined) return;
        details = { ...details, replica: replica.id, slice: replica.slice, ready: replica.ready };
        what = `restart replica ${replica.id} of ${svc.name}${replica.ready ? '' : ' (not ready)'}`;
        run = async () => {
          await this.cluster.restartReplica(replica.id, `${anomaly.kind}: ${anomaly.reason}`);
          this.lastRestartMs.set(replica.id, nowMs);
        };
        break;
      }
      case 'repack': {
        if (anomaly.gpu === undefined) return;
        const gpu = anomaly.gpu;
        details = { ...details, gpu };
        what = `re-pack the replicas on GPU ${gpu}`;
        run = () => this.cluster.repack({ gpu }, `${anomaly.kind}: ${anomaly.reason}`);
        break;
      }
    }
    await this.act(nowMs, action, anomaly.subject, rule, `${what} because ${anomaly.reason}`, details, run, report, 'remediation');
  }

  /** A not-ready replica first (it is the likely culprit), else the one restarted longest ago. */
  private pickReplicaToRestart(service: string, replicas: readonly ReplicaState[]): ReplicaState | undefined {
    const mine = replicas.filter((r) => r.service === service);
    const notReady = mine.find((r) => !r.ready);
    if (notReady !== undefined) return notReady;
    return [...mine].sort((a, b) => (this.lastRestartMs.get(a.id) ?? -Infinity) - (this.lastRestartMs.get(b.id) ?? -Infinity))[0];
  }

  private async liftSheds(nowMs: number, observed: Observed, anomalies: readonly AdaptAnomaly[], report: MutableReport): Promise<void> {
    for (const svc of observed.services) {
      if (!this.shedByUs.has(svc.name) || svc.admissionCapRps === undefined) continue;
      const pressing = anomalies.some((a) => a.service === svc.name && (a.kind === 'queue-depth' || a.kind === 'latency-slo-breach'));
      if (pressing || this.limiter.actedWithin(ActionLimiter.key('shed-load', serviceSubject(svc.name)), nowMs, this.config.shedReleaseMs)) continue;
      const limits = { cooldownMs: 0, rateLimit: { max: Number.MAX_SAFE_INTEGER, windowMs: 1 } };
      const reason = `lift ${svc.name}'s ${svc.admissionCapRps} req/s admission cap: no queue or latency anomaly for ${this.config.shedReleaseMs / 1000} s after the last shed`;
      await this.act(nowMs, 'lift-shed', serviceSubject(svc.name), limits, reason, { capRps: svc.admissionCapRps }, async () => {
        await this.cluster.setAdmissionCap(svc.name, undefined, reason);
        this.shedByUs.delete(svc.name);
      }, report, 'remediation');
    }
  }

  // ---- batch controller -------------------------------------------------------------------

  /**
   * Raises a batch cap that is below the plan's batch size once the service's p99 has stayed under
   * `latencyWatchRatio` × SLO (or it had no requests) for `calmTicks` ticks, and not within
   * `holdAfterLowerMs` of a `lower-batch-size` — so a cap cut during a latency breach recovers the
   * throughput batching buys once the breach has passed. Each raise goes through `act`.
   */
  private async batch(nowMs: number, observed: Observed, anomalies: readonly AdaptAnomaly[], report: MutableReport): Promise<void> {
    const c = this.config.batchRecovery;
    if (c === undefined) return;
    const ratio = this.config.detection.latencyWatchRatio;
    let firstError: unknown;
    for (const svc of observed.services) {
      const sig = report.signals[svc.name];
      const pressing = anomalies.some((a) => a.service === svc.name && (a.kind === 'latency-slo-breach' || a.kind === 'queue-depth'));
      const idle = sig !== undefined && Number.isNaN(sig.p99Ms) && sig.totalRps === 0;
      const calm = sig !== undefined && !pressing && (sig.p99Ms < ratio * svc.sloP99Ms || idle);
      const ticks = calm ? (this.calmTicks.get(svc.name) ?? 0) + 1 : 0;
      this.calmTicks.set(svc.name, ticks);
      const planned = svc.plannedMaxBatchSize;
      if (planned === undefined || svc.maxBatchSize >= planned || ticks < c.calmTicks) continue;
      const subject = serviceSubject(svc.name);
      if (this.limiter.actedWithin(ActionLimiter.key('lower-batch-size', subject), nowMs, c.holdAfterLowerMs)) continue;
      const to = Math.min(planned, Math.max(svc.maxBatchSize + c.step, Math.ceil(svc.maxBatchSize * c.factor)));
      const evidence = idle ? 'no requests' : `p99 ${fmt(sig?.p99Ms ?? NaN)} ms under ${fmt(ratio * svc.sloP99Ms)} ms (${ratio} × the ${svc.sloP99Ms} ms SLO)`;
      const reason = `raise ${svc.name}'s batch size cap from ${svc.maxBatchSize} to ${to} (planned ${planned}): ${evidence} for ${ticks} ticks`;
      try {
        const acted = await this.act(nowMs, 'raise-batch-size', subject, c, reason, { from: svc.maxBatchSize, to, planned, calmTicks: ticks, p99Ms: sig?.p99Ms ?? NaN }, () => this.cluster.setBatchSizeCap(svc.name, to, reason), report, 'batch', 'batch.raise-batch-size');
        // The next raise needs fresh calm evidence at the new cap.
        if (acted) this.calmTicks.set(svc.name, 0);
      } catch (err) {
        this.calmTicks.set(svc.name, 0);
        firstError ??= err;
      }
    }
    if (firstError !== undefined) throw firstError;
  }

  /** The one place an action is limited, taken (or only logged in dry-run), counted and logged. */
  private async act(
    nowMs: number,
    action: ControllerAction,
    subject: string,
    limits: { cooldownMs: number; rateLimit: RateLimit },
    reason: string,
    details: Record<string, unknown>,
    run: (() => Promise<void>) | undefined,
    report: MutableReport,
    area: 'remediation' | 'prescale' | 'batch',
    eventKind: string = `${area}.${action}`,
  ): Promise<boolean> {
    if (run === undefined) return false;
    const key = ActionLimiter.key(action, subject);
    const verdict = this.limiter.check(key, limits, nowMs);
    if (verdict !== 'ok') {
      this.metrics.suppressed.inc({ action, reason: verdict });
      report.suppressed.push({ action, subject, verdict });
      return false;
    }
    const dryRun = this.config.dryRun;
    // Recorded before running: a failed attempt still counts against the limits, or a broken
    // executor would be retried on every tick.
    this.limiter.record(key, nowMs, Math.max(limits.cooldownMs, limits.rateLimit.windowMs));
    this.metrics.actions.inc({ action, dry_run: String(dryRun) });
    report.actions.push({ action, subject, dryRun, reason, details });
    this.events.append({ timeMs: nowMs, kind: eventKind, subject, reason: dryRun ? `dry run, not taken: ${reason}` : reason, details: { ...details, action, dryRun } });
    if (!dryRun) await run();
    return true;
  }

  // ---- forecast-driven pre-scale ---------------------------------------------------------

  private scalerFor(svc: ServiceState, opts: PrescaleServiceOptions): { scaler: TargetTrackingScaler; state: TargetTrackingState } {
    const bounds = `${svc.minReplicas}-${svc.maxReplicas}`;
    const entry = this.scalers.get(svc.name);
    if (entry !== undefined && entry.bounds === bounds) return entry;
    const scaler = createTargetTrackingScaler({
      targetPerReplica: opts.targetRpsPerReplica,
      minReplicas: svc.minReplicas,
      maxReplicas: svc.maxReplicas,
      ...(opts.scaleDownStabilizationMs === undefined ? {} : { scaleDownStabilizationMs: opts.scaleDownStabilizationMs }),
    });
    // The state is plain data and independent of the bounds, so it survives a change of bounds.
    const next = { bounds, scaler, state: entry?.state ?? scaler.initialState() };
    this.scalers.set(svc.name, next);
    return next;
  }

  private async prescale(nowMs: number, observed: Observed, report: MutableReport): Promise<void> {
    const p = this.prescaleOptions;
    const forecaster = this.forecaster;
    if (p === undefined || forecaster === undefined) return;
    const stepMs = p.stepMs ?? 60_000;
    const historyMs = p.historyMs ?? 3_600_000;
    const rateWindowMs = p.rateWindowMs ?? 2 * stepMs;
    const limits = { cooldownMs: p.cooldownMs ?? 60_000, rateLimit: p.rateLimit ?? { max: 6, windowMs: 600_000 } };
    const holdMs = p.holdAfterScaleOutMs ?? 600_000;
    let firstError: unknown;

    for (const svc of observed.services) {
      const opts = p.services[svc.name];
      if (opts === undefined) continue;
      try {
        const startMs = nowMs - historyMs;
        const series = await this.source.range(
          { metric: 'tessera_serve_requests_total', labels: { [this.config.detection.serviceLabel]: svc.name }, reduce: { kind: 'rate', windowMs: rateWindowMs }, sumBy: [] },
          { startMs, endMs: nowMs, stepMs },
        );
        const history = alignHistory(series[0]?.points ?? [], startMs, stepMs, Math.floor(historyMs / stepMs) + 1);
        const finite = history.filter(Number.isFinite);
        const load = finite.at(-1);
        if (load === undefined) continue; // no traffic recorded yet: nothing to forecast from
        const leadMs = opts.loadMs + opts.warmupMs + opts.marginMs;
        const horizon = Math.max(1, Math.ceil(leadMs / stepMs));
        const predicted = forecaster.forecast({ history, stepMs, endMs: nowMs, horizon });
        const predictedLoad = Math.max(0, ...predicted.filter(Number.isFinite));
        const current = this.setThisTick.get(svc.name) ?? svc.replicas;
        const entry = this.scalerFor(svc, opts);
        const { decision, state } = entry.scaler.decide(entry.state, { nowMs, currentReplicas: current, load, predictedLoad });
        entry.state = state;
        report.prescale.push({ service: svc.name, load, predictedLoad, leadMs, historyPoints: finite.length, currentReplicas: current, desiredReplicas: decision.desiredReplicas });
        const to = decision.desiredReplicas;
        if (to === current) continue;
        if (to < current && this.limiter.actedWithin(ActionLimiter.key('scale-out', serviceSubject(svc.name)), nowMs, holdMs)) continue;
        // rate() divides by its whole window, so while the series is younger than the window the
        // load reads low (a fresh server or simulation reads a fraction of its real rate) and a
        // scale-down on it would be wrong. History points one step apart since the first one prove
        // the series is at least (points − 1) × step old; scale up on it, never down, until then.
        if (to < current && (finite.length - 1) * stepMs < rateWindowMs) continue;
        const direction = to > current ? 'scale-up' : 'scale-down';
        const reason = `${direction} ${svc.name} from ${current} to ${to} replicas: load ${fmt(load, 2)} req/s now, up to ${fmt(predictedLoad, 2)} req/s forecast within the ${fmt(leadMs / 1000, 0)} s lead time (load + warm-up + margin), ${opts.targetRpsPerReplica} req/s per replica`;
        await this.act(nowMs, 'prescale', serviceSubject(svc.name), limits, reason, { from: current, to, load, predictedLoad, leadMs, horizonSteps: horizon, forecaster: forecaster.name }, () => this.cluster.scaleService(svc.name, to, reason), report, 'prescale', `prescale.${direction}`);
      } catch (err) {
        firstError ??= err;
      }
    }
    if (firstError !== undefined) throw firstError;
  }
}

/** Points onto a fixed grid (NaN where a step has no point); leading gaps are dropped — the series had not started. */
export function alignHistory(points: readonly { timeMs: number; value: number }[], startMs: number, stepMs: number, slots: number): number[] {
  const grid = new Array<number>(slots).fill(NaN);
  for (const p of points) {
    const i = Math.round((p.timeMs - startMs) / stepMs);
    if (i >= 0 && i < slots && Number.isFinite(p.value)) grid[i] = p.value;
  }
  const first = grid.findIndex(Number.isFinite);
  return first < 0 ? [] : grid.slice(first);
}
