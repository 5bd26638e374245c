import { checkStateTag } from '../policy-errors.js';
import { IDLE, itemsOf } from './queue-head.js';
import type { BatchPolicy, BatchSnapshot, BatchStep, ResolvedTritonConfig } from './types.js';

export interface TritonState {
  readonly policy: 'triton';
}

const STATE: TritonState = Object.freeze({ policy: 'triton' });

/**
 * Triton's dynamic batcher, `DynamicBatchScheduler::GetDynamicBatch()` in
 * triton-inference-server/core src/dynamic_batch_scheduler.cc, with the pending batch recomputed
 * from the queue front on every call (Triton keeps a cursor; the outcome is the same because
 * nothing is taken until a batch is sent). Not modelled: priority levels, per-request timeouts
 * (the loop expires requests itself), equal-shape checks (the loop passes only compatible
 * requests in `head`) and custom batch strategies. It learns nothing, so its state is constant.
 */
export class TritonBatchPolicy implements BatchPolicy<TritonState> {
  readonly name = 'triton' as const;
  readonly maxQueueDelayBoundMs: number;
  private readonly preferred: ReadonlySet<number>;
  private readonly maxPreferred: number;

  constructor(readonly config: ResolvedTritonConfig) {
    this.maxQueueDelayBoundMs = config.maxQueueDelayMs;
    this.preferred = new Set(config.preferredBatchSizes);
    this.maxPreferred = Math.max(...config.preferredBatchSizes);
  }

  initialState(): TritonState {
    return STATE;
  }

  decide(state: TritonState, snapshot: BatchSnapshot): BatchStep<TritonState> {
    checkStateTag(state, this.name);
    const { head, nowMs } = snapshot;
    const oldest = head[0];
    if (oldest === undefined || snapshot.freeInstances < 1) return { decision: IDLE, state };
    const { maxBatchSize, maxQueueDelayMs } = this.config;

    // Walk the queue as Triton does: grow the pending batch while it fits maxBatchSize; remember the
    // last point where it equalled a preferred size, or where one more request would overshoot the
    // largest preferred size.
    let pendingItems = 0;
    let pendingRequests = 0;
    let bestItems = 0;
    let bestRequests = 0;
    let sendNow = false;
    for (const request of head) {
      const n = itemsOf(request);
      if (pendingRequests > 0) {
        if (pendingItems + n > this.maxPreferred && bestItems === 0) {
          bestItems = pendingItems;
          bestRequests = pendingRequests;
        }
        if (pendingItems + n > maxBatchSize) {
          sendNow = true;
          break;
        }
      }
      pendingItems += n;
      pendingRequests += 1;
      if (this.preferred.has(pendingItems)) {
        bestItems = pendingItems;
        bestRequests = pendingRequests;
      }
    }

    // The delay is measured from the oldest request; 0 means "never delay".
    const dueMs = oldest.arrivalMs + maxQueueDelayMs;
    const delayExceeded = maxQueueDelayMs !== 0 && nowMs >= dueMs;

    // A preferred size was found and the queue delay has not been exceeded: execute that.
    if (bestItems !== 0 && !delayExceeded) {
      return { decision: { kind: 'dispatch', requests: bestRequests, items: bestItems }, state };
    }
    const pending = { kind: 'dispatch', requests: pendingRequests, items: pendingItems } as const;
    // The batch can't grow any larger, the delay is exceeded, or there is no delay: send what is pending.
    if (sendNow || pendingItems >= this.maxPreferred || delayExceeded || maxQueueDelayMs === 0) {
      return { decision: pending, state };
    }
    // Otherwise sleep until the oldest request's delay runs out; an arrival wakes the loop earlier.
    return { decision: { kind: 'wait', untilMs: dueMs }, state };
  }

  observe(state: TritonState): TritonState {
    checkStateTag(state, this.name);
    return state;
  }
}
