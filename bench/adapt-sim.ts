/**
 * The adapt controller in the simulator on the fraud day (issue: "the controller scales or loads
 * before the forecast peak and releases after"): reactive remediation only against remediation
 * plus forecast-driven pre-scale, on requests failed or delayed and on replica-hours.
 *
 *   npx tsx bench/adapt-sim.ts [--quick]
 *
 * Traffic and SLO are examples/fraud.yaml's: examples/traces/fraud-day.csv (30 M requests, diurnal
 * 55–450 req/s, promotion bursts at 11:30 ×4, 17:00 ×3, 20:45 ×6 with two-minute ramps), p99 ≤ 20 ms.
 * The fraud MLP itself is too cheap for scaling to matter (one 2-vCPU node carries the whole day at
 * 0.25 % busy, docs/simulator.md), so the service here is given a heavier per-request cost: 4 ms a
 * request on one core, no batching — 250 req/s per replica, as a gradient-boosted scorer with its
 * feature transforms might cost. Each replica needs 2 s load + 0.2 s warm-up to serve. The plan has
 * two replicas (the evening's 450 req/s); the spec allows 24.
 *
 * Configurations (one seed; the trace is deterministic, only the spreading inside a minute draws):
 *   - static: the plan, no controller;
 *   - reactive: the controller with the default rule table (scale out one replica per breach, at
 *     most 3 per 10 min; nothing ever scales in);
 *   - + pre-scale (last value): target tracking at 150 req/s per replica on the current rate, no
 *     forecast — the control for the next two;
 *   - + pre-scale (Holt-Winters): the controller's default forecaster, 1 h of history (less than a
 *     season, so it is Holt's trend);
 *   - two-day replay (the same day twice): Holt-Winters as above against seasonal-naive with a
 *     daily season and 25 h of history — the only way a forecaster can "know" a burst is that it
 *     happened at the same minute yesterday.
 * Prints a table and writes bench/results/adapt-sim.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { prescaleFromPlan, type PrescaleOptions, type RemediationRule, type TickReport } from '../src/adapt/index.js';
import { createRng, loadFleetFile, type Fleet } from '../src/core/index.js';
import { createForecaster, toPolicyForecaster } from '../src/observe/index.js';
import type { Plan } from '../src/plan/plan-types.js';
import type { Forecaster } from '../src/policy/index.js';
import { PerformanceModel, type ModelProfile } from '../src/profile/index.js';
import { arrivalSource, arrivalsForTraffic, shiftTime, simulatePlan, simulateWithController, type ArrivalSource, type SimAdaptReport, type SimulationResult } from '../src/sim/index.js';

const quick = process.argv.includes('--quick');
const DAY_MS = 86_400_000;
/** --quick: the morning and the first burst only. */
const DAY_RUN_MS = quick ? 13 * 3_600_000 : DAY_MS;
const SERVICE = 'fraud';
const MODEL = 'fraud-mlp';
const REQUEST_MS = 4;
const LOAD_MS = 2000;
const WARMUP_MS = 200;
const PLANNED_REPLICAS = 2;
const MAX_REPLICAS = 24;
/** 40 % of a replica: one replica at this rate has a true p99 of ≈ 14 ms against the 20 ms SLO. */
const TARGET_RPS_PER_REPLICA = 100;
/** Burst ramps start two minutes before each promotion (scripts/gen-fraud-trace.ts). */
const BURSTS = [
  { label: '11:30 ×4', rampMin: 11 * 60 + 28 },
  { label: '17:00 ×3', rampMin: 17 * 60 - 2 },
  { label: '20:45 ×6', rampMin: 20 * 60 + 43 },
];

const loaded = loadFleetFile(path.resolve('examples/fraud.yaml'));
const spec = loaded.fleet.services.find((s) => s.name === SERVICE);
if (spec === undefined) throw new Error('examples/fraud.yaml has no fraud service');
// The spec as written, but allowed to scale out (the simulator bounds scale-out by the spec's maxReplicas).
const fleet: Fleet = { ...loaded.fleet, services: loaded.fleet.services.map((s) => (s.name === SERVICE ? { ...s, maxReplicas: MAX_REPLICAS } : s)) };

