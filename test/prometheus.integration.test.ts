import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Controller, PrometheusMetricsSource, type TickReport } from '../src/adapt/index.js';
import { MemoryClusterDouble } from '../src/adapt/test-support/doubles.js';
import { parseFleetText, RealClock, silentLogger, type LoadedFleet } from '../src/core/index.js';
import { MemoryEventLog } from '../src/observe/index.js';
import { startServer, type RunningServer } from '../src/serve/index.js';
import { FRAUD_INFER_BODY, fraudFleet } from '../src/serve/test-support/fraud-fleet.js';
import { requireBinary } from './support/binaries.js';
import { postJson } from './support/http.js';
import { startPrometheus, type TestPrometheus } from './support/prometheus.js';
import { sleep } from './support/wait.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const RULES = path.join(ROOT, 'deploy/prometheus/rules.yaml');

describe('deploy/prometheus/rules.yaml', () => {
  test('promtool check rules reports no problem', () => {
    const out = spawnSync(requireBinary('promtool'), ['check', 'rules', RULES], { encoding: 'utf8', timeout: 20_000 });
    expect(out.status, `${out.stdout}\n${out.stderr}`).toBe(0);
    expect(out.stdout).toMatch(/SUCCESS: \d+ rules found/);
  });

  test('promtool unit tests of the alerts pass (rules.test.yaml)', () => {
    const out = spawnSync(requireBinary('promtool'), ['test', 'rules', path.join(ROOT, 'deploy/prometheus/rules.test.yaml')], { encoding: 'utf8', timeout: 20_000 });
    expect(out.status, `${out.stdout}\n${out.stderr}`).toBe(0);
  });
});

// A hand-written plan keeps the test independent of profiling time (as in test/serve-e2e.test.ts).
const { yaml: FLEET, plan: PLAN } = fraudFleet({ name: 'prom', cores: 1, services: [{ name: 'fraud', sloP99Ms: 50, rps: 20, slice: 'local/cpu@0' }] });

