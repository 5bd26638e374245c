import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { parseQuantity } from './quantity.js';

describe('parseQuantity', () => {
  test.each([
    ['7', 7],
    ['0', 0],
    ['1500m', 1.5],
    ['16Gi', 16 * 2 ** 30],
    ['1056276964Ki', 1056276964 * 1024],
    ['2k', 2000],
    ['1e3', 1000],
    ['1.5', 1.5],
    ['.5', 0.5],
    ['+3', 3],
    ['-1', -1],
    [4, 4],
  ])('reads %j as %d', (text, value) => {
    expect(parseQuantity(text)).toBeCloseTo(value, 9);
  });

  test.each(['', 'abc', '1Gb', '1 Gi', '1.2.3', 'Infinity', null, undefined, {}, Number.NaN])('refuses %j', (text) => {
    expect(parseQuantity(text)).toBeUndefined();
  });

  test('whole numbers with any suffix read back as number × multiplier', () => {
    const suffixes: [string, number][] = [['', 1], ['k', 1e3], ['M', 1e6], ['Ki', 1024], ['Mi', 1024 ** 2], ['Gi', 1024 ** 3], ['m', 1e-3]];
    fc.assert(
      fc.property(fc.nat({ max: 1_000_000 }), fc.constantFrom(...suffixes), (n, [suffix, mult]) => {
        expect(parseQuantity(`${n}${suffix}`)).toBeCloseTo(n * mult, 6);
      }),
    );
  });
});
