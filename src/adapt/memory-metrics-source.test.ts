import { describe, expect, test } from 'vitest';
import { VirtualClock } from '../core/clock.js';
import { rejectionCodeOf } from '../core/test-support/coded-error.js';
import { MemoryMetricsSource, bucketQuantile } from './memory-metrics-source.js';

const S = 1000;
const T0 = 1_700_000_000_000;

/** A counter growing 3/s, sampled every 10 s from T0: 0, 30, …, 300. */
function steadyCounter(): MemoryMetricsSource {
  const m = new MemoryMetricsSource();
  for (let i = 0; i <= 10; i++) m.add('req_total', { model: 'fraud', status: 'ok' }, i * 30, T0 + i * 10 * S);
  return m;
}

describe('MemoryMetricsSource: value', () => {
  test('the last sample within the 5 min lookback, nothing beyond it; __name__ kept only without sumBy', async () => {
    const m = new MemoryMetricsSource();
    m.add('depth', { model: 'a' }, 4, T0);
    m.add('depth', { model: 'a' }, 7, T0 + 10 * S);
    m.add('depth', { model: 'b' }, 1, T0 + 10 * S);
    expect(await m.instant({ metric: 'depth', labels: { model: 'a' } }, T0 + 5 * S)).toEqual([{ labels: { __name__: 'depth', model: 'a' }, value: 4, timeMs: T0 + 5 * S }]);
    expect((await m.instant({ metric: 'depth', labels: { model: 'a' } }, T0 + 10 * S))[0]?.value).toBe(7);
    expect((await m.instant({ metric: 'depth', labels: { model: 'a' } }, T0 + 10 * S + 300 * S))[0]?.value).toBe(7);
    expect(await m.instant({ metric: 'depth', labels: { model: 'a' } }, T0 + 10 * S + 300 * S + 1)).toEqual([]);
    expect(await m.instant({ metric: 'depth' }, T0 - 1)).toEqual([]);
    expect(await m.instant({ metric: 'depth', sumBy: [] }, T0 + 20 * S)).toEqual([{ labels: {}, value: 8, timeMs: T0 + 20 * S }]);
    expect(await m.instant({ metric: 'depth', sumBy: ['model'] }, T0 + 20 * S)).toEqual([
      { labels: { model: 'a' }, value: 7, timeMs: T0 + 20 * S },
      { labels: { model: 'b' }, value: 1, timeMs: T0 + 20 * S },
    ]);
    expect(await m.instant({ metric: 'no_such_metric' }, T0)).toEqual([]);
  });

  test('without a time, instant() evaluates at the clock, or at the newest sample without one', async () => {
    const m = new MemoryMetricsSource();
    m.add('g', {}, 1, T0);
    m.add('g', {}, 2, T0 + S);
    expect((await m.instant({ metric: 'g' }))[0]).toMatchObject({ value: 2, timeMs: T0 + S });
    const clock = new VirtualClock(T0 + 500);
    const c = new MemoryMetricsSource({ clock });
    c.add('g', {}, 1, T0);
    c.add('g', {}, 2, T0 + S);
    expect((await c.instant({ metric: 'g' }))[0]).toMatchObject({ value: 1, timeMs: T0 + 500 });
  });
});

