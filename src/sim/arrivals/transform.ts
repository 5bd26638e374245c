import { createRng, type Rng } from '../../core/rng.js';
import { TesseraError } from '../../core/errors/tessera-error.js';
import { ArrivalStream, type ArrivalSource } from './arrival-stream.js';
import { IntervalSpreader } from './spread.js';
import { Float64Ring } from '../engine/float64-ring.js';

const INF = Number.POSITIVE_INFINITY;

function positive(name: string, value: number): void {
  if (!(value > 0 && Number.isFinite(value))) {
    throw new TesseraError('TESSERA_ERR_SIM_ARRIVAL_INVALID', `${name} must be a positive finite number, got ${value}`);
  }
}

/**
 * Compresses (factor > 1) or stretches (factor < 1) time around `originMs`:
 * t' = originMs + (t − originMs) / factor. A 24 h trace with factor 24 plays in one hour at
 * 24 times the rate.
 */
export class TimeScaled extends ArrivalStream {
  constructor(
    private readonly inner: ArrivalSource,
    private readonly factor: number,
    private readonly originMs = 0,
  ) {
    super();
    positive('timeScale', factor);
  }
  nextMs(): number {
    const t = this.inner.nextMs();
    return t === INF ? INF : this.originMs + (t - this.originMs) / this.factor;
  }
  override close(): void {
    this.inner.close();
  }
}

/** Shifts every arrival by `offsetMs` (a trace's first timestamp to the simulation's start). */
export class TimeShifted extends ArrivalStream {
  constructor(
    private readonly inner: ArrivalSource,
    private readonly offsetMs: number,
  ) {
    super();
  }
  nextMs(): number {
    const t = this.inner.nextMs();
    return t === INF ? INF : t + this.offsetMs;
  }
  override close(): void {
    this.inner.close();
  }
}

/**
 * Multiplies the arrival rate by `factor` while keeping the time shape, seeded:
 * each arrival becomes ⌊factor⌋ copies, plus one more with probability frac(factor) — so
 * factor < 1 thins (keeps each arrival with probability factor) and factor > 1 replicates. The
 * first copy keeps the original time; extra copies are spread uniformly over the gap to the next
 * original arrival (not stacked on one instant, which would invent bursts).
 */
export class RateScaled extends ArrivalStream {
  private readonly whole: number;
  private readonly frac: number;
  private readonly rng: Rng;
  private readonly spreader: IntervalSpreader;
  private lookahead: number;
  private started = false;

  constructor(
    private readonly inner: ArrivalSource,
    factor: number,
    rng: Rng | number = 1,
  ) {
    super();
    positive('rate scale', factor);
    this.whole = Math.floor(factor);
    this.frac = factor - this.whole;
    this.rng = typeof rng === 'number' ? createRng(rng) : rng;
    this.spreader = new IntervalSpreader('uniform', this.rng);
    this.lookahead = INF;
  }

  nextMs(): number {
    if (!this.started) {
      this.started = true;
      this.lookahead = this.inner.nextMs();
    }
    if (this.spreader.remaining > 0) return this.spreader.next();
    for (;;) {
      const t = this.lookahead;
      if (t === INF) return INF;
      this.lookahead = this.inner.nextMs();
      let copies = this.whole;
      if (this.frac > 0 && this.rng.next() < this.frac) copies++;
      if (copies === 0) continue;
      if (copies > 1) {
        const gapMs = this.lookahead === INF ? 0 : this.lookahead - t;
        this.spreader.reset(t, gapMs, copies - 1);
      }
      return t;
    }
  }

  override close(): void {
    this.inner.close();
  }
}

/** Ends a stream at a time horizon and/or after a number of arrivals. */
export class LimitedArrivals extends ArrivalStream {
  private readonly untilMs: number;
  private left: number;
  constructor(
    private readonly inner: ArrivalSource,
    limit: { readonly untilMs?: number; readonly count?: number },
  ) {
    super();
    this.untilMs = limit.untilMs ?? INF;
    this.left = limit.count ?? INF;
  }
  nextMs(): number {
    if (this.left <= 0) return INF;
    const t = this.inner.nextMs();
    if (t >= this.untilMs) {
      this.left = 0;
      this.inner.close();
      return INF;
    }
    this.left--;
    if (this.left <= 0) this.inner.close();
    return t;
  }
  override close(): void {
    this.inner.close();
  }
}

export const scaleTime = (source: ArrivalSource, factor: number, originMs = 0): ArrivalSource =>
  factor === 1 ? source : new TimeScaled(source, factor, originMs);
