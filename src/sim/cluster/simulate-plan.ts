import hdr from 'hdr-histogram-js';
import { TesseraError, createRng, type Fleet, type Rng } from '../../core/index.js';
import { sliceFromPlan, type PerformanceModel } from '../../profile/index.js';
import { createBatchPolicy, type BatchPolicy, type BatchPolicyName, type BatchPolicyStateBase } from '../../policy/index.js';
import type { Plan, PlanReplica } from '../../plan/plan-types.js';
import type { ArrivalSource } from '../arrivals/arrival-stream.js';
import { SimEngine, type EventId } from '../engine/engine.js';
import { arrivalsForTraffic } from '../traffic.js';

export interface SimulatePlanOptions {
  fleet: Fleet;
  plan: Plan;
  model: PerformanceModel;
  /** Simulated time, ms. */
  durationMs: number;
  seed?: number;
  /** Run every replica with this batching policy instead of the plan's. */
  batchPolicy?: BatchPolicyName;
  /** Multiply every service's arrival rate. */
  rateScale?: number;
  /** Folder trace paths in the spec resolve against (the spec's folder). @default the working directory */
  baseDir?: string;
  /** Arrivals per service, overriding the spec's traffic. */
  arrivals?: ReadonlyMap<string, ArrivalSource>;
  /** Throughput windows for the fluctuation figure, ms. @default 1000 */
  windowMs?: number;
  onProgress?: (simulatedMs: number, totalMs: number) => void;
}

export interface ServiceSimReport {
  name: string;
  requests: number;
  completed: number;
  /** Refused at admission (queue full), as the runtime refuses with 429. */
  dropped: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  meanMs: number;
  /** The service's latency SLO (spec `slo.p99Ms`), so a report can draw it. */
  sloMs: number;
  /** Share of completed requests within the SLO. */
  sloAttainment: number;
  throughputPerS: number;
  /** Half the 5th–95th percentile spread of per-window throughput, relative to its mean ("±x"). */
  throughputFluctuation: number;
  meanBatchSize: number;
  coldStarts: number;
  throughputTimeline: number[];
  /** Time-weighted mean number of queued requests per throughput window (the report's queue plot). */
  queueDepthTimeline: number[];
  /** Latency CDF at fixed quantiles (`LATENCY_CDF_QUANTILES`), compact enough for `--json` and the report. */
  latencyCdf: LatencyCdfPoint[];
}

/** One point of a latency CDF: the share `p` (0–1) of completed requests at or below `ms`. */
export interface LatencyCdfPoint {
  p: number;
  ms: number;
}

/**
 * Quantiles the CDF keeps: every 2 % through the body, then denser in the tail where SLOs live
 * (99, 99.5, 99.9, 99.99, max) — 55 points per service.
 */
export const LATENCY_CDF_QUANTILES: readonly number[] = [
  ...Array.from({ length: 50 }, (_, i) => i * 0.02),
  0.99,
  0.995,
  0.999,
  0.9999,
  1,
];

export interface SimulationResult {
  services: ServiceSimReport[];
  slices: Array<{ id: string; utilization: number }>;
  summary: {
    durationMs: number;
    requests: number;
    completed: number;
    utilization: number;
    costPerHour: number;
    cost: number;
    costPer1kInferences: number;
    events: number;
    wallMs: number;
    /** Width of the throughput and queue-depth windows, ms. */
    windowMs: number;
  };
}

interface SimRequest {
  arrivalMs: number;
  deadlineMs: number;
  items: number;
}

interface SimReplica {
  service: SimService;
  replica: PlanReplica;
  policy: BatchPolicy;
  state: BatchPolicyStateBase;
  instances: number;
  busy: number;
  busyMs: number;
  /** The armed policy timer, if any. */
  timerAtMs: number;
  timerId: EventId | undefined;
  sampleMs: (b: number) => number;
}

interface SimService {
  name: string;
  sloMs: number;
  queue: SimRequest[];
  queuedItems: number;
  maxQueueItems: number;
  replicas: SimReplica[];
  hist: hdr.Histogram;
  requests: number;
  completed: number;
  dropped: number;
  withinSlo: number;
  batches: number;
  batchItems: number;
  timeline: number[];
  arrivals: ArrivalSource;
  /** Queue-length integral (request·ms) per window, and when it was last brought up to date. */
  queueArea: number[];
  queueAreaAtMs: number;
}

