/**
 * Planner benchmark (docs/planner.md, "Benchmark"): `npx tsx bench/plan.ts [--quick]`.
 *
 * (a) the A100-80GB MIG profiles (../shared/data/profiles/a100-80gb-mig, ParvaGPU artifact, MIT)
 *     with generated rate/SLO mixes from light to heavy, 10–200 services;
 * (b) the factory example (examples/factory.yaml).
 * For each: GPUs, $/h and mean utilisation of Tessera (MILP and heuristic) against the baselines
 * (dedicated, ffd, nexus) and the lower bound; solve times; and, for every plan, the services whose
 * p99 the queueing model predicts above the SLO (the baselines' own latency rules may differ).
 * Prints a table and writes bench/results/plan.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadFleetFile, type Fleet } from '../src/core/index.js';
import { loadProfilesForFleet, type ModelProfile } from '../src/profile/index.js';
import { PerformanceModel, wholeGpuSlice } from '../src/profile/perf/index.js';
import { loadParvaGpu, PARVAGPU_MODELS } from '../src/profile/perf/test-support/parvagpu-fixture.js';
import { planFleet, type Plan, type PlanOptions } from '../src/plan/index.js';
import { syntheticFleet, type LoadMix } from '../src/plan/test-support/synthetic-fleet.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const quick = process.argv.includes('--quick');

interface Row {
  scenario: string;
  services: number;
  inventoryGpus: number;
  planner: string;
  gpus: number;
  lowerBound: number;
  overLowerBound: number;
  costPerHour: number;
  meanUtilization: number;
  solveMs: number;
  status: string;
  gap: number | null;
  infeasible: number;
  /** Services whose queueing-model p99 exceeds the SLO. */
  sloViolations: number;
}

/**
 * Services of a plan whose p99, predicted by the queueing model at each replica's load and
 * settings, exceeds the SLO. Replicas sharing one slice (Nexus's merged sessions) slow each other:
 * execution is inflated by 1/(1 − the others' busy fraction) (processor sharing).
 */
function violations(plan: Plan, fleet: Fleet, perf: PerformanceModel): number {
  let bad = 0;
  const bySlice = new Map<string, { load: number; busy: number; name: string }[]>();
  for (const s of plan.services) {
    for (const r of s.replicas) {
      const e = perf.exec(s.model, wholeGpuSlice(plan.gpus.find((g) => g.id === r.gpu)?.type ?? 'A100-80GB'), r.batching.maxBatchSize, r.instances);
      const busy = e === undefined ? 0 : ((r.loadRps ?? 0) * e.latencyMs.mean) / r.batching.maxBatchSize / 1000 / r.instances;
      bySlice.set(r.slice, [...(bySlice.get(r.slice) ?? []), { load: r.loadRps ?? 0, busy, name: s.name }]);
    }
  }
  for (const s of plan.services) {
    const svc = fleet.services.find((x) => x.name === s.name);
    const scv = svc && 'rps' in svc.traffic ? (svc.traffic.arrival === 'constant' ? 0 : svc.traffic.arrival === 'bursty' ? (svc.traffic.cv ?? 2) ** 2 : 1) : 1;
    let worst = 0;
    for (const r of s.replicas) {
      const slice = plan.slices.find((x) => x.id === r.slice);
      const gpuType = plan.gpus.find((g) => g.id === r.gpu)?.type ?? 'A100-80GB';
      const ref = slice?.kind === 'mig' ? { kind: 'mig' as const, gpuType, profile: slice.profile, computeSlices: slice.computeSlices ?? 1, memoryBytes: slice.memoryBytes } : wholeGpuSlice(gpuType);
      const others = (bySlice.get(r.slice) ?? []).filter((x) => x.name !== s.name).reduce((a, x) => a + x.busy, 0);
      const p99 = others >= 1 ? Number.POSITIVE_INFINITY : (perf.predictP99Ms({ model: s.model, slice: ref, sloP99Ms: s.sloP99Ms, rateRps: r.loadRps ?? 0, batchSize: r.batching.maxBatchSize, instances: r.instances, maxQueueDelayMs: r.batching.maxQueueDelayMs, arrivalScv: scv, execInflation: 1 / (1 - others) }) ?? Number.POSITIVE_INFINITY);
      worst = Math.max(worst, p99);
    }
    if (worst > s.sloP99Ms + 0.011) bad++;
  }
  return bad;
}

