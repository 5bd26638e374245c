import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { concatAlongAxis, outputBatchAxis, splitAlongAxis } from './batch-tensors.js';
import { elementCount, type HostTensor } from './host-tensor.js';

function tensor(dims: number[], seed: number): HostTensor {
  const data = new Float32Array(elementCount(dims));
  for (let i = 0; i < data.length; i++) data[i] = seed * 1000 + i;
  return { dtype: 'float32', dims, data };
}

/** Reference: element at multi-index, computed from row-major strides. */
function at(t: HostTensor, idx: number[]): number {
  let flat = 0;
  for (let d = 0; d < t.dims.length; d++) flat = flat * (t.dims[d] as number) + (idx[d] as number);
  return (t.data as Float32Array)[flat] as number;
}

describe('batch concat and split', () => {
  test('concatenating along axis 0 stacks requests in order', () => {
    const a = tensor([1, 2], 1);
    const b = tensor([2, 2], 2);
    const c = concatAlongAxis([a, b], 0);
    expect(c.dims).toEqual([3, 2]);
    expect(Array.from(c.data as Float32Array)).toEqual([1000, 1001, 2000, 2001, 2002, 2003]);
  });

  test('concatenating along an inner axis interleaves blocks (Silero VAD state [2, batch, 64])', () => {
    const a = tensor([2, 1, 3], 1);
    const b = tensor([2, 1, 3], 2);
    const c = concatAlongAxis([a, b], 1);
    expect(c.dims).toEqual([2, 2, 3]);
    expect(at(c, [1, 0, 2])).toBe(at(a, [1, 0, 2]));
    expect(at(c, [1, 1, 2])).toBe(at(b, [1, 0, 2]));
  });

  test('parts that differ in a non-batch dim are refused', () => {
    expect(() => concatAlongAxis([tensor([1, 2], 1), tensor([1, 3], 2)], 0)).toThrow(RangeError);
  });

  test('split inverts concat for any shapes, axis and batch sizes (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 }),
        fc.nat(),
        fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 6 }),
        (dims, axisSeed, sizes) => {
          const axis = axisSeed % dims.length;
          const parts = sizes.map((s, i) => {
            const d = [...dims];
            d[axis] = s;
            return tensor(d, i + 1);
          });
          const joined = concatAlongAxis(parts, axis);
          expect(joined.dims[axis]).toBe(sizes.reduce((a, b) => a + b, 0));
          const back = splitAlongAxis(joined, axis, sizes);
          back.forEach((p, i) => {
            expect(p.dims).toEqual(parts[i]!.dims);
            expect(Array.from(p.data as Float32Array)).toEqual(Array.from(parts[i]!.data as Float32Array));
          });
        },
      ),
      { numRuns: 300 },
    );
  });

  test('a split along the outermost axis returns views on the batch buffer; an inner-axis split copies', () => {
    const batch = tensor([3, 4], 1);
    const rows = splitAlongAxis(batch, 0, [1, 2]);
    expect(rows.map((r) => r.data.buffer)).toEqual([batch.data.buffer, batch.data.buffer]);
    expect(Array.from(rows[1]!.data as Float32Array)).toEqual([1004, 1005, 1006, 1007, 1008, 1009, 1010, 1011]);
    // Leading dims of 1 still leave each piece contiguous ([1, batch, n]).
    const lead = tensor([1, 3, 2], 2);
    expect(splitAlongAxis(lead, 1, [2, 1])[0]!.data.buffer).toBe(lead.data.buffer);
    // Silero VAD's state [2, batch, 64]: each request's rows are interleaved, so they are copied.
    const state = tensor([2, 3, 2], 3);
    const parts = splitAlongAxis(state, 1, [1, 2]);
    expect(parts[0]!.data.buffer).not.toBe(state.data.buffer);
    expect(Array.from(parts[0]!.data as Float32Array)).toEqual([3000, 3001, 3006, 3007]);
  });

  test('integer and bigint tensors keep their type through concat and split', () => {
    const a: HostTensor = { dtype: 'int64', dims: [1, 2], data: BigInt64Array.from([1n, 2n]) };
    const b: HostTensor = { dtype: 'int64', dims: [1, 2], data: BigInt64Array.from([3n, 4n]) };
    const c = concatAlongAxis([a, b], 0);
    expect(c.data).toBeInstanceOf(BigInt64Array);
    expect(splitAlongAxis(c, 0, [1, 1])[1]!.data).toEqual(BigInt64Array.from([3n, 4n]));
  });

  test('the output batch axis is found by name, then axis 0, then the only matching axis', () => {
    expect(outputBatchAxis([2, 5, 64], 5, [2, 'batch', 64], 'batch')).toBe(1);
    expect(outputBatchAxis([5, 2], 5)).toBe(0);
    expect(outputBatchAxis([2, 5], 5)).toBe(1);
    expect(() => outputBatchAxis([3, 3], 5)).toThrow(RangeError);
  });
});
