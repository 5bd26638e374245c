import type { Clock } from '../core/clock.js';
import { TesseraError } from '../core/errors/index.js';
import type { LabelMatcher, MetricPoint, MetricQuery, MetricSample, MetricSeries, MetricsSource, RangeWindow } from './metrics-source.js';
import { toPromQL } from './promql.js';

export interface MemoryMetricsSourceOptions {
  /** Samples older than this (behind the newest sample added anywhere) are dropped. @default 7200000 (2 h) */
  readonly retentionMs?: number;
  /** How far back a plain (`value`) selection looks for a series' last sample, as Prometheus's lookback delta. @default 300000 (5 min) */
  readonly lookbackMs?: number;
  /** New series beyond this many are refused (counted in `stats().droppedSeries`). @default 10000 */
  readonly maxSeries?: number;
  /** A series keeps at most this many samples, dropping its oldest first. @default 8192 */
  readonly maxSamplesPerSeries?: number;
  /**
   * What "now" is for `instant()` without a time. Without a clock it is the newest sample time
   * added, which is what a simulator feeding virtual time wants.
   */
  readonly clock?: Clock;
}

export interface MemoryMetricsStats {
  readonly series: number;
  readonly samples: number;
  /** Samples refused because they were older than the series' last one (Prometheus refuses them too). */
  readonly outOfOrder: number;
  /** New series refused at `maxSeries`. */
  readonly droppedSeries: number;
  /** Newest sample time seen, ms (NaN before the first). */
  readonly newestMs: number;
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
/** Prometheus refuses range queries with more points than this per series; so does this source. */
const MAX_RANGE_POINTS = 11_000;

/**
 * One series' samples in two growable typed arrays (time, value) with a moving start, so
 * appending and dropping the oldest are O(1) amortised and a sample costs 16 bytes.
 */
class SeriesBuffer {
  times = new Float64Array(16);
  values = new Float64Array(16);
  start = 0;
  end = 0;

  constructor(readonly labels: Readonly<Record<string, string>>) {}

  get length(): number {
    return this.end - this.start;
  }

  lastTime(): number {
    return this.end > this.start ? (this.times[this.end - 1] as number) : -Infinity;
  }

  push(timeMs: number, value: number): void {
    if (this.end === this.times.length) this.makeRoom();
    this.times[this.end] = timeMs;
    this.values[this.end] = value;
    this.end++;
  }

  overwriteLast(value: number): void {
    this.values[this.end - 1] = value;
  }

  /** Drops samples before `minMs`, and the oldest beyond `maxSamples`. */
  trim(minMs: number, maxSamples: number): void {
    while (this.start < this.end && (this.times[this.start] as number) < minMs) this.start++;
    if (this.length > maxSamples) this.start = this.end - maxSamples;
    if (this.start === this.end) this.start = this.end = 0;
  }

