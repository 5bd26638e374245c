import { describe, expect, test } from 'vitest';
import type { AdaptiveBatchPolicy, AdaptiveState } from './adaptive.js';
import { createBatchPolicy } from './create.js';
import { runVirtualLoop, type LoopArrival } from './test-support/virtual-loop.js';

function adaptive(maxBatchSize: number, targetThroughputPerS: number, extra: { alpha?: number; initialBatchSize?: number } = {}): AdaptiveBatchPolicy {
  const policy = createBatchPolicy({
    policy: 'adaptive',
    maxBatchSize,
    maxQueueDelayMs: 50,
    adaptive: { targetThroughputPerS, controlIntervalMs: 1000, ...extra },
  });
  return policy as AdaptiveBatchPolicy;
}

function feedback(items: number, completedAtMs: number) {
  return { items, requests: items, serviceMs: 10, completedAtMs, deadlineMet: 0, deadlineMissed: 0 };
}

/** A queue that never runs dry: throughput is then set by the batch size alone. */
const saturated: LoopArrival[] = Array.from({ length: 30_000 }, () => ({ atMs: 0, items: 1 }));

describe('adaptive batch controller', () => {
  test('one control step applies Batch + α·(target − measured), with throughput in items/s', () => {
    const policy = adaptive(32, 100, { initialBatchSize: 4 });
    let s = policy.observe(policy.initialState(), feedback(0, 0)); // starts the interval at 0
    s = policy.observe(s, feedback(30, 400));
    s = policy.observe(s, feedback(30, 900)); // 60 items in a 1 s interval: 60 items/s
    const { state } = policy.decide(s, { nowMs: 1_000, head: [], freeInstances: 1 });
    expect(state.lastThroughputPerS).toBe(60);
    expect(state.batchTarget).toBeCloseTo(4 + 0.15 * (100 - 60), 10);
    expect(policy.targetBatchSize(state)).toBe(10);
  });

  test('the target is clipped to [minBatchSize, maxBatchSize]', () => {
    const policy = adaptive(16, 10_000, { initialBatchSize: 4 });
    let s = policy.observe(policy.initialState(), feedback(1, 0));
    s = policy.decide(s, { nowMs: 1_000, head: [], freeInstances: 1 }).state;
    expect(s.batchTarget).toBe(16);
  });

  test('an interval with no completed batch is skipped, not read as zero throughput', () => {
    const policy = adaptive(32, 100, { initialBatchSize: 4 });
    const s0 = policy.decide(policy.initialState(), { nowMs: 0, head: [], freeInstances: 1 }).state;
    const s1 = policy.decide(s0, { nowMs: 5_500, head: [], freeInstances: 1 }).state;
    expect(s1.batchTarget).toBe(4);
    expect(s1.intervalStartMs).toBe(5_000);
    expect(s1.controlSteps).toBe(0);
  });

  test('dispatches the target size as soon as it is queued, else waits out maxQueueDelayMs from the oldest', () => {
    const policy = adaptive(32, 100, { initialBatchSize: 3 });
    const s = policy.initialState();
    const three = [0, 1, 2].map((arrivalMs) => ({ arrivalMs, items: 1 }));
    expect(policy.decide(s, { nowMs: 2, head: three, freeInstances: 1 }).decision).toEqual({ kind: 'dispatch', requests: 3, items: 3 });
    expect(policy.decide(s, { nowMs: 2, head: three.slice(0, 2), freeInstances: 1 }).decision).toEqual({ kind: 'wait', untilMs: 50 });
    expect(policy.decide(s, { nowMs: 50, head: three.slice(0, 2), freeInstances: 1 }).decision).toEqual({ kind: 'dispatch', requests: 2, items: 2 });
  });

  test('converges to the batch whose throughput is the target on a linear service-time model', () => {
    // t(b) = 50 + 2b ms ⇒ throughput(b) = 1000·b / (50 + 2b); 250 items/s needs b* = 250·50 / (1000 − 250·2) = 25.
    const policy = adaptive(64, 250);
    const result = runVirtualLoop(policy, saturated, { instances: 1, serviceMs: (items) => 50 + 2 * items, untilMs: 60_000 });
    const final = result.finalState as AdaptiveState;
    expect(final.controlSteps).toBeGreaterThan(30);
    expect(Math.abs(policy.targetBatchSize(final) - 25)).toBeLessThanOrEqual(1);
    expect(Math.abs((final.lastThroughputPerS ?? 0) - 250) / 250).toBeLessThan(0.05);
  });

  test('with a fast model α = 0.15 overshoots: α·dThroughput/dBatch > 2 and the target never settles', () => {
    // t(b) = 5 + 0.5b ms: at b* = 10 (target 1000 items/s) dThroughput/dBatch = 50, so α·50 = 7.5.
    const policy = adaptive(64, 1000, { initialBatchSize: 10 });
    const targets: number[] = [];
    runVirtualLoop(policy, saturated, {
      instances: 1,
      serviceMs: (items) => 5 + 0.5 * items,
      untilMs: 30_000,
      onObserve: (_f, before, next) => {
        if ((next as AdaptiveState).controlSteps !== (before as AdaptiveState).controlSteps) targets.push((next as AdaptiveState).batchTarget);
      },
    });
    const tail = targets.slice(-10);
    expect(Math.max(...tail) - Math.min(...tail)).toBeGreaterThan(10);
  });
});
