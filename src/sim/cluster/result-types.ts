/** What a simulation reports: per service, per slice, per cold pool, and totals. */

export interface ServiceSimReport {
  name: string;
  requests: number;
  /** Served (status ok). */
  completed: number;
  /** Refused (the runtime's 429/503): queue full, above an admission cap, or no room in its cold pool. */
  dropped: number;
  /** Of `dropped`: refused by an admission cap (`setAdmissionCap`). */
  admissionRefused: number;
  /** Of `dropped`: found the model unloaded with every resident model of its pool busy. */
  poolRefused: number;
  /** Lost in a batch that was running when its replica crashed or restarted (status error). */
  failed: number;
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
  /** Loads of the model triggered by a request that found it unloaded (cold-pool services). */
  coldStarts: number;
  /** Requests that waited for a load (on demand or a pre-warm still under way). */
  coldStartDelayedRequests: number;
  /** Time those requests waited for the load, summed, ms. */
  coldStartDelayMs: number;
  /** coldStartDelayMs / coldStartDelayedRequests (0 when none). */
  coldStartDelayMeanMs: number;
  /** Loads the keep-alive policy started ahead of demand. */
  prewarms: number;
  /** Unloads to make room for another model's load (LRU). */
  evictions: number;
  /** Unloads the keep-alive policy decided. */
  unloads: number;
  /** Model-time resident, ms: cold — while loading or loaded in its pool; hot — each replica's lifetime. */
  residentMs: number;
  /** Replica crashes and restarts (injected failures, restartReplica, repack). */
  restarts: number;
  throughputTimeline: number[];
  /** Time-weighted mean number of queued requests per throughput window (the report's queue plot). */
  queueDepthTimeline: number[];
  /** Latency CDF at fixed quantiles (`LATENCY_CDF_QUANTILES`), compact enough for `--json` and the report. */
  latencyCdf: LatencyCdfPoint[];
}

/** One cold pool: memory use and what its models did. */
export interface PoolSimReport {
  slice: string;
  memoryBytes: number;
  services: string[];
  peakUsedBytes: number;
  /** Time-weighted mean memory held (loading or loaded), bytes: × duration gives memory-time. */
  meanUsedBytes: number;
  coldStarts: number;
  prewarms: number;
  evictions: number;
  unloads: number;
  /** Requests refused because no idle model could be evicted to make room. */
  refused: number;
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
  pools: PoolSimReport[];
  summary: {
    durationMs: number;
    requests: number;
    completed: number;
    dropped: number;
    failed: number;
    coldStarts: number;
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
