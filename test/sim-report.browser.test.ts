import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadFleetFile } from '../src/core/index.js';
import { planFleet } from '../src/plan/index.js';
import type { Plan } from '../src/plan/plan-types.js';
import { PerformanceModel, loadProfilesForFleet } from '../src/profile/index.js';
import { REPORT_PLOTS, renderReportHtml, simulatePlan, type SimulationResult } from '../src/sim/index.js';

// Debian's Chromium, never a Playwright browser download (.ci/run installs the package).
const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

interface PageElement {
  getAttribute(name: string): string | null;
  querySelectorAll(selector: string): ArrayLike<PageElement>;
  getBoundingClientRect(): { width: number; height: number };
  getBBox(): { width: number; height: number };
}

interface PlotInfo {
  id: string;
  width: number;
  height: number;
  /** Series paths with a drawn extent (bounding box wider and taller than nothing). */
  drawnPaths: number;
  paths: number;
  drawnBars: number;
  bars: number;
}

// Skipped only off CI on a machine without Chromium; in CI (.ci/run installs it) a missing browser fails.
describe.skipIf(!existsSync(CHROMIUM) && process.env['CI'] === undefined)('the simulation report in headless Chromium', () => {
  let dir: string;
  let ctx: BrowserContext | undefined;
  let result: SimulationResult;
  let plan: Plan;
  let file: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'tessera-report-'));
    // The factory scenario: 20 services on MIG slices of several GPUs — every kind of plot and the per-GPU grouping.
    const loaded = loadFleetFile(path.resolve('examples/factory.yaml'));
    const profiles = loadProfilesForFleet(loaded, path.join(dir, 'no-store'));
    plan = await planFleet(loaded.fleet, profiles, { solver: 'heuristic' });
    result = simulatePlan({ fleet: loaded.fleet, plan, model: new PerformanceModel(profiles), durationMs: 10_000, seed: 3, baseDir: loaded.baseDir });
    file = path.join(dir, 'report.html');
    writeFileSync(file, renderReportHtml(result, { plan, seed: 3, generatedAt: 'test' }));
    ctx = await chromium.launchPersistentContext(path.join(dir, 'profile'), { executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 1100, height: 900 } });
  });

  afterAll(async () => {
    await ctx?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('renders every plot with one drawn line per service and one drawn bar per slice and GPU, with no console errors or requests', async () => {
    if (!ctx) throw new Error('browser did not start');
    const page = await ctx.newPage();
    const problems: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('request', (r) => {
      if (!r.url().startsWith('file:')) requests.push(r.url());
    });
    await page.goto(`file://${file}`);

    const plots = await page.evaluate((): PlotInfo[] => {
      // The project compiles without the DOM lib; this function runs in the page, typed structurally.
      const doc = (globalThis as unknown as { document: { querySelectorAll(sel: string): ArrayLike<PageElement> } }).document;
      const sized = (el: PageElement): boolean => {
        const b = el.getBBox();
        return b.width > 0 && b.height > 0;
      };
      return Array.from(doc.querySelectorAll('svg[data-plot]')).map((svg) => {
        const box = svg.getBoundingClientRect();
        const paths = Array.from(svg.querySelectorAll('path.series'));
        const bars = Array.from(svg.querySelectorAll('rect.bar'));
        return { id: svg.getAttribute('data-plot') ?? '', width: box.width, height: box.height, paths: paths.length, drawnPaths: paths.filter(sized).length, bars: bars.length, drawnBars: bars.filter(sized).length };
      });
    });
    const byId = new Map<string, PlotInfo>(plots.map((p) => [p.id, p]));
    expect([...byId.keys()].sort()).toEqual([...REPORT_PLOTS].sort());
    for (const p of plots) {
      expect(p.width, `${p.id} width`).toBeGreaterThan(200);
      expect(p.height, `${p.id} height`).toBeGreaterThan(100);
    }
    const services = result.services.length;
    expect(services).toBe(20);
    for (const id of ['latency-cdf', 'throughput', 'queue-depth']) {
      expect(byId.get(id)?.paths, `${id} series`).toBe(services);
      expect(byId.get(id)?.drawnPaths, `${id} series with a non-zero extent`).toBe(services);
    }
    const usedGpus = new Set(plan.slices.filter((s) => s.gpu !== undefined).map((s) => s.gpu)).size;
    expect(usedGpus).toBeGreaterThan(1);
    expect(byId.get('utilization')?.bars).toBe(result.slices.length + usedGpus);
    expect(byId.get('utilization')?.drawnBars).toBe(result.slices.length + usedGpus);

    // The summary table: a row per service, and the headline figures present.
    expect(await page.locator('table tbody tr').count()).toBe(services);
    expect(await page.locator('.kpi').count()).toBeGreaterThanOrEqual(8);
    expect(problems).toEqual([]);
    expect(requests).toEqual([]);
    await page.close();
  });
});
