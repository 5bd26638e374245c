import { describe, expect, test } from 'vitest';
import { createBatchPolicy } from './create.js';

describe('none (no batching)', () => {
  test('sends one request at a time as soon as an instance is free', () => {
    const policy = createBatchPolicy({ policy: 'none', maxBatchSize: 32 });
    const head = [
      { arrivalMs: 0, items: 1 },
      { arrivalMs: 0, items: 1 },
    ];
    expect(policy.decide(policy.initialState(), { nowMs: 0, head, freeInstances: 2 }).decision).toEqual({ kind: 'dispatch', requests: 1, items: 1 });
  });
});
