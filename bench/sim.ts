/**
 * Simulator engine benchmark (docs/simulator.md, "Speed and memory"): `npx tsx bench/sim.ts [--full]`.
 *
 * (a) the event queue alone: the classic "hold" model (pop one event, schedule one) at several
 *     numbers of pending events;
 * (b) the FIFO model (no batching, 4 servers, exponential service, ρ = 0.7) under Poisson arrivals
 *     at a 30-million-a-day rate (347 req/s), for 1M and 5M requests (and 30M with --full);
 * (c) the same model driven by the Azure Functions 2019 day (../shared/data, CC-BY-4.0), summed over
 *     its 1,350 functions and rate-scaled to 5M requests (30M with --full) — a whole simulated day.
 *
 * (d) the simulated cluster (`simulatePlan`): a hot service on 4 batched replicas at the same
 *     30M-a-day rate (the per-request cost of batch policies, cold-pool checks and counters), and a
 *     cold pool of 20 rarely used models with room for 5 (LRU eviction, fixed keep-alive).
 *
 * Arrivals are streamed, so RSS must not grow with the trace: each row shows RSS before, the peak
 * sampled every simulated 15 minutes during the run, and after. Prints a table and writes
 * bench/results/sim.json. Speeds are single-threaded wall time on this machine (2 cores, shared).
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRng, parseFleetText } from '../src/core/index.js';
import type { Plan } from '../src/plan/index.js';
import { PerformanceModel, type ModelProfile } from '../src/profile/index.js';
import {
  FifoQueue,
  PoissonArrivals,
  SimEngine,
  azureFunctionsArrivals,
  exponentialServiceTime,
  mmcMeanWaitMs,
  simulatePlan,
  type ArrivalSource,
  type SimHandler,
} from '../src/sim/index.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const AZURE = path.resolve(ROOT, '../shared/data/traces/azure-functions-2019-day/1350_inv.csv');
const AZURE_DAY_TOTAL = 927_272;
const full = process.argv.includes('--full');

const DAY_REQUESTS = 30_000_000;
const RATE_PER_SEC = DAY_REQUESTS / 86_400;
const SERVERS = 4;
const RHO = 0.7;
const MEAN_SERVICE_MS = (RHO * SERVERS * 1000) / RATE_PER_SEC;
const MB = 1024 * 1024;
const TRACE_SERVERS = 24;

interface HoldRow {
  readonly pending: number;
  readonly events: number;
  readonly wallS: number;
  readonly eventsPerSec: number;
}

interface FifoRow {
  readonly scenario: string;
  readonly servers: number;
  readonly requests: number;
  readonly events: number;
  readonly simulatedHours: number;
  readonly wallS: number;
  readonly eventsPerSec: number;
  readonly requestsPerSec: number;
  /** Projected wall time of a 30M-request day at this speed. */
  readonly dayOf30mS: number;
  readonly rssBeforeMb: number;
  readonly rssPeakMb: number;
  readonly rssAfterMb: number;
  readonly heapAfterMb: number;
  readonly meanWaitMs: number;
  readonly p99ResponseMs: number;
  /** Erlang C mean wait (Poisson rows only). */
  readonly theoryWaitMs: number | null;
}

function hold(pending: number, events: number): HoldRow {
  const engine = new SimEngine({ initialCapacity: pending });
  const rng = createRng(pending);
  let left = events - pending;
  const handler: SimHandler = {
    onEvent(_kind, _arg, e) {
      if (left-- > 0) e.schedule(e.nowMs + rng.exponential(1), handler);
    },
  };
  for (let i = 0; i < pending; i++) engine.schedule(rng.exponential(1 / pending), handler);
  const t0 = performance.now();
  const r = engine.run();
  const wallS = (performance.now() - t0) / 1000;
  return { pending, events: r.events, wallS, eventsPerSec: r.events / wallS };
}

/** Samples RSS every simulated 15 minutes (a handful of events against millions). */
class RssSampler implements SimHandler {
  peak = process.memoryUsage.rss();
  onEvent(_kind: number, _arg: number, engine: SimEngine): void {
    this.peak = Math.max(this.peak, process.memoryUsage.rss());
    if (engine.pending > 0) engine.schedule(engine.nowMs + 900_000, this);
  }
}

