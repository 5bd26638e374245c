import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { formatBytes, parseBytes, parseDurationMs } from './units.js';
import type { TesseraError } from './errors/index.js';

describe('parseDurationMs', () => {
  test.each([
    ['250ms', 250],
    ['30s', 30_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['1d', 86_400_000],
    ['1h30m', 5_400_000],
    ['1.5s', 1_500],
    ['42', 42],
  ])('%s is %d ms', (text, ms) => {
    expect(parseDurationMs(text)).toBe(ms);
  });

  test.each(['', 'abc', '5x', '1h 30m', '-1s', 's'])('rejects %j with TESSERA_ERR_INPUT_DURATION', (text) => {
    expect(() => parseDurationMs(text)).toThrow(expect.objectContaining({ code: 'TESSERA_ERR_INPUT_DURATION' }) as TesseraError);
  });

  test('any non-negative integer count of a unit round-trips', () => {
    fc.assert(
      fc.property(fc.nat(100_000), fc.constantFrom(['ms', 1], ['s', 1e3], ['m', 6e4], ['h', 3.6e6], ['d', 8.64e7]), (n, [u, f]) => {
        expect(parseDurationMs(`${n}${u}`)).toBe(n * (f as number));
      }),
    );
  });
});

describe('parseBytes', () => {
  test('reads binary and decimal units', () => {
    expect(parseBytes('512MiB')).toBe(512 * 1024 ** 2);
    expect(parseBytes('16GB')).toBe(16e9);
    expect(parseBytes('1.5GiB')).toBe(1.5 * 1024 ** 3);
    expect(parseBytes('100')).toBe(100);
  });
  test('rejects nonsense with a coded error', () => {
    expect(() => parseBytes('12 parsecs')).toThrow(expect.objectContaining({ code: 'TESSERA_ERR_INPUT_BYTES' }) as TesseraError);
  });
  test('formats sizes for people', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(10 * 1024 ** 2)).toBe('10.0 MiB');
  });
});
