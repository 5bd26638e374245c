import { describe, expect, test } from 'vitest';
import { createRng } from '../../../core/rng.js';
import type { SeriesForecaster } from '../types.js';

/**
 * The contract every forecaster keeps, registered as vitest tests for one forecaster factory.
 */
export function describeForecasterConformance(label: string, make: () => SeriesForecaster): void {
  const m = 24;
  const seasonal = (n: number, seed = 1): number[] => {
    const rng = createRng(seed);
    return Array.from({ length: n }, (_, i) => 100 + 30 * Math.sin((2 * Math.PI * i) / m) + rng.normal(0, 2));
  };

  describe(`forecaster conformance: ${label}`, () => {
    test('returns exactly `horizon` finite values', () => {
      const f = make();
      for (const horizon of [0, 1, 7, 50]) {
        const out = f.forecast({ values: seasonal(120), seasonLength: m, horizon });
        expect(out).toHaveLength(horizon);
        expect(out.every(Number.isFinite)).toBe(true);
      }
    });

    test('is a pure function: the same input gives the same forecast and the input is not changed', () => {
      const values = seasonal(100, 2);
      const copy = [...values];
      const f = make();
      expect(f.forecast({ values, seasonLength: m, horizon: 10 })).toEqual(make().forecast({ values, seasonLength: m, horizon: 10 }));
      expect(values).toEqual(copy);
    });

    test('forecasts a constant series as that constant', () => {
      const out = make().forecast({ values: new Array<number>(100).fill(7), seasonLength: m, horizon: 30 });
      for (const v of out) expect(v).toBeCloseTo(7, 6);
    });

    test('follows a clean season: the error is small against the noise', () => {
      const all = seasonal(24 * 8, 3);
      const out = make().forecast({ values: all.slice(0, 24 * 7), seasonLength: m, horizon: 24 });
      const truth = all.slice(24 * 7);
      const mae = out.reduce((s, v, i) => s + Math.abs(v - (truth[i] as number)), 0) / out.length;
      expect(mae).toBeLessThan(8);
    });

    test('handles missing values, a history shorter than the season, and no data at all', () => {
      const f = make();
      const holey = seasonal(100, 4).map((v, i) => (i % 7 === 0 ? Number.NaN : v));
      expect(f.forecast({ values: holey, seasonLength: m, horizon: 5 }).every(Number.isFinite)).toBe(true);
      expect(f.forecast({ values: [1, 2, 3], seasonLength: m, horizon: 5 }).every(Number.isFinite)).toBe(true);
      expect(f.forecast({ values: [5], seasonLength: 0, horizon: 3 })).toEqual([5, 5, 5]);
      expect(f.forecast({ values: [Number.NaN, Number.NaN], seasonLength: m, horizon: 2 })).toEqual([0, 0]);
      expect(f.forecast({ values: [], seasonLength: m, horizon: 2 })).toEqual([0, 0]);
    });

    test('minHistory is at least one season when there is a season', () => {
      expect(make().minHistory(m)).toBeGreaterThanOrEqual(m);
    });
  });
}
