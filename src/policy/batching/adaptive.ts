import { checkStateTag } from '../policy-errors.js';
import { IDLE, dispatchOf, itemsUpTo, takePrefix } from './queue-head.js';
import type { BatchFeedback, BatchPolicy, BatchSnapshot, BatchStep, ResolvedAdaptiveConfig } from './types.js';

export interface AdaptiveState {
  readonly policy: 'adaptive';
  /** Batch_t, items; kept fractional so small corrections accumulate. */
  readonly batchTarget: number;
  /** Start of the current control interval; null until the first call. */
  readonly intervalStartMs: number | null;
  /** Items of batches that completed in the current interval. */
  readonly intervalItems: number;
  /** Throughput measured over the last interval that had completions, items/s. */
  readonly lastThroughputPerS: number | null;
  readonly controlSteps: number;
}

/**
 * The seed's batch controller, applied once per control interval:
 *
 *     Batch_{t+1} = clip(Batch_t + α · (Throughput_target − Throughput_t), minBatch, maxBatch)
 *
 * Throughput_t is items completed in the interval ÷ the interval, items/s, from feedback; α is
 * therefore in items per (item/s). Intervals in which no batch completed are skipped rather than
 * read as zero throughput: nothing was measured, and a long batch spanning the interval would
 * otherwise look like a stall and push the target to the maximum.
 *
 * The target is used as Triton uses a preferred size with a delay: dispatch round(Batch_t) items as
 * soon as they are queued, and dispatch whatever is queued once the oldest request has waited
 * maxQueueDelayMs.
 *
 * Stability (derived): near the fixed point b*, the step multiplies the error by
 * 1 − α·dThroughput/dBatch, so the loop converges only while α·dThroughput/dBatch < 2. With
 * t(b) = a + c·b ms, dThroughput/dBatch = 1000·a / (a + c·b)² items/s per item; fast models
 * (small a + c·b) make α = 0.15 oscillate between the clip bounds.
 */
export class AdaptiveBatchPolicy implements BatchPolicy<AdaptiveState> {
  readonly name = 'adaptive' as const;
  readonly maxQueueDelayBoundMs: number;

  constructor(readonly config: ResolvedAdaptiveConfig) {
    this.maxQueueDelayBoundMs = config.maxQueueDelayMs;
  }

  initialState(): AdaptiveState {
    return {
      policy: 'adaptive',
      batchTarget: this.config.initialBatchSize,
      intervalStartMs: null,
      intervalItems: 0,
      lastThroughputPerS: null,
      controlSteps: 0,
    };
  }

  /** The batch size the controller currently aims for, items. */
  targetBatchSize(state: AdaptiveState): number {
    return Math.min(this.config.maxBatchSize, Math.max(this.config.minBatchSize, Math.round(state.batchTarget)));
  }

  decide(state: AdaptiveState, snapshot: BatchSnapshot): BatchStep<AdaptiveState> {
    checkStateTag(state, this.name);
    const next = this.advance(state, snapshot.nowMs);
    const oldest = snapshot.head[0];
    if (oldest === undefined || snapshot.freeInstances < 1) return { decision: IDLE, state: next };
    const target = this.targetBatchSize(next);
    const dueMs = oldest.arrivalMs + this.config.maxQueueDelayMs;
    if (itemsUpTo(snapshot.head, target) >= target || snapshot.nowMs >= dueMs) {
      return { decision: dispatchOf(takePrefix(snapshot.head, target)), state: next };
    }
    return { decision: { kind: 'wait', untilMs: dueMs }, state: next };
  }

  observe(state: AdaptiveState, feedback: BatchFeedback): AdaptiveState {
    checkStateTag(state, this.name);
    const next = this.advance(state, feedback.completedAtMs);
    return { ...next, intervalItems: next.intervalItems + feedback.items };
  }

  /** Closes every control interval that ended by `nowMs`, applying the update for the one with data. */
  private advance(state: AdaptiveState, nowMs: number): AdaptiveState {
    const { controlIntervalMs, alpha, targetThroughputPerS, minBatchSize, maxBatchSize } = this.config;
    if (state.intervalStartMs === null) return { ...state, intervalStartMs: nowMs };
    const elapsed = nowMs - state.intervalStartMs;
    if (elapsed < controlIntervalMs) return state;
    const intervals = Math.floor(elapsed / controlIntervalMs);
    const intervalStartMs = state.intervalStartMs + intervals * controlIntervalMs;
    if (state.intervalItems === 0) return { ...state, intervalStartMs };
    // Items counted so far all completed before the first boundary: each observe closes intervals
    // before adding its own batch.
    const throughputPerS = (state.intervalItems * 1000) / controlIntervalMs;
    const raw = state.batchTarget + alpha * (targetThroughputPerS - throughputPerS);
    return {
      ...state,
      batchTarget: Math.min(maxBatchSize, Math.max(minBatchSize, raw)),
      intervalStartMs,
      intervalItems: 0,
      lastThroughputPerS: throughputPerS,
      controlSteps: state.controlSteps + 1,
    };
  }
}
