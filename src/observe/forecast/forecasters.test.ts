import { describe, expect, test } from 'vitest';
import { createRng } from '../../core/rng.js';
import { createKeepAlivePolicy } from '../../policy/index.js';
import { parseSeriesCsv } from '../series/csv.js';
import { createForecaster } from './create.js';
import { rollingOrigin, smape, smapePoint } from './evaluate.js';
import { forecastSeries } from './forecast-series.js';
import { HoltWintersForecaster } from './holt-winters.js';
import { toPolicyForecaster } from './policy-port.js';
import { SeasonalMedianForecaster } from './seasonal-median.js';
import { SeasonalNaiveForecaster } from './seasonal-naive.js';
import { codedError } from '../../core/test-support/coded-error.js';

describe('seasonal-naive', () => {
  test('repeats the last season, wrapping for horizons past one season', () => {
    const values = [1, 2, 3, 4, 5, 6];
    expect(new SeasonalNaiveForecaster().forecast({ values, seasonLength: 3, horizon: 5 })).toEqual([4, 5, 6, 4, 5]);
  });

  test('is the naive forecast without a season', () => {
    expect(new SeasonalNaiveForecaster().forecast({ values: [1, 9], seasonLength: 0, horizon: 2 })).toEqual([9, 9]);
  });
});

describe('holt-winters', () => {
  test('recovers a noiseless trend + season exactly enough', () => {
    const m = 12;
    const y = Array.from({ length: 12 * 10 }, (_, i) => 50 + 0.5 * i + 10 * Math.sin((2 * Math.PI * i) / m));
    const truth = Array.from({ length: 24 }, (_, k) => {
      const i = y.length + k;
      return 50 + 0.5 * i + 10 * Math.sin((2 * Math.PI * i) / m);
    });
    const out = new HoltWintersForecaster().forecast({ values: y, seasonLength: m, horizon: 24 });
    expect(smape(truth, out)).toBeLessThan(1);
  });

  test('fits its parameters from a small grid by one-step SSE', () => {
    const rng = createRng(3);
    const y = Array.from({ length: 200 }, (_, i) => 100 + 20 * Math.sin((2 * Math.PI * i) / 20) + rng.normal(0, 1));
    const fit = new HoltWintersForecaster().fit(y, 20);
    expect(fit?.seasonal).toBe(true);
    expect(fit?.params.phi).toBe(1);
    expect(fit?.params.gamma).toBeGreaterThan(0);
  });

  test('with less than two seasons it falls back to Holt’s linear trend', () => {
    const y = [10, 12, 14, 16, 18, 20];
    const out = new HoltWintersForecaster().forecast({ values: y, seasonLength: 24, horizon: 3 });
    expect(out[0]).toBeGreaterThan(20);
    expect(out[2]).toBeGreaterThan(out[0] as number);
  });
});

describe('seasonal-median', () => {
  test('a one-off burst a season ago is not forecast to repeat', () => {
    const m = 10;
    const y: number[] = Array.from({ length: 60 }, (_, i) => (i % m === 3 ? 20 : 10));
    y[53] = 500;
    const median = new SeasonalMedianForecaster().forecast({ values: y, seasonLength: m, horizon: m });
    const naive = new SeasonalNaiveForecaster().forecast({ values: y, seasonLength: m, horizon: m });
    expect(median[3]).toBe(20);
    expect(naive[3]).toBe(500);
  });

  test('shifts the seasonal profile by the recent level', () => {
    const m = 10;
    const y = Array.from({ length: 70 }, (_, i) => (i % m) + (i >= 60 ? 100 : 0));
    const out = new SeasonalMedianForecaster().forecast({ values: y, seasonLength: m, horizon: 3 });
    expect(out).toEqual([100, 101, 102]);
  });
});

