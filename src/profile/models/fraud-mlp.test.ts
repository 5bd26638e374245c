import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import * as ort from 'onnxruntime-node';
import { createRng } from '../../core/index.js';
import { tempDir } from '../test-support/tiny-models.js';
import { buildFraudMlp, FRAUD_MLP_INPUT, FRAUD_MLP_OUTPUT, writeFraudMlp } from './fraud-mlp.js';

describe('generated fraud-scoring MLP', () => {
  test('two generations are byte-identical', () => {
    expect(Buffer.compare(Buffer.from(buildFraudMlp()), Buffer.from(buildFraudMlp()))).toBe(0);
  });

  test('writing twice leaves the first file untouched and returns the same path', () => {
    const dir = tempDir();
    const a = writeFraudMlp(dir);
    const mtime = statSync(a).mtimeMs;
    const b = writeFraudMlp(dir);
    expect(b).toBe(a);
    expect(path.basename(a)).toBe('fraud-mlp.onnx');
    expect(statSync(b).mtimeMs).toBe(mtime);
    expect(Buffer.compare(readFileSync(a), Buffer.from(buildFraudMlp()))).toBe(0);
  });

  test('loads in onnxruntime with a dynamic batch of 32 features and scores in (0, 1)', async () => {
    const session = await ort.InferenceSession.create(writeFraudMlp(tempDir()), { intraOpNumThreads: 1 });
    try {
      const meta = session.inputMetadata[0];
      expect(meta?.name).toBe(FRAUD_MLP_INPUT);
      expect(meta?.isTensor && meta.shape).toEqual(['batch', 32]);
      const rng = createRng(7);
      const batch = 64;
      const data = Float32Array.from({ length: batch * 32 }, () => rng.normal(0, 3));
      const out = await session.run({ [FRAUD_MLP_INPUT]: new ort.Tensor('float32', data, [batch, 32]) });
      const score = out[FRAUD_MLP_OUTPUT];
      expect(score?.dims).toEqual([batch, 1]);
      const values = [...(score?.data as Float32Array)];
      for (const v of values) {
        expect(v).toBeGreaterThan(0);
        expect(v).toBeLessThan(1);
      }
      // Different transactions get different scores: the weights are not degenerate.
      expect(new Set(values.map((v) => v.toFixed(6))).size).toBeGreaterThan(batch / 2);
    } finally {
      await session.release();
    }
  });
});
