import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Counter, Histogram, Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { MemoryMetricsSource, PrometheusMetricsSource, RegistrySampler, type MetricQuery, type MetricSample } from '../src/adapt/index.js';
import { createRng } from '../src/core/index.js';
import { requireBinary } from './support/binaries.js';
import { startPrometheus, type TestPrometheus } from './support/prometheus.js';
import { sleep } from './support/wait.js';

/**
 * MemoryMetricsSource against the real thing: the same samples go to both, and every answer must
 * agree.
 *
 * 1. Exact: deterministic samples (irregular spacing, a counter reset, a young series, a series
 *    that stops, two histograms) are written as OpenMetrics, backfilled into a TSDB block with
 *    `promtool tsdb create-blocks-from openmetrics`, and the Prometheus that opens that block is
 *    asked the same queries through `PrometheusMetricsSource`. Evaluation times are odd
 *    milliseconds and sample times even ones, so no sample sits on a window edge (Prometheus 2
 *    closes the window there, Prometheus 3 and MemoryMetricsSource leave it open).
 * 2. Live: one prom-client registry is scraped by that Prometheus every second and copied into a
 *    MemoryMetricsSource by a RegistrySampler every second; rate and quantile over 5 s agree within
 *    what the two different sampling instants allow (10 %).
 */

interface Sample {
  metric: string;
  labels: Record<string, string>;
  value: number;
  timeMs: number;
}

const BUCKETS = ['0.005', '0.01', '0.05', '0.1', '0.5', '+Inf'];
const MIN = 60_000;

/** Ten minutes of deterministic samples; times are even ms. */
function generate(baseMs: number): Sample[] {
  const rng = createRng(42);
  const out: Sample[] = [];
  const times: number[] = [];
  for (let t = baseMs; t < baseMs + 10 * MIN; t += 2 * rng.int(350, 650)) times.push(t);

  // Counters: a-ok with a reset at 5 min, a-error slow, b-ok young (from 2 min).
  let aOk = 0;
  let aErr = 0;
  let bOk = 0;
  let reset = false;
  for (const t of times) {
    aOk += rng.int(0, 20);
    aErr += rng.int(0, 2);
    if (!reset && t >= baseMs + 5 * MIN) {
      aOk = rng.int(0, 5);
      reset = true;
    }
    out.push({ metric: 'xc_total', labels: { model: 'a', status: 'ok' }, value: aOk, timeMs: t });
    out.push({ metric: 'xc_total', labels: { model: 'a', status: 'error' }, value: aErr, timeMs: t });
    if (t >= baseMs + 2 * MIN) {
      bOk += rng.int(5, 30);
      out.push({ metric: 'xc_total', labels: { model: 'b', status: 'ok' }, value: bOk, timeMs: t });
    }
  }
  // Histograms: cumulative bucket counts; model b is slower.
  for (const model of ['a', 'b']) {
    const counts = BUCKETS.map(() => 0);
    for (const t of times) {
      const n = rng.int(0, 12);
      for (let i = 0; i < n; i++) {
        const v = (model === 'a' ? 0.004 : 0.03) * Math.exp(2 * rng.next() - 0.5);
        BUCKETS.forEach((le, k) => {
          if (v <= Number(le === '+Inf' ? Infinity : le)) counts[k] = (counts[k] ?? 0) + 1;
        });
      }
      BUCKETS.forEach((le, k) => out.push({ metric: 'xh_seconds_bucket', labels: { model, le }, value: counts[k] ?? 0, timeMs: t }));
    }
  }
  // Gauges: one all along, one that stops after 3 min (it stays visible for the 5 min lookback).
  for (const t of times) {
    out.push({ metric: 'xg', labels: { model: 'a' }, value: rng.int(0, 50), timeMs: t });
    if (t < baseMs + 3 * MIN) out.push({ metric: 'xg_stopped', labels: { model: 'a' }, value: rng.int(0, 50), timeMs: t });
  }
  return out;
}

