import hdr from 'hdr-histogram-js';

/** Latency in microseconds in an HDR histogram (3 significant digits, 1 µs – 1 h). */
export class LatencyRecorder {
  private readonly h = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3, useWebAssembly: false });

  recordMs(ms: number): void {
    this.h.recordValue(Math.max(1, Math.round(ms * 1000)));
  }

  get count(): number {
    return this.h.totalCount;
  }

  percentileMs(p: number): number {
    return this.count === 0 ? Number.NaN : this.h.getValueAtPercentile(p) / 1000;
  }

  get meanMs(): number {
    return this.count === 0 ? Number.NaN : this.h.mean / 1000;
  }

  get maxMs(): number {
    return this.count === 0 ? Number.NaN : this.h.maxValue / 1000;
  }

  summary(): LatencySummary {
    return {
      count: this.count,
      meanMs: this.meanMs,
      p50Ms: this.percentileMs(50),
      p90Ms: this.percentileMs(90),
      p99Ms: this.percentileMs(99),
      p999Ms: this.percentileMs(99.9),
      maxMs: this.maxMs,
    };
  }
}

export interface LatencySummary {
  count: number;
  meanMs: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
}
