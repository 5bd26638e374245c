import { describe, expect, test } from 'vitest';
import { createRng } from '../../core/rng.js';
import { isTesseraError } from '../../core/errors/tessera-error.js';
import { arrivalsFromArray, collectArrivals, type ArrivalSource } from './arrival-stream.js';
import { IntervalSpreader } from './spread.js';
import { BurstyArrivals, ConstantArrivals, PoissonArrivals } from './synthetic.js';
import { limitArrivals, scaleRate, scaleTime, splitArrivals } from './transform.js';

const isSorted = (xs: readonly number[]): boolean => xs.every((x, i) => i === 0 || x >= xs[i - 1]!);

/** Mean rate (per s) and CV of the gaps of a stream, streaming. */
function gapStats(source: ArrivalSource, startMs = 0): { count: number; ratePerSec: number; cv: number } {
  let prev = startMs;
  let n = 0;
  let sum = 0;
  let sumSq = 0;
  let backwards = 0;
  for (let t = source.nextMs(); t !== Number.POSITIVE_INFINITY; t = source.nextMs()) {
    const gap = t - prev;
    if (gap < 0) backwards++;
    prev = t;
    n++;
    sum += gap;
    sumSq += gap * gap;
  }
  expect(backwards).toBe(0);
  const mean = sum / n;
  const variance = sumSq / n - mean * mean;
  return { count: n, ratePerSec: 1000 / mean, cv: Math.sqrt(Math.max(0, variance)) / mean };
}

describe('synthetic arrival processes', () => {
  test('constant arrivals are evenly spaced at the rate, without drift over a day', () => {
    const stats = gapStats(new ConstantArrivals({ ratePerSec: 250, untilMs: 3_600_000 }));
    expect(stats.count).toBe(899_999);
    expect(stats.ratePerSec).toBeCloseTo(250, 9);
    expect(stats.cv).toBeLessThan(1e-9);
    const s = new ConstantArrivals({ ratePerSec: 347.2, count: 1_000_000 });
    let last = 0;
    for (let t = s.nextMs(); t !== Number.POSITIVE_INFINITY; t = s.nextMs()) last = t;
    expect(Math.abs(last - (1_000_000 * 1000) / 347.2)).toBeLessThan(1e-6);
  });

  test('Poisson arrivals hit their mean rate with exponential gaps (CV 1)', () => {
    const stats = gapStats(new PoissonArrivals({ ratePerSec: 200, count: 200_000, seed: 7 }));
    expect(stats.count).toBe(200_000);
    expect(stats.ratePerSec / 200).toBeCloseTo(1, 2);
    expect(stats.cv).toBeCloseTo(1, 1);
  });

  test.each([0.5, 2, 4])('bursty arrivals with cv %s hit their rate and CV', (cv) => {
    const stats = gapStats(new BurstyArrivals({ ratePerSec: 50, cv, count: 400_000, seed: 11 }));
    expect(Math.abs(stats.ratePerSec / 50 - 1)).toBeLessThan(0.02);
    expect(Math.abs(stats.cv / cv - 1)).toBeLessThan(0.03);
  });

  test('the same seed gives the same arrivals; another seed does not', () => {
    const a = collectArrivals(new PoissonArrivals({ ratePerSec: 10, count: 1000, seed: 3 }));
    const b = collectArrivals(new PoissonArrivals({ ratePerSec: 10, count: 1000, seed: 3 }));
    const c = collectArrivals(new PoissonArrivals({ ratePerSec: 10, count: 1000, seed: 4 }));
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    const x = collectArrivals(new BurstyArrivals({ ratePerSec: 10, cv: 3, count: 1000, rng: createRng(5) }));
    const y = collectArrivals(new BurstyArrivals({ ratePerSec: 10, cv: 3, count: 1000, rng: createRng(5) }));
    expect(x).toEqual(y);
  });

  test('streams stop at their horizon and are iterable', () => {
    const times = [...new PoissonArrivals({ ratePerSec: 100, startMs: 1000, untilMs: 2000, seed: 1 })];
    expect(times.length).toBeGreaterThan(50);
    expect(times.every((t) => t > 1000 && t < 2000)).toBe(true);
  });

  test('bad options are coded errors', () => {
    for (const make of [
      () => new PoissonArrivals({ ratePerSec: 0 }),
      () => new ConstantArrivals({ ratePerSec: Number.NaN }),
      () => new BurstyArrivals({ ratePerSec: 1, cv: 0 }),
    ]) {
      try {
        make();
        expect.unreachable();
      } catch (err) {
        expect(isTesseraError(err) && err.code).toBe('TESSERA_ERR_SIM_ARRIVAL_INVALID');
      }
    }
  });
});