  /** First index (absolute) whose time is > t, searching [start, end). */
  upperBound(t: number): number {
    let lo = this.start;
    let hi = this.end;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.times[mid] as number) <= t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private makeRoom(): void {
    const live = this.length;
    // Compact in place when at least half the buffer is dead space; grow otherwise.
    if (this.start >= this.times.length / 2) {
      this.times.copyWithin(0, this.start, this.end);
      this.values.copyWithin(0, this.start, this.end);
    } else {
      const times = new Float64Array(this.times.length * 2);
      const values = new Float64Array(this.values.length * 2);
      times.set(this.times.subarray(this.start, this.end));
      values.set(this.values.subarray(this.start, this.end));
      this.times = times;
      this.values = values;
    }
    this.start = 0;
    this.end = live;
  }
}

type CompiledMatcher = (labels: Readonly<Record<string, string>>) => boolean;

/** A label set as a stable key: sorted names, JSON so no separator can collide. */
function keyOf(labels: Readonly<Record<string, string>>): string {
  return JSON.stringify(Object.keys(labels).sort().map((k) => [k, labels[k]]));
}

function queryError(message: string, details: Record<string, unknown>): TesseraError {
  return new TesseraError('TESSERA_ERR_ADAPT_QUERY', message, { details });
}

function compileMatchers(labels: Readonly<Record<string, LabelMatcher>> | undefined): CompiledMatcher[] {
  return Object.entries(labels ?? {}).map(([name, m]) => {
    const { op, value } = typeof m === 'string' ? { op: '=' as const, value: m } : m;
    // A label a series lacks reads as "" — so `x=""` matches series without x, as in PromQL.
    const get = (l: Readonly<Record<string, string>>): string => l[name] ?? '';
    switch (op) {
      case '=':
        return (l) => get(l) === value;
      case '!=':
        return (l) => get(l) !== value;
      case '=~':
      case '!~': {
        let re: RegExp;
        try {
          // Fully anchored, and `.` matches newlines, as Prometheus compiles `^(?s:re)$` (RE2 syntax; JS differs in corners such as lookarounds, which RE2 refuses).
          re = new RegExp(`^(?:${value})$`, 's');
        } catch (cause) {
          throw queryError(`'${value}' is not a valid regular expression for label '${name}': ${(cause as Error).message}`, { label: name, value });
        }
        return op === '=~' ? (l) => re.test(get(l)) : (l) => !re.test(get(l));
      }
      default: {
        const bad: string = op;
        throw queryError(`unknown label matcher '${bad}' for '${name}'; use =, !=, =~ or !~`, { label: name, op: bad });
      }
    }
  });
}

/** The labels a `sum by (…)` keeps: the named ones the series has (empty values are absent in PromQL). */
function pick(labels: Readonly<Record<string, string>>, names: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const n of names) {
    const v = labels[n];
    if (v !== undefined && v !== '') out[n] = v;
  }
  return out;
}

function without(labels: Readonly<Record<string, string>>, name: string): Record<string, string> {
  const out: Record<string, string> = { ...labels };
  delete out[name];
  return out;
}

/** Parses a bucket bound the way Prometheus does (`+Inf`, `1`, `1.0`, `1e-3` all accepted). */
function parseLe(le: string): number {
  if (le === '+Inf' || le === 'Inf' || le === 'inf' || le === '+inf') return Infinity;
  if (le === '-Inf' || le === '-inf') return -Infinity;
  const v = Number(le);
  return le.trim() === '' ? NaN : v;
}

/**
 * Prometheus's `extrapolatedRate` for `rate()` (promql/functions.go): the increase between the
 * first and last sample in the window, counter resets added back, extrapolated towards the window
 * edges — all the way when the gap to an edge is under 1.1 × the mean sample spacing, else half a
 * spacing; never below the counter's zero point — and divided by the window length.
 * Undefined (no output, as in PromQL) with fewer than two samples.
 */
function extrapolatedRate(s: SeriesBuffer, lo: number, hi: number, rangeStartMs: number, rangeEndMs: number): number | undefined {
  const n = hi - lo;
  if (n < 2) return undefined;
  const firstT = s.times[lo] as number;
  const lastT = s.times[hi - 1] as number;
  const firstV = s.values[lo] as number;
  let result = (s.values[hi - 1] as number) - firstV;
  let prev = firstV;
  for (let i = lo + 1; i < hi; i++) {
    const v = s.values[i] as number;
    if (v < prev) result += prev; // a counter reset: the counter restarted from 0
    prev = v;
  }
  let toStart = (firstT - rangeStartMs) / 1000;
  const toEnd = (rangeEndMs - lastT) / 1000;
  const sampled = (lastT - firstT) / 1000;
  const avgSpacing = sampled / (n - 1);
  if (result > 0 && firstV >= 0) {
    const toZero = sampled * (firstV / result);
    if (toZero < toStart) toStart = toZero;
  }
  const threshold = avgSpacing * 1.1;
  let interval = sampled;
  interval += toStart < threshold ? toStart : avgSpacing / 2;
  interval += toEnd < threshold ? toEnd : avgSpacing / 2;
  return (result * (interval / sampled)) / ((rangeEndMs - rangeStartMs) / 1000);
}