/** OpenMetrics text for promtool: families grouped, each series in time order, timestamps in seconds. */
function toOpenMetrics(samples: readonly Sample[]): string {
  const byFamily = new Map<string, Sample[]>();
  for (const s of samples) byFamily.set(s.metric, [...(byFamily.get(s.metric) ?? []), s]);
  const lines: string[] = [];
  for (const [name, list] of byFamily) {
    lines.push(`# TYPE ${name} unknown`);
    const bySeries = new Map<string, Sample[]>();
    for (const s of list) {
      const key = JSON.stringify(s.labels);
      bySeries.set(key, [...(bySeries.get(key) ?? []), s]);
    }
    for (const series of bySeries.values()) {
      for (const s of series) {
        const labels = Object.entries(s.labels)
          .map(([k, v]) => `${k}="${v}"`)
          .join(',');
        lines.push(`${name}{${labels}} ${s.value} ${(s.timeMs / 1000).toFixed(3)}`);
      }
    }
  }
  lines.push('# EOF');
  return `${lines.join('\n')}\n`;
}

const keyOf = (l: Readonly<Record<string, string>>): string => JSON.stringify(Object.entries(l).sort(([a], [b]) => a.localeCompare(b)));

function byLabels(samples: readonly MetricSample[]): Map<string, number> {
  return new Map(samples.map((s) => [keyOf(s.labels), s.value]));
}

function close(a: number, b: number, rel: number): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  if (!Number.isFinite(a) || !Number.isFinite(b)) return a === b;
  return Math.abs(a - b) <= rel * Math.max(1e-12, Math.abs(a), Math.abs(b));
}