async function run(scenario: string, fleet: Fleet, profiles: readonly ModelProfile[] | ReadonlyMap<string, readonly ModelProfile[]>, planners: [string, PlanOptions][]): Promise<Row[]> {
  const perf = new PerformanceModel(profiles);
  const rows: Row[] = [];
  const inventoryGpus = fleet.inventory.nodes.reduce((s, n) => s + (n.gpus?.count ?? 0) * (n.count ?? 1), 0);
  for (const [name, options] of planners) {
    // "-costfirst": the same fleet with weights latency 0.05, throughput 0.05, cost 0.9 — how few
    // GPUs the optimizer finds when money is what matters.
    const f: Fleet = name.endsWith('-costfirst') ? { ...fleet, objectives: { ...fleet.objectives, weights: { latency: 0.05, throughput: 0.05, cost: 0.9 } } } : fleet;
    const t = performance.now();
    const plan = await planFleet(f, profiles, options);
    const ms = performance.now() - t;
    const lb = plan.summary.lowerBoundGpus ?? 0;
    rows.push({
      scenario,
      services: fleet.services.length,
      inventoryGpus,
      planner: name,
      gpus: plan.summary.gpus,
      lowerBound: lb,
      overLowerBound: lb > 0 ? plan.summary.gpus / lb - 1 : 0,
      costPerHour: plan.summary.costPerHour,
      meanUtilization: plan.summary.meanUtilization,
      solveMs: Math.round(ms),
      status: plan.summary.status ?? '',
      gap: plan.summary.optimalityGap,
      infeasible: plan.infeasible.length,
      sloViolations: violations(plan, fleet, perf),
    });
  }
  return rows;
}

function pct(x: number): string {
  return `${(100 * x).toFixed(1)}%`;
}

function print(rows: Row[]): void {
  const head = ['scenario', 'svc', 'inv', 'planner', 'GPUs', 'LB', '+LB', '$/h', 'util', 'ms', 'status', 'gap', 'SLO miss'];
  const body = rows.map((r) => [r.scenario, String(r.services), String(r.inventoryGpus), r.planner, String(r.gpus), String(r.lowerBound), pct(r.overLowerBound), r.costPerHour.toFixed(0), pct(r.meanUtilization), String(r.solveMs), r.status.replace('greedy+local-search', 'greedy+LS'), r.gap === null ? '-' : pct(r.gap), String(r.sloViolations)]);
  const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] as string).length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(w[i] as number)).join('  ');
  process.stdout.write(`${line(head)}\n${w.map((n) => '-'.repeat(n)).join('  ')}\n`);
  for (const b of body) process.stdout.write(`${line(b)}\n`);
}

const all: Row[] = [];
const planners = (withMilp: boolean): [string, PlanOptions][] => [
  ...(withMilp
    ? ([
        ['tessera-milp', { solver: 'milp', timeLimitMs: 5000 }],
        ['tessera-milp-costfirst', { solver: 'milp', timeLimitMs: 5000 }],
      ] as [string, PlanOptions][])
    : []),
  ['tessera-heuristic', { solver: 'heuristic' }],
  ['dedicated', { baseline: 'dedicated' }],
  ['ffd', { baseline: 'ffd' }],
  ['nexus', { baseline: 'nexus' }],
];

// (b) factory
{
  const loaded = loadFleetFile(path.join(ROOT, 'examples/factory.yaml'));
  const profiles = loadProfilesForFleet(loaded, path.join(ROOT, '.tessera/no-store'));
  const rows = await run('factory', loaded.fleet as Fleet, profiles, planners(true));
  all.push(...rows);
  print(rows);
  const ded = rows.find((r) => r.planner === 'dedicated')?.meanUtilization ?? 1;
  for (const r of rows.filter((x) => x.planner.startsWith('tessera'))) process.stdout.write(`factory ${r.planner}: utilisation ${pct(r.meanUtilization)} = ${(r.meanUtilization / ded).toFixed(2)}× dedicated (${pct(ded)})\n`);
  process.stdout.write('\n');
}

// (a) synthetic mixes on the A100-80GB tables
const profiles = loadParvaGpu();
const sizes = quick ? [10, 50] : [10, 25, 50, 100, 200];
for (const mix of ['light', 'medium', 'heavy'] as LoadMix[]) {
  const rows: Row[] = [];
  for (const n of sizes) {
    const fleet = syntheticFleet({ services: n, mix, seed: 1000 + n, models: PARVAGPU_MODELS, profiles });
    rows.push(...(await run(`${mix}`, fleet, profiles, planners(true))));
  }
  all.push(...rows);
  print(rows);
  process.stdout.write('\n');
}

// The heuristic's target: 200 services on a 64-GPU inventory.
{
  const fleet = syntheticFleet({ services: 200, mix: 'light', seed: 4242, models: PARVAGPU_MODELS, profiles, gpus: 64 });
  const rows = await run('200x64', fleet, profiles, [
    ['tessera-heuristic', { solver: 'heuristic' }],
    ['tessera-milp', { solver: 'milp', timeLimitMs: 5000 }],
    ['tessera-auto', { solver: 'auto', timeLimitMs: 5000 }],
    ['tessera-heuristic-costfirst', { solver: 'heuristic' }],
    ['tessera-milp-costfirst', { solver: 'milp', timeLimitMs: 5000 }],
  ]);
  all.push(...rows);
  print(rows);
}

mkdirSync(path.join(ROOT, 'bench/results'), { recursive: true });
writeFileSync(path.join(ROOT, 'bench/results/plan.json'), `${JSON.stringify({ generatedBy: 'bench/plan.ts', node: process.version, rows: all }, null, 2)}\n`);
process.stdout.write('\nwrote bench/results/plan.json\n');
