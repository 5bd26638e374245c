import { describe, expect, test } from 'vitest';
import { BATCH_POLICIES } from '../../core/spec/schema.js';
import { TesseraError } from '../../core/errors/index.js';
import { BATCH_POLICY_NAMES, batchPolicyOptionsFromSpec, createBatchPolicy } from './create.js';
import { fitLinearServiceTime } from './linear-fit.js';
import type { BatchPolicyOptions } from './types.js';

function errorOf(fn: () => unknown): TesseraError {
  try {
    fn();
  } catch (err) {
    if (err instanceof TesseraError) return err;
    throw err;
  }
  throw new Error('expected a TesseraError');
}

describe('createBatchPolicy', () => {
  test('knows exactly the names the fleet spec accepts', () => {
    expect([...BATCH_POLICY_NAMES]).toEqual([...BATCH_POLICIES]);
    for (const policy of BATCH_POLICY_NAMES) {
      const p = createBatchPolicy({ policy, maxBatchSize: 8, sloMs: 50, adaptive: { targetThroughputPerS: 100 } });
      expect(p.name).toBe(policy);
      expect(Object.isFrozen(p.config)).toBe(true);
    }
  });

  test('an unknown name is TESSERA_ERR_POLICY_UNKNOWN and lists the names there are', () => {
    const err = errorOf(() => createBatchPolicy({ policy: 'fifo', maxBatchSize: 8 } as unknown as BatchPolicyOptions));
    expect(err.code).toBe('TESSERA_ERR_POLICY_UNKNOWN');
    expect(err.httpStatus).toBe(400);
    expect(err.message).toContain('triton, adaptive, aimd, slo-aware, none');
  });

  test('every problem in the options is reported at once', () => {
    const err = errorOf(() => createBatchPolicy({ policy: 'triton', maxBatchSize: 8, maxQueueDelayMs: -1, preferredBatchSizes: [4, 16, 0] }));
    expect(err.code).toBe('TESSERA_ERR_POLICY_CONFIG');
    expect(err.details?.['problems']).toEqual([
      'maxQueueDelayMs: must be a finite number ≥ 0 (got -1)',
      'preferredBatchSizes[1]: 16 is above maxBatchSize 8',
      'preferredBatchSizes[2]: must be an integer ≥ 1 (got 0)',
    ]);
  });

  test('aimd and slo-aware need an SLO to steer by', () => {
    for (const policy of ['aimd', 'slo-aware'] as const) {
      const err = errorOf(() => createBatchPolicy({ policy, maxBatchSize: 8 }));
      expect(err.code).toBe('TESSERA_ERR_POLICY_CONFIG');
      expect(err.message).toContain('sloMs');
    }
  });

  test('adaptive without a target derives the Nexus saturating throughput from the profile and SLO', () => {
    // t(b) = 10 + 2b, SLO 60 ⇒ largest b with t(b) ≤ 30 is 10, at 10 / 30 ms = 333.3 items/s.
    const p = createBatchPolicy({ policy: 'adaptive', maxBatchSize: 32, sloMs: 60, serviceTimePrior: { baseMs: 10, perItemMs: 2 } });
    expect(p.config).toMatchObject({ targetThroughputPerS: 1000 / 3 });
    const err = errorOf(() => createBatchPolicy({ policy: 'adaptive', maxBatchSize: 32 }));
    expect(err.message).toContain('adaptive.targetThroughputPerS');
  });

  test('fitLinearServiceTime turns profile points into a prior, never with a negative per-item cost', () => {
    expect(fitLinearServiceTime([1, 2, 4, 8].map((b) => ({ batchSize: b, latencyMs: 3 + 0.5 * b })))).toEqual({ baseMs: 3, perItemMs: 0.5 });
    expect(fitLinearServiceTime([{ batchSize: 1, latencyMs: 5 }, { batchSize: 2, latencyMs: 4 }]).perItemMs).toBe(0);
  });

  test('options from a fleet-spec batching block: batch size capped by the model, SLO from the service, CLI override wins', () => {
    const spec = { policy: 'triton' as const, maxBatchSize: 64, maxQueueDelayMs: 2, preferredBatchSizes: [8, 16] };
    expect(batchPolicyOptionsFromSpec(spec, { modelMaxBatchSize: 32, sloMs: 40 })).toEqual({
      policy: 'triton',
      maxBatchSize: 32,
      sloMs: 40,
      maxQueueDelayMs: 2,
      preferredBatchSizes: [8, 16],
    });
    const prior = { baseMs: 2, perItemMs: 0.5 };
    const options = batchPolicyOptionsFromSpec(undefined, { modelMaxBatchSize: 16, sloMs: 40, serviceTimePrior: prior, policyOverride: 'adaptive' });
    expect(createBatchPolicy(options).name).toBe('adaptive');
    const bad = batchPolicyOptionsFromSpec(undefined, { modelMaxBatchSize: 16, sloMs: 40, policyOverride: 'fifo' });
    expect(errorOf(() => createBatchPolicy(bad)).code).toBe('TESSERA_ERR_POLICY_UNKNOWN');
  });
});
