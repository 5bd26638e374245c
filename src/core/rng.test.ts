import { describe, expect, test } from 'vitest';
import { createRng } from './rng.js';

const N = 200_000;

function moments(draw: () => number): { mean: number; variance: number } {
  let sum = 0;
  let sq = 0;
  for (let i = 0; i < N; i++) {
    const x = draw();
    sum += x;
    sq += x * x;
  }
  const mean = sum / N;
  return { mean, variance: sq / N - mean * mean };
}

describe('createRng', () => {
  test('the same seed gives the same stream; a different seed a different one', () => {
    const a = createRng(42);
    const b = createRng(42);
    const c = createRng(43);
    const sa = Array.from({ length: 8 }, () => a.next());
    expect(Array.from({ length: 8 }, () => b.next())).toEqual(sa);
    expect(Array.from({ length: 8 }, () => c.next())).not.toEqual(sa);
  });

  test('uniform draws lie in [0, 1) with mean 1/2', () => {
    const r = createRng(1);
    const { mean } = moments(() => {
      const x = r.next();
      expect(x >= 0 && x < 1).toBe(true);
      return x;
    });
    expect(mean).toBeCloseTo(0.5, 2);
  });

  test('int covers both ends of its range', () => {
    const r = createRng(2);
    const seen = new Set<number>();
    for (let i = 0; i < 1000; i++) seen.add(r.int(3, 6));
    expect([...seen].sort()).toEqual([3, 4, 5, 6]);
  });

  test('normal, exponential and gamma have the right mean and variance', () => {
    const r = createRng(3);
    const n = moments(() => r.normal(2, 3));
    expect(n.mean).toBeCloseTo(2, 1);
    expect(Math.sqrt(n.variance)).toBeCloseTo(3, 1);
    const e = moments(() => r.exponential(4));
    expect(e.mean).toBeCloseTo(0.25, 2);
    expect(e.variance).toBeCloseTo(1 / 16, 2);
    for (const shape of [0.25, 1, 4]) {
      const g = moments(() => r.gamma(shape, 2));
      expect(g.mean / (shape * 2)).toBeCloseTo(1, 1);
      expect(g.variance / (shape * 4)).toBeCloseTo(1, 1);
    }
  });

  test('forked streams are independent of later draws from the parent', () => {
    const a = createRng(9);
    const fa = a.fork();
    const b = createRng(9);
    const fb = b.fork();
    b.next();
    expect(fa.next()).toBe(fb.next());
  });
});
