import { createRng, type Rng } from '../../core/rng.js';
import { TesseraError } from '../../core/errors/tessera-error.js';
import { ArrivalStream } from './arrival-stream.js';

export interface SyntheticArrivalOptions {
  /** Mean arrival rate, requests per second. */
  readonly ratePerSec: number;
  /** Time origin; the first arrival comes one inter-arrival gap after it. Default 0. */
  readonly startMs?: number;
  /** No arrival at or after this time (the stream ends). Default: never. */
  readonly untilMs?: number;
  /** At most this many arrivals. Default: unbounded. */
  readonly count?: number;
  /** Randomness: an `Rng`, or a seed for a fresh one (default seed 1). Constant arrivals draw none. */
  readonly rng?: Rng;
  readonly seed?: number;
}

export interface BurstyArrivalOptions extends SyntheticArrivalOptions {
  /** Coefficient of variation of the inter-arrival gaps (1 is Poisson-like, larger is burstier). */
  readonly cv: number;
}

function rngOf(o: SyntheticArrivalOptions): Rng {
  return o.rng ?? createRng(o.seed ?? 1);
}

function checkRate(o: SyntheticArrivalOptions): void {
  if (!(o.ratePerSec > 0 && Number.isFinite(o.ratePerSec))) {
    throw new TesseraError('TESSERA_ERR_SIM_ARRIVAL_INVALID', `arrival rate must be a positive number of requests per second, got ${o.ratePerSec}`);
  }
  if (o.count !== undefined && !(o.count >= 0)) {
    throw new TesseraError('TESSERA_ERR_SIM_ARRIVAL_INVALID', `arrival count must be ≥ 0, got ${o.count}`);
  }
}

/** Common bookkeeping: the running time, the horizon and the count limit. */
abstract class RenewalStream extends ArrivalStream {
  protected timeMs: number;
  private readonly untilMs: number;
  private left: number;

  constructor(o: SyntheticArrivalOptions) {
    super();
    checkRate(o);
    this.timeMs = o.startMs ?? 0;
    this.untilMs = o.untilMs ?? Number.POSITIVE_INFINITY;
    this.left = o.count ?? Number.POSITIVE_INFINITY;
  }

  protected abstract advance(): number;

  nextMs(): number {
    if (this.left <= 0) return Number.POSITIVE_INFINITY;
    const t = this.advance();
    if (t >= this.untilMs) {
      this.left = 0;
      return Number.POSITIVE_INFINITY;
    }
    this.left--;
    return t;
  }
}

/** Evenly spaced arrivals, 1000 / ratePerSec ms apart. */
export class ConstantArrivals extends RenewalStream {
  private readonly gapMs: number;
  private readonly originMs: number;
  private k = 0;

  constructor(o: SyntheticArrivalOptions) {
    super(o);
    this.gapMs = 1000 / o.ratePerSec;
    this.originMs = this.timeMs;
  }

  // Multiplying rather than summing keeps a day of arrivals free of accumulated rounding.
  protected advance(): number {
    return (this.timeMs = this.originMs + ++this.k * this.gapMs);
  }
}

/** A Poisson process: exponential gaps with mean 1000 / ratePerSec ms. */
export class PoissonArrivals extends RenewalStream {
  private readonly rng: Rng;
  private readonly ratePerMs: number;

  constructor(o: SyntheticArrivalOptions) {
    super(o);
    this.rng = rngOf(o);
    this.ratePerMs = o.ratePerSec / 1000;
  }

  protected advance(): number {
    return (this.timeMs += this.rng.exponential(this.ratePerMs));
  }
}

/**
 * A bursty renewal process: Gamma gaps with mean m = 1000 / ratePerSec ms and coefficient of
 * variation cv (shape 1/cv², scale m·cv²). cv = 1 is Poisson; cv > 1 clusters arrivals into bursts
 * separated by long gaps; cv < 1 is more regular than Poisson.
 */
export class BurstyArrivals extends RenewalStream {
  private readonly rng: Rng;
  private readonly shape: number;
  private readonly scaleMs: number;

  constructor(o: BurstyArrivalOptions) {
    super(o);
    if (!(o.cv > 0 && Number.isFinite(o.cv))) {
      throw new TesseraError('TESSERA_ERR_SIM_ARRIVAL_INVALID', `bursty arrivals need a positive coefficient of variation (cv), got ${o.cv}`);
    }
    this.rng = rngOf(o);
    const meanMs = 1000 / o.ratePerSec;
    this.shape = 1 / (o.cv * o.cv);
    this.scaleMs = meanMs * o.cv * o.cv;
  }

  protected advance(): number {
    return (this.timeMs += this.rng.gamma(this.shape, this.scaleMs));
  }
}

export const constantArrivals = (o: SyntheticArrivalOptions): ConstantArrivals => new ConstantArrivals(o);
export const poissonArrivals = (o: SyntheticArrivalOptions): PoissonArrivals => new PoissonArrivals(o);
export const burstyArrivals = (o: BurstyArrivalOptions): BurstyArrivals => new BurstyArrivals(o);