describe('MemoryMetricsSource: rate (Prometheus extrapolatedRate)', () => {
  test('a steady counter: samples 5 s inside both edges are extrapolated to them, 3/s exactly', async () => {
    // Window (45 s, 105 s]: samples 50…100 s (150…300). Increase 150 over 50 s, extended 5 s at each
    // edge (under 1.1 × the 10 s spacing) → 180 over the 60 s window = 3.
    const [r] = await steadyCounter().instant({ metric: 'req_total', reduce: { kind: 'rate', windowMs: 60 * S } }, T0 + 105 * S);
    expect(r?.labels).toEqual({ model: 'fraud', status: 'ok' });
    expect(r?.value).toBeCloseTo(3, 12);
  });

  test('a counter reset adds the value before the reset back', async () => {
    const m = new MemoryMetricsSource();
    [0, 30, 60, 10, 40].forEach((v, i) => m.add('c_total', {}, v, T0 + i * 10 * S));
    // Window (0, 40 s]: 30, 60, 10, 40 → 10 + 60 = 70 over 30 s; 10 s to the start (< 11, and the
    // zero point 30 × 30/70 = 12.9 s is further) and 0 s to the end → 70 × 40/30 / 40 s = 2.333…
    const [r] = await m.instant({ metric: 'c_total', reduce: { kind: 'rate', windowMs: 40 * S } }, T0 + 40 * S);
    expect(r?.value).toBeCloseTo(70 / 30, 12);
  });

  test('a young series: the start is clamped to the counter zero point; an edge gap over 1.1 spacings adds half a spacing', async () => {
    const m = new MemoryMetricsSource();
    m.add('c_total', {}, 5, T0 + 40 * S);
    m.add('c_total', {}, 15, T0 + 50 * S);
    // Window (0, 60 s]: increase 10 over 10 s; zero point 10 × 5/10 = 5 s before the first sample
    // (the 40 s gap to the window start is longer), 10 s to the end (< 11) → 10 × 25/10 / 60.
    let [r] = await m.instant({ metric: 'c_total', reduce: { kind: 'rate', windowMs: 60 * S } }, T0 + 60 * S);
    expect(r?.value).toBeCloseTo(25 / 60, 12);
    // At 75 s the end gap (25 s) is over the threshold: half a spacing (5 s) → 10 × 20/10 / 60.
    [r] = await m.instant({ metric: 'c_total', reduce: { kind: 'rate', windowMs: 60 * S } }, T0 + 75 * S);
    expect(r?.value).toBeCloseTo(20 / 60, 12);
  });

  test('fewer than two samples in the window: no output (as PromQL)', async () => {
    const m = steadyCounter();
    expect(await m.instant({ metric: 'req_total', reduce: { kind: 'rate', windowMs: 10 * S } }, T0 + 105 * S)).toEqual([]);
    // The window is left-open: a sample exactly at t − w is outside.
    expect(await m.instant({ metric: 'req_total', reduce: { kind: 'rate', windowMs: 10 * S } }, T0 + 100 * S)).toEqual([]);
    expect(await m.instant({ metric: 'req_total', reduce: { kind: 'rate', windowMs: 10_001 } }, T0 + 100 * S)).toHaveLength(1);
  });

  test('sumBy adds the per-series rates', async () => {
    const m = new MemoryMetricsSource();
    for (let i = 0; i <= 6; i++) {
      m.add('req_total', { model: 'a', status: 'ok' }, i * 20, T0 + i * 10 * S);
      m.add('req_total', { model: 'a', status: 'error' }, i * 10, T0 + i * 10 * S);
      m.add('req_total', { model: 'b', status: 'ok' }, i * 50, T0 + i * 10 * S);
    }
    const at = T0 + 60 * S;
    const rows = await m.instant({ metric: 'req_total', reduce: { kind: 'rate', windowMs: 30 * S }, sumBy: ['model'] }, at);
    expect(rows.map((r) => [r.labels['model'], Number(r.value.toFixed(9))])).toEqual([
      ['a', 3],
      ['b', 5],
    ]);
    const errors = await m.instant({ metric: 'req_total', labels: { status: { op: '!=', value: 'ok' } }, reduce: { kind: 'rate', windowMs: 30 * S }, sumBy: [] }, at);
    expect(errors[0]?.value).toBeCloseTo(1, 9);
  });
});

