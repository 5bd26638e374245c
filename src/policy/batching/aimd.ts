import { createRng } from '../../core/rng.js';
import { checkStateTag } from '../policy-errors.js';
import { ridgeLine, type Line } from './linear-fit.js';
import { IDLE, deadlineOf, dispatchOf, itemsUpTo, takePrefix } from './queue-head.js';
import type { BatchFeedback, BatchPolicy, BatchSnapshot, BatchStep, ResolvedAimdConfig } from './types.js';

/** Latency samples at one batch size: count, mean and (population) std, as Clipper keeps them. */
export interface LatencyPoint {
  readonly batchSize: number;
  readonly n: number;
  readonly meanMs: number;
  readonly stdMs: number;
}

export interface AimdState {
  readonly policy: 'aimd';
  /** code: Clipper `max_batch_size_`, the largest batch size decided so far. */
  readonly exploredMax: number;
  /** code: Clipper `max_latency_`, the slowest batch seen, ms. */
  readonly maxLatencyMs: number;
  /** code: per-batch-size latency statistics, ascending by size. */
  readonly points: readonly LatencyPoint[];
  /** code: batch ≈ intercept + slope · p99-latency(ms), refit after every batch; null before any. */
  readonly estimator: Line | null;
  /** code: seed of the next exploration draw. */
  readonly rngSeed: number;
  /** paper: the current additive-increase / multiplicative-decrease batch size, items. */
  readonly batchTarget: number;
}

/**
 * Clipper's adaptive batching. The default, `variant: 'code'`, is what ucbrise/clipper ships
 * (src/libclipper/src/containers.cpp, `ModelContainer::get_batch_size`, `explore`, `estimate`,
 * `fit_estimator`; task_executor.hpp `ModelQueue::get_batch`), which differs from the paper:
 *
 * - When an instance asks for work, budget = (deadline of the head − now) × budget_decay (0.92).
 * - budget > slowest batch seen → explore: hold at the largest size decided so far until it has
 *   MINIMUM_BATCH_SAMPLE_SIZE (5) samples, then +1 below ADDITIVE_EXPANSION_THRESHOLD (10), else
 *   × (1 + max(0, N(0.1, 0.05))) — the additive increase and multiplicative growth.
 * - otherwise → estimate: a ridge regression of batch size on per-size p99 latency
 *   (mean + 3 × pooled std over sizes with ≥ 5 samples) read at the budget, floored, min 1 — the
 *   back-off: once a batch has taken longer than the budget, the size falls to what the fit says fits.
 * - Clipper never waits for a batch to fill: the batch goes as soon as an instance is free.
 *
 * Deviations, each because the loop owns the action: Clipper pads an exploring batch with copies of
 * the last query so it runs at full size; here a size with no samples yet is held (treated as having
 * 0 samples) instead of expanded past, which keeps exploration from running away when the queue is
 * short. Clipper drops requests whose deadline passed before batching; here the loop expires them.
 * The decided size is capped at maxBatchSize.
 *
 * `variant: 'paper'` is the NSDI'17 description: add `additiveStep` after a full batch that met its
 * latency objective (the SLO), multiply by `backoffFactor` (0.9, "reducing the batch size by 10%")
 * when a batch runs longer than the SLO or any of its requests misses its deadline; wait at most
 * maxQueueDelayMs ("delayed batching", 0 by default) for the batch to fill.
 */
export class AimdBatchPolicy implements BatchPolicy<AimdState> {
  readonly name = 'aimd' as const;
  readonly maxQueueDelayBoundMs: number;

  constructor(readonly config: ResolvedAimdConfig) {
    this.maxQueueDelayBoundMs = config.variant === 'code' ? 0 : config.maxQueueDelayMs;
  }

  initialState(): AimdState {
    return {
      policy: 'aimd',
      exploredMax: 1,
      maxLatencyMs: 0,
      points: [],
      estimator: null,
      rngSeed: this.config.seed >>> 0,
      batchTarget: 1,
    };
  }

  decide(state: AimdState, snapshot: BatchSnapshot): BatchStep<AimdState> {
    checkStateTag(state, this.name);
    const oldest = snapshot.head[0];
    if (oldest === undefined || snapshot.freeInstances < 1) return { decision: IDLE, state };
    if (this.config.variant === 'paper') return this.decidePaper(state, snapshot);

    const budgetMs = (deadlineOf(oldest, this.config.sloMs) - snapshot.nowMs) * this.config.budgetDecay;
    let next = state;
    let size: number;
    if (budgetMs > state.maxLatencyMs) {
      const explored = this.explore(state);
      size = explored.size;
      next = { ...state, rngSeed: explored.rngSeed };
    } else {
      size = this.estimate(state, budgetMs);
    }
    size = Math.min(size, this.config.maxBatchSize);
    if (size > next.exploredMax) next = { ...next, exploredMax: size };
    return { decision: dispatchOf(takePrefix(snapshot.head, size)), state: next };
  }