const profile: ModelProfile = {
  schemaVersion: 1,
  model: MODEL,
  origin: 'imported',
  device: { kind: 'cpu', name: 'cpu', threads: 1, fingerprint: 'bench-adapt-sim' },
  runtime: { name: 'bench', version: '0' },
  points: [1, 2, 4, 8].map((b) => ({ batchSize: b, concurrency: 1, latencyMs: { p50: REQUEST_MS * b, p90: REQUEST_MS * b * 1.05, p99: REQUEST_MS * b * 1.2, mean: REQUEST_MS * b * 1.03 }, throughputPerS: 1000 / REQUEST_MS, samples: 100 })),
  loadMs: LOAD_MS,
  firstInferenceMs: WARMUP_MS,
  measuredAt: '2026-01-01T00:00:00Z',
};
const model = new PerformanceModel([profile]);
const slice = { id: 'cpu-0/cpu@0', node: 'cpu-0', kind: 'cpu' as const, profile: 'cpu-1', memoryBytes: 4e9, cores: 1 };
const plan: Plan = {
  apiVersion: 'tessera.dev/v1alpha1',
  kind: 'Plan',
  fleet: 'fraud',
  summary: { gpus: 0, cpuCores: PLANNED_REPLICAS, costPerHour: 0.0765, costPer1kInferences: 0, meanUtilization: 0, solver: 'hand', optimalityGap: null, objective: 0, solveMs: 0 },
  gpus: [],
  slices: [slice],
  services: [
    {
      name: SERVICE,
      model: MODEL,
      sloP99Ms: spec.slo.p99Ms,
      demandRps: 450,
      pool: 'hot',
      poolReason: 'bench',
      replicas: Array.from({ length: PLANNED_REPLICAS }, () => ({
        slice: slice.id,
        sliceProfile: 'cpu-1',
        node: slice.node,
        batching: { policy: 'none' as const, maxBatchSize: 1, maxQueueDelayMs: 0 },
        instances: 1,
        predictedP99Ms: REQUEST_MS,
        capacityRps: 1000 / REQUEST_MS,
        utilization: 0.9,
        estimated: false,
      })),
    },
  ],
  coldPools: [],
  infeasible: [],
  explain: [],
};

/** The fraud day, or the same day twice (day 2 shifted by 24 h, its own draws). */
function arrivals(days: 1 | 2): Map<string, ArrivalSource> {
  const rng = createRng(7);
  const day = (): ArrivalSource => arrivalsForTraffic(spec!.traffic, { baseDir: loaded.baseDir, rng: rng.fork(), durationMs: DAY_MS });
  if (days === 1) return new Map([[SERVICE, day()]]);
  const first = day();
  const second = shiftTime(day(), DAY_MS);
  let onFirst = true;
  const next = (): number => {
    if (onFirst) {
      const t = first.nextMs();
      if (Number.isFinite(t)) return t;
      onFirst = false;
    }
    return second.nextMs();
  };
  return new Map([[SERVICE, arrivalSource(next, () => (first.close(), second.close()))]]);
}

const lastValue: Forecaster = {
  name: 'last-value',
  forecast: ({ history, horizon }) => new Array<number>(Math.max(0, Math.floor(horizon))).fill(history.filter(Number.isFinite).at(-1) ?? 0),
};

function prescale(forecaster: Forecaster, historyMs: number): PrescaleOptions {
  // What `--prescale` builds, with the bench's own target and margin: the target is the plan's
  // 250 req/s a replica × 0.4 = TARGET_RPS_PER_REPLICA, the lead time the profile's load + warm-up
  // (LOAD_MS + WARMUP_MS) + a 2-minute margin, so the forecast looks three 1-minute steps ahead.
  const p = prescaleFromPlan(plan, model, { forecaster, historyMs, utilization: TARGET_RPS_PER_REPLICA / (1000 / REQUEST_MS), marginMs: 120_000 });
  const s = p.services[SERVICE];
  if (s?.targetRpsPerReplica !== TARGET_RPS_PER_REPLICA || s.loadMs !== LOAD_MS || s.warmupMs !== WARMUP_MS) throw new Error(`pre-scale from the plan is not the scenario's: ${JSON.stringify(s)}`);
  return p;
}

interface Config {
  name: string;
  days: 1 | 2;
  controller?: { prescale?: PrescaleOptions; rules?: readonly RemediationRule[] };
  adapt: boolean;
  /** A day of history needs the store to keep more than the default 2 h and 8192 samples. */
  longHistory?: boolean;
  /**
   * For a two-day run: the one-day configuration that is its first day exactly (same arrivals,
   * same controller, same seed), so the second day's figures are the difference.
   */
  firstDay?: string;
}

