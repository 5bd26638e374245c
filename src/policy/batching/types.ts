import type { BATCH_POLICIES } from '../../core/spec/schema.js';

/**
 * The batching-policy contract shared by the simulator (virtual clock) and the serving runtime
 * (real clock). A policy is a stateless object holding its frozen config; everything it learns
 * lives in a plain, JSON-serialisable state value that the caller threads through:
 *
 *     let state = policy.initialState();
 *     ({ decision, state } = policy.decide(state, snapshot));   // on every change
 *     state = policy.observe(state, feedback);                   // when a batch completes
 *
 * `decide` and `observe` never mutate their inputs, read no clock and draw no unseeded randomness,
 * so the same (state, input) always gives the same output — which is what lets a simulated run be
 * replayed and compared with the runtime serving the same trace.
 */

export type BatchPolicyName = (typeof BATCH_POLICIES)[number];

/** One queued request as the policy sees it. Runtime queue entries satisfy this structurally. */
export interface QueuedRequest {
  /** When the request entered the queue (same clock as `BatchSnapshot.nowMs`). */
  readonly arrivalMs: number;
  /** Absolute time by which the response is due; absent means `arrivalMs + sloMs` where the policy needs one. */
  readonly deadlineMs?: number | undefined;
  /** Items along the batch axis (≥ 1; a client may send several in one request). */
  readonly items: number;
}

/**
 * What the batch loop shows the policy. `head` is the front of the queue in arrival order: the
 * requests that may share a batch with the oldest one (a loop with one input shape passes its
 * queue front as it is). It must hold every queued request, or at least the shortest prefix whose
 * items exceed the policy's `maxBatchSize` — policies never look further, so a loop can pass a
 * bounded slice of a long queue.
 */
export interface BatchSnapshot {
  readonly nowMs: number;
  readonly head: readonly QueuedRequest[];
  /** Model instances of this replica that could start a batch now. */
  readonly freeInstances: number;
}

/**
 * - `dispatch`: start one batch now from the first `requests` entries of `head` (`items` in total).
 *   The loop removes them, and — if instances and requests remain — calls `decide` again at the
 *   same `nowMs`, so several batches can start at one instant.
 * - `wait`: nothing now; call `decide` again at `untilMs` (always > nowMs) or at the next arrival
 *   or free instance, whichever comes first. A loop cancels its timer when it calls earlier.
 * - `idle`: nothing to do until the next arrival or free instance (queue empty or no free instance).
 */
export type BatchDecision =
  | { readonly kind: 'dispatch'; readonly requests: number; readonly items: number }
  | { readonly kind: 'wait'; readonly untilMs: number }
  | { readonly kind: 'idle' };

export interface BatchStep<S> {
  readonly decision: BatchDecision;
  readonly state: S;
}

/** Reported by the loop when a batch finishes, so adaptive policies learn. */
export interface BatchFeedback {
  /** Items in the batch (what the service time scales with). */
  readonly items: number;
  readonly requests: number;
  /** Time the batch ran on its instance (start of execution to end), ms. */
  readonly serviceMs: number;
  /** When the batch finished (same clock as snapshots). */
  readonly completedAtMs: number;
  /** Requests of the batch that finished by their deadline. */
  readonly deadlineMet: number;
  /** Requests of the batch that finished after their deadline (requests without one count in neither). */
  readonly deadlineMissed: number;
}

/** Batch time as a line in the batch size: t(b) = baseMs + perItemMs · b. */
export interface LinearServiceTime {
  readonly baseMs: number;
  readonly perItemMs: number;
}

export interface AdaptiveOptions {
  /** Gain α in batch items per (item/s) of throughput error. @default 0.15 */
  alpha?: number;
  /** How often the batch target is updated, ms. @default 1000 */
  controlIntervalMs?: number;
  /**
   * Throughput the replica should reach, items/s. @default the Nexus saturating throughput from
   * `serviceTimePrior` and `sloMs` (largest b with t(b) ≤ SLO/2, then b / t(b)); required otherwise.
   */
  targetThroughputPerS?: number;
  /** @default 1 */
  minBatchSize?: number;
  /** Batch target before the first control step. @default minBatchSize */
  initialBatchSize?: number;
}

export interface AimdOptions {
  /**
   * `code`: ucbrise/clipper's released ModelContainer (explore/estimate); `paper`: the NSDI'17
   * text (+step until a batch misses its latency objective, then ×backoffFactor). @default 'code'
   */
  variant?: 'code' | 'paper';
  /** Clipper `budget_decay_`: share of the head's remaining time a batch may use. @default 0.92 */
  budgetDecay?: number;
  /** Clipper `ADDITIVE_EXPANSION_THRESHOLD`: below it exploration adds one. @default 10 */
  additiveExpansionThreshold?: number;
  /** Clipper `MINIMUM_BATCH_SAMPLE_SIZE`: samples at the largest batch before exploring past it. @default 5 */
  minimumBatchSampleSize?: number;
  /** Clipper `LATENCY_Z_SCORE`: p99 ≈ mean + z · pooled std. @default 3 */
  latencyZScore?: number;
  /** Mean and std of the multiplicative exploration step N(μ, σ). @default 0.1, 0.05 */
  explorationMean?: number;
  explorationStd?: number;
  /** Ridge penalty of the batch-from-latency regression (ms²). @default 0.001 */
  ridgeLambda?: number;
  /** Seed of the exploration draws (core Rng). @default 0 */
  seed?: number;
  /** paper variant: additive increase per full batch that met its objective, items. @default 1 */
  additiveStep?: number;
  /** paper variant: multiplicative back-off on a miss. @default 0.9 */
  backoffFactor?: number;
}

