import { readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { profileTargets } from './profile-run.js';
import type { ModelProfile } from './profile-types.js';
import { inputsKey, ProfileStore, storeKeyOf } from './store.js';
import { tempDir } from './test-support/tiny-models.js';

function measured(over: Partial<ModelProfile> = {}): ModelProfile {
  return {
    schemaVersion: 1,
    model: 'm',
    modelSha256: 'a'.repeat(64),
    origin: 'measured',
    device: { kind: 'cpu', name: 'cpu', threads: 2, fingerprint: 'cpu/test/2c/2t' },
    runtime: { name: 'onnxruntime-node', version: '1.30.0', executionProvider: 'cpu' },
    inputsKey: inputsKey(undefined),
    points: [{ batchSize: 1, concurrency: 1, latencyMs: { p50: 1, p90: 1, p99: 1, mean: 1 }, throughputPerS: 1000, samples: 10 }],
    measuredAt: '2026-01-01T00:00:00.000Z',
    ...over,
  };
}

describe('the profile store', () => {
  test('a stored profile comes back under its key', () => {
    const store = new ProfileStore(tempDir());
    const p = measured();
    const file = store.put(p);
    expect(path.dirname(file)).toBe(store.dir);
    expect(store.get(storeKeyOf(p)!)).toEqual(p);
  });

  test('a different model file, device, runtime version or input description is a different entry', () => {
    const store = new ProfileStore(tempDir());
    const base = measured();
    const variants = [
      measured({ modelSha256: 'b'.repeat(64) }),
      measured({ device: { ...base.device, threads: 1, fingerprint: 'cpu/test/2c/1t' } }),
      measured({ runtime: { ...base.runtime, version: '1.31.0' } }),
      measured({ inputsKey: inputsKey({ x: { shape: [3, 8, 8], dtype: 'float32' } }) }),
    ];
    store.put(base);
    for (const v of variants) {
      expect(store.get(storeKeyOf(v)!)).toBeUndefined();
      store.put(v);
    }
    expect(readdirSync(store.dir)).toHaveLength(5);
    expect(store.list({ modelSha256: 'a'.repeat(64) })).toHaveLength(4);
  });

  test('the input key ignores how the default batch axis was written, not what it is', () => {
    expect(inputsKey({ x: { shape: [3], dtype: 'float32' } })).toBe(inputsKey({ x: { shape: [3], dtype: 'float32', batchAxis: 0 } }));
    expect(inputsKey({ x: { shape: [3], dtype: 'float32' } })).not.toBe(inputsKey({ x: { shape: [3], dtype: 'float32', batchAxis: null } }));
    expect(inputsKey(undefined)).toBe(inputsKey({}));
  });

  test('a corrupt store file reads as absent', () => {
    const store = new ProfileStore(tempDir());
    const p = measured();
    const file = store.put(p);
    writeFileSync(file, '{ not json');
    expect(store.get(storeKeyOf(p)!)).toBeUndefined();
    expect(store.list()).toEqual([]);
  });

  test('imported profiles have no store key', () => {
    expect(storeKeyOf(measured({ origin: 'imported' }))).toBeUndefined();
  });
});

describe('profiling through the store', () => {
  const quick = { warmupRuns: 1, minRuns: 3, minTimeMs: 0, maxTimeMs: 30, floorRuns: 3 };
  const target = { name: 'fraud', source: { generated: 'fraud-mlp' as const }, maxBatchSize: 4 };

  test('measures once, reuses after, measures again when forced or when more batch sizes are asked', async () => {
    const store = new ProfileStore(tempDir());
    const options = { baseDir: '.', cacheDir: tempDir(), store, threads: 1, rule: quick };
    const [first] = await profileTargets([target], options);
    expect(first?.status).toBe('measured');
    const [second] = await profileTargets([target], options);
    expect(second?.status).toBe('reused');
    if (first?.status !== 'failed' && second?.status !== 'failed') expect(second?.profile.measuredAt).toBe(first?.profile.measuredAt);
    const [smaller] = await profileTargets([target], { ...options, batchLimit: 2 });
    expect(smaller?.status).toBe('reused');
    if (smaller?.status !== 'failed') expect(smaller?.profile.points.map((p) => p.batchSize)).toEqual([1, 2]);
    const [forced] = await profileTargets([target], { ...options, force: true });
    expect(forced?.status).toBe('measured');
    const [larger] = await profileTargets([{ ...target, maxBatchSize: 8 }], options);
    expect(larger?.status).toBe('measured');
    expect(readdirSync(store.dir)).toHaveLength(1);
  });

  test('a bad model among several is reported and the others still run', async () => {
    const options = { baseDir: tempDir(), cacheDir: tempDir(), threads: 1, rule: quick };
    const outcomes = await profileTargets([{ name: 'gone', source: { path: 'gone.onnx' }, maxBatchSize: 2 }, { ...target, maxBatchSize: 2 }], options);
    expect(outcomes.map((o) => o.status)).toEqual(['failed', 'measured']);
    const failed = outcomes[0];
    if (failed?.status === 'failed') expect(failed.error.code).toBe('TESSERA_ERR_PROFILE_MODEL_NOT_FOUND');
  });
});