function fifo(scenario: string, arrivals: ArrivalSource, servers: number, theory: boolean): FifoRow {
  globalThis.gc?.();
  const rssBefore = process.memoryUsage.rss();
  const engine = new SimEngine();
  const queue = new FifoQueue(engine, { servers, arrivals, serviceTime: exponentialServiceTime(MEAN_SERVICE_MS, 99) }).start();
  const sampler = new RssSampler();
  engine.schedule(0, sampler);
  const t0 = performance.now();
  const r = engine.run();
  const wallS = (performance.now() - t0) / 1000;
  arrivals.close();
  const rssAfter = process.memoryUsage.rss();
  const served = queue.completed;
  return {
    scenario,
    servers,
    requests: served,
    events: r.events,
    simulatedHours: queue.lastCompletionMs / 3_600_000,
    wallS,
    eventsPerSec: r.events / wallS,
    requestsPerSec: served / wallS,
    dayOf30mS: (DAY_REQUESTS * wallS) / served,
    rssBeforeMb: rssBefore / MB,
    rssPeakMb: Math.max(sampler.peak, rssAfter) / MB,
    rssAfterMb: rssAfter / MB,
    heapAfterMb: process.memoryUsage().heapUsed / MB,
    meanWaitMs: queue.wait.meanMs,
    p99ResponseMs: queue.response.percentileMs(99),
    theoryWaitMs: theory ? mmcMeanWaitMs(servers, RATE_PER_SEC / 1000, MEAN_SERVICE_MS) : null,
  };
}

const f = (x: number, d = 1): string => x.toFixed(d);
const m = (x: number): string => `${f(x / 1e6, 2)}M`;

function printHold(rows: readonly HoldRow[]): void {
  process.stdout.write('(a) event queue alone — hold model\n');
  process.stdout.write(`${'pending'.padStart(9)} ${'events'.padStart(8)} ${'wall s'.padStart(7)} ${'events/s'.padStart(9)}\n`);
  for (const r of rows) process.stdout.write(`${String(r.pending).padStart(9)} ${m(r.events).padStart(8)} ${f(r.wallS, 2).padStart(7)} ${m(r.eventsPerSec).padStart(9)}\n`);
  process.stdout.write('\n');
}

function printFifo(title: string, rows: readonly FifoRow[]): void {
  process.stdout.write(`${title}\n`);
  const head = ['scenario', 'requests', 'sim h', 'wall s', 'events/s', 'req/s', '30M day s', 'RSS before', 'peak', 'after MB', 'wait ms', 'Erlang C', 'p99 ms'];
  const widths = [24, 9, 6, 7, 9, 8, 9, 10, 6, 8, 8, 8, 7];
  process.stdout.write(`${head.map((h, i) => (i === 0 ? h.padEnd(widths[i]!) : h.padStart(widths[i]!))).join(' ')}\n`);
  for (const r of rows) {
    const cells = [
      r.scenario,
      m(r.requests),
      f(r.simulatedHours),
      f(r.wallS, 2),
      m(r.eventsPerSec),
      m(r.requestsPerSec),
      f(r.dayOf30mS),
      f(r.rssBeforeMb, 0),
      f(r.rssPeakMb, 0),
      f(r.rssAfterMb, 0),
      f(r.meanWaitMs, 3),
      r.theoryWaitMs === null ? '—' : f(r.theoryWaitMs, 3),
      f(r.p99ResponseMs, 2),
    ];
    process.stdout.write(`${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' ')}\n`);
  }
  process.stdout.write('\n');
}

const holdRows = [10, 1_000, 100_000].map((p) => hold(p, 5_000_000));
printHold(holdRows);

const poissonRows: FifoRow[] = [];
for (const n of full ? [1_000_000, 5_000_000, 30_000_000] : [1_000_000, 5_000_000]) {
  const arrivals = new PoissonArrivals({ ratePerSec: RATE_PER_SEC, count: n, seed: n });
  poissonRows.push(fifo(`poisson ${m(n)}`, arrivals, SERVERS, true));
}
printFifo(`(b) FIFO M/M/${SERVERS}, ρ = ${RHO}, ${f(RATE_PER_SEC)} req/s, mean service ${f(MEAN_SERVICE_MS, 2)} ms`, poissonRows);

