import { describe, expect, test } from 'vitest';
import { describeBatchPolicyConformance } from '../../policy/batching/test-support/conformance.js';
import type { QueuedRequest } from '../../policy/index.js';
import { AdjustableBatchPolicy } from './adjustable-batch-policy.js';

// The wrapper is what every replica loop runs, so it keeps the batching contract, capped or not.
describeBatchPolicyConformance('adjustable (triton, uncapped)', () => new AdjustableBatchPolicy({ policy: 'triton', maxBatchSize: 8, maxQueueDelayMs: 5, preferredBatchSizes: [4, 6] }));
describeBatchPolicyConformance('adjustable (triton, capped at 3)', () => {
  const p = new AdjustableBatchPolicy({ policy: 'triton', maxBatchSize: 8, maxQueueDelayMs: 5, preferredBatchSizes: [4, 6] });
  p.setCap(3);
  return p;
});
describeBatchPolicyConformance('adjustable (adaptive, capped at 4)', () => {
  const p = new AdjustableBatchPolicy({ policy: 'adaptive', maxBatchSize: 8, maxQueueDelayMs: 4, adaptive: { targetThroughputPerS: 800, controlIntervalMs: 50 } });
  p.setCap(4);
  return p;
});

const queue = (n: number): QueuedRequest[] => Array.from({ length: n }, (_, i) => ({ arrivalMs: i * 0.01, items: 1, deadlineMs: 10_000 }));

describe('AdjustableBatchPolicy', () => {
  test('a cap changes the batches a loop forms at once, even with a state from before it; clamped to [1, planned]', () => {
    const p = new AdjustableBatchPolicy({ policy: 'triton', maxBatchSize: 16, maxQueueDelayMs: 0, preferredBatchSizes: [8, 16] });
    const old = p.initialState();
    expect(p.decide(old, { nowMs: 1, head: queue(40), freeInstances: 1 }).decision).toEqual({ kind: 'dispatch', requests: 16, items: 16 });
    p.setCap(5);
    expect(p.maxBatchSize).toBe(5);
    expect(p.config.maxBatchSize).toBe(5);
    // A state made before the cap is replaced, not fed to the new inner policy.
    const step = p.decide(old, { nowMs: 1, head: queue(40), freeInstances: 1 });
    expect(step.decision).toEqual({ kind: 'dispatch', requests: 5, items: 5 });
    expect(p.decide(step.state, { nowMs: 1, head: queue(40), freeInstances: 1 }).decision).toEqual({ kind: 'dispatch', requests: 5, items: 5 });
    p.setCap(0.2);
    expect(p.maxBatchSize).toBe(1);
    p.setCap(1000);
    expect(p.maxBatchSize).toBe(16);
    p.setCap(undefined);
    expect(p.config).toMatchObject({ maxBatchSize: 16, preferredBatchSizes: [8, 16] });
    expect(p.plannedMaxBatchSize).toBe(16);
  });

  test('retired, it starts nothing more but still learns from batches in flight', () => {
    const p = new AdjustableBatchPolicy({ policy: 'aimd', maxBatchSize: 16, sloMs: 60, aimd: { seed: 1 } });
    let state = p.initialState();
    p.retire();
    expect(p.retired).toBe(true);
    const step = p.decide(state, { nowMs: 1, head: queue(40), freeInstances: 2 });
    expect(step.decision).toEqual({ kind: 'idle' });
    state = p.observe(step.state, { items: 4, requests: 4, serviceMs: 3, completedAtMs: 5, deadlineMet: 4, deadlineMissed: 0 });
    expect(state.policy).toBe('aimd');
  });
});
