import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { Plan } from '../../plan/plan-types.js';
import type { KeepAlivePolicyOptions } from '../../policy/index.js';
import { runCommand, printJson, EXIT } from '../output.js';

interface SimulateFlags {
  file: string;
  plan?: string;
  duration: string;
  seed: string;
  batchPolicy?: string;
  rateScale: string;
  store: string;
  json?: boolean;
  report?: string;
  keepAlive?: string;
  keepAliveMs?: string;
  fail: string[];
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

export function registerSimulate(program: Command): void {
  program
    .command('simulate')
    .description('replay a plan in virtual time with the runtime\'s batching policies and the profiled service times')
    .requiredOption('-f, --file <fleet.yaml>', 'fleet spec')
    .option('--plan <plan.json>', 'a plan from `tessera plan --json` (default: plan the fleet now)')
    .option('--duration <d>', 'simulated time (30s, 10m, 1h)', '60s')
    .option('--seed <n>', 'seed for arrivals and service-time noise', '1')
    .option('--batch-policy <name>', 'run every replica with this policy: triton | adaptive | aimd | slo-aware | none')
    .option('--rate-scale <x>', 'multiply every service\'s arrival rate', '1')
    .option('--store <dir>', 'profile store', '.tessera/profiles')
    .option('--json', 'print the full result as JSON')
    .option('--report <out.html>', 'also write a self-contained HTML report with plots (latency CDF, throughput, queue depth, utilisation)')
    .option('--keep-alive <policy>', 'keep-alive / pre-warm policy for cold-pool models: fixed | hybrid-histogram | forecast (default: none, models stay until LRU evicts them)')
    .option('--keep-alive-ms <d>', 'idle time before the fixed policy unloads a model (10m, 30s, inf); implies --keep-alive fixed')
    .option('--fail <replica@time>', 'crash a replica at a virtual time, e.g. ocr-det/0@30s (a service name crashes all its replicas); repeatable', collect, [])
    .action(async (opts: SimulateFlags) => {
      await runCommand(opts, () => runSimulate(opts));
    });
}

async function runSimulate(opts: SimulateFlags): Promise<number> {
  const core = await import('../../core/index.js');
  const prof = await import('../../profile/index.js');
  const { planFleet } = await import('../../plan/index.js');
  const { simulatePlan, parseFailureFlag } = await import('../../sim/index.js');
  const { isBatchPolicyName, KEEP_ALIVE_POLICY_NAMES } = await import('../../policy/index.js');
  const flag = (m: string): Error => new core.TesseraError('TESSERA_ERR_INPUT_FLAG', m);
  const simOption = (m: string, cause?: unknown): Error => new core.TesseraError('TESSERA_ERR_SIM_OPTION', m, cause === undefined ? {} : { cause });
  const keepAlive = keepAliveFromFlags(opts, KEEP_ALIVE_POLICY_NAMES, core.parseDurationMs, simOption);
  const failures = opts.fail.map(parseFailureFlag);
  const loaded = core.loadFleetFile(opts.file);
  const profiles = prof.loadProfilesForFleet(loaded, opts.store);
  if (opts.batchPolicy !== undefined && !isBatchPolicyName(opts.batchPolicy)) throw new core.TesseraError('TESSERA_ERR_POLICY_UNKNOWN', `no batching policy '${opts.batchPolicy}'; use triton, adaptive, aimd, slo-aware or none`);
  const rateScale = Number(opts.rateScale);
  if (!(rateScale > 0)) throw flag(`--rate-scale must be a positive number (got '${opts.rateScale}')`);
  let plan: Plan;
  if (opts.plan) {
    try {
      plan = JSON.parse(readFileSync(opts.plan, 'utf8')) as Plan;
    } catch (cause) {
      throw new core.TesseraError('TESSERA_ERR_INPUT_FILE_UNREADABLE', `cannot read plan '${opts.plan}'`, { cause });
    }
  } else plan = await planFleet(loaded.fleet, profiles);
  const model = new prof.PerformanceModel(profiles);
  const durationMs = core.parseDurationMs(opts.duration);
  const showProgress = process.stderr.isTTY && !opts.json;
  const result = simulatePlan({
    fleet: loaded.fleet,
    plan,
    model,
    durationMs,
    baseDir: loaded.baseDir,
    seed: Number(opts.seed),
    rateScale,
    ...(keepAlive === undefined ? {} : { keepAlive }),
    ...(failures.length > 0 ? { failures } : {}),
    ...(opts.batchPolicy ? { batchPolicy: opts.batchPolicy as 'triton' } : {}),
    ...(showProgress ? { onProgress: (t: number, total: number) => process.stderr.write(`\rsimulating ${((100 * t) / total).toFixed(0)}%`) } : {}),
  });
  if (showProgress) process.stderr.write('\n');
  if (opts.report) {
    const { renderReportHtml } = await import('../../sim/report/index.js');
    const html = renderReportHtml(result, {
      plan,
      seed: Number(opts.seed),
      ...(opts.batchPolicy ? { batchPolicy: opts.batchPolicy } : {}),
      ...(rateScale !== 1 ? { traffic: `spec traffic × ${rateScale}` } : {}),
      generatedAt: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      command: ['tessera', ...process.argv.slice(2)].join(' '),
    });
    // Written after the run completes, so a failed run never leaves a half report behind.
    writeFileSync(opts.report, html);
    if (!opts.json) process.stderr.write(`wrote ${opts.report}\n`);
  }
  if (opts.json) {
    printJson({ ...result, services: result.services.map(({ throughputTimeline: _t, queueDepthTimeline: _q, ...s }) => s) });
  } else {
    const rows = result.services.map((s) => [
      s.name,
      s.requests,
      s.completed,
      s.dropped,
      s.failed,
      s.p50Ms.toFixed(2),
      s.p99Ms.toFixed(2),
      `${(100 * s.sloAttainment).toFixed(2)}%`,
      s.throughputPerS.toFixed(1),
      `±${(100 * s.throughputFluctuation).toFixed(1)}%`,
      s.meanBatchSize.toFixed(2),
      s.coldStarts,
      s.coldStartDelayedRequests,
      s.coldStartDelayedRequests === 0 ? '-' : s.coldStartDelayMeanMs.toFixed(0),
    ]);
    const head = ['service', 'requests', 'completed', 'dropped', 'failed', 'p50 ms', 'p99 ms', 'SLO att.', 'thr/s', 'fluct.', 'batch', 'cold', 'delayed', 'wait ms'];
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
    const line = (r: (string | number)[]): string => r.map((c, i) => String(c).padEnd(widths[i] as number)).join('  ');
    const sm = result.summary;
    process.stdout.write(
      `${line(head)}\n${rows.map(line).join('\n')}\n\n` +
        `simulated ${(sm.durationMs / 1000).toFixed(0)} s, ${sm.requests} requests, ${sm.events} events in ${(sm.wallMs / 1000).toFixed(2)} s wall · mean slice utilisation ${(100 * sm.utilization).toFixed(1)}% · $${sm.costPerHour.toFixed(2)}/h · $ per 1k inferences ${sm.costPer1kInferences.toFixed(5)}\n`,
    );
    const gib = (b: number): string => (b / 1024 ** 3).toFixed(2);
    for (const p of result.pools) {
      process.stdout.write(
        `cold pool ${p.slice}: ${p.services.length} models, memory peak ${gib(p.peakUsedBytes)} / mean ${gib(p.meanUsedBytes)} of ${gib(p.memoryBytes)} GiB · ${p.coldStarts} cold starts, ${p.prewarms} pre-warms, ${p.evictions} evictions, ${p.unloads} keep-alive unloads, ${p.refused} refused (no room)\n`,
      );
    }
  }
  return EXIT.OK;
}

/** `--keep-alive` / `--keep-alive-ms` as policy options; bad values are TESSERA_ERR_SIM_OPTION. */
function keepAliveFromFlags(
  opts: SimulateFlags,
  names: readonly string[],
  parseDurationMs: (text: string) => number,
  simOption: (m: string, cause?: unknown) => Error,
): KeepAlivePolicyOptions | undefined {
  const name = opts.keepAlive ?? (opts.keepAliveMs === undefined ? undefined : 'fixed');
  if (name === undefined) return undefined;
  if (!names.includes(name)) throw simOption(`--keep-alive '${name}' is not a keep-alive policy; use ${names.join(', ')}`);
  if (opts.keepAliveMs !== undefined && name !== 'fixed') throw simOption(`--keep-alive-ms sets the fixed policy's idle time; it does not apply to --keep-alive ${name}`);
  if (name !== 'fixed') return { policy: name as 'hybrid-histogram' | 'forecast' };
  if (opts.keepAliveMs === undefined) return { policy: 'fixed' };
  if (/^(inf|infinity|never)$/i.test(opts.keepAliveMs.trim())) return { policy: 'fixed', keepAliveMs: Number.POSITIVE_INFINITY };
  try {
    return { policy: 'fixed', keepAliveMs: parseDurationMs(opts.keepAliveMs) };
  } catch (cause) {
    throw simOption(`--keep-alive-ms '${opts.keepAliveMs}' is not a duration; write it like 30s, 10m or inf (never unload)`, cause);
  }
}