/**
 * Replays a plan in virtual time: arrivals per service, one batch loop per replica running the
 * same policy objects as the runtime, batch times drawn from the performance model (median p50,
 * spread to its p99 as a log-normal), instances running batches in parallel. Deterministic for a seed.
 */
export function simulatePlan(o: SimulatePlanOptions): SimulationResult {
  const wall0 = performance.now();
  const rng = createRng(o.seed ?? 1);
  const windowMs = o.windowMs ?? 1000;
  const engine = new SimEngine();
  const gpuTypeOf = new Map(o.plan.gpus.map((g) => [g.id, g.type]));
  const sliceById = new Map(o.plan.slices.map((s) => [s.id, s]));
  const services: SimService[] = [];
  const replicas: SimReplica[] = [];

  for (const ps of o.plan.services) {
    const spec = o.fleet.services.find((s) => s.name === ps.name);
    const modelSpec = o.fleet.models.find((m) => m.name === ps.model);
    if (!spec || !modelSpec) throw new TesseraError('TESSERA_ERR_SIM_PLAN_MISMATCH', `the plan names service '${ps.name}' (model '${ps.model}'), which the fleet spec does not have; re-plan for this spec`);
    const arrivals = o.arrivals?.get(ps.name) ?? arrivalsForTraffic(spec.traffic, { baseDir: o.baseDir ?? process.cwd(), rng: rng.fork(), durationMs: o.durationMs, rateScale: o.rateScale ?? 1 });
    const largest = Math.max(1, ...ps.replicas.map((r) => r.batching.maxBatchSize));
    const svc: SimService = {
      name: ps.name,
      sloMs: spec.slo.p99Ms,
      queue: [],
      queuedItems: 0,
      maxQueueItems: Math.max(64, 8 * largest),
      replicas: [],
      hist: hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3, useWebAssembly: false }),
      requests: 0,
      completed: 0,
      dropped: 0,
      withinSlo: 0,
      batches: 0,
      batchItems: 0,
      timeline: [],
      arrivals,
      queueArea: [],
      queueAreaAtMs: 0,
    };
    for (const r of ps.replicas) {
      const slice = sliceById.get(r.slice);
      if (!slice) throw new TesseraError('TESSERA_ERR_SIM_PLAN_MISMATCH', `replica of '${ps.name}' is on slice '${r.slice}', which the plan does not list`);
      const sliceRef = sliceFromPlan(slice, slice.gpu ? gpuTypeOf.get(slice.gpu) : undefined);
      const instances = Math.max(1, r.instances);
      const policyName = o.batchPolicy ?? r.batching.policy;
      const maxBatch = Math.min(r.batching.maxBatchSize, modelSpec.maxBatchSize);
      const probe = o.model.exec(ps.model, sliceRef, 1, instances) ?? o.model.exec(ps.model, sliceRef, 1, 1);
      if (!probe) throw new TesseraError('TESSERA_ERR_SIM_NO_PROFILE', `no profile or estimate for model '${ps.model}' on ${r.sliceProfile}; run tessera profile or import its measurements`);
      const sampler = serviceSampler(o.model, ps.model, sliceRef, instances, rng.fork());
      const policy = createBatchPolicy({
        policy: policyName,
        maxBatchSize: maxBatch,
        maxQueueDelayMs: r.batching.maxQueueDelayMs,
        ...(r.batching.preferredBatchSizes ? { preferredBatchSizes: r.batching.preferredBatchSizes } : {}),
        sloMs: spec.slo.p99Ms,
        serviceTimePrior: linearPrior(o.model, ps.model, sliceRef, instances, maxBatch),
      });
      const rep: SimReplica = { service: svc, replica: r, policy, state: policy.initialState(), instances, busy: 0, busyMs: 0, timerAtMs: Number.POSITIVE_INFINITY, timerId: undefined, sampleMs: sampler };
      svc.replicas.push(rep);
      replicas.push(rep);
    }
    services.push(svc);
    scheduleNextArrival(svc);
  }

  let nextProgress = 0;
  function scheduleNextArrival(svc: SimService): void {
    const t = svc.arrivals.nextMs();
    if (Number.isFinite(t) && t <= o.durationMs) engine.at(t, () => onArrival(svc));
  }

  function onArrival(svc: SimService): void {
    const now = engine.nowMs;
    if (o.onProgress && now >= nextProgress) {
      o.onProgress(now, o.durationMs);
      nextProgress = now + o.durationMs / 50;
    }
    svc.requests++;
    if (svc.queuedItems + 1 > svc.maxQueueItems) svc.dropped++;
    else {
      accrueQueue(svc, now);
      svc.queue.push({ arrivalMs: now, deadlineMs: now + svc.sloMs, items: 1 });
      svc.queuedItems++;
      for (const rep of svc.replicas) consult(rep, now);
    }
    scheduleNextArrival(svc);
  }

  function onDone(rep: SimReplica, batch: SimRequest[], serviceMs: number): void {
    const now = engine.nowMs;
    const svc = rep.service;
    rep.busy--;
    rep.busyMs += serviceMs;
    let met = 0;
    for (const r of batch) {
      const lat = now - r.arrivalMs;
      svc.hist.recordValue(Math.max(1, Math.round(lat * 1000)));
      svc.completed++;
      if (lat <= svc.sloMs) met++;
      const w = Math.floor(now / windowMs);
      while (svc.timeline.length <= w) svc.timeline.push(0);
      svc.timeline[w] = (svc.timeline[w] ?? 0) + 1;
    }
    svc.withinSlo += met;
    const items = batch.length;
    rep.state = rep.policy.observe(rep.state, { items, requests: items, serviceMs, completedAtMs: now, deadlineMet: met, deadlineMissed: items - met });
    for (const r of svc.replicas) consult(r, now);
  }

  const run = engine.run(o.durationMs);
  for (const svc of services) {
    svc.arrivals.close();
    accrueQueue(svc, o.durationMs);
  }

  /**
   * Queue-depth sampling: adds queue length × elapsed time to each window the interval spans, so a
   * window's mean depth is time-weighted (a burst that drains in 5 ms counts for 5 ms, not as one
   * sample). Called just before the queue length changes, so the length is constant in between.
   */
  function accrueQueue(svc: SimService, now: number): void {
    let t = svc.queueAreaAtMs;
    const len = svc.queuedItems;
    while (t < now) {
      const w = Math.floor(t / windowMs);
      const end = Math.min(now, (w + 1) * windowMs);
      if (len > 0) {
        while (svc.queueArea.length <= w) svc.queueArea.push(0);
        svc.queueArea[w] = (svc.queueArea[w] ?? 0) + len * (end - t);
      }
      t = end;
    }
    svc.queueAreaAtMs = now;
  }

  function consult(rep: SimReplica, now: number): void {
    const svc = rep.service;
    const maxBatch = rep.policy.config.maxBatchSize;
    for (let guard = 0; guard < 10_000; guard++) {
      const head = svc.queue.length > maxBatch + 1 ? svc.queue.slice(0, maxBatch + 1) : svc.queue;
      const step = rep.policy.decide(rep.state, { nowMs: now, head, freeInstances: rep.instances - rep.busy });
      rep.state = step.state;
      const d = step.decision;
      if (d.kind === 'dispatch') {
        accrueQueue(svc, now);
        const batch = svc.queue.splice(0, d.requests);
        svc.queuedItems -= batch.length;
        rep.busy++;
        svc.batches++;
        svc.batchItems += batch.length;
        const serviceMs = rep.sampleMs(batch.length);
        engine.at(now + serviceMs, () => onDone(rep, batch, serviceMs));
        continue;
      }
      if (d.kind === 'wait' && d.untilMs < rep.timerAtMs) {
        // One timer per replica: an earlier wait replaces a later one.
        if (rep.timerId !== undefined) engine.cancel(rep.timerId);
        rep.timerAtMs = d.untilMs;
        rep.timerId = engine.at(d.untilMs, () => {
          rep.timerAtMs = Number.POSITIVE_INFINITY;
          rep.timerId = undefined;
          consult(rep, engine.nowMs);
        });
      }
      return;
    }
  }

  const durS = o.durationMs / 1000;
  const windows = Math.ceil(o.durationMs / windowMs);
  const serviceReports = services.map((s): ServiceSimReport => {
    const pct = (p: number): number => (s.completed === 0 ? Number.NaN : s.hist.getValueAtPercentile(p) / 1000);
    return {
      name: s.name,
      requests: s.requests,
      completed: s.completed,
      dropped: s.dropped,
      p50Ms: pct(50),
      p90Ms: pct(90),
      p99Ms: pct(99),
      meanMs: s.completed === 0 ? Number.NaN : s.hist.mean / 1000,
      sloMs: s.sloMs,
      sloAttainment: s.completed === 0 ? 0 : s.withinSlo / s.completed,
      throughputPerS: s.completed / durS,
      throughputFluctuation: fluctuation(s.timeline.slice(0, Math.floor(o.durationMs / windowMs))),
      meanBatchSize: s.batches === 0 ? 0 : s.batchItems / s.batches,
      coldStarts: 0,
      throughputTimeline: s.timeline,
      queueDepthTimeline: Array.from({ length: windows }, (_, w) => (s.queueArea[w] ?? 0) / windowMs),
      latencyCdf: s.completed === 0 ? [] : LATENCY_CDF_QUANTILES.map((p) => ({ p, ms: s.hist.getValueAtPercentile(100 * p) / 1000 })),
    };
  });
  const slices = o.plan.slices.map((sl) => {
    const reps = replicas.filter((r) => r.replica.slice === sl.id);
    const capacity = reps.reduce((n, r) => n + r.instances, 0) * o.durationMs;
    return { id: sl.id, utilization: capacity === 0 ? 0 : Math.min(1, reps.reduce((n, r) => n + r.busyMs, 0) / capacity) };
  });
  const used = slices.filter((s) => replicas.some((r) => r.replica.slice === s.id));
  const completed = serviceReports.reduce((n, s) => n + s.completed, 0);
  const cost = (o.plan.summary.costPerHour * o.durationMs) / 3_600_000;
  return {
    services: serviceReports,
    slices,
    summary: {
      durationMs: o.durationMs,
      requests: serviceReports.reduce((n, s) => n + s.requests, 0),
      completed,
      utilization: used.length === 0 ? 0 : used.reduce((n, s) => n + s.utilization, 0) / used.length,
      costPerHour: o.plan.summary.costPerHour,
      cost,
      costPer1kInferences: completed === 0 ? 0 : (cost / completed) * 1000,
      events: run.events,
      wallMs: performance.now() - wall0,
      windowMs,
    },
  };
}

