import type { Plan } from '../../plan/plan-types.js';
import type { ColdPool } from './cold-pool.js';
import { LATENCY_CDF_QUANTILES, type PoolSimReport, type ServiceSimReport, type SimulationResult } from './result-types.js';
import type { SimReplica, SimService } from './sim-state.js';

export interface ReportInput {
  readonly plan: Plan;
  readonly services: readonly SimService[];
  readonly pools: readonly ColdPool[];
  /** The end of the reported span [0, nowMs]. */
  readonly nowMs: number;
  readonly windowMs: number;
  readonly events: number;
  readonly wallMs: number;
}

/** Time a replica existed within [0, nowMs], ms. */
function lifetimeMs(r: SimReplica, nowMs: number): number {
  const end = Number.isNaN(r.removedAtMs) ? nowMs : Math.min(nowMs, r.removedAtMs);
  return Math.max(0, end - r.createdAtMs);
}

/** Builds the SimulationResult from the simulation's state at `nowMs` (reads only). */
export function buildSimulationResult(input: ReportInput): SimulationResult {
  const { plan, nowMs, windowMs } = input;
  const durS = nowMs / 1000;
  const windows = Math.ceil(nowMs / windowMs);
  const services = input.services.map((s): ServiceSimReport => {
    const pct = (p: number): number => (s.completed === 0 ? Number.NaN : s.hist.getValueAtPercentile(p) / 1000);
    let prewarms = 0;
    let evictions = 0;
    let unloads = 0;
    let residentMs = 0;
    for (const e of s.entries) {
      prewarms += e.prewarms;
      evictions += e.evictions;
      unloads += e.unloads;
      residentMs += e.pool.residentMsOf(e, nowMs);
    }
    // A hot replica keeps its model loaded for as long as it exists.
    for (const r of s.allReplicas) if (r.entry === undefined) residentMs += lifetimeMs(r, nowMs);
    return {
      name: s.name,
      requests: s.requests,
      completed: s.completed,
      dropped: s.dropped,
      admissionRefused: s.admissionRefused,
      poolRefused: s.poolRefused,
      failed: s.failed,
      p50Ms: pct(50),
      p90Ms: pct(90),
      p99Ms: pct(99),
      meanMs: s.completed === 0 ? Number.NaN : s.hist.mean / 1000,
      sloMs: s.sloMs,
      sloAttainment: s.completed === 0 ? 0 : s.withinSlo / s.completed,
      throughputPerS: durS === 0 ? 0 : s.completed / durS,
      throughputFluctuation: fluctuation(s.timeline.slice(0, Math.floor(nowMs / windowMs))),
      meanBatchSize: s.batches === 0 ? 0 : s.batchItems / s.batches,
      coldStarts: s.coldStarts,
      coldStartDelayedRequests: s.coldDelayed,
      coldStartDelayMs: s.coldDelayMs,
      coldStartDelayMeanMs: s.coldDelayed === 0 ? 0 : s.coldDelayMs / s.coldDelayed,
      prewarms,
      evictions,
      unloads,
      residentMs,
      restarts: s.allReplicas.reduce((n, r) => n + r.restarts, 0),
      throughputTimeline: s.timeline,
      queueDepthTimeline: Array.from({ length: windows }, (_, w) => (s.queueArea[w] ?? 0) / windowMs),
      latencyCdf: s.completed === 0 ? [] : LATENCY_CDF_QUANTILES.map((p) => ({ p, ms: s.hist.getValueAtPercentile(100 * p) / 1000 })),
    };
  });
  const all = input.services.flatMap((s) => s.allReplicas);
  const slices = plan.slices.map((sl) => {
    const reps = all.filter((r) => r.replica.slice === sl.id);
    // Capacity counts each replica's instances for the time it existed (scale-ups and -downs included).
    const capacity = reps.reduce((n, r) => n + r.instances * lifetimeMs(r, nowMs), 0);
    return { id: sl.id, utilization: capacity === 0 ? 0 : Math.min(1, reps.reduce((n, r) => n + r.busyMs, 0) / capacity) };
  });
  const used = slices.filter((s) => all.some((r) => r.replica.slice === s.id));
  const pools = input.pools.map((p): PoolSimReport => ({
    slice: p.slice,
    memoryBytes: p.memoryBytes,
    services: p.entries.map((e) => e.service.name),
    peakUsedBytes: p.cache.peakUsedBytes,
    meanUsedBytes: p.meanUsedBytes(nowMs),
    coldStarts: p.entries.reduce((n, e) => n + e.coldStarts, 0),
    prewarms: p.entries.reduce((n, e) => n + e.prewarms, 0),
    evictions: p.entries.reduce((n, e) => n + e.evictions, 0),
    unloads: p.entries.reduce((n, e) => n + e.unloads, 0),
    refused: p.entries.reduce((n, e) => n + e.refused, 0),
  }));
  const sum = (f: (s: ServiceSimReport) => number): number => services.reduce((n, s) => n + f(s), 0);
  const completed = sum((s) => s.completed);
  const cost = (plan.summary.costPerHour * nowMs) / 3_600_000;
  return {
    services,
    slices,
    pools,
    summary: {
      durationMs: nowMs,
      requests: sum((s) => s.requests),
      completed,
      dropped: sum((s) => s.dropped),
      failed: sum((s) => s.failed),
      coldStarts: sum((s) => s.coldStarts),
      utilization: used.length === 0 ? 0 : used.reduce((n, s) => n + s.utilization, 0) / used.length,
      costPerHour: plan.summary.costPerHour,
      cost,
      costPer1kInferences: completed === 0 ? 0 : (cost / completed) * 1000,
      events: input.events,
      wallMs: input.wallMs,
      windowMs,
    },
  };
}

/** Half the 5th–95th percentile spread of per-window throughput over its mean. */
export function fluctuation(windows: readonly number[]): number {
  if (windows.length < 2) return 0;
  const sorted = [...windows].sort((a, b) => a - b);
  const q = (p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(p * (sorted.length - 1)))] as number;
  const mean = windows.reduce((a, b) => a + b, 0) / windows.length;
  return mean === 0 ? 0 : (q(0.95) - q(0.05)) / (2 * mean);
}