async function promQuery(base: string, query: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>> {
  const res = await fetch(`${base}/api/v1/query?${new URLSearchParams({ query }).toString()}`, { signal: AbortSignal.timeout(2000) });
  const body = (await res.json()) as { data?: { result?: Array<{ metric: Record<string, string>; value: [number, string] }> } };
  return body.data?.result ?? [];
}

describe('the controller reads a real Prometheus scraping a real tessera serve', () => {
  let server: RunningServer | undefined;
  let prometheus: TestPrometheus | undefined;
  let tmp = '';
  let promUrl = '';
  let inferUrl = '';
  /** Times (ms) the background sender got a 200, so the test knows the rate it really sent. */
  const okTimes: number[] = [];
  let sending = true;
  let sender: Promise<void> | undefined;

  beforeAll(async () => {
    const bin = requireBinary('prometheus');
    const loaded: LoadedFleet = { fleet: parseFleetText(FLEET), file: undefined, baseDir: ROOT };
    server = await startServer({ loaded, plan: PLAN, logger: silentLogger(), host: '127.0.0.1', port: 0, modelCacheDir: path.join(ROOT, '.tessera/models') });
    const target = new URL(server.address.url).host;
    inferUrl = `${server.address.url}/v2/models/fraud/infer`;

    tmp = await mkdtemp(path.join(os.tmpdir(), 'tessera-prom-'));
    const config = [
      'global:',
      '  scrape_interval: 1s',
      '  evaluation_interval: 1s',
      'rule_files:',
      `  - ${JSON.stringify(RULES)}`,
      'scrape_configs:',
      '  - job_name: tessera-serve',
      '    static_configs:',
      `      - targets: [${JSON.stringify(target)}]`,
      '',
    ].join('\n');
    prometheus = await startPrometheus(bin, tmp, config);
    promUrl = prometheus.url;
    await prometheus.ready(15_000);

    // Steady traffic, ~20 req/s, for the whole test: one request every 50 ms.
    sender = (async () => {
      while (sending) {
        const status = await postJson(inferUrl, FRAUD_INFER_BODY).catch(() => 0);
        if (status === 200) okTimes.push(Date.now());
        await sleep(50);
      }
    })();

    // Wait until Prometheus holds several scrapes that include the traffic.
    const scrapedBy = Date.now() + 25_000;
    for (;;) {
      const r = await promQuery(promUrl, 'count_over_time(tessera_serve_requests_total{model="fraud",status="ok"}[30s])').catch(() => []);
      // 14 scrapes at 1 s: the 10 s windows used below then lie wholly inside the traffic.
      if (Number(r[0]?.value[1] ?? 0) >= 14) break;
      if (Date.now() > scrapedBy) throw new Error(`prometheus scraped too few samples within 25 s:\n${prometheus.log}`);
      await sleep(500);
    }
  }, 55_000);

  afterAll(async () => {
    sending = false;
    await sender;
    await prometheus?.stop();
    await server?.drain();
    if (tmp !== '') await rm(tmp, { recursive: true, force: true });
  }, 20_000);

  test('history read through PrometheusMetricsSource reflects the traffic sent', async () => {
    const source = new PrometheusMetricsSource({ url: promUrl, timeoutMs: 3000 });
    const clock = new RealClock();
    const nowMs = clock.nowMs();
    const sentPerS = (windowMs: number) => okTimes.filter((t) => t > nowMs - windowMs && t <= nowMs).length / (windowMs / 1000);

    // Instant: the counter itself, and its rate over the last 30 s.
    const [counter] = await source.instant({ metric: 'tessera_serve_requests_total', labels: { model: 'fraud', status: 'ok' } }, nowMs);
    expect(counter?.value).toBeGreaterThan(0);
    expect(counter?.value).toBeLessThanOrEqual(okTimes.length);
    const [rate10] = await source.instant({ metric: 'tessera_serve_requests_total', labels: { model: 'fraud' }, reduce: { kind: 'rate', windowMs: 10_000 }, sumBy: [] }, nowMs);
    const sent10 = sentPerS(10_000);
    // rate() divides by the whole 30 s range even where the series is younger, so over 30 s it is
    // the increase seen (≈ the counter, which started with this test) / 30.
    const [rate30] = await source.instant({ metric: 'tessera_serve_requests_total', labels: { model: 'fraud' }, reduce: { kind: 'rate', windowMs: 30_000 }, sumBy: [] }, nowMs);
    console.info(`[prometheus] counter=${counter?.value} sent=${okTimes.length}; rate10s=${rate10?.value.toFixed(2)} req/s vs client-side ${sent10.toFixed(2)} req/s; rate30s×30=${((rate30?.value ?? 0) * 30).toFixed(1)}`);
    expect(rate10?.value).toBeGreaterThan(sent10 * 0.7);
    expect(rate10?.value).toBeLessThan(sent10 * 1.3);
    expect((rate30?.value ?? 0) * 30).toBeGreaterThan((counter?.value ?? 0) * 0.5);
    expect((rate30?.value ?? 0) * 30).toBeLessThan((counter?.value ?? 0) * 1.3);

    // Range: a 1 s-step series of the request rate, the shape a forecaster reads.
    const series = await source.range(
      { metric: 'tessera_serve_requests_total', labels: { model: 'fraud' }, reduce: { kind: 'rate', windowMs: 5000 }, sumBy: [] },
      { startMs: nowMs - 20_000, endMs: nowMs, stepMs: 1000 },
    );
    const points = series[0]?.points ?? [];
    const recent = points.filter((p) => p.timeMs >= nowMs - 8_000).map((p) => p.value);
    console.info(`[prometheus] range points=${points.length}, last 8 s: ${recent.map((v) => v.toFixed(1)).join(' ')}`);
    expect(points.length).toBeGreaterThanOrEqual(5);
    const recentMean = recent.reduce((a, b) => a + b, 0) / Math.max(1, recent.length);
    expect(recentMean).toBeGreaterThan(sentPerS(8_000) * 0.5);
    expect(recentMean).toBeLessThan(sentPerS(8_000) * 1.5);
  });

  test('a controller tick detects over, and pre-scales from, the history Prometheus holds', async () => {
    // A generous SLO here: two shared CI cores can push p99 past 50 ms, and this test is about the history read, not remediation.
    const cluster = new MemoryClusterDouble([{ name: 'fraud', model: 'fraud-mlp', sloP99Ms: 2000, replicas: 1, minReplicas: 1, maxReplicas: 8, maxBatchSize: 64 }], [
      { id: 'fraud-0', service: 'fraud', slice: 'local/cpu@0', node: 'local', ready: true },
    ]);
    const events = new MemoryEventLog();
    const controller = new Controller({
      cluster,
      metrics: new PrometheusMetricsSource({ url: promUrl, timeoutMs: 3000 }),
      events,
      detection: { windowMs: 10_000 },
      // 5 req/s per replica against ~20 req/s sent: the forecast should ask for about 4 replicas.
      prescale: { services: { fraud: { targetRpsPerReplica: 5, loadMs: 1000, warmupMs: 1000, marginMs: 1000 } }, stepMs: 1000, historyMs: 20_000, rateWindowMs: 5000 },
    });
    const nowMs = new RealClock().nowMs();
    const report: TickReport = await controller.tick(nowMs);
    const sent = okTimes.filter((t) => t > nowMs - 10_000 && t <= nowMs).length / 10;
    const s = report.signals['fraud'];
    console.info(`[prometheus] tick signals ${JSON.stringify(s)}; prescale ${JSON.stringify(report.prescale)}; calls ${JSON.stringify(cluster.calls)}`);
    expect(report.errors).toEqual([]);
    expect(s?.totalRps).toBeGreaterThan(sent * 0.7);
    expect(s?.totalRps).toBeLessThan(sent * 1.3);
    expect(s?.errorRate).toBe(0);
    expect(s?.p99Ms).toBeGreaterThan(0);
    expect(s?.p99Ms).toBeLessThan(1000);
    expect(s?.queueDepth).toBeGreaterThanOrEqual(0);
    const pre = report.prescale[0];
    expect(pre?.historyPoints).toBeGreaterThanOrEqual(5);
    expect(pre?.load).toBeGreaterThan(sent * 0.5);
    expect(pre?.desiredReplicas).toBeGreaterThanOrEqual(2);
    expect(cluster.calls).toEqual([{ method: 'scaleService', service: 'fraud', replicas: pre?.desiredReplicas }]);
    expect(events.events({ kinds: ['prescale.scale-up'] })).toHaveLength(1);
    // The shipped alert rules loaded into this server without error.
    const rules = await fetch(`${promUrl}/api/v1/rules`).then((r) => r.json() as Promise<{ data: { groups: Array<{ name: string }> } }>);
    expect(rules.data.groups.map((g) => g.name).sort()).toEqual(['tessera-serve-health', 'tessera-serve-slo']);
  });
});
