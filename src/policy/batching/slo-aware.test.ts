import { describe, expect, test } from 'vitest';
import { createBatchPolicy } from './create.js';
import type { SloAwareBatchPolicy, SloAwareState } from './slo-aware.js';
import type { QueuedRequest } from './types.js';

function sloAware(extra: { maxQueueDelayMs?: number; warmupBatches?: number; windowSize?: number } = {}): SloAwareBatchPolicy {
  return createBatchPolicy({
    policy: 'slo-aware',
    maxBatchSize: 32,
    sloMs: 50,
    maxQueueDelayMs: extra.maxQueueDelayMs,
    serviceTimePrior: { baseMs: 2, perItemMs: 1 },
    sloAware: { safetyFactor: 1, warmupBatches: extra.warmupBatches ?? 0, windowSize: extra.windowSize ?? 50 },
  }) as SloAwareBatchPolicy;
}

function requests(n: number, arrivalMs = 0): QueuedRequest[] {
  return Array.from({ length: n }, () => ({ arrivalMs, items: 1 }));
}

describe('slo-aware batching', () => {
  test('dispatches the largest batch that still lets the oldest request meet its deadline', () => {
    const policy = sloAware();
    const s = policy.initialState();
    // Deadline 50 (arrival 0 + SLO), t(b) = 2 + b: at 30 ms the slack of 20 ms allows b = 18.
    expect(policy.decide(s, { nowMs: 30, head: requests(40), freeInstances: 1 }).decision).toEqual({ kind: 'dispatch', requests: 18, items: 18 });
    // With plenty of slack the cap is maxBatchSize.
    expect(policy.decide(s, { nowMs: 1, head: requests(40), freeInstances: 1 }).decision).toEqual({ kind: 'dispatch', requests: 32, items: 32 });
  });

  test('a request\'s own deadline overrides arrival + SLO', () => {
    const policy = sloAware();
    const head = requests(40).map((r) => ({ ...r, deadlineMs: 12 }));
    expect(policy.decide(policy.initialState(), { nowMs: 0, head, freeInstances: 1 }).decision).toEqual({ kind: 'dispatch', requests: 10, items: 10 });
  });

  test('with fewer queued than it could take it waits for arrivals until the latest start that meets the deadline', () => {
    const policy = sloAware();
    // 3 items: t(3) = 5 ms, so they can start as late as 45 ms.
    expect(policy.decide(policy.initialState(), { nowMs: 1, head: requests(3), freeInstances: 1 }).decision).toEqual({ kind: 'wait', untilMs: 45 });
    expect(policy.decide(policy.initialState(), { nowMs: 45, head: requests(3), freeInstances: 1 }).decision).toEqual({ kind: 'dispatch', requests: 3, items: 3 });
  });

  test('maxQueueDelayMs caps that wait', () => {
    const policy = sloAware({ maxQueueDelayMs: 8 });
    expect(policy.decide(policy.initialState(), { nowMs: 1, head: requests(3), freeInstances: 1 }).decision).toEqual({ kind: 'wait', untilMs: 8 });
  });

  test('when the oldest is already going to be late it sends a full batch to drain the backlog', () => {
    const policy = sloAware();
    expect(policy.decide(policy.initialState(), { nowMs: 49, head: requests(40), freeInstances: 1 }).decision).toEqual({ kind: 'dispatch', requests: 32, items: 32 });
  });

  test('refits t(b) online from observed batches and moves away from the prior', () => {
    const policy = sloAware();
    let state: SloAwareState = policy.initialState();
    // The model is really t(b) = 6 + 2b, not the prior's 2 + b.
    for (let i = 0; i < 48; i++) {
      const b = 1 + (i % 16);
      state = policy.observe(state, { items: b, requests: b, serviceMs: 6 + 2 * b, completedAtMs: i, deadlineMet: b, deadlineMissed: 0 });
    }
    expect(state.windowItems).toHaveLength(48);
    expect(state.model.perItemMs).toBeGreaterThan(1.8);
    expect(state.model.baseMs).toBeGreaterThan(4.5);
    // With the refit, 20 ms of slack allows (20 − 6) / 2 ≈ 7 items, not the prior's 18.
    const step = policy.decide(state, { nowMs: 30, head: requests(40), freeInstances: 1 });
    expect(step.decision.kind === 'dispatch' && step.decision.items).toBeGreaterThanOrEqual(6);
    expect(step.decision.kind === 'dispatch' && step.decision.items).toBeLessThanOrEqual(7);
  });

  test('batches of a single size move the intercept but keep the prior\'s per-item cost', () => {
    const policy = sloAware();
    let state: SloAwareState = policy.initialState();
    for (let i = 0; i < 5; i++) state = policy.observe(state, { items: 4, requests: 4, serviceMs: 10, completedAtMs: i, deadlineMet: 4, deadlineMissed: 0 });
    expect(state.model.perItemMs).toBeCloseTo(1, 12);
    expect(state.model.baseMs).toBeCloseTo(6, 12);
  });

  test('keeps only the last windowSize observations and skips the warm-up batches', () => {
    const policy = sloAware({ warmupBatches: 2, windowSize: 5 });
    let state: SloAwareState = policy.initialState();
    for (let i = 0; i < 10; i++) state = policy.observe(state, { items: i + 1, requests: 1, serviceMs: 100 + i, completedAtMs: i, deadlineMet: 1, deadlineMissed: 0 });
    expect(state.observed).toBe(10);
    expect(state.windowItems).toEqual([6, 7, 8, 9, 10]);
  });

  test('without a profile prior it starts from BentoML\'s initial line', () => {
    const policy = createBatchPolicy({ policy: 'slo-aware', maxBatchSize: 8, sloMs: 60 });
    expect(policy.config).toMatchObject({ prior: { baseMs: 1, perItemMs: 2 } });
  });
});
