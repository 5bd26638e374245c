/**
 * Batching comparison on bursty traffic (issue 4): one service, the planner's placement, then
 * every batch policy in turn on the same arrivals — throughput fluctuation, p99, SLO attainment,
 * mean batch. Several seeds; the table shows medians.
 *
 *   npx tsx bench/batching.ts [--seeds 5] [--quick]
 *
 * The model is ResNet-50 measured on A100-80GB MIG slices (../shared/data/profiles, ParvaGPU
 * artifact), SLO p99 ≤ 100 ms. Scenarios:
 *   - bursty: Gamma inter-arrivals with cv 3 (bursts with long quiet gaps), 5 simulated minutes;
 *   - azure-day: the Azure Functions 2019 day (all functions summed) compressed 24× into one hour,
 *     its real diurnal swings and minute-to-minute bursts.
 * Writes bench/results/batching.json.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadFleetFile } from '../src/core/index.js';
import { planFleet } from '../src/plan/index.js';
import { PerformanceModel, loadProfilesForFleet } from '../src/profile/index.js';
import type { BatchPolicyName } from '../src/policy/index.js';
import { simulatePlan } from '../src/sim/index.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const seedsArg = args.indexOf('--seeds');
const SEEDS = Array.from({ length: seedsArg >= 0 ? Number(args[seedsArg + 1]) : quick ? 2 : 5 }, (_, i) => i + 1);
const POLICIES: BatchPolicyName[] = ['none', 'triton', 'adaptive', 'aimd', 'slo-aware'];
const SHARED = path.resolve('../shared/data');
const PROFILE = path.join(SHARED, 'profiles/a100-80gb-mig/resnet50.csv');
const AZURE = path.join(SHARED, 'traces/azure-functions-2019-day/1350_inv.csv');

interface Scenario {
  name: string;
  describe: string;
  traffic: string;
  durationMs: number;
}

const SCENARIOS: Scenario[] = [
  { name: 'bursty cv 3', describe: 'Gamma inter-arrivals, mean 600 req/s, cv 3', traffic: '{ rps: 600, peakRps: 900, arrival: bursty, cv: 3 }', durationMs: quick ? 60_000 : 300_000 },
  {
    name: 'azure-day ×24',
    describe: 'Azure Functions 2019 day, all functions, 24× compressed into 1 h (mean ≈ 515 req/s, peak minute ≈ 3,200 req/s)',
    traffic: `{ peakRps: 3300, trace: { file: ${JSON.stringify(AZURE)}, format: azure-functions, column: sum, timeScale: 24, scale: 2 } }`,
    durationMs: quick ? 600_000 : 3_600_000,
  },
];

interface Row {
  scenario: string;
  policy: BatchPolicyName;
  seeds: number;
  fluctuation: number;
  p99Ms: number;
  sloAttainment: number;
  meanBatch: number;
  dropped: number;
  throughputPerS: number;
  wallMs: number;
}

const median = (v: number[]): number => {
  const s = [...v].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'tessera-batching-'));
  const rows: Row[] = [];
  const plans: Array<{ scenario: string; replicas: string[] }> = [];
  try {
    for (const sc of SCENARIOS) {
      const file = path.join(dir, 'fleet.yaml');
      writeFileSync(
        file,
        `apiVersion: tessera.dev/v1alpha1
kind: Fleet
metadata: { name: batching }
models: [{ name: resnet50, profiles: ${JSON.stringify(PROFILE)}, maxBatchSize: 64 }]
services: [{ name: svc, model: resnet50, slo: { p99Ms: 100 }, traffic: ${sc.traffic} }]
inventory: { nodes: [{ name: g, gpus: { type: A100-80GB, count: 2 }, pricePerHour: 8 }] }
`,
      );
      const loaded = loadFleetFile(file);
      const profiles = loadProfilesForFleet(loaded, path.join(dir, 'store'));
      const plan = await planFleet(loaded.fleet, profiles, { solver: 'heuristic' });
      const reps = plan.services[0]?.replicas ?? [];
      if (reps.length === 0) throw new Error(`no plan for ${sc.name}: ${JSON.stringify(plan.infeasible)}`);
      // Every replica of the service shares its one queue; the policies below replace the plan's.
      plans.push({ scenario: sc.name, replicas: reps.map((r) => `${r.sliceProfile} × ${r.instances} inst. (${r.batching.policy}, max batch ${r.batching.maxBatchSize}, delay ${r.batching.maxQueueDelayMs} ms)`) });
      const model = new PerformanceModel(profiles);
      for (const policy of POLICIES) {
        const runs = SEEDS.map((seed) => simulatePlan({ fleet: loaded.fleet, plan, model, durationMs: sc.durationMs, seed, batchPolicy: policy, baseDir: loaded.baseDir }));
        const s = runs.map((r) => r.services[0]).filter((x) => x !== undefined);
        rows.push({
          scenario: sc.name,
          policy,
          seeds: SEEDS.length,
          fluctuation: median(s.map((x) => x.throughputFluctuation)),
          p99Ms: median(s.map((x) => x.p99Ms)),
          sloAttainment: median(s.map((x) => x.sloAttainment)),
          meanBatch: median(s.map((x) => x.meanBatchSize)),
          dropped: median(s.map((x) => x.dropped)),
          throughputPerS: median(s.map((x) => x.throughputPerS)),
          wallMs: runs.reduce((n, r) => n + r.summary.wallMs, 0),
        });
        process.stderr.write(`  ${sc.name} · ${policy} done\n`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const head = ['scenario', 'policy', 'fluctuation', 'p99 ms', 'SLO att.', 'mean batch', 'dropped', 'req/s'];
  const table = rows.map((r) => [r.scenario, r.policy, `±${(100 * r.fluctuation).toFixed(1)} %`, r.p99Ms.toFixed(1), `${(100 * r.sloAttainment).toFixed(2)} %`, r.meanBatch.toFixed(2), String(Math.round(r.dropped)), r.throughputPerS.toFixed(1)]);
  const widths = head.map((h, i) => Math.max(h.length, ...table.map((t) => (t[i] ?? '').length)));
  const line = (cells: string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i] as number)).join(' | ')} |`;
  process.stdout.write(`Batching policies, medians over seeds ${SEEDS.join(', ')}\n`);
  for (const p of plans) process.stdout.write(`  ${p.scenario}: planner's replicas ${p.replicas.join('; ')}\n`);
  process.stdout.write(`${line(head)}\n${line(widths.map((w) => '-'.repeat(w)))}\n${table.map(line).join('\n')}\n`);
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/batching.json', `${JSON.stringify({ seeds: SEEDS, scenarios: SCENARIOS.map(({ name, describe, durationMs }) => ({ name, describe, durationMs })), plans, rows }, null, 2)}\n`);
  process.stdout.write('wrote bench/results/batching.json\n');
}

await main();
