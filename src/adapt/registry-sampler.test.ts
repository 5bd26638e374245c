import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { describe, expect, test } from 'vitest';
import { VirtualClock } from '../core/clock.js';
import { MemoryMetricsSource } from './memory-metrics-source.js';
import { RegistrySampler } from './registry-sampler.js';

const T0 = 1_700_000_000_000;

function rig(include?: readonly string[]) {
  const registry = new Registry();
  const registers = [registry];
  const requests = new Counter({ name: 'tessera_serve_requests_total', help: 'x', labelNames: ['model', 'status'], registers });
  const latency = new Histogram({ name: 'tessera_serve_request_duration_seconds', help: 'x', labelNames: ['model'], buckets: [0.01, 0.1, 1], registers });
  const depth = new Gauge({ name: 'tessera_serve_queue_depth', help: 'x', labelNames: ['model'], registers });
  const other = new Gauge({ name: 'process_things', help: 'x', registers });
  const clock = new VirtualClock(T0);
  const target = new MemoryMetricsSource();
  const sampler = new RegistrySampler({ registry, target, clock, intervalMs: 1000, ...(include ? { include } : {}) });
  return { requests, latency, depth, other, clock, target, sampler };
}

describe('RegistrySampler', () => {
  test('copies counters, gauges and histogram buckets at the clock time, so rate and quantile read them back', async () => {
    const r = rig();
    r.other.set(1);
    for (let s = 0; s <= 10; s++) {
      // 20 requests per second: 16 fast (5 ms), 4 slow (50 ms); queue depth follows the second.
      if (s > 0) {
        r.requests.inc({ model: 'fraud', status: 'ok' }, 20);
        for (let i = 0; i < 16; i++) r.latency.observe({ model: 'fraud' }, 0.005);
        for (let i = 0; i < 4; i++) r.latency.observe({ model: 'fraud' }, 0.05);
      }
      r.depth.set({ model: 'fraud' }, s);
      await r.sampler.sampleOnce();
      r.clock.advanceBy(1000);
    }
    const at = T0 + 10_000;
    const [rate] = await r.target.instant({ metric: 'tessera_serve_requests_total', reduce: { kind: 'rate', windowMs: 5000 }, sumBy: ['model'] }, at);
    expect(rate?.value).toBeCloseTo(20, 9);
    const [p50] = await r.target.instant({ metric: 'tessera_serve_request_duration_seconds', reduce: { kind: 'quantile', q: 0.5, windowMs: 5000 }, sumBy: ['model'] }, at);
    expect(p50?.value).toBeCloseTo(0.01 * (10 / 16), 9); // rank 10 of 16 in (0, 0.01]
    const [p99] = await r.target.instant({ metric: 'tessera_serve_request_duration_seconds', reduce: { kind: 'quantile', q: 0.99, windowMs: 5000 }, sumBy: ['model'] }, at);
    expect(p99?.value).toBeCloseTo(0.01 + 0.09 * ((19.8 - 16) / 4), 9);
    const [depth] = await r.target.instant({ metric: 'tessera_serve_queue_depth', sumBy: ['model'] }, at);
    expect(depth).toEqual({ labels: { model: 'fraud' }, value: 10, timeMs: at });
    const [count] = await r.target.instant({ metric: 'tessera_serve_request_duration_seconds_count' }, at);
    expect(count?.value).toBe(200);
    expect(r.sampler.stats()).toMatchObject({ samples: 11, refused: 0, errors: 0 });
  });

  test('include keeps only the named families', async () => {
    const r = rig(['tessera_serve_']);
    r.other.set(1);
    r.depth.set({ model: 'a' }, 1);
    await r.sampler.sampleOnce();
    expect(await r.target.instant({ metric: 'process_things' }, T0)).toEqual([]);
    expect(await r.target.instant({ metric: 'tessera_serve_queue_depth' }, T0)).toHaveLength(1);
  });

  test('start() samples on a timer until stop()', async () => {
    const registry = new Registry();
    const g = new Gauge({ name: 'g', help: 'x', registers: [registry] });
    g.set(3);
    const target = new MemoryMetricsSource();
    const sampler = new RegistrySampler({ registry, target, intervalMs: 20 });
    sampler.start();
    await new Promise((res) => setTimeout(res, 150));
    await sampler.stop();
    const n = sampler.stats().samples;
    expect(n).toBeGreaterThanOrEqual(3);
    await new Promise((res) => setTimeout(res, 60));
    expect(sampler.stats().samples).toBe(n);
    expect(target.stats().series).toBe(1);
  });
});