const traceRows: FifoRow[] = [];
if (existsSync(AZURE)) {
  for (const n of full ? [5_000_000, 30_000_000] : [5_000_000]) {
    // The day's 24 h kept, the rate scaled so the day holds n requests. The trace's peak minute is
    // 6.3× its mean, so the queue gets enough servers for the 30M peak (ρ ≈ 0.73 there).
    const arrivals = azureFunctionsArrivals(AZURE, { select: 'sum', scale: n / AZURE_DAY_TOTAL, seed: 7 });
    traceRows.push(fifo(`azure-functions day ${m(n)}`, arrivals, TRACE_SERVERS, false));
  }
  printFifo(`(c) FIFO M/M/${TRACE_SERVERS} on the Azure Functions 2019 day (sum of 1,350 functions, rate-scaled, arrivals spread within each minute)`, traceRows);
} else {
  process.stdout.write(`(c) skipped: ${AZURE} not found\n\n`);
}

interface ClusterRow {
  readonly scenario: string;
  readonly requests: number;
  readonly simulatedHours: number;
  readonly wallS: number;
  readonly requestsPerSec: number;
  readonly dayOf30mS: number;
  readonly coldStarts: number;
  readonly evictions: number;
  readonly p99Ms: number;
}

/** A CPU profile with fixed batch times (base + per item) and a measured 800 ms load + 200 ms warm-up. */
function benchProfile(model: string, baseMs: number, perItemMs: number): ModelProfile {
  return {
    schemaVersion: 1,
    model,
    origin: 'imported',
    device: { kind: 'cpu', name: 'cpu', threads: 1, fingerprint: 'bench-cpu' },
    runtime: { name: 'bench', version: '0' },
    points: [1, 2, 4, 8, 16].map((b) => {
      const ms = baseMs + perItemMs * b;
      return { batchSize: b, concurrency: 1, latencyMs: { p50: ms, p90: ms * 1.2, p99: ms * 1.5, mean: ms * 1.1 }, throughputPerS: (1000 * b) / ms, samples: 100 };
    }),
    loadMs: 800,
    firstInferenceMs: 200,
    measuredAt: '2026-01-01T00:00:00Z',
  };
}

/** `services` on CPU: hot ones on `replicas` slices each, cold ones sharing one pool slice of `poolModels` GB. */
function benchCluster(services: ReadonlyArray<{ name: string; rps: number; cold: boolean; replicas: number }>, poolModels: number): { fleet: ReturnType<typeof parseFleetText>; plan: Plan; model: PerformanceModel } {
  const fleet = parseFleetText(`
apiVersion: tessera.dev/v1alpha1
kind: Fleet
metadata: { name: bench }
models:
${services.map((s) => `  - { name: ${s.name}, profiles: ./m.json, maxBatchSize: 16, memoryBytes: 1000000000 }`).join('\n')}
services:
${services.map((s) => `  - { name: ${s.name}, model: ${s.name}, slo: { p99Ms: 50 }, traffic: { rps: ${s.rps}, arrival: poisson } }`).join('\n')}
inventory: { nodes: [{ name: n, cpu: { cores: 64 } }] }
`);
  const slices: Plan['slices'] = [{ id: 'n/cpu@pool', node: 'n', kind: 'cpu', profile: 'cpu-1', cores: 1, memoryBytes: poolModels * 1e9 }];
  const plan: Plan = {
    apiVersion: 'tessera.dev/v1alpha1',
    kind: 'Plan',
    fleet: 'bench',
    summary: { gpus: 0, cpuCores: 1, costPerHour: 1, costPer1kInferences: 0, meanUtilization: 0, solver: 'bench', optimalityGap: null, objective: 0, solveMs: 0 },
    gpus: [],
    slices,
    services: services.map((s) => ({
      name: s.name,
      model: s.name,
      sloP99Ms: 50,
      demandRps: s.rps,
      pool: s.cold ? 'cold' : 'hot',
      poolReason: 'bench',
      replicas: Array.from({ length: s.replicas }, (_, k) => {
        const slice = s.cold ? 'n/cpu@pool' : `n/cpu@${s.name}-${k}`;
        if (!s.cold) slices.push({ id: slice, node: 'n', kind: 'cpu', profile: 'cpu-1', cores: 1, memoryBytes: 1e9 });
        return { slice, sliceProfile: 'cpu-1', node: 'n', batching: { policy: 'triton', maxBatchSize: 16, maxQueueDelayMs: 2 }, instances: 1, predictedP99Ms: 20, capacityRps: 1000, utilization: 0.5, estimated: false };
      }),
    })),
    coldPools: services.some((s) => s.cold) ? [{ slice: 'n/cpu@pool', services: services.filter((s) => s.cold).map((s) => s.name), memoryBytes: poolModels * 1e9 }] : [],
    infeasible: [],
    explain: [],
  };
  return { fleet, plan, model: new PerformanceModel(services.map((s) => benchProfile(s.name, 2, 0.5))) };
}