/** Batch time sampler: log-normal with the profile's p50 as median and its p99 as the 99th percentile. */
function serviceSampler(model: PerformanceModel, name: string, slice: ReturnType<typeof sliceFromPlan>, instances: number, rng: Rng): (b: number) => number {
  const cache = new Map<number, { median: number; sigma: number }>();
  return (b: number) => {
    let c = cache.get(b);
    if (!c) {
      const e = model.exec(name, slice, b, instances) ?? model.exec(name, slice, b, 1);
      const p50 = e?.latencyMs.p50 ?? 1;
      const p99 = Math.max(p50, e?.latencyMs.p99 ?? p50);
      c = { median: p50, sigma: p99 > p50 ? Math.log(p99 / p50) / 2.326 : 0 };
      cache.set(b, c);
    }
    return c.sigma === 0 ? c.median : c.median * Math.exp(c.sigma * rng.normal());
  };
}

function linearPrior(model: PerformanceModel, name: string, slice: ReturnType<typeof sliceFromPlan>, instances: number, maxBatch: number): { baseMs: number; perItemMs: number } {
  const t1 = model.serviceTimeMs(name, slice, 1, instances) ?? model.serviceTimeMs(name, slice, 1) ?? 1;
  const tb = model.serviceTimeMs(name, slice, maxBatch, instances) ?? model.serviceTimeMs(name, slice, maxBatch) ?? t1 * maxBatch;
  const perItemMs = maxBatch > 1 ? Math.max(0, (tb - t1) / (maxBatch - 1)) : t1;
  return { baseMs: Math.max(0, t1 - perItemMs), perItemMs };
}

/** Half the 5th–95th percentile spread of per-window throughput over its mean. */
export function fluctuation(windows: readonly number[]): number {
  if (windows.length < 2) return 0;
  const sorted = [...windows].sort((a, b) => a - b);
  const q = (p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(p * (sorted.length - 1)))] as number;
  const mean = windows.reduce((a, b) => a + b, 0) / windows.length;
  return mean === 0 ? 0 : (q(0.95) - q(0.05)) / (2 * mean);
}
