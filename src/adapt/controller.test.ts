import { Registry } from 'prom-client';
import { describe, expect, test } from 'vitest';
import { MemoryEventLog } from '../observe/index.js';
import type { Forecaster } from '../policy/index.js';
import type { ServiceState } from './cluster.js';
import { Controller, type ControllerOptions } from './controller.js';
import { DEFAULT_RULES, type RemediationRule } from './rules.js';
import { MemoryClusterDouble, ScriptedMetricsSource } from './test-support/doubles.js';

const STEP_MS = 5_000;
const T0 = 1_700_000_000_000;

function service(over: Partial<ServiceState> = {}): ServiceState {
  return { name: 'ocr', model: 'ocr-rec', sloP99Ms: 100, replicas: 1, minReplicas: 1, maxReplicas: 4, maxBatchSize: 16, ...over };
}

interface Rig {
  cluster: MemoryClusterDouble;
  source: ScriptedMetricsSource;
  events: MemoryEventLog;
  registry: Registry;
  controller: Controller;
}

function rig(options: Partial<ControllerOptions> = {}, services: ServiceState[] = [service()]): Rig {
  const cluster = new MemoryClusterDouble(services, [
    { id: 'ocr-0', service: 'ocr', slice: 'n/gpu0/gi1', node: 'n', gpu: 'n/gpu0', ready: true },
    { id: 'ocr-1', service: 'ocr', slice: 'n/gpu0/gi2', node: 'n', gpu: 'n/gpu0', ready: false },
  ]);
  const source = new ScriptedMetricsSource();
  const events = new MemoryEventLog();
  const registry = new Registry();
  const controller = new Controller({ cluster, metrics: source, events, registry, ...options });
  return { cluster, source, events, registry, controller };
}

const healthy = (p99Ms = 20) => ({ p99Ms: { ocr: p99Ms }, rps: { ocr: { ok: 50 } }, queueDepth: { ocr: 2 } });

/** Runs `n` ticks STEP_MS apart from `startMs`, setting the scripted metrics first; returns the next time. */
async function run(r: Rig, startMs: number, n: number, values: ScriptedMetricsSource['values']): Promise<number> {
  let t = startMs;
  for (let i = 0; i < n; i++) {
    r.source.values = values;
    await r.controller.tick(t);
    t += STEP_MS;
  }
  return t;
}

async function counter(registry: Registry, name: string, labels: Record<string, string>): Promise<number> {
  const metric = await registry.getSingleMetric(name)?.get();
  const v = metric?.values.find((x) => Object.entries(labels).every(([k, val]) => String((x.labels as Record<string, unknown>)[k]) === val));
  return v?.value ?? 0;
}