interface Bucket {
  upperBound: number;
  count: number;
}

/** Prometheus's `bucketQuantile` (promql/quantile.go, classic histograms), step for step. */
export function bucketQuantile(q: number, input: readonly Bucket[]): number {
  if (Number.isNaN(q)) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  if (input.length === 0) return NaN;
  const sorted = [...input].sort((a, b) => a.upperBound - b.upperBound);
  if ((sorted[sorted.length - 1] as Bucket).upperBound !== Infinity) return NaN;
  // Coalesce buckets with the same bound (`le="1"` and `le="1.0"`), then force monotonic counts:
  // rates of separately scraped buckets can be a hair out of order.
  const buckets: Bucket[] = [];
  for (const b of sorted) {
    const last = buckets[buckets.length - 1];
    if (last !== undefined && last.upperBound === b.upperBound) last.count += b.count;
    else buckets.push({ upperBound: b.upperBound, count: b.count });
  }
  let max = -Infinity;
  for (const b of buckets) {
    if (b.count > max) max = b.count;
    else if (b.count < max) b.count = max;
  }
  if (buckets.length < 2) return NaN;
  const observations = (buckets[buckets.length - 1] as Bucket).count;
  if (observations === 0) return NaN;
  let rank = q * observations;
  // sort.Search over all but the +Inf bucket: the first bucket whose count reaches the rank.
  let b = buckets.length - 1;
  for (let i = 0; i < buckets.length - 1; i++) {
    if ((buckets[i] as Bucket).count >= rank) {
      b = i;
      break;
    }
  }
  // Past the last finite bound: the best answer is that bound (the +Inf bucket has no width).
  if (b === buckets.length - 1) return (buckets[buckets.length - 2] as Bucket).upperBound;
  if (b === 0 && (buckets[0] as Bucket).upperBound <= 0) return (buckets[0] as Bucket).upperBound;
  let bucketStart = 0;
  const bucketEnd = (buckets[b] as Bucket).upperBound;
  let count = (buckets[b] as Bucket).count;
  if (b > 0) {
    const below = buckets[b - 1] as Bucket;
    bucketStart = below.upperBound;
    count -= below.count;
    rank -= below.count;
  }
  // Linear interpolation inside the bucket: observations are assumed spread evenly within it.
  return bucketStart + (bucketEnd - bucketStart) * (rank / count);
}

/**
 * An in-memory time-series store that answers `MetricsSource` queries with Prometheus semantics,
 * so the controller runs without a Prometheus server: `tessera serve` feeds it from its own
 * registry (`RegistrySampler`), a simulator can feed it virtual-time samples.
 *
 * Feed it with `add(metric, labels, value, timeMs)`: counters as their cumulative value, gauges as
 * values, histograms as `<base>_bucket` series with an `le` label (cumulative counts, `+Inf`
 * included) plus `<base>_sum`/`_count` if wanted. A label with an empty value is the same as no
 * label (as in Prometheus). Per series, samples must arrive in time order: an older one is refused
 * and counted, one at the same time replaces the last value.
 *
 * Queries follow PromQL:
 * - `value`: a series' last sample within `lookbackMs` before the evaluation time (there are no
 *   staleness markers: a series that stops being fed stays visible for the lookback);
 * - `rate(w)`: `extrapolatedRate` exactly as Prometheus computes it (counter resets, extrapolation
 *   to the window edges, zero-point clamp), over samples in `(t − w, t]` (Prometheus 3's left-open
 *   window; Prometheus 2 also takes a sample exactly at `t − w`);
 * - `quantile(q, w)`: `histogram_quantile(q, sum by (le, …) (rate(<m>_bucket[w])))`, with
 *   Prometheus's bucket handling (sorting, coalescing, monotonic fix-up, +Inf, interpolation);
 * - label matchers `=`, `!=`, `=~`, `!~` (regexes fully anchored), and `sumBy`.
 * Results carry `__name__` only where PromQL keeps it (a plain selector without `sumBy`).
 *
 * Memory is bounded: samples older than `retentionMs` behind the newest are dropped, each series
 * keeps at most `maxSamplesPerSeries` (16 bytes each) and at most `maxSeries` series are kept.
 */
