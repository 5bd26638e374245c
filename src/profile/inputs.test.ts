import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { createRng, isTesseraError, TENSOR_DTYPES } from '../core/index.js';
import { codeOf } from '../core/test-support/coded-error.js';
import { batchSizesFor, batchSizesUpTo, buildBatch, checkBatchSize, inputSignature, planInputs, type InputMetadataLike } from './inputs.js';
import { elementCount } from './tensor.js';

const vadMeta: InputMetadataLike[] = [
  { name: 'input', isTensor: true, type: 'float32', shape: ['batch', 'sequence'] },
  { name: 'sr', isTensor: true, type: 'int64', shape: [] },
  { name: 'h', isTensor: true, type: 'float32', shape: [2, 'batch', 64] },
  { name: 'c', isTensor: true, type: 'float32', shape: [2, 'batch', 64] },
];
const vadSpec = {
  input: { shape: [1536], dtype: 'float32' as const, range: [-1, 1] as const },
  sr: { shape: [], dtype: 'int64' as const, batchAxis: null, value: 16000 },
  h: { shape: [2, 64], dtype: 'float32' as const, batchAxis: 1, range: [0, 0] as const },
  c: { shape: [2, 64], dtype: 'float32' as const, batchAxis: 1, range: [0, 0] as const },
};
const ocrMeta: InputMetadataLike[] = [{ name: 'x', isTensor: true, type: 'float32', shape: ['N', 3, 'H', 'W'] }];