describe('spreading a count inside an interval', () => {
  test('uniform spreading gives sorted times inside the interval with a uniform mean', () => {
    const s = new IntervalSpreader('uniform', createRng(1));
    s.reset(60_000, 60_000, 100_000);
    let prev = 60_000;
    let sum = 0;
    let backwards = 0;
    for (let i = 0; i < 100_000; i++) {
      const t = s.next();
      if (t < prev) backwards++;
      prev = t;
      sum += t;
    }
    expect(backwards).toBe(0);
    expect(prev).toBeLessThan(120_000);
    expect(sum / 100_000 / 90_000).toBeCloseTo(1, 2);
    expect(s.remaining).toBe(0);
  });

  test('even spreading puts arrivals at sub-interval centres', () => {
    const s = new IntervalSpreader('even', undefined);
    s.reset(0, 1000, 4);
    expect([s.next(), s.next(), s.next(), s.next()]).toEqual([125, 375, 625, 875]);
  });
});

describe('stream transforms', () => {
  test('time scaling compresses around the origin', () => {
    expect(collectArrivals(scaleTime(arrivalsFromArray([100, 200, 400]), 2, 100))).toEqual([100, 150, 250]);
  });

  test('rate scaling thins and replicates in proportion, keeping order', () => {
    const base = () => new PoissonArrivals({ ratePerSec: 1000, count: 100_000, seed: 2 });
    for (const factor of [0.25, 1.5, 3]) {
      const out = collectArrivals(scaleRate(base(), factor, 9));
      expect(out.length / 100_000).toBeCloseTo(factor, 1);
      expect(isSorted(out)).toBe(true);
    }
  });

  test('a limit ends a stream by time or count', () => {
    expect(collectArrivals(limitArrivals(arrivalsFromArray([1, 2, 3, 4]), { untilMs: 3 }))).toEqual([1, 2]);
    expect(collectArrivals(limitArrivals(arrivalsFromArray([1, 2, 3, 4]), { count: 3 }))).toEqual([1, 2, 3]);
  });

  test('round-robin split by weights gives exact shares and loses nothing', () => {
    const parts = splitArrivals(new ConstantArrivals({ ratePerSec: 1000, count: 6000 }), 3, { weights: [3, 2, 1] });
    // Pull the outputs in time order, as the engine would.
    const counts = [0, 0, 0];
    const heads = parts.map((p) => p.nextMs());
    for (;;) {
      let i = 0;
      for (let k = 1; k < 3; k++) if (heads[k]! < heads[i]!) i = k;
      if (heads[i] === Number.POSITIVE_INFINITY) break;
      counts[i]!++;
      heads[i] = parts[i]!.nextMs();
    }
    expect(counts).toEqual([3000, 2000, 1000]);
  });

  test('random split follows the weights and each output stays sorted', () => {
    const parts = splitArrivals(new PoissonArrivals({ ratePerSec: 1000, count: 60_000, seed: 4 }), 2, { mode: 'random', weights: [1, 3], seed: 8 });
    const a = collectArrivals(parts[0]!);
    const b = collectArrivals(parts[1]!);
    expect(a.length + b.length).toBe(60_000);
    expect(a.length / 60_000).toBeCloseTo(0.25, 2);
    expect(isSorted(a) && isSorted(b)).toBe(true);
  });
});