export interface SloAwareOptions {
  /** Recent (size, time) observations the fit uses (BentoML N_KEPT_SAMPLE). @default 50 */
  windowSize?: number;
  /** First batches ignored as warm-up (BentoML skips 2). @default 2 */
  warmupBatches?: number;
  /** Ridge λ pulling the fitted per-item cost toward the prior's, items²; 0 = plain least squares. @default 1 */
  priorWeight?: number;
  /** Predicted time is multiplied by this before checking the deadline. @default 1.1 */
  safetyFactor?: number;
}

/** Options in; `createBatchPolicy` resolves defaults, checks them all at once and freezes them. */
export interface BatchPolicyOptions {
  policy: BatchPolicyName;
  /** Largest batch, items (the model's or the plan's limit). */
  maxBatchSize: number;
  /** Longest the oldest request waits for a batch to fill while an instance is free, ms. */
  maxQueueDelayMs?: number;
  /** triton: sizes to dispatch at as soon as they can be formed. */
  preferredBatchSizes?: readonly number[];
  /** The service's latency SLO, ms: the deadline of requests that carry none. */
  sloMs?: number;
  /** Batch time from the profile (see `fitLinearServiceTime`). */
  serviceTimePrior?: LinearServiceTime;
  adaptive?: AdaptiveOptions;
  aimd?: AimdOptions;
  sloAware?: SloAwareOptions;
}

export interface ResolvedTritonConfig {
  readonly policy: 'triton';
  readonly maxBatchSize: number;
  readonly maxQueueDelayMs: number;
  /** Sorted ascending; `[maxBatchSize]` when none were given (Triton core does the same). */
  readonly preferredBatchSizes: readonly number[];
}

export interface ResolvedNoneConfig {
  readonly policy: 'none';
  readonly maxBatchSize: number;
}

export interface ResolvedAdaptiveConfig {
  readonly policy: 'adaptive';
  readonly maxBatchSize: number;
  readonly maxQueueDelayMs: number;
  readonly alpha: number;
  readonly controlIntervalMs: number;
  readonly targetThroughputPerS: number;
  readonly minBatchSize: number;
  readonly initialBatchSize: number;
}

export interface ResolvedAimdConfig {
  readonly policy: 'aimd';
  readonly variant: 'code' | 'paper';
  readonly maxBatchSize: number;
  readonly sloMs: number;
  readonly maxQueueDelayMs: number;
  readonly budgetDecay: number;
  readonly additiveExpansionThreshold: number;
  readonly minimumBatchSampleSize: number;
  readonly latencyZScore: number;
  readonly explorationMean: number;
  readonly explorationStd: number;
  readonly ridgeLambda: number;
  readonly seed: number;
  readonly additiveStep: number;
  readonly backoffFactor: number;
}

export interface ResolvedSloAwareConfig {
  readonly policy: 'slo-aware';
  readonly maxBatchSize: number;
  readonly sloMs: number;
  /** Cap on the wait for a fuller batch; undefined = wait as long as the oldest deadline allows. */
  readonly maxQueueDelayMs: number | undefined;
  readonly prior: LinearServiceTime;
  readonly windowSize: number;
  readonly warmupBatches: number;
  readonly priorWeight: number;
  readonly safetyFactor: number;
}

export type ResolvedBatchPolicyConfig =
  | ResolvedTritonConfig
  | ResolvedNoneConfig
  | ResolvedAdaptiveConfig
  | ResolvedAimdConfig
  | ResolvedSloAwareConfig;

/** Every batching policy's state is a plain object tagged with the policy's name. */
export interface BatchPolicyStateBase {
  readonly policy: BatchPolicyName;
}

export interface BatchPolicy<S extends BatchPolicyStateBase = BatchPolicyStateBase> {
  readonly name: BatchPolicyName;
  readonly config: ResolvedBatchPolicyConfig;
  /**
   * The longest the oldest request is left waiting while an instance is free, ms, or undefined
   * where the policy promises no such bound. The conformance suite holds each policy to it.
   */
  readonly maxQueueDelayBoundMs: number | undefined;
  initialState(): S;
  decide(state: S, snapshot: BatchSnapshot): BatchStep<S>;
  observe(state: S, feedback: BatchFeedback): S;
}