describe('MemoryMetricsSource: quantile (histogram_quantile over bucket rates)', () => {
  /**
   * Buckets 0.1 / 0.5 / 1 / +Inf that grow by 10 / 40 / 45 / 50 observations between two samples.
   * They start at a large count so the zero-point clamp never applies: every bucket is then
   * extrapolated by the same factor and the quantile equals the one over the raw increases.
   */
  function histogram(m: MemoryMetricsSource, labels: Record<string, string>, scale = 1): void {
    const inc: Record<string, number> = { '0.1': 10, '0.5': 40, '1': 45, '+Inf': 50 };
    for (const [le, d] of Object.entries(inc)) {
      m.add('lat_seconds_bucket', { ...labels, le }, 10_000, T0);
      m.add('lat_seconds_bucket', { ...labels, le }, 10_000 + d * scale, T0 + 10 * S);
    }
  }

  test('linear interpolation inside the bucket; past the last finite bound answers that bound', async () => {
    const m = new MemoryMetricsSource();
    histogram(m, { model: 'a' });
    const q = async (quantile: number): Promise<number> => (await m.instant({ metric: 'lat_seconds', reduce: { kind: 'quantile', q: quantile, windowMs: 15 * S }, sumBy: ['model'] }, T0 + 12 * S))[0]?.value ?? NaN;
    expect(await q(0.5)).toBeCloseTo(0.1 + 0.4 * (15 / 30), 12); // rank 25 in (0.1, 0.5]: 15 of its 30
    expect(await q(0.05)).toBeCloseTo(0.1 * (2.5 / 10), 12); // rank 2.5 in the first bucket, from 0
    expect(await q(0.9)).toBeCloseTo(1, 12); // rank 45 reached exactly at le=1
    expect(await q(0.99)).toBe(1); // rank 49.5 is in +Inf: the last finite bound
    expect((await m.instant({ metric: 'lat_seconds', reduce: { kind: 'quantile', q: 0.5, windowMs: 15 * S }, sumBy: ['model'] }, T0 + 12 * S))[0]?.labels).toEqual({ model: 'a' });
  });

  test('sumBy adds the bucket rates of several series before the quantile; without sumBy each series keeps its labels', async () => {
    const m = new MemoryMetricsSource();
    histogram(m, { model: 'a', instance: 'x' });
    histogram(m, { model: 'a', instance: 'y' }, 3);
    const at = T0 + 12 * S;
    const summed = await m.instant({ metric: 'lat_seconds', reduce: { kind: 'quantile', q: 0.5, windowMs: 15 * S }, sumBy: ['model'] }, at);
    expect(summed).toHaveLength(1);
    expect(summed[0]?.value).toBeCloseTo(0.3, 12); // same shape ×4: same median
    const each = await m.instant({ metric: 'lat_seconds', reduce: { kind: 'quantile', q: 0.5, windowMs: 15 * S } }, at);
    expect(each.map((s) => s.labels)).toEqual([
      { model: 'a', instance: 'x' },
      { model: 'a', instance: 'y' },
    ]);
  });

  test('no observations in the window is NaN for a present series; no +Inf bucket is NaN', async () => {
    const m = new MemoryMetricsSource();
    for (const le of ['0.1', '+Inf']) {
      m.add('idle_seconds_bucket', { le }, 5, T0);
      m.add('idle_seconds_bucket', { le }, 5, T0 + 10 * S);
      m.add('noinf_seconds_bucket', { le: le === '+Inf' ? '1' : le }, 5, T0);
      m.add('noinf_seconds_bucket', { le: le === '+Inf' ? '1' : le }, 9, T0 + 10 * S);
    }
    const [idle] = await m.instant({ metric: 'idle_seconds', reduce: { kind: 'quantile', q: 0.99, windowMs: 15 * S }, sumBy: [] }, T0 + 10 * S);
    expect(idle?.value).toBeNaN();
    const [noInf] = await m.instant({ metric: 'noinf_seconds', reduce: { kind: 'quantile', q: 0.99, windowMs: 15 * S }, sumBy: [] }, T0 + 10 * S);
    expect(noInf?.value).toBeNaN();
  });

  test('bucketQuantile: sorting, coalescing equal bounds, monotonic fix-up, bounds ≤ 0 and q outside [0, 1]', () => {
    const b = (pairs: Array<[number, number]>) => pairs.map(([upperBound, count]) => ({ upperBound, count }));
    expect(bucketQuantile(0.5, b([[Infinity, 10], [1, 5], [0.5, 0]]))).toBeCloseTo(1, 12); // rank 5 at le=1, from 0.5: 0.5 + 0.5 × 5/5
    expect(bucketQuantile(0.5, b([[1, 2], [1, 2], [Infinity, 8]]))).toBeCloseTo(1, 12); // coalesced le=1 holds 4 = rank
    expect(bucketQuantile(0.5, b([[0.5, 6], [1, 4], [Infinity, 10]]))).toBeCloseTo(0.5 * (5 / 6), 12); // le=1 lifted to 6
    expect(bucketQuantile(0.1, b([[-1, 3], [Infinity, 10]]))).toBe(-1);
    expect(bucketQuantile(-0.1, b([[1, 1], [Infinity, 1]]))).toBe(-Infinity);
    expect(bucketQuantile(1.1, b([[1, 1], [Infinity, 1]]))).toBe(Infinity);
    expect(bucketQuantile(0.5, b([[Infinity, 10]]))).toBeNaN(); // one bucket: no bounds to interpolate
  });
});

