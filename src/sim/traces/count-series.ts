import { createRng, type Rng } from '../../core/rng.js';
import { TesseraError } from '../../core/errors/tessera-error.js';
import { ArrivalStream } from '../arrivals/arrival-stream.js';
import { CarryRounder, IntervalSpreader, type SpreadMode } from '../arrivals/spread.js';

/**
 * A series of (interval, expected count) pairs — a trace minute and its invocations, a second and
 * its QPS — pulled one interval at a time. `advance` moves to the next interval and returns false
 * at the end; it may throw a parse error for the row it reads.
 */
export interface CountIntervals {
  advance(): boolean;
  readonly intervalStartMs: number;
  readonly intervalLengthMs: number;
  /** Expected arrivals in the interval (may be fractional: a QPS of 2.5 over one second). */
  readonly intervalCount: number;
  close(): void;
}

export interface CountSpreadOptions {
  /** How arrivals are placed inside each interval; default `uniform`. */
  readonly spread?: SpreadMode;
  /** Multiply every count by this (rate scaling); fractions carry over to the next interval. */
  readonly scale?: number;
  readonly rng?: Rng;
  readonly seed?: number;
}

/**
 * Arrivals from per-interval counts: each interval's count (times `scale`, rounded with a carry so
 * totals are kept) is spread inside the interval. Holds one interval at a time.
 */
export class CountSeriesArrivals extends ArrivalStream {
  private readonly spreader: IntervalSpreader;
  private readonly rounder = new CarryRounder();
  private readonly scale: number;
  private done = false;

  constructor(
    private readonly intervals: CountIntervals,
    options: CountSpreadOptions = {},
  ) {
    super();
    const scale = options.scale ?? 1;
    if (!(scale > 0 && Number.isFinite(scale))) {
      throw new TesseraError('TESSERA_ERR_SIM_ARRIVAL_INVALID', `trace rate scale must be a positive number, got ${scale}`);
    }
    this.scale = scale;
    const mode = options.spread ?? 'uniform';
    this.spreader = new IntervalSpreader(mode, mode === 'uniform' ? (options.rng ?? createRng(options.seed ?? 1)) : undefined);
  }

  nextMs(): number {
    while (this.spreader.remaining === 0) {
      if (this.done || !this.intervals.advance()) {
        this.done = true;
        return Number.POSITIVE_INFINITY;
      }
      const n = this.rounder.take(this.intervals.intervalCount * this.scale);
      if (n > 0) this.spreader.reset(this.intervals.intervalStartMs, this.intervals.intervalLengthMs, n);
    }
    return this.spreader.next();
  }

  override close(): void {
    this.done = true;
    this.intervals.close();
  }
}
