import { describe, expect, test } from 'vitest';
import { parseFleetText } from '../../core/index.js';
import { PerformanceModel, type ModelProfile } from '../../profile/index.js';
import type { Plan } from '../../plan/plan-types.js';
import { simulatePlan } from '../cluster/simulate-plan.js';
import { REPORT_PLOTS, renderReportHtml } from './render-report.js';

const SERVICE_MS = 10;
const profile: ModelProfile = {
  schemaVersion: 1,
  model: 'm',
  origin: 'imported',
  device: { kind: 'cpu', name: 'cpu', threads: 1, fingerprint: 'test-cpu' },
  runtime: { name: 'test', version: '0' },
  points: [1, 2, 4, 8].map((b) => ({ batchSize: b, concurrency: 1, latencyMs: { p50: SERVICE_MS, p90: SERVICE_MS, p99: SERVICE_MS, mean: SERVICE_MS }, throughputPerS: (1000 * b) / SERVICE_MS, samples: 100 })),
  measuredAt: '2026-01-01T00:00:00Z',
};

function run(rps: number, durationMs: number): ReturnType<typeof simulatePlan> {
  const name = 's';
  const fleet = parseFleetText(`
apiVersion: tessera.dev/v1alpha1
kind: Fleet
metadata: { name: sim }
models: [{ name: m, profiles: ./m.json, maxBatchSize: 8 }]
services: [{ name: "${name}", model: m, slo: { p99Ms: 100 }, traffic: { rps: ${rps}, arrival: poisson } }]
inventory: { nodes: [{ name: local, cpu: { cores: 1 } }] }
`);
  const plan: Plan = {
    apiVersion: 'tessera.dev/v1alpha1',
    kind: 'Plan',
    fleet: 'sim',
    summary: { gpus: 0, cpuCores: 1, costPerHour: 1, costPer1kInferences: 0, meanUtilization: 0, solver: 'hand', optimalityGap: null, objective: 0, solveMs: 0 },
    gpus: [],
    slices: [{ id: 'local/cpu@0', node: 'local', kind: 'cpu', profile: 'cpu-1', memoryBytes: 1e9, cores: 1 }],
    services: [
      {
        name,
        model: 'm',
        sloP99Ms: 100,
        demandRps: rps,
        pool: 'hot',
        poolReason: 'test',
        replicas: [{ slice: 'local/cpu@0', sliceProfile: 'cpu-1', node: 'local', batching: { policy: 'none', maxBatchSize: 8, maxQueueDelayMs: 5 }, instances: 1, predictedP99Ms: 50, capacityRps: 100, utilization: 0.6, estimated: false }],
      },
    ],
    coldPools: [],
    infeasible: [],
    explain: [],
  };
  return simulatePlan({ fleet, plan, model: new PerformanceModel([profile]), durationMs, seed: 7 });
}

describe('report data from simulatePlan', () => {
  test('the time-weighted queue depth obeys Little’s law: mean depth = arrival rate × mean wait (M/D/1)', () => {
    const rps = 60;
    const r = run(rps, 600_000);
    const s = r.services[0];
    if (!s) throw new Error('no service');
    const depth = s.queueDepthTimeline.reduce((a, b) => a + b, 0) / s.queueDepthTimeline.length;
    // Little's law on the run's own sample path (its measured mean wait), which holds up to edge
    // effects; Pollaczek–Khinchine's Wq = 7.5 ms is only the long-run expectation of that wait.
    const wqMs = s.meanMs - SERVICE_MS;
    const rho = (rps * SERVICE_MS) / 1000;
    expect(wqMs).toBeCloseTo((rho * SERVICE_MS) / (2 * (1 - rho)), -1);
    expect(s.queueDepthTimeline).toHaveLength(600);
    expect(depth / ((s.completed / 600) * (wqMs / 1000))).toBeCloseTo(1, 2);
  });

  test('the latency CDF is non-decreasing in both coordinates and agrees with the reported p50 and p99', () => {
    const s = run(60, 60_000).services[0];
    if (!s) throw new Error('no service');
    expect(s.latencyCdf.length).toBeGreaterThanOrEqual(50);
    for (let i = 1; i < s.latencyCdf.length; i++) {
      const [a, b] = [s.latencyCdf[i - 1], s.latencyCdf[i]];
      expect(b?.p).toBeGreaterThan(a?.p ?? 1);
      expect(b?.ms).toBeGreaterThanOrEqual(a?.ms ?? Infinity);
    }
    expect(s.latencyCdf.find((p) => p.p === 0.5)?.ms).toBe(s.p50Ms);
    expect(s.latencyCdf.find((p) => p.p === 0.99)?.ms).toBe(s.p99Ms);
    expect(s.latencyCdf.at(-1)?.p).toBe(1);
  });
});

describe('renderReportHtml', () => {
  test('emits every plot as inline SVG with a series per service, and loads nothing from the network', () => {
    const html = renderReportHtml(run(60, 20_000), { seed: 7, generatedAt: 'fixed' });
    for (const id of REPORT_PLOTS) expect(html).toContain(`data-plot="${id}"`);
    expect(html.match(/<path class="series"/g)).toHaveLength(3);
    expect(html.match(/<rect class="bar"/g)).toHaveLength(1);
    expect(html).not.toMatch(/<script|<link|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
  });

  test('is pure: the same result gives the same bytes', () => {
    const r = run(60, 5_000);
    expect(renderReportHtml(r, { generatedAt: 'x' })).toBe(renderReportHtml(r, { generatedAt: 'x' }));
  });

  test('escapes names from the spec', () => {
    const r = run(20, 2_000);
    const html = renderReportHtml({ ...r, services: r.services.map((s) => ({ ...s, name: '<b>&x' })) }, {});
    expect(html).not.toContain('<b>&x');
    expect(html).toContain('&lt;b&gt;&amp;x');
  });
});
