/**
 * Keep-alive / pre-warm comparison (issue 6, docs/forecasting.md "Predictive pre-warm"):
 *
 *   npx tsx bench/prewarm.ts [--functions N] [--hours H] [--cold-start measured|gpu|both] [--policies 0,2,…]
 *
 * Every function of the Azure Functions 2019 day (../shared/data, CC-BY-4.0) becomes a cold-pool
 * service of the cluster simulator, in the paper's setting (memory unconstrained, so only the
 * keep-alive policy decides what stays loaded). Each function is served by one of the five real
 * models of examples/local.yaml, round-robin, with that model's SLO and its cold start as
 * `tessera profile` measured it on this machine (session load + first inference, read from
 * .tessera/profiles). `--cold-start gpu` drops the measured load times so every load takes the
 * planner's default 2 s — an assumption standing in for GPU-sized loads, not a measurement.
 *
 * Policies, each replaying the same arrivals (seeded):
 *   - fixed keep-alive 10 min (the serverless default) and 20 min;
 *   - the hybrid-histogram policy of "Serverless in the Wild";
 *   - forecast-driven pre-warm (seasonal-naive forecaster, 1 h season: the trace is one day, so a
 *     daily season cannot be learned from it), alone (1 min minimum keep-alive, its default) and on
 *     top of a 10 min keep-alive.
 *
 * Reported per policy: cold starts, requests delayed by a load and the mean delay, requests that
 * missed their SLO (with warm latency far under every SLO, those are the cold-start failures),
 * pre-warms, and resident model-hours (the slice time spent keeping models loaded). Writes
 * bench/results/prewarm.json.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createRng, loadFleetFile, type Fleet } from '../src/core/index.js';
import { createForecaster, toPolicyForecaster } from '../src/observe/index.js';
import { planFleet, type Plan, type PlanService } from '../src/plan/index.js';
import type { Forecaster, KeepAlivePolicyOptions } from '../src/policy/index.js';
import { PerformanceModel, loadProfilesForFleet, type ModelProfile } from '../src/profile/index.js';
import { azureFunctionsSeriesArrivals, simulatePlan, type ArrivalSource } from '../src/sim/index.js';

const args = process.argv.slice(2);
const arg = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
if (args.includes('--help')) {
  process.stdout.write('usage: npx tsx bench/prewarm.ts [--functions N] [--hours H] [--cold-start measured|gpu|both] [--policies 0,2,…]\n');
  process.exit(0);
}
const FUNCTIONS = Number(arg('--functions') ?? 1350);
const HOURS = Number(arg('--hours') ?? 24);
const COLD = arg('--cold-start') ?? 'both';
const AZURE = path.resolve('../shared/data/traces/azure-functions-2019-day/1350_inv.csv');
const FLEET = path.resolve('examples/local.yaml');
const HOUR = 3_600_000;

interface PolicyCase {
  readonly name: string;
  readonly keepAlive: KeepAlivePolicyOptions;
  readonly forecaster?: Forecaster;
}

const POLICIES: PolicyCase[] = [
  { name: 'fixed 10 min', keepAlive: { policy: 'fixed', keepAliveMs: 600_000 } },
  { name: 'fixed 20 min', keepAlive: { policy: 'fixed', keepAliveMs: 1_200_000 } },
  // The floor of cold starts (each function's first request) and the ceiling of memory.
  { name: 'never unload', keepAlive: { policy: 'fixed', keepAliveMs: Infinity } },
  { name: 'hybrid-histogram', keepAlive: { policy: 'hybrid-histogram' }, forecaster: toPolicyForecaster(createForecaster('holt-winters'), { seasonMs: HOUR }) },
  { name: 'forecast (seasonal-naive 1 h)', keepAlive: { policy: 'forecast', historyBuckets: 120 }, forecaster: toPolicyForecaster(createForecaster('seasonal-naive'), { seasonMs: HOUR }) },
  { name: 'forecast (seasonal-naive 1 h) + 10 min keep-alive', keepAlive: { policy: 'forecast', historyBuckets: 120, minKeepAliveMs: 600_000 }, forecaster: toPolicyForecaster(createForecaster('seasonal-naive'), { seasonMs: HOUR }) },
];
const only = arg('--policies');
const SELECTED = only === undefined ? POLICIES : POLICIES.filter((_, i) => only.split(',').includes(String(i)));

interface FunctionSeries {
  readonly hash: string;
  readonly perMinute: Float64Array;
  readonly total: number;
}

/** One pass over the invocation table: every function's per-minute counts. */
function readFunctions(file: string): FunctionSeries[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  const out: FunctionSeries[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    if (line === undefined || line.trim() === '') continue;
    const cells = line.split(',');
    const perMinute = Float64Array.from(cells.slice(3), Number);
    out.push({ hash: cells[0] as string, perMinute, total: perMinute.reduce((a, b) => a + b, 0) });
  }
  return out;
}

