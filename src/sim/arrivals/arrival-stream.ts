/**
 * A stream of arrival times in ms, non-decreasing, pulled one at a time. Every arrival process
 * and trace reader is one of these, so a run holds one pending arrival per stream and never a
 * whole trace.
 *
 * `nextMs()` is the hot path (no allocation: +Infinity marks the end rather than an iterator
 * result object); the stream is also an `Iterable<number>` for tests and tools.
 */
export interface ArrivalSource extends Iterable<number> {
  /** The next arrival time, ms; +Infinity once the stream is exhausted (and on every later call). */
  nextMs(): number;
  /** Releases what the stream holds open (a trace file); safe to call more than once. */
  close(): void;
}

/** Base class: subclasses implement `nextMs` (and `close` when they hold a resource). */
export abstract class ArrivalStream implements ArrivalSource {
  abstract nextMs(): number;

  close(): void {
    // Nothing held by default.
  }

  *[Symbol.iterator](): Iterator<number> {
    for (;;) {
      const t = this.nextMs();
      if (t === Number.POSITIVE_INFINITY) return;
      yield t;
    }
  }
}

/** Wraps a plain `nextMs` function (for tests and ad-hoc streams). */
export function arrivalSource(next: () => number, close: () => void = () => {}): ArrivalSource {
  return new (class extends ArrivalStream {
    nextMs(): number {
      return next();
    }
    override close(): void {
      close();
    }
  })();
}

/** A stream over a fixed list of times (tests; small hand-made traces). */
export function arrivalsFromArray(timesMs: readonly number[]): ArrivalSource {
  let i = 0;
  return arrivalSource(() => (i < timesMs.length ? (timesMs[i++] as number) : Number.POSITIVE_INFINITY));
}

/** Pulls every arrival into an array — for tests and small traces only, never on a full trace. */
export function collectArrivals(source: ArrivalSource, maxCount = Number.POSITIVE_INFINITY): number[] {
  const out: number[] = [];
  while (out.length < maxCount) {
    const t = source.nextMs();
    if (t === Number.POSITIVE_INFINITY) break;
    out.push(t);
  }
  return out;
}
