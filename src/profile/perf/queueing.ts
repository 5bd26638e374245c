/**
 * The queueing model of one replica with dynamic batching (docs/planner.md, "Queueing model").
 *
 * A replica runs `instances` copies of a model (MPS processes / instance count) on one slice.
 * Requests arrive at `rateRps` with squared coefficient of variation `arrivalScv` (1 = Poisson).
 * Dispatch rule ("wait ≤ maxQueueDelay, then batch"): a batch leaves for a free instance when it
 * holds `batchSize` requests or its oldest request has waited `maxQueueDelayMs`.
 *
 *   n   = min(b, 1 + λ·D)                 requests per dispatched batch (conservative: ignores the
 *                                         extra requests that accumulate while instances are busy)
 *   a   = (λ/n)·s(n)                      busy instances (offered load of the batch queue)
 *   C   = ErlangC(c, a)                   probability a batch waits for an instance
 *   θ   = 2(c − a) / (s(n)·(c_a²/n + c_s²))   exponential tail rate of that wait (Kingman /
 *                                         Allen–Cunneen for GI/G/c; a batch of n Poisson arrivals
 *                                         has inter-batch SCV c_a²/n)
 *   W99 = max(0, ln(C/0.01)/θ)            99th percentile of the wait for an instance
 *   p99 ≈ D + W99 + s99(b)                timeout + instance wait + the p99 execution of a full batch
 *
 * Summing the three 99th percentiles bounds the 99th percentile of their sum from above, so the
 * prediction is conservative when its inputs are right.
 */

/** Erlang C: probability that an arrival waits in M/M/c with offered load `a` (< c). */
export function erlangC(servers: number, offered: number): number {
  if (offered <= 0) return 0;
  if (offered >= servers) return 1;
  // Erlang B by the stable recurrence, then C from B.
  let b = 1;
  for (let k = 1; k <= servers; k++) b = (offered * b) / (k + offered * b);
  const rho = offered / servers;
  return b / (1 - rho + rho * b);
}

export interface BatchQueueInputs {
  readonly rateRps: number;
  readonly batchSize: number;
  readonly instances: number;
  readonly maxQueueDelayMs: number;
  /** Mean execution time (ms) of a batch of `n` (may be fractional: interpolated) on one instance. */
  readonly execMeanMs: (n: number) => number;
  /** 99th percentile execution time (ms) of a full batch. */
  readonly execP99FullMs: number;
  /** Squared coefficient of variation of request inter-arrival times (1 = Poisson). */
  readonly arrivalScv: number;
  /** Squared coefficient of variation of batch execution times. */
  readonly execScv: number;
}

export interface BatchQueueResult {
  readonly p99Ms: number;
  /** Expected requests per dispatched batch. */
  readonly meanBatch: number;
  /** Busy fraction of the instances, 0..1. */
  readonly busy: number;
  readonly waitP99Ms: number;
}

const UNSTABLE: BatchQueueResult = { p99Ms: Number.POSITIVE_INFINITY, meanBatch: 0, busy: 1, waitP99Ms: Number.POSITIVE_INFINITY };

export function batchQueue(q: BatchQueueInputs): BatchQueueResult {
  const lambdaPerMs = q.rateRps / 1000;
  const d = q.batchSize <= 1 ? 0 : q.maxQueueDelayMs;
  const n = q.batchSize <= 1 ? 1 : Math.min(q.batchSize, 1 + lambdaPerMs * d);
  const s = q.execMeanMs(n);
  if (!(s > 0)) return UNSTABLE;
  const offered = (lambdaPerMs / n) * s;
  if (offered >= q.instances) return UNSTABLE;
  const waitProb = erlangC(q.instances, offered);
  const variability = Math.max(q.arrivalScv / n + q.execScv, 1e-6);
  const theta = (2 * (q.instances - offered)) / (s * variability);
  const wait = waitProb > 0.01 ? Math.log(waitProb / 0.01) / theta : 0;
  return { p99Ms: d + wait + q.execP99FullMs, meanBatch: n, busy: offered / q.instances, waitP99Ms: wait };
}

/**
 * The Nexus rule (SOSP'19, `GetMaxBatch`): a saturated instance cycling batches of `b` makes a
 * request wait up to one batch before its own runs, so worst-case latency is 2·l(b) with
 * l = mean + σ of the batch latency. Throughput b / l(b) per instance.
 */
export function nexusWorstCaseMs(latencyMs: number): number {
  return 2 * latencyMs;
}
