import { describe, expect, test } from 'vitest';
import { DEFAULT_STABILITY_RULE, halfDrift, quantileSorted, stopDecision, summarize } from './stats.js';

const rule = { ...DEFAULT_STABILITY_RULE, minRuns: 10, minTimeMs: 100, maxRuns: 100, maxTimeMs: 1000, tolerance: 0.05, floorRuns: 3 };

describe('latency summaries', () => {
  test('percentiles interpolate between ranks and are ordered', () => {
    const s = summarize([5, 1, 4, 2, 3]);
    expect(s.p50).toBe(3);
    expect(s.mean).toBe(3);
    expect(quantileSorted([1, 2], 0.5)).toBe(1.5);
    expect(s.p50).toBeLessThanOrEqual(s.p90);
    expect(s.p90).toBeLessThanOrEqual(s.p99);
  });

  test('drift compares the medians of the two halves', () => {
    expect(halfDrift([1, 1, 1, 1])).toBe(0);
    expect(halfDrift([1, 1, 2, 2])).toBe(1);
  });
});

describe('the stability rule', () => {
  const flat = Array.from({ length: 20 }, () => 1);
  const drifting = Array.from({ length: 20 }, (_, i) => (i < 10 ? 1 : 2));

  test('keeps going until both the run and the time minimum are met', () => {
    expect(stopDecision(flat.slice(0, 5), 500, rule)).toBe('continue');
    expect(stopDecision(flat, 50, rule)).toBe('continue');
    expect(stopDecision(flat, 150, rule)).toBe('stable');
  });

  test('keeps going while the figure drifts, then stops at the cap as unstable', () => {
    expect(stopDecision(drifting, 150, rule)).toBe('continue');
    expect(stopDecision(drifting, 1000, rule)).toBe('capped');
    expect(stopDecision(Array.from({ length: 100 }, (_, i) => (i < 50 ? 1 : 2)), 200, rule)).toBe('capped');
  });

  test('never stops with fewer than the floor of runs, even past the time cap', () => {
    expect(stopDecision([9, 9], 10_000, rule)).toBe('continue');
    expect(stopDecision([9, 9, 9], 10_000, rule)).toBe('capped');
  });
});