  observe(state: AimdState, feedback: BatchFeedback): AimdState {
    checkStateTag(state, this.name);
    if (this.config.variant === 'paper') return this.observePaper(state, feedback);
    if (!(feedback.items >= 1) || !(feedback.serviceMs > 0)) return state;
    const points = addSample(state.points, feedback.items, feedback.serviceMs);
    return {
      ...state,
      points,
      maxLatencyMs: Math.max(state.maxLatencyMs, feedback.serviceMs),
      estimator: this.fit(points),
    };
  }

  private explore(state: AimdState): { size: number; rngSeed: number } {
    const { minimumBatchSampleSize, additiveExpansionThreshold, explorationMean, explorationStd } = this.config;
    const atMax = state.points.find((p) => p.batchSize === state.exploredMax);
    if ((atMax?.n ?? 0) < minimumBatchSampleSize) return { size: state.exploredMax, rngSeed: state.rngSeed };
    if (state.exploredMax < additiveExpansionThreshold) return { size: state.exploredMax + 1, rngSeed: state.rngSeed };
    const rng = createRng(state.rngSeed);
    const factor = Math.max(0, rng.normal(explorationMean, explorationStd));
    return { size: Math.floor((1 + factor) * state.exploredMax), rngSeed: rng.int(0, 0xffffffff) };
  }

  private estimate(state: AimdState, budgetMs: number): number {
    if (state.estimator === null) return 1;
    const estimate = state.estimator.intercept + state.estimator.slope * budgetMs;
    return Number.isFinite(estimate) ? Math.max(1, Math.floor(estimate)) : 1;
  }

  /** Clipper `fit_estimator`: pooled std over well-sampled sizes, then batch ~ p99 latency. */
  private fit(points: readonly LatencyPoint[]): Line | null {
    const { minimumBatchSampleSize, latencyZScore, ridgeLambda } = this.config;
    let pooledNum = 0;
    // Clipper starts the denominator at minus the number of sizes (all of them, not only the
    // well-sampled ones); kept as shipped.
    let pooledDenom = -points.length;
    for (const p of points) {
      if (p.n >= minimumBatchSampleSize) {
        pooledNum += (p.n - 1) * p.stdMs * p.stdMs;
        pooledDenom += p.n;
      }
    }
    const pooledStd = Math.sqrt(pooledNum / Math.max(1, pooledDenom));
    const xs = points.map((p) => p.meanMs + latencyZScore * pooledStd);
    const ys = points.map((p) => p.batchSize);
    return ridgeLine(xs, ys, ridgeLambda) ?? null;
  }

  private decidePaper(state: AimdState, snapshot: BatchSnapshot): BatchStep<AimdState> {
    const oldest = snapshot.head[0];
    if (oldest === undefined) return { decision: IDLE, state };
    const size = Math.max(1, Math.min(this.config.maxBatchSize, Math.floor(state.batchTarget)));
    const dueMs = oldest.arrivalMs + this.config.maxQueueDelayMs;
    if (itemsUpTo(snapshot.head, size) >= size || snapshot.nowMs >= dueMs) {
      return { decision: dispatchOf(takePrefix(snapshot.head, size)), state };
    }
    return { decision: { kind: 'wait', untilMs: dueMs }, state };
  }

  private observePaper(state: AimdState, feedback: BatchFeedback): AimdState {
    const { sloMs, additiveStep, backoffFactor, maxBatchSize } = this.config;
    const missed = feedback.deadlineMissed > 0 || feedback.serviceMs > sloMs;
    if (missed) return { ...state, batchTarget: Math.max(1, state.batchTarget * backoffFactor) };
    // Only a batch that actually ran at the target says the target is safe to raise.
    if (feedback.items < Math.floor(state.batchTarget)) return state;
    return { ...state, batchTarget: Math.min(maxBatchSize, state.batchTarget + additiveStep) };
  }
}

/** Clipper `IterativeUpdater::calculate_new_mean_std`, kept formula for formula. */
export function addSample(points: readonly LatencyPoint[], batchSize: number, latencyMs: number): LatencyPoint[] {
  const out: LatencyPoint[] = [];
  let placed = false;
  for (const p of points) {
    if (!placed && p.batchSize === batchSize) {
      const n = p.n;
      const newN = n + 1;
      const newMean = (n * p.meanMs + latencyMs) / newN;
      const oldS = p.stdMs * p.stdMs * n;
      const newS = oldS + (newN / Math.max(1, n)) * (newMean - latencyMs) ** 2;
      out.push({ batchSize, n: newN, meanMs: newMean, stdMs: Math.sqrt(newS / Math.max(1, newN)) });
      placed = true;
      continue;
    }
    if (!placed && p.batchSize > batchSize) {
      out.push({ batchSize, n: 1, meanMs: latencyMs, stdMs: 0 });
      placed = true;
    }
    out.push(p);
  }
  if (!placed) out.push({ batchSize, n: 1, meanMs: latencyMs, stdMs: 0 });
  return out;
}
