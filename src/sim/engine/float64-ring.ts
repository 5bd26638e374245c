/**
 * A growable FIFO of doubles (queued arrival times, buffered split arrivals): a power-of-two ring
 * over a Float64Array, so pushing and shifting allocate nothing once it has grown to the peak.
 */
export class Float64Ring {
  private buf = new Float64Array(16);
  private head = 0;
  private count = 0;

  get length(): number {
    return this.count;
  }

  push(value: number): void {
    if (this.count === this.buf.length) this.grow();
    this.buf[(this.head + this.count) & (this.buf.length - 1)] = value;
    this.count++;
  }

  /** Removes and returns the oldest value; only call while `length > 0`. */
  shift(): number {
    const v = this.buf[this.head] as number;
    this.head = (this.head + 1) & (this.buf.length - 1);
    this.count--;
    return v;
  }

  /** The oldest value without removing it; only call while `length > 0`. */
  peek(): number {
    return this.buf[this.head] as number;
  }

  clear(): void {
    this.head = 0;
    this.count = 0;
  }

  private grow(): void {
    const next = new Float64Array(this.buf.length * 2);
    for (let i = 0; i < this.count; i++) next[i] = this.buf[(this.head + i) & (this.buf.length - 1)] as number;
    this.buf = next;
    this.head = 0;
  }
}