describe('planning inputs from the model signature and the spec', () => {
  test('a model whose only dynamic dim is the leading batch needs no description', () => {
    const plan = planInputs('fraud', [{ name: 'features', isTensor: true, type: 'float32', shape: ['batch', 32] }], undefined, { maxBatchSize: 8 });
    expect(plan.inputs[0]).toMatchObject({ name: 'features', itemShape: [32], batchAxis: 0, dtype: 'float32' });
    expect(buildBatch(plan, 5, createRng(1))['features']?.dims).toEqual([5, 32]);
  });

  test('state inputs batch on their own axis and unbatched inputs appear once (Silero VAD)', () => {
    const plan = planInputs('vad', vadMeta, vadSpec, { maxBatchSize: 64 });
    const feeds = buildBatch(plan, 3, createRng(1));
    expect(feeds['input']?.dims).toEqual([3, 1536]);
    expect(feeds['h']?.dims).toEqual([2, 3, 64]);
    expect(feeds['c']?.dims).toEqual([2, 3, 64]);
    expect(feeds['sr']?.dims).toEqual([]);
    expect(feeds['sr']?.data).toEqual(BigInt64Array.of(16000n));
    expect([...(feeds['h']?.data as Float32Array)].every((v) => v === 0)).toBe(true);
    const audio = [...(feeds['input']?.data as Float32Array)];
    expect(Math.min(...audio)).toBeGreaterThanOrEqual(-1);
    expect(Math.max(...audio)).toBeLessThan(1);
    expect(inputSignature(plan)['h']).toEqual({ shape: [2, 64], dtype: 'float32', batchAxis: 1 });
  });

  test('the same seed builds the same batch', () => {
    const plan = planInputs('ocr', ocrMeta, { x: { shape: [3, 8, 8], dtype: 'float32' } }, { maxBatchSize: 4 });
    const a = buildBatch(plan, 2, createRng(42))['x']?.data;
    const b = buildBatch(plan, 2, createRng(42))['x']?.data;
    const c = buildBatch(plan, 2, createRng(43))['x']?.data;
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  test('an input name the model does not have is reported with the model\'s inputs', () => {
    let message = '';
    try {
      planInputs('ocr', ocrMeta, { image: { shape: [3, 8, 8], dtype: 'float32' } }, { maxBatchSize: 4 });
    } catch (err) {
      expect(isTesseraError(err) && err.code).toBe('TESSERA_ERR_PROFILE_INPUT_UNKNOWN');
      message = (err as Error).message;
    }
    expect(message).toContain("'image'");
    expect(message).toContain('x [N, 3, H, W]');
  });

  test('dynamic dims besides the batch without a description ask for one', () => {
    expect(codeOf(() => planInputs('ocr', ocrMeta, undefined, { maxBatchSize: 4 }))).toBe('TESSERA_ERR_PROFILE_INPUT_MISSING');
  });

  test('a description that contradicts a fixed dim or the rank is a shape error', () => {
    expect(codeOf(() => planInputs('ocr', ocrMeta, { x: { shape: [1, 8, 8], dtype: 'float32' } }, { maxBatchSize: 4 }))).toBe('TESSERA_ERR_PROFILE_INPUT_SHAPE');
    expect(codeOf(() => planInputs('ocr', ocrMeta, { x: { shape: [3, 8], dtype: 'float32' } }, { maxBatchSize: 4 }))).toBe('TESSERA_ERR_PROFILE_INPUT_SHAPE');
    expect(codeOf(() => planInputs('ocr', ocrMeta, { x: { shape: [3, 8, 8], dtype: 'float32', batchAxis: 4 } }, { maxBatchSize: 4 }))).toBe('TESSERA_ERR_PROFILE_INPUT_SHAPE');
  });

  test('a dtype other than the model\'s is a dtype error naming the right one', () => {
    let message = '';
    try {
      planInputs('ocr', ocrMeta, { x: { shape: [3, 8, 8], dtype: 'float16' } }, { maxBatchSize: 4 });
    } catch (err) {
      expect(isTesseraError(err) && err.code).toBe('TESSERA_ERR_PROFILE_INPUT_DTYPE');
      message = (err as Error).message;
    }
    expect(message).toContain('dtype: float32');
  });

  test('non-tensor inputs cannot be generated', () => {
    expect(codeOf(() => planInputs('seq', [{ name: 's', isTensor: false }], undefined, { maxBatchSize: 4 }))).toBe('TESSERA_ERR_PROFILE_INPUT_MISSING');
  });

  test('a batch above maxBatchSize is refused with the limit in the message', () => {
    const plan = planInputs('ocr', ocrMeta, { x: { shape: [3, 8, 8], dtype: 'float32' } }, { maxBatchSize: 4 });
    expect(codeOf(() => buildBatch(plan, 5, createRng(1)))).toBe('TESSERA_ERR_PROFILE_BATCH_TOO_LARGE');
    expect(codeOf(() => checkBatchSize(plan, 0))).toBe('TESSERA_ERR_PROFILE_BATCH_TOO_LARGE');
    expect(() => checkBatchSize(plan, 4)).not.toThrow();
  });

  test('an export with a fixed batch dim takes only that batch', () => {
    const plan = planInputs('fixed', [{ name: 'x', isTensor: true, type: 'float32', shape: [1, 3, 4, 4] }], undefined, { maxBatchSize: 32 });
    expect(plan.fixedBatchSize).toBe(1);
    expect(batchSizesFor(plan)).toEqual([1]);
    expect(codeOf(() => buildBatch(plan, 2, createRng(1)))).toBe('TESSERA_ERR_PROFILE_BATCH_TOO_LARGE');
  });

  test('batch sizes are powers of two up to the limit, plus the limit', () => {
    expect(batchSizesUpTo(1)).toEqual([1]);
    expect(batchSizesUpTo(8)).toEqual([1, 2, 4, 8]);
    expect(batchSizesUpTo(12)).toEqual([1, 2, 4, 8, 12]);
  });

  test('every dtype is generated into the typed array onnxruntime expects, within its range', () => {
    const expected: Record<string, string> = {
      float32: 'Float32Array', float16: 'Uint16Array', float64: 'Float64Array', int8: 'Int8Array', uint8: 'Uint8Array',
      int16: 'Int16Array', int32: 'Int32Array', int64: 'BigInt64Array', bool: 'Uint8Array',
    };
    for (const dtype of TENSOR_DTYPES) {
      const plan = planInputs('m', [{ name: 'v', isTensor: true, type: dtype, shape: ['b', 16] }], undefined, { maxBatchSize: 4 });
      const t = buildBatch(plan, 4, createRng(3))['v'];
      expect(t?.data.constructor.name, dtype).toBe(expected[dtype]);
      if (dtype === 'bool') expect([...(t?.data as Uint8Array)].every((v) => v === 0 || v === 1)).toBe(true);
    }
  });

  test('a float16 constant is written as its half-precision bits', () => {
    const plan = planInputs('m', [{ name: 'v', isTensor: true, type: 'float16', shape: ['b', 2] }], { v: { shape: [2], dtype: 'float16', value: 1 } }, { maxBatchSize: 1 });
    expect([...(buildBatch(plan, 1, createRng(1))['v']?.data as Uint16Array)]).toEqual([0x3c00, 0x3c00]);
  });

  test('property: a built tensor holds exactly the elements its dims say, with the batch at its axis', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 0, maxLength: 3 }),
        fc.integer({ min: 1, max: 5 }),
        fc.nat(),
        (item, batch, axisSeed) => {
          const batchAxis = axisSeed % (item.length + 1);
          const modelShape = [...item.slice(0, batchAxis), 'batch', ...item.slice(batchAxis)];
          const plan = planInputs('m', [{ name: 'v', isTensor: true, type: 'float32', shape: modelShape }], { v: { shape: item, dtype: 'float32', batchAxis } }, { maxBatchSize: 8 });
          const t = buildBatch(plan, batch, createRng(1))['v'];
          expect(t?.dims[batchAxis]).toBe(batch);
          expect(t?.data.length).toBe(elementCount(t?.dims ?? []));
        },
      ),
      { numRuns: 100 },
    );
  });
});
