import { checkStateTag } from '../policy-errors.js';
import { nonNegativeSlope, predictMs, slopeRidgeLine } from './linear-fit.js';
import { IDLE, deadlineOf, dispatchOf, takePrefix } from './queue-head.js';
import type {
  BatchFeedback,
  BatchPolicy,
  BatchSnapshot,
  BatchStep,
  LinearServiceTime,
  ResolvedSloAwareConfig,
} from './types.js';

export interface SloAwareState {
  readonly policy: 'slo-aware';
  /** Recent batch sizes (items) and their service times (ms), oldest first, at most windowSize. */
  readonly windowItems: readonly number[];
  readonly windowServiceMs: readonly number[];
  /** Batches observed so far, warm-up included. */
  readonly observed: number;
  /** The current fit of t(b) = baseMs + perItemMs · b. */
  readonly model: LinearServiceTime;
}

/**
 * Dispatch the largest batch that still lets the oldest request meet its deadline, with batch time
 * predicted by a linear model refit online — BentoML's CorkDispatcher idea
 * (bentoml/BentoML src/bentoml/_internal/marshal/dispatcher.py: duration = o_a·n + o_b, least
 * squares over the last 50 batches, the first 2 skipped).
 *
 * Rule, when an instance is free: with slack = deadline(oldest) − now, the feasible size is the
 * largest b ≤ maxBatchSize with safetyFactor · t(b) ≤ slack.
 * - Queue can fill it (or the next request does not fit): dispatch that batch now.
 * - Queue is shorter: wait for arrivals until the latest start that still meets the deadline for the
 *   batch queued now, deadline − safetyFactor · t(queued), capped by maxQueueDelayMs if set.
 * - Even b = 1 misses: the oldest is already late, so dispatch a full batch — under overload the
 *   biggest batch drains the backlog fastest and saves the requests behind it. (BentoML sheds the
 *   oldest instead; here shedding is the loop's call.)
 *
 * The fit is least squares over the window with the slope pulled toward the prior's per-item cost
 * by a ridge term of `priorWeight` (items²): c = (S_bt + λ·c₀) / (S_bb + λ), a = t̄ − c·b̄. With
 * no data the prior (the profile's line, or BentoML's initial o_a = min(2, 2·SLO/30),
 * o_b = min(1, SLO/30)) is used as is; with batches of one size only, the prior's slope is kept and
 * the intercept moves to what was measured; once sizes spread, the data decides. It is refit after
 * every batch (BentoML refits at most every 5 s; a 50-point fit is cheap enough per batch).
 */
export class SloAwareBatchPolicy implements BatchPolicy<SloAwareState> {
  readonly name = 'slo-aware' as const;
  readonly maxQueueDelayBoundMs: number | undefined;

  constructor(readonly config: ResolvedSloAwareConfig) {
    this.maxQueueDelayBoundMs = config.maxQueueDelayMs;
  }

  initialState(): SloAwareState {
    return { policy: 'slo-aware', windowItems: [], windowServiceMs: [], observed: 0, model: this.config.prior };
  }

  /** Largest batch the oldest request's deadline allows from now; 0 when even one item is too slow. */
  feasibleBatchSize(model: LinearServiceTime, slackMs: number): number {
    const { safetyFactor, maxBatchSize } = this.config;
    const fits = (b: number): boolean => safetyFactor * predictMs(model, b) <= slackMs;
    if (!fits(1)) return 0;
    if (model.perItemMs <= 0) return maxBatchSize;
    let b = Math.min(maxBatchSize, Math.max(1, Math.floor((slackMs / safetyFactor - model.baseMs) / model.perItemMs)));
    // The closed form can be off by one in floating point; settle it on the same test.
    while (b > 1 && !fits(b)) b -= 1;
    while (b < maxBatchSize && fits(b + 1)) b += 1;
    return b;
  }

  decide(state: SloAwareState, snapshot: BatchSnapshot): BatchStep<SloAwareState> {
    checkStateTag(state, this.name);
    const { head, nowMs } = snapshot;
    const oldest = head[0];
    if (oldest === undefined || snapshot.freeInstances < 1) return { decision: IDLE, state };
    const deadlineMs = deadlineOf(oldest, this.config.sloMs);
    const feasible = this.feasibleBatchSize(state.model, deadlineMs - nowMs);
    if (feasible < 1) return { decision: dispatchOf(takePrefix(head, this.config.maxBatchSize)), state };
    const prefix = takePrefix(head, feasible);
    if (prefix.more || prefix.items >= feasible) return { decision: dispatchOf(prefix), state };
    let latestStartMs = deadlineMs - this.config.safetyFactor * predictMs(state.model, prefix.items);
    if (this.config.maxQueueDelayMs !== undefined) {
      latestStartMs = Math.min(latestStartMs, oldest.arrivalMs + this.config.maxQueueDelayMs);
    }
    if (nowMs >= latestStartMs) return { decision: dispatchOf(prefix), state };
    return { decision: { kind: 'wait', untilMs: latestStartMs }, state };
  }

  observe(state: SloAwareState, feedback: BatchFeedback): SloAwareState {
    checkStateTag(state, this.name);
    const observed = state.observed + 1;
    if (observed <= this.config.warmupBatches || !(feedback.items >= 1) || !(feedback.serviceMs >= 0)) {
      return { ...state, observed };
    }
    const drop = state.windowItems.length >= this.config.windowSize ? 1 : 0;
    const windowItems = [...state.windowItems.slice(drop), feedback.items];
    const windowServiceMs = [...state.windowServiceMs.slice(drop), feedback.serviceMs];
    return { ...state, observed, windowItems, windowServiceMs, model: this.fit(windowItems, windowServiceMs) };
  }

  private fit(items: readonly number[], serviceMs: readonly number[]): LinearServiceTime {
    const { prior, priorWeight } = this.config;
    const line = slopeRidgeLine(items, serviceMs, prior.perItemMs, priorWeight);
    return line === undefined ? prior : nonNegativeSlope(line, items, serviceMs);
  }
}
