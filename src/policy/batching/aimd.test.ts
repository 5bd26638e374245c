import { describe, expect, test } from 'vitest';
import { addSample, type AimdBatchPolicy, type AimdState } from './aimd.js';
import { createBatchPolicy } from './create.js';
import type { BatchSnapshot } from './types.js';

function aimd(options: Parameters<typeof createBatchPolicy>[0]['aimd'] = {}, maxBatchSize = 64): AimdBatchPolicy {
  return createBatchPolicy({ policy: 'aimd', maxBatchSize, sloMs: 100, aimd: options }) as AimdBatchPolicy;
}

/** 100 requests that all arrived at `nowMs` with the 100 ms SLO: the budget is 0.92 × 100 = 92 ms. */
function fullQueue(nowMs: number): BatchSnapshot {
  return { nowMs, head: Array.from({ length: 100 }, () => ({ arrivalMs: nowMs, items: 1 })), freeInstances: 1 };
}

/** Runs `batches` batches on a saturated queue where a batch of b takes `serviceMs(b)`; returns the sizes. */
function drive(policy: AimdBatchPolicy, batches: number, serviceMs: (b: number) => number, start = policy.initialState()) {
  let state = start;
  const sizes: number[] = [];
  let nowMs = 0;
  for (let i = 0; i < batches; i++) {
    const step = policy.decide(state, fullQueue(nowMs));
    if (step.decision.kind !== 'dispatch') throw new Error(`expected a dispatch, got ${step.decision.kind}`);
    const b = step.decision.items;
    sizes.push(b);
    nowMs += serviceMs(b);
    state = policy.observe(step.state, { items: b, requests: b, serviceMs: serviceMs(b), completedAtMs: nowMs, deadlineMet: b, deadlineMissed: 0 });
  }
  return { sizes, state };
}

describe('aimd, as Clipper ships it (variant code)', () => {
  test('explores additively: +1 after 5 samples at the largest size, while batches fit the budget', () => {
    const { sizes } = drive(aimd(), 20, (b) => 2 * b);
    expect(sizes).toEqual([1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 4, 4, 4, 4, 4]);
  });

  test('increases until a batch takes longer than the budget, then backs off to the size the fit says fits', () => {
    // t(b) = 10·b ms against a 92 ms budget: sizes 1..9 fit; the first batch of 10 takes 100 ms.
    const { sizes, state } = drive(aimd(), 51, (b) => 10 * b);
    expect(sizes.slice(0, 46)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9].flatMap((b) => [b, b, b, b, b]).concat([10]));
    expect(state.maxLatencyMs).toBe(100);
    // Estimation now: the ridge fit of batch on latency, read at 92 ms, floors to 9.
    expect(sizes.slice(46)).toEqual([9, 9, 9, 9, 9]);
  });

  test('above ADDITIVE_EXPANSION_THRESHOLD (10) it grows multiplicatively by 1 + max(0, N(0.1, 0.05)), seeded', () => {
    const policy = aimd({ seed: 3 });
    let state: AimdState = { ...policy.initialState(), exploredMax: 10 };
    for (let i = 0; i < 5; i++) state = policy.observe(state, { items: 10, requests: 10, serviceMs: 5, completedAtMs: i, deadlineMet: 10, deadlineMissed: 0 });
    const a = policy.decide(state, fullQueue(10));
    const b = policy.decide(state, fullQueue(10));
    expect(a).toEqual(b);
    expect(a.decision.kind).toBe('dispatch');
    const size = a.decision.kind === 'dispatch' ? a.decision.items : 0;
    expect(size).toBeGreaterThanOrEqual(10);
    expect(size).toBeLessThanOrEqual(13);
    expect(a.state.rngSeed).not.toBe(state.rngSeed);
  });

  test('never waits: a lone request goes as soon as an instance is free', () => {
    const policy = aimd();
    const step = policy.decide(policy.initialState(), { nowMs: 0, head: [{ arrivalMs: 0, items: 1 }], freeInstances: 1 });
    expect(step.decision).toEqual({ kind: 'dispatch', requests: 1, items: 1 });
  });

  test('per-size mean and std follow Clipper\'s iterative update', () => {
    let points = addSample([], 4, 10);
    points = addSample(points, 4, 20);
    points = addSample(points, 2, 5);
    expect(points.map((p) => p.batchSize)).toEqual([2, 4]);
    const at4 = points[1];
    expect(at4?.n).toBe(2);
    expect(at4?.meanMs).toBe(15);
    // Clipper's recurrence: s = 0 + (2/1)·(15 − 20)² = 50, std = sqrt(50 / 2) = 5.
    expect(at4?.stdMs).toBeCloseTo(5, 12);
  });
});

describe('aimd, as the Clipper paper describes it (variant paper)', () => {
  test('adds one per full batch that met the objective, multiplies by the back-off on a miss', () => {
    const policy = aimd({ variant: 'paper', backoffFactor: 0.5 });
    let state = policy.initialState();
    for (let b = 1; b <= 8; b++) {
      state = policy.observe(state, { items: b, requests: b, serviceMs: 10, completedAtMs: b, deadlineMet: b, deadlineMissed: 0 });
    }
    expect(state.batchTarget).toBe(9);
    state = policy.observe(state, { items: 9, requests: 9, serviceMs: 10, completedAtMs: 20, deadlineMet: 8, deadlineMissed: 1 });
    expect(state.batchTarget).toBe(4.5);
    const step = policy.decide(state, fullQueue(30));
    expect(step.decision).toEqual({ kind: 'dispatch', requests: 4, items: 4 });
  });

  test('the default back-off is the paper\'s 10 %', () => {
    const policy = aimd({ variant: 'paper' });
    const state = policy.observe({ ...policy.initialState(), batchTarget: 20 }, { items: 20, requests: 20, serviceMs: 150, completedAtMs: 1, deadlineMet: 20, deadlineMissed: 0 });
    expect(state.batchTarget).toBeCloseTo(18, 12);
  });
});
