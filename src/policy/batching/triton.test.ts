import { describe, expect, test } from 'vitest';
import { createBatchPolicy } from './create.js';
import type { BatchDecision, QueuedRequest } from './types.js';

function queue(arrivals: readonly number[], items = 1): QueuedRequest[] {
  return arrivals.map((arrivalMs) => ({ arrivalMs, items }));
}

function decide(options: { maxQueueDelayMs?: number; preferredBatchSizes?: number[] }, nowMs: number, head: QueuedRequest[]): BatchDecision {
  const policy = createBatchPolicy({ policy: 'triton', maxBatchSize: 8, ...options });
  return policy.decide(policy.initialState(), { nowMs, head, freeInstances: 1 }).decision;
}

describe('triton dynamic batcher', () => {
  test('with no delay it sends whatever is queued at once, up to maxBatchSize', () => {
    expect(decide({}, 1, queue([0, 0, 1]))).toEqual({ kind: 'dispatch', requests: 3, items: 3 });
    expect(decide({}, 1, queue(Array.from({ length: 11 }, () => 0)))).toEqual({ kind: 'dispatch', requests: 8, items: 8 });
  });

  test('a reachable preferred size is sent immediately, before the delay runs out', () => {
    // GIVEN preferred sizes 4 and 6 and a 10 ms delay, WHEN 5 requests wait, THEN 4 go now.
    expect(decide({ maxQueueDelayMs: 10, preferredBatchSizes: [4, 6] }, 1, queue([0, 0, 0, 1, 1]))).toEqual({ kind: 'dispatch', requests: 4, items: 4 });
    // The largest preferred size reached wins.
    expect(decide({ maxQueueDelayMs: 10, preferredBatchSizes: [4, 6] }, 1, queue([0, 0, 0, 0, 1, 1, 1]))).toEqual({ kind: 'dispatch', requests: 6, items: 6 });
  });

  test('below every preferred size it waits until the OLDEST request has waited maxQueueDelayMs', () => {
    expect(decide({ maxQueueDelayMs: 10, preferredBatchSizes: [4] }, 8, queue([0, 8]))).toEqual({ kind: 'wait', untilMs: 10 });
  });

  test('once the delay is exceeded it sends everything pending, even past a preferred size', () => {
    expect(decide({ maxQueueDelayMs: 10, preferredBatchSizes: [4] }, 10, queue([0, 2]))).toEqual({ kind: 'dispatch', requests: 2, items: 2 });
    expect(decide({ maxQueueDelayMs: 10, preferredBatchSizes: [4] }, 12, queue([0, 1, 2, 3, 4]))).toEqual({ kind: 'dispatch', requests: 5, items: 5 });
  });

  test('when the next request would overshoot the largest preferred size, what fits under it is sent', () => {
    // Items 3 + 3 jump over preferred 4: Triton marks the cursor at 3 and sends it now.
    expect(decide({ maxQueueDelayMs: 10, preferredBatchSizes: [4] }, 1, queue([0, 0], 3))).toEqual({ kind: 'dispatch', requests: 1, items: 3 });
  });

  test('without preferred sizes, maxBatchSize is the preferred size (Triton core fills it in)', () => {
    const policy = createBatchPolicy({ policy: 'triton', maxBatchSize: 8, maxQueueDelayMs: 10 });
    expect(policy.config).toMatchObject({ preferredBatchSizes: [8] });
    expect(decide({ maxQueueDelayMs: 10 }, 1, queue(Array.from({ length: 8 }, () => 0)))).toEqual({ kind: 'dispatch', requests: 8, items: 8 });
    expect(decide({ maxQueueDelayMs: 10 }, 1, queue([0, 0, 0]))).toEqual({ kind: 'wait', untilMs: 10 });
  });
});