const seasonMs = DAY_MS;
const holt = (): Forecaster => toPolicyForecaster(createForecaster('holt-winters'), { seasonMs });
const seasonalNaive = (): Forecaster => toPolicyForecaster(createForecaster('seasonal-naive'), { seasonMs });
/** An empty rule table: pre-scale alone, so its effect is not mixed with the remediations'. */
const NO_RULES: readonly RemediationRule[] = [];
const CONFIGS: Config[] = [
  { name: 'static (plan, no controller)', days: 1, adapt: false },
  { name: 'reactive (rule table)', days: 1, adapt: true },
  { name: 'pre-scale only, last value', days: 1, adapt: true, controller: { rules: NO_RULES, prescale: prescale(lastValue, 3_600_000) } },
  { name: 'pre-scale only, Holt-Winters (1 h)', days: 1, adapt: true, controller: { rules: NO_RULES, prescale: prescale(holt(), 3_600_000) } },
  { name: 'reactive + pre-scale, Holt-Winters (1 h)', days: 1, adapt: true, controller: { prescale: prescale(holt(), 3_600_000) } },
  { name: 'pre-scale only, seasonal-naive (25 h)', days: 1, adapt: true, longHistory: true, controller: { rules: NO_RULES, prescale: prescale(seasonalNaive(), 25 * 3_600_000) } },
  { name: '2 days: pre-scale only, Holt-Winters (1 h)', days: 2, adapt: true, firstDay: 'pre-scale only, Holt-Winters (1 h)', controller: { rules: NO_RULES, prescale: prescale(holt(), 3_600_000) } },
  { name: '2 days: pre-scale only, seasonal-naive (25 h)', days: 2, adapt: true, longHistory: true, firstDay: 'pre-scale only, seasonal-naive (25 h)', controller: { rules: NO_RULES, prescale: prescale(seasonalNaive(), 25 * 3_600_000) } },
];

interface Row {
  config: string;
  simulatedH: number;
  requests: number;
  /** Refused (queue full) or failed: never served. */
  notServed: number;
  /** Served, but later than the SLO. */
  delayed: number;
  sloAttainment: number;
  p99Ms: number;
  replicaHours: number;
  peakReplicas: number;
  actions: Record<string, number>;
  /**
   * Per burst of the last simulated day: replicas asked for (desired) at its ramp start and two
   * minutes in (full rate), and how long before the ramp a pre-scale first scaled up on a forecast
   * (predicted load > 1.5 × the load then) — null when none did within the 15 min before.
   */
  atBurst: { burst: string; atRamp: number; atFullRate: number; forecastUpMinBefore: number | null }[];
  wallS: number;
  /** Two-day runs: the second day alone (this run minus its first-day configuration). */
  lastDay?: { requests: number; notServed: number; delayed: number; replicaHours: number };
}

async function run(c: Config): Promise<Row> {
  const durationMs = c.days === 2 ? DAY_MS + DAY_RUN_MS : DAY_RUN_MS;
  const base = { fleet, plan, model, durationMs, seed: 1, baseDir: loaded.baseDir, arrivals: arrivals(c.days) };
  const wall0 = performance.now();
  let result: SimulationResult;
  let adapt: SimAdaptReport | undefined;
  // Desired replica count after each tick (from the actions' `to`), for the burst columns.
  const desired: { t: number; n: number }[] = [{ t: 0, n: PLANNED_REPLICAS }];
  const forecastUps: number[] = [];
  const onTick = (r: TickReport): void => {
    for (const a of r.actions) {
      const to = a.details['to'];
      if (typeof to !== 'number' || a.dryRun || (a.action !== 'scale-out' && a.action !== 'prescale')) continue;
      desired.push({ t: r.nowMs, n: to });
      const load = a.details['load'];
      const predicted = a.details['predictedLoad'];
      if (a.action === 'prescale' && typeof load === 'number' && typeof predicted === 'number' && predicted > 1.5 * load && to > (a.details['from'] as number)) forecastUps.push(r.nowMs);
    }
  };
  if (!c.adapt) result = simulatePlan(base);
  else {
    ({ result, adapt } = await simulateWithController({
      ...base,
      adapt: { onTick, ...(c.controller ? { controller: c.controller } : {}), ...(c.longHistory ? { retentionMs: 26 * 3_600_000, maxSamplesPerSeries: 20_000 } : {}) },
    }));
  }
  const s = result.services[0]!;
  const dayStart = c.days === 2 ? DAY_MS : 0;
  const replicasAt = (t: number): number => desired.filter((d) => d.t <= t).at(-1)?.n ?? PLANNED_REPLICAS;
  const atBurst = BURSTS.filter((b) => b.rampMin * 60_000 < DAY_RUN_MS).map((b) => {
    const ramp = dayStart + b.rampMin * 60_000;
    const first = forecastUps.find((t) => t <= ramp && t > ramp - 15 * 60_000);
    return { burst: b.label, atRamp: replicasAt(ramp), atFullRate: replicasAt(ramp + 120_000), forecastUpMinBefore: first === undefined ? null : Math.round((ramp - first) / 6000) / 10 };
  });
  const actions: Record<string, number> = {};
  for (const a of adapt?.actions ?? []) actions[a.action] = (actions[a.action] ?? 0) + 1;
  return {
    config: c.name,
    simulatedH: durationMs / 3_600_000,
    requests: s.requests,
    notServed: s.dropped + s.failed,
    delayed: Math.round(s.completed * (1 - s.sloAttainment)),
    sloAttainment: s.sloAttainment,
    p99Ms: s.p99Ms,
    replicaHours: s.residentMs / 3_600_000,
    peakReplicas: adapt?.replicas[SERVICE]?.peak ?? PLANNED_REPLICAS,
    actions,
    atBurst,
    wallS: (performance.now() - wall0) / 1000,
  };
}

