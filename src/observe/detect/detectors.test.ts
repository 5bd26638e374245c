import { describe, expect, test } from 'vitest';
import { createRng } from '../../core/rng.js';
import { isTesseraError } from '../../core/errors/index.js';
import { createDetector, runDetector } from './create.js';
import { CusumDetector } from './cusum.js';
import { EwmaMadDetector } from './ewma-mad.js';
import { SeasonalDetector } from './seasonal.js';
import type { DetectorPoint } from './types.js';

const MINUTE = 60_000;
const DAY = 1440;
const points = (values: readonly number[], stepMs = MINUTE): DetectorPoint[] => values.map((value, i) => ({ timeMs: i * stepMs, value }));
const noisy = (seed: number, n: number, f: (i: number) => number, sd = 1): number[] => {
  const rng = createRng(seed);
  return Array.from({ length: n }, (_, i) => f(i) + rng.normal(0, sd));
};
const flaggedIn = (flags: boolean[], from: number, to: number): number => flags.slice(from, to).filter(Boolean).length;

describe('ewma-mad', () => {
  test('follows a slow drift without flagging it (drifts are CUSUM territory)', () => {
    const values = noisy(1, 1200, (i) => 100 + (i > 400 ? (i - 400) * 0.01 : 0));
    const flags = runDetector(new EwmaMadDetector(), points(values)).map((o) => o.anomaly);
    expect(flaggedIn(flags, 400, 1200)).toBeLessThanOrEqual(2);
  });

  test('a spike does not drag the baseline: the points after it score low', () => {
    const values = noisy(2, 400, () => 50);
    values[300] = 150;
    const outs = runDetector(new EwmaMadDetector(), points(values));
    expect(outs[300]?.anomaly).toBe(true);
    expect(outs.slice(301, 320).some((o) => o.anomaly)).toBe(false);
    expect(Math.abs((outs[301]?.expected as number) - 50)).toBeLessThan(2);
  });

  test('scores nothing during warm-up', () => {
    const values = noisy(3, 40, () => 10);
    values[5] = 1000;
    const outs = runDetector(new EwmaMadDetector({ warmupPoints: 20 }), points(values));
    expect(outs.slice(0, 20).every((o) => o.score === 0)).toBe(true);
  });

  test('the threshold option moves the decision', () => {
    const values = noisy(4, 300, () => 0);
    values[250] = 4.5 * 1.0;
    const lax = runDetector(new EwmaMadDetector({ threshold: 0.9 }), points(values));
    const strict = runDetector(new EwmaMadDetector({ threshold: 0.3 }), points(values));
    expect(lax[250]?.score).toBe(strict[250]?.score);
    expect(strict.filter((o) => o.anomaly).length).toBeGreaterThanOrEqual(lax.filter((o) => o.anomaly).length);
  });
});

describe('seasonal', () => {
  // A daily square wave: 100 between 10:00 and 12:00, else 20.
  const daily = (i: number): number => (i % DAY >= 600 && i % DAY < 720 ? 100 : 20);

  test('judges by the same time yesterday once a day of history exists', () => {
    const d = new SeasonalDetector();
    const values = noisy(5, 3 * DAY, daily);
    runDetector(d, points(values.slice(0, DAY + 10)));
    expect(d.lastReference).toBe(86_400_000);
  });

  test('prefers last week when a week of history exists', () => {
    const d = new SeasonalDetector({ stepMs: 60 * MINUTE });
    const hourly = noisy(6, 24 * 8 + 2, (i) => 10 + (i % 24));
    runDetector(d, points(hourly, 60 * MINUTE));
    expect(d.lastReference).toBe(7 * 86_400_000);
  });

  test('flags the daily peak that did not come, which a level-only baseline reads as normal', () => {
    const values = noisy(7, 3 * DAY, daily);
    for (let i = 2 * DAY + 600; i < 2 * DAY + 720; i++) values[i] = 20 + ((values[i] as number) - 100);
    const seasonal = runDetector(new SeasonalDetector(), points(values)).map((o) => o.anomaly);
    expect(flaggedIn(seasonal, 2 * DAY + 600, 2 * DAY + 720)).toBeGreaterThan(0);
    // The regular peaks on day 2 are expected, not anomalies.
    expect(flaggedIn(seasonal, DAY + 600, DAY + 720)).toBeLessThanOrEqual(1);
  });

  test('today’s spike is not remembered as tomorrow’s expected value', () => {
    const values = noisy(8, 3 * DAY, daily);
    values[DAY + 300] = 500;
    const outs = runDetector(new SeasonalDetector(), points(values));
    expect(outs[DAY + 300]?.anomaly).toBe(true);
    expect(outs[2 * DAY + 300]?.anomaly).toBe(false);
    expect(outs[2 * DAY + 300]?.expected as number).toBeLessThan(40);
  });

  test('learns the step from the first gap and survives gaps in the data', () => {
    const values = noisy(9, 2 * DAY + 100, daily);
    const pts = points(values).filter((_, i) => i < 900 || i > 960);
    const outs = runDetector(new SeasonalDetector(), pts);
    expect(outs.every((o) => Number.isFinite(o.score))).toBe(true);
    // Day 1 has no history, so its peak is new; on day 2 the peak is expected, gap or not.
    const day2 = outs.filter((o, k) => o.anomaly && (pts[k] as DetectorPoint).timeMs >= DAY * MINUTE);
    expect(day2.length).toBeLessThanOrEqual(2);
  });

  test('rejects a season that is not a whole number of steps', () => {
    let caught: unknown;
    try {
      new SeasonalDetector({ stepMs: 7 * MINUTE, seasonsMs: [86_400_000] });
    } catch (err) {
      caught = err;
    }
    expect(isTesseraError(caught) && caught.code).toBe('TESSERA_ERR_OBSERVE_CONFIG');
  });
});

