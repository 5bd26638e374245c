import { describe, expect, test } from 'vitest';
import { createRng } from '../../core/rng.js';
import { combineScores, groupAlarms, injectAnomalies, scoreDetections } from './evaluate.js';

const flagsAt = (n: number, at: readonly number[]): boolean[] => Array.from({ length: n }, (_, i) => at.includes(i));

describe('scoreDetections', () => {
  test('a flag inside the window detects the anomaly, with the delay from its start', () => {
    const s = scoreDetections(flagsAt(100, [23]), [{ kind: 'spike', startIndex: 20, endIndex: 21 }]);
    expect(s).toMatchObject({ anomalies: 1, detected: 1, alarms: 1, trueAlarms: 1, precision: 1, recall: 1 });
    expect(s.delaysSteps).toEqual([3]);
  });

  test('a flag in the tail after the end still counts; one past the tail does not', () => {
    const label = [{ kind: 'level-shift' as const, startIndex: 10, endIndex: 19 }];
    expect(scoreDetections(flagsAt(100, [49]), label, { tailSteps: 30 }).detected).toBe(1);
    expect(scoreDetections(flagsAt(100, [50]), label, { tailSteps: 30 }).detected).toBe(0);
  });

  test('flags outside every window are false alarms; a run of flags is one alarm', () => {
    const s = scoreDetections(flagsAt(200, [5, 6, 7, 9, 100, 150]), [{ kind: 'spike', startIndex: 100, endIndex: 100 }]);
    expect(s.alarms).toBe(3);
    expect(s.trueAlarms).toBe(1);
    expect(s.precision).toBeCloseTo(1 / 3);
  });

  test('precision is null when nothing is flagged, recall null without anomalies', () => {
    expect(scoreDetections(flagsAt(10, []), []).precision).toBeNull();
    expect(scoreDetections(flagsAt(10, []), []).recall).toBeNull();
  });

  test('combineScores pools counts rather than averaging ratios', () => {
    const a = scoreDetections(flagsAt(50, [10]), [{ kind: 'spike', startIndex: 10, endIndex: 10 }]);
    const b = scoreDetections(flagsAt(50, [45]), [{ kind: 'spike', startIndex: 10, endIndex: 10 }]);
    expect(combineScores([a, b])).toMatchObject({ anomalies: 2, detected: 1, alarms: 2, trueAlarms: 1 });
  });

  test('groupAlarms merges flags within the gap', () => {
    expect(groupAlarms(flagsAt(30, [1, 3, 10, 11, 25]), 2)).toEqual([
      [1, 3],
      [10, 11],
      [25, 25],
    ]);
  });
});

describe('injectAnomalies', () => {
  const base = new Array<number>(3000).fill(100);

  test('is seeded: the same seed places the same anomalies', () => {
    const a = injectAnomalies(base, createRng(5), { kind: 'drift', count: 4, sigma: 2 });
    const b = injectAnomalies(base, createRng(5), { kind: 'drift', count: 4, sigma: 2 });
    expect(a).toEqual(b);
  });

  test.each(['spike', 'level-shift', 'drift'] as const)('%s: labels cover exactly the changed points, after firstIndex', (kind) => {
    const long = new Array<number>(6000).fill(100);
    const { values, labels } = injectAnomalies(long, createRng(9), { kind, count: 5, sigma: 2, firstIndex: 500 });
    expect(labels).toHaveLength(5);
    const changed = values.map((v, i) => v !== long[i]);
    for (const l of labels) {
      expect(l.startIndex).toBeGreaterThanOrEqual(500);
      for (let i = l.startIndex; i <= l.endIndex; i++) expect(changed[i]).toBe(true);
    }
    const inLabels = (i: number) => labels.some((l) => i >= l.startIndex && i <= l.endIndex);
    expect(changed.every((c, i) => !c || inLabels(i))).toBe(true);
  });

  test('nonNegative clamps a count series at zero', () => {
    const { values } = injectAnomalies(new Array<number>(2000).fill(1), createRng(3), { kind: 'level-shift', count: 4, sigma: 10, nonNegative: true });
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
  });
});
