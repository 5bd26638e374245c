import type { Fleet } from '../../core/index.js';
import type { BatchPolicyName, Forecaster, KeepAlivePolicyOptions } from '../../policy/index.js';
import type { PerformanceModel } from '../../profile/index.js';
import type { Plan } from '../../plan/plan-types.js';
import type { ArrivalSource } from '../arrivals/arrival-stream.js';

/**
 * An injected failure at `atMs`. `replica` names one (`<service>/<index>`); `service` alone hits
 * every replica the service has at that moment.
 * - `crash` (default): its in-flight batches fail (status `error`) and it is unavailable for its
 *   load time (measured load + warm-up), then serves again by itself.
 * - `faulty`: it stays up and ready but every batch it finishes fails (status `error`) until it is
 *   restarted (`restartReplica`, `repack`, or a crash) — a worker in a bad state that only a
 *   restart cures, which is what the controller's `restart-worker` rule is for.
 */
export type FailureKind = 'crash' | 'faulty';

export const FAILURE_KINDS: readonly FailureKind[] = ['crash', 'faulty'];

export interface FailureSpec {
  readonly atMs: number;
  readonly replica?: string;
  readonly service?: string;
  /** @default 'crash' */
  readonly kind?: FailureKind;
}

/**
 * The serving path around a batch, which a profile of the model alone does not contain: the
 * gateway's parse, decode, encode and write per request, and the hand-off to the worker and back
 * per batch. Measured, not guessed: bench/serve.ts part 6 calibrates it per model at low load
 * (client latency minus the profile's batch-1 time at p50 and p99).
 */
export interface ServingOverhead {
  /** Median time a request spends outside the model queue and the batch, ms. */
  readonly requestP50Ms: number;
  /** Its 99th percentile, ms (log-normal between the two); absent: constant at the median. */
  readonly requestP99Ms?: number;
  /** Time each batch occupies its instance beyond the model's run (hand-off, concat, split), ms. */
  readonly batchMs?: number;
}

export interface SimulatePlanOptions {
  fleet: Fleet;
  plan: Plan;
  model: PerformanceModel;
  /** Simulated time, ms: arrivals stop here, and `simulatePlan` reports up to here. */
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
  /**
   * Keep-alive / pre-warm policy for cold-pool models, one loop per model on its pool slice.
   * Absent: a loaded cold model stays until LRU eviction needs its memory (the planner's model).
   */
  keepAlive?: KeepAlivePolicyOptions;
  /** The forecaster the `forecast` (and `hybrid-histogram`) keep-alive policy asks. @default exponential smoothing */
  forecaster?: Forecaster;
  failures?: readonly FailureSpec[];
  /** Cold start assumed where the profile does not measure the load, ms. @default the planner's (2000) */
  defaultColdStartMs?: number;
  /** Memory assumed for a cold-pool model that neither profile nor spec sizes, bytes. @default the planner's (2 GiB) */
  defaultModelMemoryBytes?: number;
  /**
   * The serving path's cost, for every service or per service name (absent: none, the model alone
   * as profiled). Request overhead is added to each served request's latency; batch overhead to
   * each batch's time on its instance.
   */
  servingOverhead?: ServingOverhead | ReadonlyMap<string, ServingOverhead>;
  /** Burst an admission cap allows, as time at the capped rate, ms (bucket size = rate × this, at least 1). @default 100 */
  admissionBurstMs?: number;
}