describe('cusum', () => {
  test('finds a 1.5σ level shift that per-point z-scores miss', () => {
    const values = noisy(10, 1200, (i) => (i >= 600 ? 101.5 : 100));
    const cusum = runDetector(new CusumDetector(), points(values)).map((o) => o.anomaly);
    const ewma = runDetector(new EwmaMadDetector(), points(values)).map((o) => o.anomaly);
    const first = cusum.indexOf(true, 600);
    expect(first).toBeGreaterThanOrEqual(600);
    expect(first - 600).toBeLessThan(40);
    expect(flaggedIn(ewma, 600, 700)).toBe(0);
  });

  test('resets after an alarm: one sustained shift raises one alarm, not a run of them', () => {
    const values = noisy(11, 1500, (i) => (i >= 700 ? 108 : 100));
    const flags = runDetector(new CusumDetector(), points(values)).map((o) => o.anomaly);
    expect(flaggedIn(flags, 700, 1500)).toBeLessThanOrEqual(3);
    expect(flaggedIn(flags, 700, 720)).toBeGreaterThanOrEqual(1);
  });

  test('on seasonal residuals it stops reading an hourly pattern as shifts, and still finds a real one', () => {
    // A square wave: 30 minutes at 110, 30 at 100, noise σ = 1; a +5 shift from minute 900.
    const values = noisy(13, 1200, (i) => (i % 60 < 30 ? 110 : 100) + (i >= 900 ? 5 : 0));
    const plain = runDetector(new CusumDetector(), points(values)).map((o) => o.anomaly);
    const seasonal = runDetector(new CusumDetector({ seasonsMs: [3_600_000] }), points(values)).map((o) => o.anomaly);
    expect(flaggedIn(plain, 300, 880)).toBeGreaterThan(10);
    expect(flaggedIn(seasonal, 300, 880)).toBeLessThanOrEqual(1);
    expect(flaggedIn(seasonal, 900, 920)).toBeGreaterThanOrEqual(1);
  });

  test('is two-sided: a downward shift is found too', () => {
    const values = noisy(12, 1000, (i) => (i >= 500 ? 97 : 100));
    const flags = runDetector(new CusumDetector(), points(values)).map((o) => o.anomaly);
    expect(flaggedIn(flags, 500, 560)).toBeGreaterThanOrEqual(1);
  });
});

describe('createDetector', () => {
  test('builds each detector by name', () => {
    for (const name of ['ewma-mad', 'seasonal', 'cusum'] as const) expect(createDetector({ detector: name }).name).toBe(name);
  });

  test('an unknown name is a coded error listing the names', () => {
    let caught: unknown;
    try {
      createDetector({ detector: 'prophet' } as unknown as Parameters<typeof createDetector>[0]);
    } catch (err) {
      caught = err;
    }
    expect(isTesseraError(caught) && caught.code).toBe('TESSERA_ERR_OBSERVE_UNKNOWN_METHOD');
    expect(String((caught as Error).message)).toContain('ewma-mad');
  });

  test('every bad option is reported at once', () => {
    let caught: unknown;
    try {
      createDetector({ detector: 'cusum', threshold: 1.5, h: -1, alpha: 0 });
    } catch (err) {
      caught = err;
    }
    expect(isTesseraError(caught) && caught.code).toBe('TESSERA_ERR_OBSERVE_CONFIG');
    expect((caught as { details: { problems: string[] } }).details.problems).toHaveLength(3);
  });
});
