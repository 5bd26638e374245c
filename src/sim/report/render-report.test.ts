import { describe, expect, test } from 'vitest';
import { PerformanceModel } from '../../profile/index.js';
import { simulatePlan } from '../cluster/simulate-plan.js';
import { deterministicProfile, singleServerFleet, singleServerPlan } from '../cluster/test-support/single-server.js';
import { REPORT_PLOTS, renderReportHtml } from './render-report.js';

const SERVICE_MS = 10;

function run(rps: number, durationMs: number): ReturnType<typeof simulatePlan> {
  const plan = singleServerPlan({ policy: 'none', demandRps: rps });
  return simulatePlan({ fleet: singleServerFleet(rps), plan, model: new PerformanceModel([deterministicProfile(() => SERVICE_MS)]), durationMs, seed: 7 });
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