export class MemoryMetricsSource implements MetricsSource {
  readonly retentionMs: number;
  readonly lookbackMs: number;
  private readonly maxSeries: number;
  private readonly maxSamplesPerSeries: number;
  private readonly clock: Clock | undefined;
  private readonly metrics = new Map<string, Map<string, SeriesBuffer>>();
  private seriesCount = 0;
  private newestMs = -Infinity;
  private lastSweepMs = -Infinity;
  private outOfOrder = 0;
  private droppedSeries = 0;

  constructor(options: MemoryMetricsSourceOptions = {}) {
    this.retentionMs = options.retentionMs ?? 2 * 3_600_000;
    this.lookbackMs = options.lookbackMs ?? 300_000;
    this.maxSeries = options.maxSeries ?? 10_000;
    this.maxSamplesPerSeries = options.maxSamplesPerSeries ?? 8192;
    this.clock = options.clock;
    const problems: string[] = [];
    if (!(this.retentionMs > 0 && Number.isFinite(this.retentionMs))) problems.push(`retentionMs must be a finite number > 0, got ${this.retentionMs}`);
    if (!(this.lookbackMs > 0 && Number.isFinite(this.lookbackMs))) problems.push(`lookbackMs must be a finite number > 0, got ${this.lookbackMs}`);
    if (!(Number.isInteger(this.maxSeries) && this.maxSeries >= 1)) problems.push(`maxSeries must be a whole number ≥ 1, got ${this.maxSeries}`);
    if (!(Number.isInteger(this.maxSamplesPerSeries) && this.maxSamplesPerSeries >= 2)) problems.push(`maxSamplesPerSeries must be a whole number ≥ 2, got ${this.maxSamplesPerSeries}`);
    if (problems.length > 0) throw new TesseraError('TESSERA_ERR_ADAPT_CONFIG', `MemoryMetricsSource options have ${problems.length} problem(s):\n  ${problems.join('\n  ')}`, { details: { problems } });
  }

  /**
   * Appends one sample. Returns false when it was refused (older than the series' last sample, or
   * a new series past `maxSeries`). Names are checked when a series is first seen.
   */
  add(metric: string, labels: Readonly<Record<string, string>>, value: number, timeMs: number): boolean {
    if (!Number.isFinite(timeMs)) throw new TesseraError('TESSERA_ERR_ADAPT_SAMPLE', `a sample of '${metric}' has a time that is not a finite number (${timeMs})`, { details: { metric, timeMs } });
    let family = this.metrics.get(metric);
    const clean: Record<string, string> = {};
    for (const [k, v] of Object.entries(labels)) if (v !== '') clean[k] = v;
    const key = keyOf(clean);
    let series = family?.get(key);
    if (series === undefined) {
      if (!METRIC_NAME.test(metric)) throw new TesseraError('TESSERA_ERR_ADAPT_SAMPLE', `'${metric}' is not a valid metric name`, { details: { metric } });
      for (const k of Object.keys(clean)) {
        if (!LABEL_NAME.test(k) || k.startsWith('__')) throw new TesseraError('TESSERA_ERR_ADAPT_SAMPLE', `'${k}' is not a valid label name for '${metric}'`, { details: { metric, label: k } });
      }
      if (this.seriesCount >= this.maxSeries) {
        this.droppedSeries++;
        return false;
      }
      if (family === undefined) {
        family = new Map();
        this.metrics.set(metric, family);
      }
      series = new SeriesBuffer(Object.freeze(clean));
      family.set(key, series);
      this.seriesCount++;
    }
    const last = series.lastTime();
    if (timeMs < last) {
      this.outOfOrder++;
      return false;
    }
    if (timeMs === last) series.overwriteLast(value);
    else series.push(timeMs, value);
    if (timeMs > this.newestMs) this.newestMs = timeMs;
    series.trim(this.newestMs - this.retentionMs, this.maxSamplesPerSeries);
    this.maybeSweep();
    return true;
  }

