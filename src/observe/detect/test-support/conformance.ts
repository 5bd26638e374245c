import { describe, expect, test } from 'vitest';
import { createRng } from '../../../core/rng.js';
import { isTesseraError } from '../../../core/errors/index.js';
import type { AnomalyDetector, DetectorPoint, DetectorStateBase } from '../types.js';

/**
 * The contract every anomaly detector keeps, registered as vitest tests for one detector factory.
 * Each detector's test file (and conformance.test.ts for the shipped configurations) calls it.
 */
export interface DetectorConformanceOptions {
  /** Largest share of points flagged on a constant or a pure-noise series. @default 0.01 */
  readonly falsePositiveBound?: number;
  /** Points in each generated series. @default 1500 */
  readonly length?: number;
}

const MINUTE = 60_000;
const T0 = Date.UTC(2024, 0, 1);

const seriesOf = (values: readonly number[]): DetectorPoint[] => values.map((value, i) => ({ timeMs: T0 + i * MINUTE, value }));

function noise(seed: number, n: number, mean = 100, sd = 5): number[] {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => rng.normal(mean, sd));
}

function run(detector: AnomalyDetector, points: readonly DetectorPoint[]) {
  return points.map((p) => detector.update(p));
}

export function describeDetectorConformance(label: string, make: () => AnomalyDetector, options: DetectorConformanceOptions = {}): void {
  const bound = options.falsePositiveBound ?? 0.01;
  const n = options.length ?? 1500;

  describe(`detector conformance: ${label}`, () => {
    test('every score lies in [0, 1] and the decision is score ≥ threshold', () => {
      const d = make();
      const values = noise(1, n);
      values[700] = 400;
      values[900] = Number.NaN;
      for (let i = 1000; i < 1100; i++) values[i] = (values[i] as number) + 40;
      for (const out of run(d, seriesOf(values))) {
        expect(out.score).toBeGreaterThanOrEqual(0);
        expect(out.score).toBeLessThanOrEqual(1);
        expect(out.anomaly).toBe(out.score >= d.config.threshold);
      }
    });

    test('is deterministic: the same series gives the same outputs', () => {
      const points = seriesOf(noise(2, 600));
      expect(run(make(), points)).toEqual(run(make(), points));
    });

    test(`flags nothing on a constant series`, () => {
      const outs = run(make(), seriesOf(new Array<number>(n).fill(42)));
      expect(outs.filter((o) => o.anomaly)).toEqual([]);
    });

    test(`flags at most ${bound * 100}% of a pure-noise series`, () => {
      for (const seed of [3, 4, 5]) {
        const outs = run(make(), seriesOf(noise(seed, n)));
        const flagged = outs.filter((o) => o.anomaly).length;
        expect(flagged / n, `seed ${seed}: ${flagged} of ${n} flagged`).toBeLessThanOrEqual(bound);
      }
    });

    test('flags an injected large spike at the spike', () => {
      const values = noise(6, 800);
      values[500] = 100 + 20 * 5;
      const outs = run(make(), seriesOf(values));
      expect(outs[500]?.anomaly).toBe(true);
    });

    test('state round-trips through JSON: a restored detector continues exactly', () => {
      const values = noise(7, 900);
      values[600] = 200;
      const points = seriesOf(values);
      const whole = run(make(), points);
      const first = make();
      run(first, points.slice(0, 450));
      const state = JSON.parse(JSON.stringify(first.snapshot())) as DetectorStateBase;
      const second = make();
      second.restore(state);
      expect(run(second, points.slice(450))).toEqual(whole.slice(450));
    });

    test("refuses another detector's state with a coded error", () => {
      const d = make();
      const foreign = { detector: d.name === 'cusum' ? 'ewma-mad' : 'cusum', seen: 3 } as unknown as DetectorStateBase;
      let caught: unknown;
      try {
        d.restore(foreign);
      } catch (err) {
        caught = err;
      }
      expect(isTesseraError(caught) && caught.code).toBe('TESSERA_ERR_OBSERVE_STATE');
    });

    test('handles NaN, Infinity and missing points without crashing or scoring them', () => {
      const values = noise(8, 400);
      for (const i of [0, 1, 50, 51, 52, 200, 399]) values[i] = Number.NaN;
      values[300] = Number.POSITIVE_INFINITY;
      const outs = run(make(), seriesOf(values));
      for (const i of [0, 50, 200, 300, 399]) {
        expect(outs[i]?.score).toBe(0);
        expect(outs[i]?.anomaly).toBe(false);
      }
      expect(outs.every((o) => Number.isFinite(o.score))).toBe(true);
    });

    test('an all-missing series gives zero scores', () => {
      const outs = run(make(), seriesOf(new Array<number>(100).fill(Number.NaN)));
      expect(outs.every((o) => o.score === 0 && !o.anomaly)).toBe(true);
    });
  });
}