describe('Controller remediation (in-memory Cluster double, scripted metrics)', () => {
  test('a latency spike over the SLO leads to exactly one scale-out within the cooldown, and another once it has passed', async () => {
    const r = rig();
    let t = await run(r, T0, 30, healthy());
    expect(r.cluster.calls).toEqual([]);
    const spikeStart = t;
    t = await run(r, t, 12, healthy(250)); // 55 s of breach: inside the 60 s cooldown
    expect(r.cluster.calls).toEqual([{ method: 'scaleService', service: 'ocr', replicas: 2 }]);
    const scaleEvents = r.events.events({ kinds: ['remediation.scale-out'] });
    expect(scaleEvents).toHaveLength(1);
    expect(scaleEvents[0]?.timeMs).toBe(spikeStart);
    expect(scaleEvents[0]?.reason).toMatch(/scale ocr out from 1 to 2 replicas because p99 250\.0 ms against a 100 ms SLO/);
    expect(r.events.events({ kinds: ['anomaly.detected'] })).toHaveLength(1);
    expect(await counter(r.registry, 'tessera_adapt_actions_suppressed_total', { action: 'scale-out', reason: 'cooldown' })).toBe(11);

    await run(r, t, 1, healthy(250)); // 60 s after the first: cooldown over
    expect(r.cluster.calls.filter((c) => c.method === 'scaleService')).toEqual([
      { method: 'scaleService', service: 'ocr', replicas: 2 },
      { method: 'scaleService', service: 'ocr', replicas: 3 },
    ]);
    expect(await counter(r.registry, 'tessera_adapt_actions_total', { action: 'scale-out', dry_run: 'false' })).toBe(2);
  });

  test('dry-run logs and counts the action but does not touch the cluster', async () => {
    const r = rig({ dryRun: true });
    const t = await run(r, T0, 25, healthy());
    await run(r, t, 3, healthy(400));
    expect(r.cluster.calls).toEqual([]);
    const events = r.events.events({ kinds: ['remediation.scale-out'] });
    expect(events).toHaveLength(1);
    expect(events[0]?.reason).toMatch(/^dry run, not taken: scale ocr out/);
    expect(events[0]?.details).toMatchObject({ dryRun: true, from: 1, to: 2 });
    expect(await counter(r.registry, 'tessera_adapt_actions_total', { action: 'scale-out', dry_run: 'true' })).toBe(1);
    expect(await counter(r.registry, 'tessera_adapt_actions_total', { action: 'scale-out', dry_run: 'false' })).toBe(0);
  });

  test('a throwing step is counted and logged, the other steps of that tick run, and the next tick runs normally', async () => {
    const r = rig();
    let t = await run(r, T0, 25, healthy());
    r.source.values = healthy(300);
    r.source.throwOnNext = 1;
    const failed = await r.controller.tick(t);
    t += STEP_MS;
    expect(failed.errors.map((e) => e.step)).toEqual(['detect']);
    expect(failed.stepDurationsMs.remediate).toBeGreaterThanOrEqual(0); // remediate still ran
    expect(await counter(r.registry, 'tessera_adapt_step_errors_total', { step: 'detect' })).toBe(1);
    expect(r.events.events({ kinds: ['adapt.step-error'] })[0]).toMatchObject({ subject: 'controller/detect', details: { step: 'detect', code: 'TESSERA_ERR_CORE_INTERNAL' } });

    const next = await r.controller.tick(t);
    expect(next.errors).toEqual([]);
    expect(next.actions.map((a) => a.action)).toEqual(['scale-out']);

    // An executor failure is a remediate-step error; the loop goes on and the limiter still holds.
    const r2 = rig();
    r2.cluster.failing.add('scaleService');
    const t2 = await run(r2, T0, 25, healthy());
    r2.source.values = healthy(300);
    const broken = await r2.controller.tick(t2);
    expect(broken.errors.map((e) => e.step)).toEqual(['remediate']);
    expect(await counter(r2.registry, 'tessera_adapt_step_errors_total', { step: 'remediate' })).toBe(1);
    const again = await r2.controller.tick(t2 + STEP_MS);
    expect(again.errors).toEqual([]);
    expect(again.suppressed).toEqual([{ action: 'scale-out', subject: 'service/ocr', verdict: 'cooldown' }]);
  });

  test('when the cluster cannot be listed, the dependent steps are skipped, not run on stale state', async () => {
    const r = rig();
    r.cluster.failing.add('listServices');
    const report = await r.controller.tick(T0);
    expect(report.errors.map((e) => e.step)).toEqual(['observe']);
    expect(report.skipped).toEqual(['detect', 'remediate', 'batch']);
    r.cluster.failing.clear();
    expect((await r.controller.tick(T0 + STEP_MS)).errors).toEqual([]);
  });

  test('rate limits hold: per action and subject, and across the whole fleet', async () => {
    const rules: RemediationRule[] = [{ anomaly: 'latency-slo-breach', action: 'scale-out', when: 'below-max-replicas', cooldownMs: 0, rateLimit: { max: 2, windowMs: 600_000 } }];
    const r = rig({ rules }, [service({ maxReplicas: 10 })]);
    await run(r, T0, 30, healthy(500)); // 150 s of breach, one tick every 5 s
    expect(r.cluster.calls).toHaveLength(2);
    expect(await counter(r.registry, 'tessera_adapt_actions_suppressed_total', { action: 'scale-out', reason: 'rate-limit' })).toBe(28);

    const many = ['a', 'b', 'c', 'd'].map((name) => service({ name, maxReplicas: 10 }));
    const g = rig({ rules, globalRateLimit: { max: 3, windowMs: 60_000 } }, many);
    const all = (ms: number) => ({ p99Ms: Object.fromEntries(many.map((s) => [s.name, ms])), rps: {}, queueDepth: {} });
    await run(g, T0, 1, all(500));
    expect(g.cluster.calls).toHaveLength(3);
    expect(await counter(g.registry, 'tessera_adapt_actions_suppressed_total', { action: 'scale-out', reason: 'global-rate-limit' })).toBe(1);
  });

  test('at the replica ceiling a latency breach halves the batch cap and a deep queue sheds load, lifted once calm', async () => {
    const r = rig({ shedReleaseMs: 30_000 }, [service({ replicas: 4, maxReplicas: 4 })]);
    let t = await run(r, T0, 25, healthy());
    t = await run(r, t, 1, { p99Ms: { ocr: 300 }, rps: { ocr: { ok: 40, rejected: 0 } }, queueDepth: { ocr: 200 } });
    expect(r.cluster.calls).toEqual([
      { method: 'setBatchSizeCap', service: 'ocr', maxBatchSize: 8 },
      { method: 'setAdmissionCap', service: 'ocr', maxRps: 36 },
    ]);
    t = await run(r, t, 5, healthy()); // 25 s calm: before shedReleaseMs
    expect(r.cluster.calls).toHaveLength(2);
    await run(r, t, 2, healthy());
    expect(r.cluster.calls.at(-1)).toEqual({ method: 'setAdmissionCap', service: 'ocr', maxRps: undefined });
    expect(r.events.events({ kinds: ['remediation.lift-shed'] })).toHaveLength(1);
  });

  test('an error-rate anomaly restarts the replica that is not ready; fragmentation re-packs its GPU', async () => {
    const r = rig();
    const t = await run(r, T0, 25, healthy());
    await run(r, t, 1, { ...healthy(), rps: { ocr: { ok: 30, error: 20 } }, fragmentation: { '0': 0.8 } });
    expect(r.cluster.calls).toEqual([
      { method: 'restartReplica', replicaId: 'ocr-1' },
      { method: 'repack', scope: { gpu: '0' } },
    ]);
    const restart = r.events.events({ kinds: ['remediation.restart-worker'] })[0];
    expect(restart?.reason).toMatch(/restart replica ocr-1 of ocr \(not ready\) because 40\.0 % of 50\.00 req\/s failed/);
  });

  test('refusals are overload, not faults: 40 % rejected restarts nothing, 40 % timed out restarts a replica', async () => {
    const r = rig();
    let t = await run(r, T0, 25, healthy());
    const report = await r.controller.tick(t);
    expect(report.signals['ocr']).toMatchObject({ errorRate: 0, rejectedRate: 0 });
    t += STEP_MS;
    r.source.values = { ...healthy(), rps: { ocr: { ok: 30, rejected: 20 } } };
    const refused = await r.controller.tick(t);
    expect(refused.signals['ocr']).toMatchObject({ errorRate: 0, rejectedRate: 0.4 });
    expect(refused.anomalies.filter((a) => a.kind === 'error-rate')).toEqual([]);
    expect(r.cluster.calls.filter((c) => c.method === 'restartReplica')).toEqual([]);
    await run(r, t + STEP_MS, 1, { ...healthy(), rps: { ocr: { ok: 30, timeout: 20 } } });
    expect(r.cluster.calls.filter((c) => c.method === 'restartReplica')).toEqual([{ method: 'restartReplica', replicaId: 'ocr-1' }]);
  });

  test('the default rule table has a cooldown and rate limit on every line', () => {
    for (const rule of DEFAULT_RULES) {
      expect(rule.cooldownMs).toBeGreaterThan(0);
      expect(rule.rateLimit.max).toBeGreaterThanOrEqual(1);
    }
  });

  test('bad options are reported all at once with their paths', () => {
    const make = () => rig({ globalRateLimit: { max: 0, windowMs: -1 }, detection: { maxErrorRate: 2 }, rules: [{ anomaly: 'latency-slo-breach', action: 'scale-out', cooldownMs: -5, rateLimit: { max: 1, windowMs: 1 } }] });
    expect(make).toThrowError(expect.objectContaining({ code: 'TESSERA_ERR_ADAPT_CONFIG' }) as Error);
    try {
      make();
    } catch (err) {
      const problems = (err as { details: { problems: string[] } }).details.problems;
      expect(problems.map((p) => p.split(':')[0])).toEqual(['rules[0].cooldownMs', 'globalRateLimit.max', 'globalRateLimit.windowMs', 'detection.maxErrorRate']);
    }
  });
});