describe('evaluation', () => {
  test('sMAPE is on the 0–200 scale and 0 for two zeros', () => {
    expect(smapePoint(100, 100)).toBe(0);
    expect(smapePoint(0, 0)).toBe(0);
    expect(smapePoint(0, 5)).toBe(200);
    expect(smapePoint(100, 50)).toBeCloseTo(66.667, 2);
  });

  test('rolling origin gives every forecaster the same origins', () => {
    const y = Array.from({ length: 100 }, (_, i) => i % 10);
    const a = rollingOrigin(y, new SeasonalNaiveForecaster(), { seasonLength: 10, horizons: [1, 5], firstOrigin: 20, originStep: 10 });
    expect(a.map((s) => s.origins)).toEqual([8, 8]);
    expect(a[0]?.smapeWindow).toBe(0);
  });
});

describe('forecastSeries (tessera forecast)', () => {
  const csv = (n: number, stepS: number, f: (i: number) => number): string =>
    `timestamp,value\n${Array.from({ length: n }, (_, i) => `${1561939200 + i * stepS},${f(i)}`).join('\n')}\n`;

  test('infers the step and writes timestamps the way the input did', () => {
    const s = parseSeriesCsv(csv(120, 60, (i) => i % 10));
    const out = forecastSeries(s, { horizonMs: 5 * 60_000, seasonMs: 10 * 60_000, method: 'seasonal-naive' });
    expect(out.stepMs).toBe(60_000);
    expect(out.points).toHaveLength(5);
    expect(out.points[0]).toEqual({ timestamp: 1561939200 + 120 * 60, value: 0 });
  });

  test('a season longer than half the history is too short for Holt-Winters, with how many rows it needs', () => {
    const s = parseSeriesCsv(csv(1440, 60, () => 1));
    const err = codedError(() => forecastSeries(s, { horizonMs: 60_000, seasonMs: 86_400_000, method: 'holt-winters' }));
    expect(err.code).toBe('TESSERA_ERR_OBSERVE_SERIES_TOO_SHORT');
    expect(err.details).toMatchObject({ need: 2880, have: 1440 });
  });

  test('refuses a season that is not a whole number of steps, and an unknown method', () => {
    const s = parseSeriesCsv(csv(100, 60, () => 1));
    expect(codedError(() => forecastSeries(s, { horizonMs: 60_000, seasonMs: 90_000 })).code).toBe('TESSERA_ERR_OBSERVE_CONFIG');
    expect(codedError(() => createForecaster('arima')).code).toBe('TESSERA_ERR_OBSERVE_UNKNOWN_METHOD');
  });

  test('missing rows become gaps on the grid', () => {
    const text = 'timestamp,value\n0,1\n60,2\n180,4\n240,5\n';
    const out = forecastSeries(parseSeriesCsv(text), { horizonMs: 60_000, seasonMs: 120_000, method: 'seasonal-naive' });
    expect(out.points).toEqual([{ timestamp: 300, value: 4 }]);
  });
});

describe('the policy Forecaster port', () => {
  test('uses the season when the request has a step and enough history', () => {
    const port = toPolicyForecaster(new SeasonalNaiveForecaster(), { seasonMs: 3 * 60_000 });
    expect(port.forecast({ history: [1, 2, 3, 4, 5, 6], stepMs: 60_000, horizon: 3 })).toEqual([4, 5, 6]);
  });

  test('an event series (no step) goes to the fallback; predictions are finite and never negative', () => {
    const port = toPolicyForecaster(new SeasonalMedianForecaster(), { seasonMs: 86_400_000 });
    const out = port.forecast({ history: [50, 40, 30, 20, 10, 5, 1], horizon: 5 });
    expect(out).toHaveLength(5);
    expect(out.every((v) => Number.isFinite(v) && v >= 0)).toBe(true);
    expect(port.forecast({ history: [], stepMs: 60_000, horizon: 2 })).toEqual([0, 0]);
  });

  test('drives the forecast pre-warm policy', () => {
    const forecaster = toPolicyForecaster(new SeasonalMedianForecaster(), { seasonMs: 3_600_000 });
    const policy = createKeepAlivePolicy({ policy: 'forecast', historyBuckets: 240 }, { forecaster });
    const step = policy.decide(policy.initialState(), { nowMs: 0, residency: 'unloaded', loadMs: 1000 } as Parameters<typeof policy.decide>[1]);
    expect(['wait', 'load', 'idle', 'unload']).toContain(step.decision.kind);
  });
});