export const shiftTime = (source: ArrivalSource, offsetMs: number): ArrivalSource =>
  offsetMs === 0 ? source : new TimeShifted(source, offsetMs);
export const scaleRate = (source: ArrivalSource, factor: number, rng: Rng | number = 1): ArrivalSource =>
  factor === 1 ? source : new RateScaled(source, factor, rng);
export const limitArrivals = (source: ArrivalSource, limit: { readonly untilMs?: number; readonly count?: number }): ArrivalSource =>
  new LimitedArrivals(source, limit);

export interface SplitOptions {
  /**
   * `round-robin`: arrival i goes to output i mod n (by weight: a smooth weighted round robin, so
   * output shares are exact); `random`: each arrival picks an output at random with the weights'
   * probabilities (seeded).
   */
  readonly mode?: 'round-robin' | 'random';
  /** Relative shares of the outputs; equal when absent. */
  readonly weights?: readonly number[];
  readonly rng?: Rng;
  readonly seed?: number;
}

/**
 * Splits one stream among `ways` consumers (one trace column driving many services). Each output
 * is pulled independently; arrivals meant for an output that is not being pulled wait in its
 * small ring buffer. A simulation pulls every output one arrival ahead, so the buffers hold only
 * the arrivals between two consecutive pulls — memory stays bounded by the burst, not the trace.
 */
export function splitArrivals(source: ArrivalSource, ways: number, options: SplitOptions = {}): ArrivalSource[] {
  if (!(Number.isInteger(ways) && ways >= 1)) {
    throw new TesseraError('TESSERA_ERR_SIM_ARRIVAL_INVALID', `a split needs a whole number of outputs ≥ 1, got ${ways}`);
  }
  const weights = options.weights ?? new Array<number>(ways).fill(1);
  if (weights.length !== ways || weights.some((w) => !(w >= 0 && Number.isFinite(w))) || !weights.some((w) => w > 0)) {
    throw new TesseraError(
      'TESSERA_ERR_SIM_ARRIVAL_INVALID',
      `split weights must be ${ways} non-negative numbers with at least one above zero, got [${weights.join(', ')}]`,
    );
  }
  const hub = new SplitHub(source, weights, options.mode ?? 'round-robin', options.rng ?? createRng(options.seed ?? 1));
  return weights.map((_, i) => new SplitOutput(hub, i));
}

class SplitHub {
  private readonly buffers: Float64Ring[];
  private readonly cumulative: number[];
  private readonly total: number;
  // Smooth weighted round robin (nginx): deterministic and exact in proportion.
  private readonly current: number[];
  private done = false;
  private open: number;

  constructor(
    private readonly source: ArrivalSource,
    private readonly weights: readonly number[],
    private readonly mode: 'round-robin' | 'random',
    private readonly rng: Rng,
  ) {
    this.buffers = weights.map(() => new Float64Ring());
    this.total = weights.reduce((a, b) => a + b, 0);
    let acc = 0;
    this.cumulative = weights.map((w) => (acc += w / this.total));
    this.current = weights.map(() => 0);
    this.open = weights.length;
  }

  private pick(): number {
    const n = this.weights.length;
    if (this.mode === 'random') {
      const u = this.rng.next();
      for (let i = 0; i < n - 1; i++) if (u < (this.cumulative[i] as number)) return i;
      return n - 1;
    }
    let best = 0;
    for (let i = 0; i < n; i++) {
      this.current[i] = (this.current[i] as number) + (this.weights[i] as number);
      if ((this.current[i] as number) > (this.current[best] as number)) best = i;
    }
    this.current[best] = (this.current[best] as number) - this.total;
    return best;
  }

  pull(output: number): number {
    const own = this.buffers[output] as Float64Ring;
    for (;;) {
      if (own.length > 0) return own.shift();
      if (this.done) return INF;
      const t = this.source.nextMs();
      if (t === INF) {
        this.done = true;
        return INF;
      }
      const to = this.pick();
      if (to === output) return t;
      (this.buffers[to] as Float64Ring).push(t);
    }
  }

  release(): void {
    if (--this.open === 0) this.source.close();
  }
}

class SplitOutput extends ArrivalStream {
  private closed = false;
  constructor(
    private readonly hub: SplitHub,
    private readonly index: number,
  ) {
    super();
  }
  nextMs(): number {
    return this.hub.pull(this.index);
  }
  override close(): void {
    if (this.closed) return;
    this.closed = true;
    this.hub.release();
  }
}
