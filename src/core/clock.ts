/**
 * Time is injected so that the same policy code runs under the simulator's virtual clock and the
 * runtime's real clock. Nothing outside `RealClock` may read the wall clock.
 */
export interface Clock {
  /** Milliseconds since an arbitrary, fixed origin; monotonic. */
  nowMs(): number;
}

/** Monotonic wall-clock time (performance.now based), anchored at the Unix epoch. */
export class RealClock implements Clock {
  private readonly originMs = performance.timeOrigin;
  nowMs(): number {
    return this.originMs + performance.now();
  }
}

/** A clock that only moves when told to; time never goes backwards. */
export class VirtualClock implements Clock {
  private current: number;
  constructor(startMs = 0) {
    this.current = startMs;
  }
  nowMs(): number {
    return this.current;
  }
  /** Moves to `ms`; asking for the past is a programming error, so it throws. */
  advanceTo(ms: number): void {
    if (ms < this.current) {
      throw new RangeError(`virtual clock cannot go back from ${this.current} to ${ms}`);
    }
    this.current = ms;
  }
  advanceBy(deltaMs: number): void {
    this.advanceTo(this.current + deltaMs);
  }
}