describe('MemoryMetricsSource: matchers, range, bounds', () => {
  test('=, !=, =~, !~ with fully anchored regexes; an absent label reads as ""', async () => {
    const m = new MemoryMetricsSource();
    m.add('g', { model: 'fraud' }, 1, T0);
    m.add('g', { model: 'fraud-2' }, 2, T0);
    m.add('g', { model: 'ocr', zone: 'eu' }, 3, T0);
    const values = async (labels: Parameters<MemoryMetricsSource['instant']>[0]['labels']): Promise<number[]> => (await m.instant({ metric: 'g', labels }, T0)).map((s) => s.value).sort();
    expect(await values({ model: { op: '=~', value: 'fra' } })).toEqual([]);
    expect(await values({ model: { op: '=~', value: 'fraud.*' } })).toEqual([1, 2]);
    expect(await values({ model: { op: '!~', value: 'fraud|ocr' } })).toEqual([2]);
    expect(await values({ model: { op: '!=', value: 'fraud' } })).toEqual([2, 3]);
    expect(await values({ zone: '' })).toEqual([1, 2]);
    expect(await values({ zone: { op: '=~', value: 'e.' } })).toEqual([3]);
    expect(await rejectionCodeOf(m.instant({ metric: 'g', labels: { model: { op: '=~', value: '(' } } }, T0))).toBe('TESSERA_ERR_ADAPT_QUERY');
    expect(await rejectionCodeOf(m.instant({ metric: 'bad-name' }, T0))).toBe('TESSERA_ERR_ADAPT_QUERY');
    expect(await rejectionCodeOf(m.instant({ metric: 'g', reduce: { kind: 'rate', windowMs: 0 } }, T0))).toBe('TESSERA_ERR_ADAPT_QUERY');
  });

  test('range evaluates at each step; steps without an answer are absent, not NaN', async () => {
    const m = steadyCounter();
    const [series] = await m.range({ metric: 'req_total', reduce: { kind: 'rate', windowMs: 20 * S }, sumBy: [] }, { startMs: T0 - 20 * S, endMs: T0 + 40 * S, stepMs: 10 * S });
    expect(series?.labels).toEqual({});
    // At T0 − 20 s and T0 − 10 s no sample yet; at T0 one sample: absent. At T0 + 10 s the first
    // sample is 0, so the zero-point clamp stops extrapolation at it: 30 over 20 s = 1.5. Then 3/s.
    expect(series?.points.map((p) => [(p.timeMs - T0) / S, Number(p.value.toFixed(9))])).toEqual([
      [10, 1.5],
      [20, 3],
      [30, 3],
      [40, 3],
    ]);
    expect(await rejectionCodeOf(m.range({ metric: 'req_total' }, { startMs: T0, endMs: T0 - 1, stepMs: S }))).toBe('TESSERA_ERR_ADAPT_QUERY');
    expect(await rejectionCodeOf(m.range({ metric: 'req_total' }, { startMs: T0, endMs: T0 + 20_000 * S, stepMs: S }))).toBe('TESSERA_ERR_ADAPT_QUERY');
  });

  test('out-of-order samples are refused, same-time ones replace; names are checked', () => {
    const m = new MemoryMetricsSource();
    expect(m.add('g', {}, 1, T0 + S)).toBe(true);
    expect(m.add('g', {}, 2, T0)).toBe(false);
    expect(m.add('g', {}, 3, T0 + S)).toBe(true);
    expect(m.stats()).toMatchObject({ series: 1, samples: 1, outOfOrder: 1 });
    expect(() => m.add('bad-name', {}, 1, T0)).toThrowError(expect.objectContaining({ code: 'TESSERA_ERR_ADAPT_SAMPLE' }) as Error);
    expect(() => m.add('g', { __name__: 'x' }, 1, T0)).toThrowError(expect.objectContaining({ code: 'TESSERA_ERR_ADAPT_SAMPLE' }) as Error);
    expect(() => m.add('g', {}, 1, NaN)).toThrowError(expect.objectContaining({ code: 'TESSERA_ERR_ADAPT_SAMPLE' }) as Error);
    expect(() => new MemoryMetricsSource({ retentionMs: 0, maxSeries: 0 })).toThrowError(/2 problem/);
  });

  test('memory is bounded: retention drops old samples and dead series; per-series and series caps hold', async () => {
    const m = new MemoryMetricsSource({ retentionMs: 60 * S, maxSamplesPerSeries: 100, maxSeries: 3 });
    m.add('old', {}, 1, T0);
    for (let i = 0; i < 1000; i++) m.add('busy', {}, i, T0 + i * 100);
    // 100 s of samples 0.1 s apart: 60 s retention would keep 600, the per-series cap keeps 100.
    expect(m.stats()).toMatchObject({ series: 1, samples: 100 });
    expect(await m.instant({ metric: 'old' }, T0)).toEqual([]);
    m.add('a', {}, 1, T0 + 100 * S);
    m.add('b', {}, 1, T0 + 100 * S);
    expect(m.add('c', {}, 1, T0 + 100 * S)).toBe(false);
    expect(m.stats()).toMatchObject({ series: 3, droppedSeries: 1 });
    // Growth and compaction keep the order of what is kept.
    const [r] = await m.range({ metric: 'busy' }, { startMs: T0 + 90 * S, endMs: T0 + 99.9 * S, stepMs: 100 });
    expect(r?.points.map((p) => p.value)).toEqual(Array.from({ length: 100 }, (_, i) => 900 + i));
  });
});