describe('MemoryMetricsSource agrees with a real Prometheus', () => {
  let prometheus: TestPrometheus | undefined;
  let tmp = '';
  let prom: PrometheusMetricsSource;
  let baseMs = 0;
  const memory = new MemoryMetricsSource();

  // Live part: a registry served for Prometheus to scrape and sampled into `live`.
  const registry = new Registry();
  const liveRequests = new Counter({ name: 'live_requests_total', help: 'x', labelNames: ['model'], registers: [registry] });
  const liveLatency = new Histogram({ name: 'live_latency_seconds', help: 'x', labelNames: ['model'], buckets: [0.001, 0.005, 0.01, 0.05, 0.1], registers: [registry] });
  const live = new MemoryMetricsSource();
  const sampler = new RegistrySampler({ registry, target: live, intervalMs: 1000 });
  let exporter: http.Server | undefined;
  let ticker: NodeJS.Timeout | undefined;

  beforeAll(async () => {
    const promBin = requireBinary('prometheus');
    const promtool = requireBinary('promtool');
    tmp = await mkdtemp(path.join(os.tmpdir(), 'tessera-memsrc-'));

    // 1. Backfill: ten minutes ending 30 min ago (inside the default 15 d retention).
    baseMs = Math.floor((Date.now() - 40 * MIN) / 1000) * 1000;
    const samples = generate(baseMs);
    for (const s of samples) memory.add(s.metric, s.labels, s.value, s.timeMs);
    await writeFile(path.join(tmp, 'samples.om'), toOpenMetrics(samples));
    const backfill = spawnSync(promtool, ['tsdb', 'create-blocks-from', 'openmetrics', path.join(tmp, 'samples.om'), path.join(tmp, 'data')], { encoding: 'utf8', timeout: 60_000 });
    if (backfill.status !== 0) throw new Error(`promtool backfill failed:\n${backfill.stdout}\n${backfill.stderr}`);

    // 2. Live: a steady 100 increments/s and a fixed latency mix, served on a loopback port.
    const mix = [0.0005, 0.002, 0.002, 0.004, 0.007, 0.007, 0.02, 0.03, 0.06, 0.08];
    let i = 0;
    ticker = setInterval(() => {
      liveRequests.inc({ model: 'a' }, 1);
      liveLatency.observe({ model: 'a' }, mix[i++ % mix.length] as number);
    }, 10);
    exporter = http.createServer((_req, res) => {
      registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
        () => res.writeHead(500).end(),
      );
    });
    await new Promise<void>((r) => exporter?.listen(0, '127.0.0.1', () => r()));
    const addr = exporter.address();
    const target = `127.0.0.1:${typeof addr === 'object' && addr !== null ? addr.port : 0}`;
    sampler.start();

    const config = ['global:', '  scrape_interval: 1s', 'scrape_configs:', '  - job_name: live', '    static_configs:', `      - targets: [${JSON.stringify(target)}]`, ''].join('\n');
    prometheus = await startPrometheus(promBin, tmp, config);
    prom = new PrometheusMetricsSource({ url: prometheus.url, timeoutMs: 5000 });
    await prometheus.ready(20_000);
  }, 60_000);

  afterAll(async () => {
    if (ticker !== undefined) clearInterval(ticker);
    await sampler.stop();
    await prometheus?.stop();
    await new Promise((r) => (exporter ? exporter.close(r) : r(undefined)));
    if (tmp !== '') await rm(tmp, { recursive: true, force: true });
  }, 20_000);

  const QUERIES: Array<[string, MetricQuery]> = [
    ['rate 60s, every series', { metric: 'xc_total', reduce: { kind: 'rate', windowMs: 60_000 } }],
    ['rate 30s by model', { metric: 'xc_total', reduce: { kind: 'rate', windowMs: 30_000 }, sumBy: ['model'] }],
    ['rate 15s of errors, summed', { metric: 'xc_total', labels: { status: { op: '!=', value: 'ok' } }, reduce: { kind: 'rate', windowMs: 15_000 }, sumBy: [] }],
    ['rate 45s, regex matchers', { metric: 'xc_total', labels: { model: { op: '=~', value: 'a|b' }, status: { op: '!~', value: 'err.*' } }, reduce: { kind: 'rate', windowMs: 45_000 }, sumBy: ['model', 'status'] }],
    ['p99 over 60s by model', { metric: 'xh_seconds', reduce: { kind: 'quantile', q: 0.99, windowMs: 60_000 }, sumBy: ['model'] }],
    ['p50 over 30s, all summed', { metric: 'xh_seconds', reduce: { kind: 'quantile', q: 0.5, windowMs: 30_000 }, sumBy: [] }],
    ['p90 over 20s, no grouping', { metric: 'xh_seconds', reduce: { kind: 'quantile', q: 0.9, windowMs: 20_000 } }],
    ['p0.1 over 10s of model b', { metric: 'xh_seconds', labels: { model: 'b' }, reduce: { kind: 'quantile', q: 0.001, windowMs: 10_000 }, sumBy: ['model'] }],
    ['gauge value', { metric: 'xg' }],
    ['stopped gauge (lookback)', { metric: 'xg_stopped', sumBy: ['model'] }],
  ];

  test('backfilled samples: every instant query answers the same, to 1e-9', async () => {
    // Odd ms: never on a sample time or a window edge. From before the data to past the lookback.
    const times = [-1, 0.25, 1.5, 2.1, 3.2, 4.95, 5.05, 6, 7.5, 8.3, 9.9, 12, 16].map((m) => baseMs + Math.round(m * MIN) + 1);
    let compared = 0;
    const mismatches: string[] = [];
    for (const [name, query] of QUERIES) {
      for (const t of times) {
        const [want, got] = await Promise.all([prom.instant(query, t), memory.instant(query, t)]);
        const w = byLabels(want);
        const g = byLabels(got);
        if ([...w.keys()].sort().join() !== [...g.keys()].sort().join()) mismatches.push(`${name} @${((t - baseMs) / MIN).toFixed(2)}m: series ${[...w.keys()].join(' ')} vs ${[...g.keys()].join(' ')}`);
        for (const [k, v] of w) {
          compared++;
          if (!close(v, g.get(k) ?? NaN, 1e-9)) mismatches.push(`${name} @${((t - baseMs) / MIN).toFixed(2)}m ${k}: prometheus ${v} vs memory ${g.get(k)}`);
        }
      }
    }
    console.info(`[memory-vs-prometheus] ${compared} values compared over ${QUERIES.length} queries × ${times.length} times; ${mismatches.length} mismatches`);
    expect(mismatches).toEqual([]);
    expect(compared).toBeGreaterThan(100);
  });

  test('backfilled samples: range queries give the same points', async () => {
    const window = { startMs: baseMs - 30_000 + 1, endMs: baseMs + 11 * MIN + 1, stepMs: 15_000 };
    for (const [, query] of [QUERIES[1], QUERIES[4], QUERIES[9]] as Array<[string, MetricQuery]>) {
      const [want, got] = await Promise.all([prom.range(query, window), memory.range(query, window)]);
      expect(got.map((s) => keyOf(s.labels)).sort()).toEqual(want.map((s) => keyOf(s.labels)).sort());
      for (const w of want) {
        const g = got.find((s) => keyOf(s.labels) === keyOf(w.labels));
        expect(g?.points.map((p) => p.timeMs)).toEqual(w.points.map((p) => p.timeMs));
        w.points.forEach((p, i) => expect(close(p.value, g?.points[i]?.value ?? NaN, 1e-9), `${query.metric} at ${p.timeMs}: ${p.value} vs ${g?.points[i]?.value}`).toBe(true));
      }
    }
  });

  test('one live registry, scraped by Prometheus and sampled by RegistrySampler: rate and quantile agree', async () => {
    // Enough scrapes for 5 s windows wholly inside the traffic: 8 one-second steps with data.
    const by = Date.now() + 30_000;
    for (;;) {
      const now = Date.now();
      const [series] = await prom.range({ metric: 'live_requests_total' }, { startMs: now - 7000, endMs: now, stepMs: 1000 });
      if ((series?.points.length ?? 0) >= 8 && live.stats().newestMs > now - 7000 && sampler.stats().samples >= 8) break;
      if (Date.now() > by) throw new Error(`too few scrapes within 30 s:\n${prometheus?.log ?? ''}`);
      await sleep(500);
    }
    const at = Date.now();
    const rate: MetricQuery = { metric: 'live_requests_total', reduce: { kind: 'rate', windowMs: 5000 }, sumBy: ['model'] };
    const [pr] = await prom.instant(rate, at);
    const [mr] = await live.instant(rate, at);
    const quantiles = await Promise.all(
      [0.5, 0.9, 0.99].map(async (q) => {
        const query: MetricQuery = { metric: 'live_latency_seconds', reduce: { kind: 'quantile', q, windowMs: 5000 }, sumBy: ['model'] };
        const [p] = await prom.instant(query, at);
        const [m] = await live.instant(query, at);
        return { q, prometheus: p?.value ?? NaN, memory: m?.value ?? NaN };
      }),
    );
    console.info(`[memory-vs-prometheus] live rate: prometheus ${pr?.value.toFixed(2)} vs memory ${mr?.value.toFixed(2)} /s; quantiles ${JSON.stringify(quantiles)}`);
    expect(pr?.labels).toEqual({ model: 'a' });
    expect(mr?.labels).toEqual({ model: 'a' });
    // ~100/s on both (the 10 ms timer runs a little slow under load); the sampling instants differ
    // by up to a second, so a few per cent apart.
    expect(close(pr?.value ?? NaN, mr?.value ?? NaN, 0.1)).toBe(true);
    for (const q of quantiles) expect(close(q.prometheus, q.memory, 0.1), `q=${q.q}: ${q.prometheus} vs ${q.memory}`).toBe(true);
  }, 40_000);
});