  stats(): MemoryMetricsStats {
    let samples = 0;
    for (const family of this.metrics.values()) for (const s of family.values()) samples += s.length;
    return { series: this.seriesCount, samples, outOfOrder: this.outOfOrder, droppedSeries: this.droppedSeries, newestMs: Number.isFinite(this.newestMs) ? this.newestMs : NaN };
  }

  instant(query: MetricQuery, atMs?: number): Promise<readonly MetricSample[]> {
    try {
      const plan = this.prepare(query);
      const t = atMs ?? this.nowMs();
      return Promise.resolve(plan.evaluate(t).map((r) => ({ labels: r.labels, value: r.value, timeMs: t })));
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  range(query: MetricQuery, window: RangeWindow): Promise<readonly MetricSeries[]> {
    try {
      if (!(window.stepMs > 0) || !(window.endMs >= window.startMs) || !Number.isFinite(window.startMs) || !Number.isFinite(window.endMs)) {
        throw queryError(`a range needs step > 0 and end ≥ start, got ${JSON.stringify(window)}`, { ...window });
      }
      const steps = Math.floor((window.endMs - window.startMs) / window.stepMs) + 1;
      if (steps > MAX_RANGE_POINTS) throw queryError(`a range of ${steps} points is more than the ${MAX_RANGE_POINTS} allowed (as Prometheus); use a larger step`, { ...window, steps });
      const plan = this.prepare(query);
      const out = new Map<string, { labels: Readonly<Record<string, string>>; points: MetricPoint[] }>();
      for (let i = 0; i < steps; i++) {
        const t = window.startMs + i * window.stepMs;
        for (const r of plan.evaluate(t)) {
          const key = keyOf(r.labels);
          let s = out.get(key);
          if (s === undefined) {
            s = { labels: r.labels, points: [] };
            out.set(key, s);
          }
          s.points.push({ timeMs: t, value: r.value });
        }
      }
      return Promise.resolve([...out.values()]);
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  private nowMs(): number {
    if (this.clock !== undefined) return this.clock.nowMs();
    return Number.isFinite(this.newestMs) ? this.newestMs : 0;
  }

  /** Retention applies to every series, also those no longer fed; swept a few times per retention period. */
  private maybeSweep(): void {
    if (this.newestMs - this.lastSweepMs < this.retentionMs / 16) return;
    this.lastSweepMs = this.newestMs;
    const minMs = this.newestMs - this.retentionMs;
    for (const [metric, family] of this.metrics) {
      for (const [key, s] of family) {
        s.trim(minMs, this.maxSamplesPerSeries);
        if (s.length === 0) {
          family.delete(key);
          this.seriesCount--;
        }
      }
      if (family.size === 0) this.metrics.delete(metric);
    }
  }

  private select(metric: string, matchers: readonly CompiledMatcher[]): SeriesBuffer[] {
    const family = this.metrics.get(metric);
    if (family === undefined) return [];
    const out: SeriesBuffer[] = [];
    for (const s of family.values()) if (matchers.every((m) => m(s.labels))) out.push(s);
    return out;
  }

  /** Validates the query once (the same checks and codes as the PromQL renderer) and returns its evaluator. */
  private prepare(query: MetricQuery): { evaluate: (t: number) => Array<{ labels: Readonly<Record<string, string>>; value: number }> } {
    toPromQL(query); // throws TESSERA_ERR_ADAPT_QUERY on a bad name, window or quantile
    const matchers = compileMatchers(query.labels);
    const reduce = query.reduce ?? { kind: 'value' };
    const sumBy = query.sumBy;
    const group = (rows: Array<{ labels: Readonly<Record<string, string>>; value: number }>): Array<{ labels: Readonly<Record<string, string>>; value: number }> => {
      if (sumBy === undefined) return rows;
      const sums = new Map<string, { labels: Record<string, string>; value: number }>();
      for (const r of rows) {
        const labels = pick(r.labels, sumBy);
        const key = keyOf(labels);
        const g = sums.get(key);
        if (g === undefined) sums.set(key, { labels, value: r.value });
        else g.value += r.value;
      }
      return [...sums.values()];
    };

    switch (reduce.kind) {
      case 'value': {
        const series = (): SeriesBuffer[] => this.select(query.metric, matchers);
        return {
          evaluate: (t) => {
            const rows: Array<{ labels: Readonly<Record<string, string>>; value: number }> = [];
            for (const s of series()) {
              const i = s.upperBound(t) - 1;
              if (i < s.start) continue;
              // Prometheus's lookback: the newest sample at or before t, if not older than t − lookback.
              if ((s.times[i] as number) < t - this.lookbackMs) continue;
              rows.push({ labels: sumBy === undefined ? { __name__: query.metric, ...s.labels } : s.labels, value: s.values[i] as number });
            }
            return group(rows);
          },
        };
      }
      case 'rate': {
        const windowMs = reduce.windowMs;
        return {
          evaluate: (t) => {
            const rows: Array<{ labels: Readonly<Record<string, string>>; value: number }> = [];
            for (const s of this.select(query.metric, matchers)) {
              const v = this.rateOf(s, t, windowMs);
              if (v !== undefined) rows.push({ labels: s.labels, value: v });
            }
            return group(rows);
          },
        };
      }
      case 'quantile': {
        const { q, windowMs } = reduce;
        const keep = sumBy === undefined ? undefined : ['le', ...sumBy.filter((l) => l !== 'le')];
        return {
          evaluate: (t) => {
            // 1. rate of each bucket series; 2. sum by (le, …); 3. histogram_quantile per group without le.
            const byBucket = new Map<string, { labels: Record<string, string>; value: number }>();
            for (const s of this.select(`${query.metric}_bucket`, matchers)) {
              const v = this.rateOf(s, t, windowMs);
              if (v === undefined) continue;
              const labels = keep === undefined ? { ...s.labels } : pick(s.labels, keep);
              const key = keyOf(labels);
              const g = byBucket.get(key);
              if (g === undefined) byBucket.set(key, { labels, value: v });
              else g.value += v;
            }
            const groups = new Map<string, { labels: Record<string, string>; buckets: Bucket[] }>();
            for (const { labels, value } of byBucket.values()) {
              const le = labels['le'];
              if (le === undefined) continue; // not a bucket: histogram_quantile ignores it
              const upperBound = parseLe(le);
              if (Number.isNaN(upperBound)) continue;
              const rest = without(labels, 'le');
              const key = keyOf(rest);
              let g = groups.get(key);
              if (g === undefined) {
                g = { labels: rest, buckets: [] };
                groups.set(key, g);
              }
              g.buckets.push({ upperBound, count: value });
            }
            return [...groups.values()].map((g) => ({ labels: g.labels, value: bucketQuantile(q, g.buckets) }));
          },
        };
      }
      default: {
        const kind: string = (reduce as { kind: string }).kind;
        throw queryError(`unknown reduction '${kind}'; use value, rate or quantile`, { kind });
      }
    }
  }

  private rateOf(s: SeriesBuffer, t: number, windowMs: number): number | undefined {
    const hi = s.upperBound(t);
    const lo = s.upperBound(t - windowMs);
    return extrapolatedRate(s, lo, hi, t - windowMs, t);
  }
}
