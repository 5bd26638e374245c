import type { Rng } from '../../core/rng.js';

/**
 * How a count of arrivals is placed inside its interval (a trace minute, a QPS second):
 * - `uniform`: independent uniform times, sorted (the arrivals of a Poisson process given its
 *   count) — seeded;
 * - `even`: at the centres of `count` equal sub-intervals (no randomness; the smoothest load).
 */
export type SpreadMode = 'uniform' | 'even';

/**
 * Emits `count` sorted times in [startMs, startMs + lengthMs) one at a time, holding O(1) state:
 * sorted uniforms are drawn sequentially from their order statistics (the minimum of k uniforms
 * on [x, 1) is x + (1 − x)(1 − U^{1/k})), so a minute of 50,000 arrivals needs no array.
 */
export class IntervalSpreader {
  private startMs = 0;
  private lengthMs = 0;
  private total = 0;
  private left = 0;
  private position = 0;

  constructor(
    private readonly mode: SpreadMode,
    private readonly rng: Rng | undefined,
  ) {
    if (mode === 'uniform' && rng === undefined) throw new RangeError('uniform spreading needs an Rng');
  }

  /** Starts a new interval (whatever was left of the previous one is dropped). */
  reset(startMs: number, lengthMs: number, count: number): void {
    this.startMs = startMs;
    this.lengthMs = lengthMs;
    this.total = count;
    this.left = count;
    this.position = 0;
  }

  get remaining(): number {
    return this.left;
  }

  /** The next time; only call while `remaining > 0`. */
  next(): number {
    const k = this.left--;
    if (this.mode === 'even') {
      const index = this.total - k;
      return this.startMs + ((index + 0.5) * this.lengthMs) / this.total;
    }
    const u = (this.rng as Rng).next();
    const x = this.position;
    this.position = x + (1 - x) * (1 - Math.pow(1 - u, 1 / k));
    return this.startMs + this.position * this.lengthMs;
  }
}

/**
 * Turns a real-valued expected count into an integer: rounds with a running remainder, so the
 * total over many intervals equals the total of the expected counts (rounded once at the end)
 * and no randomness is spent.
 */
export class CarryRounder {
  private carry = 0;
  take(expected: number): number {
    const want = expected + this.carry;
    const n = Math.floor(want + 1e-9);
    this.carry = want - n;
    return n;
  }
}