function cluster(scenario: string, setup: ReturnType<typeof benchCluster>, durationMs: number, keepAliveMs?: number): ClusterRow {
  globalThis.gc?.();
  const t0 = performance.now();
  const r = simulatePlan({ ...setup, durationMs, seed: 11, ...(keepAliveMs === undefined ? {} : { keepAlive: { policy: 'fixed' as const, keepAliveMs } }) });
  const wallS = (performance.now() - t0) / 1000;
  return {
    scenario,
    requests: r.summary.requests,
    simulatedHours: durationMs / 3_600_000,
    wallS,
    requestsPerSec: r.summary.requests / wallS,
    dayOf30mS: (DAY_REQUESTS * wallS) / Math.max(1, r.summary.requests),
    coldStarts: r.summary.coldStarts,
    evictions: r.pools.reduce((n, p) => n + p.evictions, 0),
    p99Ms: Math.max(...r.services.map((s) => (Number.isFinite(s.p99Ms) ? s.p99Ms : 0))),
  };
}

const hotRequests = full ? 30_000_000 : 5_000_000;
const clusterRows: ClusterRow[] = [
  cluster(`hot, 4 × triton, ${m(hotRequests)}`, benchCluster([{ name: 'hot', rps: RATE_PER_SEC, cold: false, replicas: 4 }], 1), (hotRequests / RATE_PER_SEC) * 1000),
  cluster(
    'cold pool 20 models / room 5',
    benchCluster(Array.from({ length: 20 }, (_, i) => ({ name: `c${i}`, rps: 0.2 + 0.1 * i, cold: true, replicas: 1 })), 5),
    (full ? 24 : 4) * 3_600_000,
    60_000,
  ),
];
{
  process.stdout.write('(d) simulated cluster (simulatePlan: batch policies, cold pool with LRU and a 60 s fixed keep-alive)\n');
  const head = ['scenario', 'requests', 'sim h', 'wall s', 'req/s', '30M day s', 'cold starts', 'evictions', 'max p99 ms'];
  const widths = [30, 9, 6, 7, 8, 9, 11, 9, 10];
  process.stdout.write(`${head.map((h, i) => (i === 0 ? h.padEnd(widths[i]!) : h.padStart(widths[i]!))).join(' ')}\n`);
  for (const r of clusterRows) {
    const cells = [r.scenario, m(r.requests), f(r.simulatedHours), f(r.wallS, 2), m(r.requestsPerSec), f(r.dayOf30mS), String(r.coldStarts), String(r.evictions), f(r.p99Ms, 2)];
    process.stdout.write(`${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' ')}\n`);
  }
  process.stdout.write('\n');
}

mkdirSync(path.join(ROOT, 'bench/results'), { recursive: true });
writeFileSync(
  path.join(ROOT, 'bench/results/sim.json'),
  `${JSON.stringify(
    {
      generatedBy: 'bench/sim.ts',
      full,
      node: process.version,
      cpu: os.cpus()[0]?.model ?? 'unknown',
      cores: os.cpus().length,
      model: { servers: SERVERS, rho: RHO, ratePerSec: RATE_PER_SEC, meanServiceMs: MEAN_SERVICE_MS },
      hold: holdRows,
      fifoPoisson: poissonRows,
      fifoAzureFunctionsDay: traceRows,
      cluster: clusterRows,
    },
    null,
    2,
  )}\n`,
);
process.stdout.write('wrote bench/results/sim.json\n');
