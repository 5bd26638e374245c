/**
 * The admission cap `setAdmissionCap` installs: a token bucket refilled at `ratePerS`, holding at
 * most `burst` tokens (it starts full); each admitted request takes one.
 */
export class TokenBucket {
  private tokens: number;
  private atMs: number;

  constructor(
    readonly ratePerS: number,
    readonly burst: number,
    nowMs: number,
  ) {
    this.tokens = burst;
    this.atMs = nowMs;
  }

  /** True (and one token taken) when a request arriving at `nowMs` is admitted. */
  take(nowMs: number): boolean {
    this.tokens = Math.min(this.burst, this.tokens + ((nowMs - this.atMs) * this.ratePerS) / 1000);
    this.atMs = nowMs;
    // A small tolerance: arrivals exactly at the cap's rate refill 0.999… tokens in floating point.
    if (this.tokens >= 1 - 1e-9) {
      this.tokens -= 1;
      return true;
    }
    return false;
  }
}