interface Row {
  readonly coldStartSource: string;
  readonly policy: string;
  readonly functions: number;
  readonly requests: number;
  readonly coldStarts: number;
  readonly delayedRequests: number;
  readonly delayedShare: number;
  readonly meanDelayMs: number;
  readonly sloMisses: number;
  readonly sloMissShare: number;
  /** Functions whose requests hit a cold start more than 1 % of the time. */
  readonly functionsOver1pctCold: number;
  readonly prewarms: number;
  readonly unloads: number;
  readonly residentModelHours: number;
  readonly wallS: number;
}

function pct(x: number): string {
  return `${(100 * x).toFixed(x < 0.001 ? 3 : 2)} %`;
}

async function main(): Promise<void> {
  const loaded = loadFleetFile(FLEET);
  const profiles = loadProfilesForFleet(loaded);
  const missing = loaded.fleet.models.filter((m) => (profiles.get(m.name) ?? []).length === 0).map((m) => m.name);
  if (missing.length > 0) throw new Error(`no profiles for ${missing.join(', ')}: run \`npx tessera profile -f examples/local.yaml\` first`);
  const basePlan = await planFleet(loaded.fleet, profiles, { solver: 'heuristic' });
  const models = loaded.fleet.services.map((s) => {
    const planned = basePlan.services.find((p) => p.name === s.name);
    const replica = planned?.replicas[0];
    if (replica === undefined) throw new Error(`the local plan has no replica for ${s.name}`);
    return { model: s.model, sloMs: s.slo.p99Ms, replica };
  });

  const all = readFunctions(AZURE).filter((f) => f.total > 0);
  // A seeded sample when fewer functions are asked for, so a quick run still spans the mix.
  const rng = createRng(7);
  const chosen = FUNCTIONS >= all.length ? all : [...all].map((f) => ({ f, k: rng.next() })).sort((a, b) => a.k - b.k).slice(0, FUNCTIONS).map((x) => x.f);

  const poolSlice = { id: 'pool-0/cpu@0', node: 'pool-0', kind: 'cpu' as const, profile: models[0]?.replica.sliceProfile ?? 'cpu-2', memoryBytes: 1e15, cores: 2 };
  const services: PlanService[] = chosen.map((f, i) => {
    const m = models[i % models.length] as (typeof models)[number];
    return {
      name: `fn-${i}`,
      model: m.model,
      sloP99Ms: m.sloMs,
      demandRps: f.total / 86_400,
      pool: 'cold',
      poolReason: `Azure function ${f.hash.slice(0, 8)}`,
      replicas: [{ ...m.replica, slice: poolSlice.id, node: poolSlice.node, sliceProfile: poolSlice.profile, instances: 1, gpu: undefined } as PlanService['replicas'][number]],
    };
  });
  const plan: Plan = {
    ...basePlan,
    fleet: 'prewarm',
    gpus: [],
    slices: [poolSlice],
    services,
    coldPools: [{ slice: poolSlice.id, services: services.map((s) => s.name), memoryBytes: poolSlice.memoryBytes, node: poolSlice.node, sliceProfile: poolSlice.profile }],
    infeasible: [],
    explain: [],
  };
  const fleet: Fleet = {
    ...loaded.fleet,
    services: services.map((s) => ({ ...(loaded.fleet.services.find((x) => x.model === s.model) as Fleet['services'][number]), name: s.name })),
  };

  const sources = COLD === 'both' ? ['measured', 'gpu'] : [COLD];
  const rows: Row[] = [];
  for (const source of sources) {
    const prof: Map<string, ModelProfile[]> =
      source === 'gpu' ? new Map([...profiles].map(([k, v]) => [k, v.map((p) => ({ ...p, loadMs: undefined, firstInferenceMs: undefined }) as ModelProfile)])) : profiles;
    const perf = new PerformanceModel(prof);
    for (const pc of SELECTED) {
      const arrivals = new Map<string, ArrivalSource>(chosen.map((f, i) => [`fn-${i}`, azureFunctionsSeriesArrivals({ perMinute: f.perMinute, functions: [f.hash], rowsInFile: 1, total: f.total }, { seed: 1000 + i })]));
      const t0 = performance.now();
      const r = simulatePlan({
        fleet,
        plan,
        model: perf,
        durationMs: HOURS * HOUR,
        seed: 1,
        arrivals,
        keepAlive: pc.keepAlive,
        ...(pc.forecaster === undefined ? {} : { forecaster: pc.forecaster }),
        defaultColdStartMs: 2000,
        windowMs: 60_000,
      });
      const wallS = (performance.now() - t0) / 1000;
      const s = r.services;
      const sum = (f: (x: (typeof s)[number]) => number): number => s.reduce((n, x) => n + f(x), 0);
      const requests = sum((x) => x.requests);
      const delayed = sum((x) => x.coldStartDelayedRequests);
      const misses = sum((x) => Math.round(x.completed * (1 - x.sloAttainment)) + x.dropped + x.failed);
      rows.push({
        coldStartSource: source,
        policy: pc.name,
        functions: s.length,
        requests,
        coldStarts: sum((x) => x.coldStarts),
        delayedRequests: delayed,
        delayedShare: requests === 0 ? 0 : delayed / requests,
        meanDelayMs: delayed === 0 ? 0 : sum((x) => x.coldStartDelayMs) / delayed,
        sloMisses: misses,
        sloMissShare: requests === 0 ? 0 : misses / requests,
        functionsOver1pctCold: s.filter((x) => x.requests > 0 && x.coldStartDelayedRequests / x.requests > 0.01).length,
        prewarms: sum((x) => x.prewarms),
        unloads: sum((x) => x.unloads),
        residentModelHours: sum((x) => x.residentMs) / HOUR,
        wallS,
      });
      process.stderr.write(`  ${source} · ${pc.name}: ${wallS.toFixed(1)} s\n`);
    }
  }

  const head = ['cold start', 'policy', 'requests', 'cold starts', 'delayed', 'mean delay ms', 'SLO missed', 'fns >1 % cold', 'pre-warms', 'resident model-h', 'wall s'];
  const table = rows.map((r) => [
    r.coldStartSource,
    r.policy,
    String(r.requests),
    String(r.coldStarts),
    `${r.delayedRequests} (${pct(r.delayedShare)})`,
    r.meanDelayMs.toFixed(1),
    `${r.sloMisses} (${pct(r.sloMissShare)})`,
    `${r.functionsOver1pctCold} / ${r.functions}`,
    String(r.prewarms),
    r.residentModelHours.toFixed(0),
    r.wallS.toFixed(1),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...table.map((t) => (t[i] ?? '').length)));
  const line = (cells: string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i] as number)).join(' | ')} |`;
  process.stdout.write(`Keep-alive / pre-warm on the Azure Functions day: ${chosen.length} functions, ${HOURS} h\n`);
  process.stdout.write(`${line(head)}\n${line(widths.map((w) => '-'.repeat(w)))}\n${table.map(line).join('\n')}\n`);
  mkdirSync('bench/results', { recursive: true });
  writeFileSync(
    'bench/results/prewarm.json',
    `${JSON.stringify({ functions: chosen.length, hours: HOURS, models: models.map((m) => ({ model: m.model, sloMs: m.sloMs })), rows }, null, 2)}\n`,
  );
  process.stdout.write('wrote bench/results/prewarm.json\n');
}

await main();
