import { describe, expect, test } from 'vitest';
import { isTesseraError } from '../core/index.js';
import type { PlanSlice } from '../plan/index.js';
import { cpuReplica, cpuSlice, handPlan, type HandService } from '../plan/test-support/hand-plan.js';
import type { Forecaster } from '../policy/index.js';
import { PerformanceModel, type ModelProfile } from '../profile/index.js';
import { resolveControllerConfig } from './options.js';
import { prescaleFromPlan, type PrescaleFromPlanOptions } from './prescale-from-plan.js';

/** A CPU profile of `model` measured with `threads` threads; load and first inference only where given. */
function profile(model: string, o: { threads?: number; loadMs?: number; firstInferenceMs?: number } = {}): ModelProfile {
  const threads = o.threads ?? 1;
  return {
    schemaVersion: 1,
    model,
    origin: 'imported',
    device: { kind: 'cpu', name: 'cpu', threads, fingerprint: `test-cpu-${threads}` },
    runtime: { name: 'test', version: '0' },
    points: [1, 2, 4].map((b) => ({ batchSize: b, concurrency: 1, latencyMs: { p50: 2 * b, p90: 2 * b, p99: 2 * b, mean: 2 * b }, throughputPerS: 500, samples: 100 })),
    ...(o.loadMs === undefined ? {} : { loadMs: o.loadMs }),
    ...(o.firstInferenceMs === undefined ? {} : { firstInferenceMs: o.firstInferenceMs }),
    measuredAt: '2026-01-01T00:00:00Z',
  };
}

const replica = (slice: string, capacityRps: number) => cpuReplica(slice, { maxBatchSize: 4, maxQueueDelayMs: 1, predictedP99Ms: 8, capacityRps, utilization: 0.5 });

function planOf(services: HandService[], slices: PlanSlice[] = [cpuSlice('local/cpu@0'), cpuSlice('local/cpu@1'), cpuSlice('local/cpu@2')]) {
  return handPlan({ fleet: 'f', slices, services });
}

const scorer: HandService = { name: 'scorer', model: 'scorer-m', sloP99Ms: 50, demandRps: 200, replicas: [replica('local/cpu@0', 100), replica('local/cpu@1', 300)] };
const perf = new PerformanceModel([profile('scorer-m', { loadMs: 1200, firstInferenceMs: 300 }), profile('plain-m')]);

