import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { halfBitsToNumber, numberToHalfBits } from './float16.js';

describe('FP16 conversion', () => {
  test.each([
    [1, 0x3c00],
    [-2, 0xc000],
    [0.5, 0x3800],
    [65504, 0x7bff],
    [2 ** -24, 0x0001],
    [2 ** -14, 0x0400],
    [0, 0x0000],
    [-0, 0x8000],
    [Infinity, 0x7c00],
    [-Infinity, 0xfc00],
  ])('%s encodes as 0x%s', (value, bits) => {
    expect(numberToHalfBits(value)).toBe(bits);
    expect(Object.is(halfBitsToNumber(bits), value)).toBe(true);
  });

  test('values past the largest half overflow to Infinity; ties round to even', () => {
    expect(numberToHalfBits(65520)).toBe(0x7c00);
    expect(numberToHalfBits(2 ** -25)).toBe(0x0000); // halfway to the smallest subnormal: even is 0
    expect(numberToHalfBits(1 + 2 ** -11)).toBe(0x3c00); // halfway between 1 and the next half: even
    expect(numberToHalfBits(1 + 3 * 2 ** -11)).toBe(0x3c02);
  });

  test('NaN stays NaN', () => {
    expect(Number.isNaN(halfBitsToNumber(numberToHalfBits(NaN)))).toBe(true);
  });

  test('every non-NaN half pattern survives a round trip through a number', () => {
    for (let h = 0; h < 0x10000; h++) {
      if ((h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0) continue;
      expect(numberToHalfBits(halfBitsToNumber(h))).toBe(h);
    }
  });

  test('encoding picks the nearest half', () => {
    fc.assert(
      fc.property(fc.double({ min: -60000, max: 60000, noNaN: true }), (v) => {
        const got = halfBitsToNumber(numberToHalfBits(v));
        const h = numberToHalfBits(v);
        // Neighbours of the chosen half are never strictly closer.
        for (const n of [h - 1, h + 1]) {
          if (n < 0 || n > 0xffff || (n & 0x7c00) === 0x7c00) continue;
          const other = halfBitsToNumber(n);
          if (Math.sign(other) === Math.sign(got) || other === 0) expect(Math.abs(other - v)).toBeGreaterThanOrEqual(Math.abs(got - v) - Math.abs(v) * 2 ** -23);
        }
      }),
      { numRuns: 300 },
    );
  });
});
