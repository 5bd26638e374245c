import { describe, expect, test } from 'vitest';
import { createRng } from '../../core/rng.js';
import { LatencyStats } from './latency-stats.js';

function exactQuantile(sorted: readonly number[], p: number): number {
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

describe('LatencyStats', () => {
  test('moments are exact and quantiles are within HDR precision (0.1 %) of the exact ones', () => {
    const rng = createRng(3);
    const stats = new LatencyStats();
    const values: number[] = [];
    for (let i = 0; i < 50_000; i++) {
      const v = Math.exp(rng.normal(2, 1.2)); // ms, from ~0.1 to ~1000
      values.push(v);
      stats.record(v);
    }
    values.sort((a, b) => a - b);
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    expect(stats.meanMs).toBeCloseTo(mean, 9);
    expect(stats.minMs).toBe(values[0]);
    expect(stats.maxMs).toBe(values.at(-1));
    for (const p of [50, 90, 99, 99.9]) {
      const exact = exactQuantile(values, p);
      // One µs of rounding plus 1/1024 relative bucket width.
      expect(Math.abs(stats.percentileMs(p) - exact)).toBeLessThanOrEqual(exact / 1024 + 0.001);
    }
    expect(stats.fractionAtOrBelow(exactQuantile(values, 90))).toBeCloseTo(0.9, 2);
  });

  test('merging two recorders equals recording everything in one', () => {
    const rng = createRng(9);
    const all = new LatencyStats();
    const a = new LatencyStats();
    const b = new LatencyStats();
    for (let i = 0; i < 10_000; i++) {
      const v = rng.exponential(0.1);
      all.record(v);
      (i % 3 === 0 ? a : b).record(v);
    }
    a.merge(b);
    expect(a.count).toBe(all.count);
    expect(a.meanMs).toBeCloseTo(all.meanMs, 9);
    expect(a.varianceMs2).toBeCloseTo(all.varianceMs2, 6);
    const { meanMs: _m1, stdDevMs: _s1, ...quantilesA } = a.summary();
    const { meanMs: _m2, stdDevMs: _s2, ...quantilesAll } = all.summary();
    expect(quantilesA).toEqual(quantilesAll);
  });

  test('hands its counts to hdr-histogram-js with the same quantiles', () => {
    const rng = createRng(1);
    const stats = new LatencyStats();
    for (let i = 0; i < 20_000; i++) stats.record(rng.exponential(0.05) + 0.2);
    const h = stats.toHdr();
    expect(h.totalCount).toBe(20_000);
    for (const p of [50, 99]) expect(Math.abs(h.getValueAtPercentile(p) / 1000 - stats.percentileMs(p))).toBeLessThanOrEqual(stats.percentileMs(p) / 1000);
  });

  test('values above ~100 days are clamped and counted; without histograms only moments remain', () => {
    const s = new LatencyStats();
    s.record(1e13);
    expect(s.clamped).toBe(1);
    const lean = new LatencyStats({ histogram: false });
    lean.record(5);
    expect(lean.meanMs).toBe(5);
    expect(Number.isNaN(lean.percentileMs(50))).toBe(true);
  });
});