describe('prescaleFromPlan', () => {
  test('the target is the mean planned replica capacity × utilisation; the lead time is the measured load + first inference + margin', () => {
    const p = prescaleFromPlan(planOf([scorer]), perf, { utilization: 0.5, marginMs: 10_000 });
    expect(p.services).toEqual({ scorer: { targetRpsPerReplica: 100, loadMs: 1200, warmupMs: 300, marginMs: 10_000 } });
    expect(p.basis['scorer']).toEqual({ capacityRps: 200, utilization: 0.5, slice: 'local/cpu@0', coldStartMeasured: true, leadMs: 11_500 });
    expect(p.skipped).toEqual([]);
    // Usable as the controller's pre-scale as it is.
    expect(() => resolveControllerConfig({ prescale: p })).not.toThrow();
  });

  test('defaults: utilisation 0.7, a 30 s margin, Holt-Winters with a daily season, 1 h of history at 1 min steps', () => {
    const p = prescaleFromPlan(planOf([scorer]), perf);
    expect(p.services['scorer']).toMatchObject({ targetRpsPerReplica: 140, marginMs: 30_000 });
    expect(p.basis['scorer']?.leadMs).toBe(1200 + 300 + 30_000);
    expect(p.forecaster.name).toBe('holt-winters(season 86400000 ms)');
    expect([p.historyMs, p.stepMs]).toEqual([3_600_000, 60_000]);
    expect(p.rateWindowMs).toBeUndefined(); // the controller's own default (2 × step) applies
  });

  test('a load no profile measured takes the planner\'s default cold start as load, marked not measured', () => {
    const plain: HandService = { name: 'plain', model: 'plain-m', sloP99Ms: 50, demandRps: 10, replicas: [replica('local/cpu@2', 40)] };
    expect(prescaleFromPlan(planOf([plain]), perf).services['plain']).toMatchObject({ loadMs: 2000, warmupMs: 0 });
    const p = prescaleFromPlan(planOf([plain]), perf, { defaultColdStartMs: 5000, marginMs: 0 });
    expect(p.services['plain']).toEqual({ targetRpsPerReplica: 28, loadMs: 5000, warmupMs: 0, marginMs: 0 });
    expect(p.basis['plain']?.coldStartMeasured).toBe(false);
  });

  test('the cold start is the first replica\'s slice\'s, where a scale-out adds replicas', () => {
    const model = new PerformanceModel([profile('m', { threads: 1, loadMs: 1000 }), profile('m', { threads: 4, loadMs: 250, firstInferenceMs: 20 })]);
    const four: PlanSlice = { id: 'local/cpu@4', node: 'local', kind: 'cpu', profile: 'cpu-4', memoryBytes: 1e9, cores: 4 };
    const svc = (first: string, second: string): HandService => ({ name: 's', model: 'm', sloP99Ms: 50, demandRps: 10, replicas: [replica(first, 50), replica(second, 50)] });
    const slices = [cpuSlice('local/cpu@0'), four];
    expect(prescaleFromPlan(planOf([svc('local/cpu@4', 'local/cpu@0')], slices), model).services['s']).toMatchObject({ loadMs: 250, warmupMs: 20 });
    expect(prescaleFromPlan(planOf([svc('local/cpu@0', 'local/cpu@4')], slices), model).services['s']).toMatchObject({ loadMs: 1000, warmupMs: 0 });
  });

  test('services without a capacity figure, without replicas, in a cold pool or on a slice the plan lacks are skipped, with why', () => {
    const broken = { ...replica('local/cpu@1', 0) };
    const missing = { ...replica('local/cpu@1', 10) } as Partial<ReturnType<typeof replica>>;
    delete missing.capacityRps;
    const plan = planOf([
      scorer,
      { name: 'zero', model: 'scorer-m', sloP99Ms: 50, demandRps: 1, replicas: [broken] },
      { name: 'no-figure', model: 'scorer-m', sloP99Ms: 50, demandRps: 1, replicas: [missing as ReturnType<typeof replica>] },
      { name: 'mixed', model: 'scorer-m', sloP99Ms: 50, demandRps: 1, replicas: [replica('local/cpu@1', 50), replica('local/cpu@2', Number.NaN)] },
      { name: 'empty', model: 'scorer-m', sloP99Ms: 50, demandRps: 1, replicas: [] },
      { name: 'cold', model: 'scorer-m', sloP99Ms: 50, demandRps: 1, pool: 'cold', replicas: [replica('local/cpu@2', 80)] },
      { name: 'lost', model: 'scorer-m', sloP99Ms: 50, demandRps: 1, replicas: [replica('local/cpu@9', 80)] },
    ]);
    const p = prescaleFromPlan(plan, perf);
    expect(Object.keys(p.services)).toEqual(['scorer']);
    const why = Object.fromEntries(p.skipped.map((s) => [s.service, s.reason]));
    expect(Object.keys(why)).toEqual(['zero', 'no-figure', 'mixed', 'empty', 'cold', 'lost']);
    expect(why['zero']).toMatch(/no capacity figure/);
    expect(why['no-figure']).toMatch(/no capacity figure/);
    expect(why['mixed']).toMatch(/no capacity figure/);
    expect(why['empty']).toMatch(/no replica/);
    expect(why['cold']).toMatch(/cold-pool service/);
    expect(why['lost']).toMatch(/local\/cpu@9.*not in the plan/);
  });

  test('a named forecaster is built with its season; a Forecaster object is used as it is', () => {
    const naive = prescaleFromPlan(planOf([scorer]), perf, { forecaster: 'seasonal-naive', seasonMs: 600_000 }).forecaster;
    expect(naive.name).toBe('seasonal-naive(season 600000 ms)');
    // A 10-step season at 1-min steps: the next step repeats the value a season back.
    const history = Array.from({ length: 20 }, (_, i) => 10 + (i % 10));
    expect(naive.forecast({ history, stepMs: 60_000, endMs: 0, horizon: 3 })).toEqual([10, 11, 12]);
    expect(prescaleFromPlan(planOf([scorer]), perf, { forecaster: 'seasonal-median' }).forecaster.name).toMatch(/^seasonal-median/);
    const mine: Forecaster = { name: 'last-value', forecast: ({ horizon }) => new Array<number>(horizon).fill(1) };
    expect(prescaleFromPlan(planOf([scorer]), perf, { forecaster: mine }).forecaster).toBe(mine);
  });

  test('bad options are TESSERA_ERR_ADAPT_CONFIG with every problem listed', () => {
    const bad: PrescaleFromPlanOptions = { utilization: 1.5, marginMs: -1, seasonMs: 0, historyMs: Number.NaN, stepMs: -5, forecaster: 'arima', defaultColdStartMs: Number.POSITIVE_INFINITY };
    let caught: unknown;
    try {
      prescaleFromPlan(planOf([scorer]), perf, bad);
    } catch (err) {
      caught = err;
    }
    expect(isTesseraError(caught) && caught.code).toBe('TESSERA_ERR_ADAPT_CONFIG');
    const problems = (isTesseraError(caught) ? caught.details?.['problems'] : undefined) as string[];
    expect(problems.map((p) => p.split(':')[0])).toEqual(['utilization', 'marginMs', 'seasonMs', 'historyMs', 'stepMs', 'defaultColdStartMs', 'forecaster']);
    expect(problems.at(-1)).toMatch(/'arima' is not one of seasonal-naive, holt-winters, seasonal-median/);
    for (const utilization of [0, -0.1, Number.NaN]) expect(() => prescaleFromPlan(planOf([scorer]), perf, { utilization })).toThrow(/utilization: must lie in \(0, 1\]/);
    expect(prescaleFromPlan(planOf([scorer]), perf, { utilization: 1 }).services['scorer']?.targetRpsPerReplica).toBe(200);
  });
});