const rows: Row[] = [];
for (const c of CONFIGS) {
  const r = await run(c);
  const first = rows.find((x) => x.config === c.firstDay);
  if (first !== undefined) {
    r.lastDay = { requests: r.requests - first.requests, notServed: r.notServed - first.notServed, delayed: r.delayed - first.delayed, replicaHours: r.replicaHours - first.replicaHours };
  }
  rows.push(r);
  process.stderr.write(`${c.name}: ${r.wallS.toFixed(1)} s wall\n`);
}

const fmt = (n: number): string => n.toLocaleString('en-US');
const head = ['configuration', 'sim h', 'requests', 'not served', 'served late', 'SLO att.', 'p99 ms', 'replica-h', 'peak', 'actions', 'replicas at ramp → 2 min in, per burst (last day)'];
const table = rows.map((r) => [
  r.config,
  String(r.simulatedH),
  fmt(r.requests),
  fmt(r.notServed),
  fmt(r.delayed),
  `${(100 * r.sloAttainment).toFixed(3)}%`,
  r.p99Ms.toFixed(1),
  r.replicaHours.toFixed(1),
  String(r.peakReplicas),
  Object.entries(r.actions).map(([k, n]) => `${k} ${n}`).join(', ') || '-',
  r.atBurst.map((b) => `${b.burst}: ${b.atRamp} → ${b.atFullRate}${b.forecastUpMinBefore === null ? '' : ` (forecast up ${b.forecastUpMinBefore} min before)`}`).join('; '),
]);
const widths = head.map((h, i) => Math.max(h.length, ...table.map((r) => (r[i] as string).length)));
const line = (r: string[]): string => r.map((c, i) => c.padEnd(widths[i] as number)).join('  ').trimEnd();
process.stdout.write(`${line(head)}\n${table.map(line).join('\n')}\n`);
const second = rows.filter((r) => r.lastDay !== undefined);
if (second.length > 0) {
  process.stdout.write('\nsecond day alone (the two-day run minus its first day):\n');
  for (const r of second) {
    const d = r.lastDay!;
    process.stdout.write(`  ${r.config}: ${fmt(d.requests)} requests, ${fmt(d.notServed)} not served, ${fmt(d.delayed)} served late, ${d.replicaHours.toFixed(1)} replica-h\n`);
  }
}

mkdirSync('bench/results', { recursive: true });
writeFileSync(
  'bench/results/adapt-sim.json',
  `${JSON.stringify({ generatedAt: new Date().toISOString(), quick, scenario: { trace: 'examples/traces/fraud-day.csv', sloP99Ms: spec.slo.p99Ms, requestMs: REQUEST_MS, loadMs: LOAD_MS, warmupMs: WARMUP_MS, plannedReplicas: PLANNED_REPLICAS, maxReplicas: MAX_REPLICAS, targetRpsPerReplica: TARGET_RPS_PER_REPLICA }, rows }, null, 2)}\n`,
);
process.stderr.write('wrote bench/results/adapt-sim.json\n');