describe('Controller batch step (in-memory Cluster double)', () => {
  const atCeiling = (over: Partial<ServiceState> = {}) => service({ replicas: 4, maxReplicas: 4, maxBatchSize: 16, plannedMaxBatchSize: 16, ...over });
  const recovery = { calmTicks: 3, holdAfterLowerMs: 30_000, cooldownMs: 20_000 };

  test('a cap halved during a breach is raised back to the planned size once p99 stays calm, through act (event, metric)', async () => {
    const r = rig({ batchRecovery: recovery }, [atCeiling()]);
    let t = await run(r, T0, 25, healthy());
    expect(r.cluster.calls).toEqual([]); // at the planned size: nothing to raise
    const breachAt = t;
    t = await run(r, t, 1, healthy(300));
    expect(r.cluster.calls).toEqual([{ method: 'setBatchSizeCap', service: 'ocr', maxBatchSize: 8 }]);
    // Calm from the next tick on: 3 calm ticks are reached after 15 s, but the hold after the cut lasts 30 s.
    while (t < breachAt + 30_000) t = await run(r, t, 1, healthy());
    expect(r.cluster.calls).toHaveLength(1);
    t = await run(r, t, 1, healthy());
    expect(r.cluster.calls.at(-1)).toEqual({ method: 'setBatchSizeCap', service: 'ocr', maxBatchSize: 16 });
    const raised = r.events.events({ kinds: ['batch.raise-batch-size'] });
    expect(raised).toHaveLength(1);
    expect(raised[0]?.timeMs).toBe(breachAt + 30_000);
    expect(raised[0]?.reason).toMatch(/^raise ocr's batch size cap from 8 to 16 \(planned 16\): p99 20\.0 ms under 80\.0 ms \(0\.8 × the 100 ms SLO\) for \d+ ticks$/);
    expect(raised[0]?.details).toMatchObject({ from: 8, to: 16, planned: 16, action: 'raise-batch-size', dryRun: false });
    expect(await counter(r.registry, 'tessera_adapt_actions_total', { action: 'raise-batch-size', dry_run: 'false' })).toBe(1);
    await run(r, t, 20, healthy());
    expect(r.cluster.calls).toHaveLength(2); // back at the plan: no more raises
  });

  test('raises step by step (max(cap + step, cap × factor)), each after fresh calm ticks and the cooldown, never past the plan', async () => {
    const r = rig({ batchRecovery: { ...recovery, factor: 1, step: 3, holdAfterLowerMs: 0 } }, [atCeiling({ maxBatchSize: 2, plannedMaxBatchSize: 9 })]);
    await run(r, T0, 40, healthy());
    expect(r.cluster.calls).toEqual([
      { method: 'setBatchSizeCap', service: 'ocr', maxBatchSize: 5 },
      { method: 'setBatchSizeCap', service: 'ocr', maxBatchSize: 8 },
      { method: 'setBatchSizeCap', service: 'ocr', maxBatchSize: 9 },
    ]);
  });

  test('no raise while p99 is above the watch ratio, without a planned size, or when turned off; an idle service counts as calm; dry-run only logs', async () => {
    const warm = rig({ batchRecovery: recovery }, [atCeiling({ maxBatchSize: 4 })]);
    await run(warm, T0, 10, healthy(90)); // 90 ms: under the SLO, over 0.8 × SLO
    expect(warm.cluster.calls).toEqual([]);

    const unplanned = rig({ batchRecovery: recovery }, [atCeiling({ maxBatchSize: 4, plannedMaxBatchSize: undefined })]);
    await run(unplanned, T0, 10, healthy());
    expect(unplanned.cluster.calls).toEqual([]);

    const off = rig({ batchRecovery: false }, [atCeiling({ maxBatchSize: 4 })]);
    const offReport = await off.controller.tick(T0);
    expect(offReport.stepDurationsMs.batch).toBeUndefined();
    await run(off, T0 + STEP_MS, 10, healthy());
    expect(off.cluster.calls).toEqual([]);

    const idle = rig({ batchRecovery: recovery }, [atCeiling({ maxBatchSize: 4 })]);
    await run(idle, T0, 3, { p99Ms: {}, rps: {}, queueDepth: {} });
    expect(idle.cluster.calls).toEqual([{ method: 'setBatchSizeCap', service: 'ocr', maxBatchSize: 8 }]);
    expect(idle.events.events({ kinds: ['batch.raise-batch-size'] })[0]?.reason).toMatch(/: no requests for 3 ticks$/);

    const dry = rig({ dryRun: true, batchRecovery: recovery }, [atCeiling({ maxBatchSize: 4 })]);
    await run(dry, T0, 3, healthy());
    expect(dry.cluster.calls).toEqual([]);
    expect(dry.events.events({ kinds: ['batch.raise-batch-size'] })[0]?.reason).toMatch(/^dry run, not taken: raise ocr's batch size cap from 4 to 8/);
  });

  test('a failing setBatchSizeCap is a batch-step error; the loop goes on', async () => {
    const r = rig({ batchRecovery: { ...recovery, cooldownMs: 0 } }, [atCeiling({ maxBatchSize: 4 })]);
    r.cluster.failing.add('setBatchSizeCap');
    await run(r, T0, 2, healthy());
    const failed = await r.controller.tick(T0 + 2 * STEP_MS);
    expect(failed.errors.map((e) => e.step)).toEqual(['batch']);
    expect(await counter(r.registry, 'tessera_adapt_step_errors_total', { step: 'batch' })).toBe(1);
    r.cluster.failing.clear();
    await run(r, T0 + 3 * STEP_MS, 3, healthy());
    expect(r.cluster.services.get('ocr')?.maxBatchSize).toBe(8);
  });

  test('bad batch options are reported with the others', () => {
    expect(() => rig({ batchRecovery: { calmTicks: 0, factor: 0.5, step: -1 } })).toThrowError(/batchRecovery\.calmTicks.*\n.*batchRecovery\.factor.*\n.*batchRecovery\.step/s);
  });
});

describe('Controller forecast-driven pre-scale (in-memory Cluster double)', () => {
  /** A forecaster that predicts a peak: twice the last value, recording what it was asked. */
  function peakForecaster(requests: { horizon: number; history: number }[]): Forecaster {
    return {
      name: 'test-peak',
      forecast: (req) => {
        requests.push({ horizon: req.horizon, history: req.history.length });
        return Array.from({ length: req.horizon }, (_, i) => (i === req.horizon - 1 ? 2 * (req.history.at(-1) ?? 0) : 0));
      },
    };
  }

  test('scales up before the forecast peak, within the lead time = load + warm-up + margin', async () => {
    const asked: { horizon: number; history: number }[] = [];
    const r = rig({ prescale: { services: { ocr: { targetRpsPerReplica: 10, loadMs: 30_000, warmupMs: 20_000, marginMs: 70_000 } }, stepMs: 60_000, historyMs: 600_000, forecaster: peakForecaster(asked) } });
    r.source.rangeSeries = [{ labels: {}, points: Array.from({ length: 11 }, (_, i) => ({ timeMs: T0 - 600_000 + i * 60_000, value: i < 5 ? NaN : 15 })) }];
    r.source.values = healthy();
    const report = await r.controller.tick(T0);
    expect(asked).toEqual([{ horizon: 2, history: 6 }]); // 120 s lead at a 60 s step; leading gaps dropped
    expect(report.prescale).toEqual([{ service: 'ocr', load: 15, predictedLoad: 30, leadMs: 120_000, historyPoints: 6, currentReplicas: 1, desiredReplicas: 3 }]);
    expect(r.cluster.calls).toEqual([{ method: 'scaleService', service: 'ocr', replicas: 3 }]);
    expect(r.events.events({ kinds: ['prescale.scale-up'] })[0]?.reason).toMatch(/from 1 to 3 replicas: load 15\.00 req\/s now, up to 30\.00 req\/s forecast within the 120 s lead time/);
    const query = r.source.queries.find((q) => q.reduce?.kind === 'rate' && q.labels !== undefined);
    expect(query).toMatchObject({ metric: 'tessera_serve_requests_total', labels: { model: 'ocr' }, reduce: { kind: 'rate', windowMs: 120_000 }, sumBy: [] });
  });

  test('no scale-down while the history is shorter than the rate window (a young series reads low), scale-down once it is not', async () => {
    const flat: Forecaster = { name: 'flat-last', forecast: (q) => new Array<number>(q.horizon).fill(q.history.at(-1) ?? 0) };
    const r = rig({ prescale: { services: { ocr: { targetRpsPerReplica: 10, loadMs: 0, warmupMs: 0, marginMs: 0 } }, stepMs: 60_000, historyMs: 600_000, forecaster: flat } }, [service({ replicas: 3 })]);
    r.source.values = healthy();
    // Two points: the series is 60 s old, under the 120 s rate window — 5 req/s may be a fraction of the real rate.
    r.source.rangeSeries = [{ labels: {}, points: [{ timeMs: T0 - 60_000, value: 5 }, { timeMs: T0, value: 5 }] }];
    const young = await r.controller.tick(T0);
    expect(young.prescale[0]).toMatchObject({ historyPoints: 2, currentReplicas: 3, desiredReplicas: 1 });
    expect(r.cluster.calls).toEqual([]);
    // Three points: 120 s old, the rate covers its whole window.
    r.source.rangeSeries = [{ labels: {}, points: [0, 1, 2].map((i) => ({ timeMs: T0 - 60_000 + i * 60_000, value: 5 })) }];
    await r.controller.tick(T0 + 60_000);
    expect(r.cluster.calls).toEqual([{ method: 'scaleService', service: 'ocr', replicas: 1 }]);
  });

  test('no history means no pre-scale decision, and step durations land on the registry passed in', async () => {
    const r = rig({ prescale: { services: { ocr: { targetRpsPerReplica: 10, loadMs: 0, warmupMs: 0, marginMs: 0 } }, forecaster: peakForecaster([]) } });
    r.source.values = healthy();
    const report = await r.controller.tick(T0);
    expect(report.prescale).toEqual([]);
    expect(r.cluster.calls).toEqual([]);
    const text = await r.registry.metrics();
    for (const step of ['observe', 'detect', 'remediate', 'batch', 'prescale']) expect(text).toContain(`tessera_adapt_step_duration_seconds_count{step="${step}"} 1`);
  });
});

describe('Controller remediation and pre-scale in one tick (in-memory Cluster double)', () => {
  test('pre-scale starts from the replica count a scale-out set earlier in the same tick', async () => {
    const r = rig({ prescale: { services: { ocr: { targetRpsPerReplica: 100, loadMs: 0, warmupMs: 0, marginMs: 0 } }, stepMs: 60_000, forecaster: { name: 'flat', forecast: (q) => new Array<number>(q.horizon).fill(350) } } });
    r.source.rangeSeries = [{ labels: {}, points: [{ timeMs: T0, value: 350 }] }];
    const report = await run(r, T0, 1, healthy(500)).then(() => r.cluster.calls);
    expect(report).toEqual([
      { method: 'scaleService', service: 'ocr', replicas: 2 },
      { method: 'scaleService', service: 'ocr', replicas: 4 },
    ]);
    expect(r.events.events({ kinds: ['prescale.scale-up'] })[0]?.details).toMatchObject({ from: 2, to: 4 });
  });
});
