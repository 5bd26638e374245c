import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { isTesseraError, TENSOR_DTYPES } from '../core/index.js';
import { parseInputFlag, parseInputFlags } from './input-flag.js';

describe('--input flags', () => {
  test('a plain shape and dtype batch on axis 0', () => {
    expect(parseInputFlag('x=3x48x192:float32')).toEqual({ name: 'x', spec: { shape: [3, 48, 192], dtype: 'float32', batchAxis: 0 } });
  });

  test('options set the batch axis, a constant and a range (the Silero VAD inputs)', () => {
    expect(parseInputFlag('sr=scalar:int64:axis=none,value=16000').spec).toEqual({ shape: [], dtype: 'int64', batchAxis: null, value: 16000 });
    expect(parseInputFlag('h=2x64:float32:axis=1,value=0').spec).toEqual({ shape: [2, 64], dtype: 'float32', batchAxis: 1, value: 0 });
    expect(parseInputFlag('input=1536:float32:range=-1..1').spec).toEqual({ shape: [1536], dtype: 'float32', batchAxis: 0, range: [-1, 1] });
  });

  test.each(['x', '=3:float32', 'x=3x:float32', 'x=3:float', 'x=3:float32:axis=-1', 'x=3:float32:speed=2', 'x=3:float32:range=2..1', 'x=3:float32:value=abc'])(
    "'%s' is a flag error that shows the syntax",
    (flag) => {
      try {
        parseInputFlag(flag);
        expect.unreachable();
      } catch (err) {
        expect(isTesseraError(err) && err.code).toBe('TESSERA_ERR_INPUT_FLAG');
        expect((err as Error).message).toContain('name=SHAPE:DTYPE');
      }
    },
  );

  test('the same input twice is refused; none gives no description', () => {
    expect(() => parseInputFlags(['x=3:float32', 'x=4:float32'])).toThrow(/twice/);
    expect(parseInputFlags([])).toBeUndefined();
  });

  test('property: what is written from a description reads back as that description', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[a-z_][a-z0-9_.]{0,8}$/),
        fc.array(fc.integer({ min: 0, max: 4096 }), { maxLength: 4 }),
        fc.constantFrom(...TENSOR_DTYPES),
        fc.option(fc.integer({ min: 0, max: 4 }), { nil: null }),
        (name, shape, dtype, batchAxis) => {
          const text = `${name}=${shape.length === 0 ? 'scalar' : shape.join('x')}:${dtype}:axis=${batchAxis === null ? 'none' : batchAxis}`;
          expect(parseInputFlag(text)).toEqual({ name, spec: { shape, dtype, batchAxis } });
        },
      ),
    );
  });
});
