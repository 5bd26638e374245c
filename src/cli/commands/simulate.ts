import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { PlannedPrescale } from '../../adapt/index.js';
import type { Plan } from '../../plan/plan-types.js';
import type { KeepAlivePolicyOptions } from '../../policy/index.js';
import type { SimAdaptOptions, SimAdaptReport, SimulationResult } from '../../sim/index.js';
import { addPrescaleFlags, prescaleForPlan, prescaleSettingsFromFlags, type PrescaleFlags } from '../adapt-flags.js';
import { runCommand, printJson, EXIT } from '../output.js';

interface SimulateFlags extends PrescaleFlags {
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
  servingOverhead?: string;
  adapt?: boolean;
  adaptDryRun?: boolean;
  adaptInterval: string;
  adaptSampleInterval: string;
  eventLog?: string;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

export function registerSimulate(program: Command): void {
  const command = program
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
    .option('--fail <replica@time[:kind]>', 'crash a replica at a virtual time, e.g. ocr-det/0@30s (a service name hits all its replicas); :faulty instead keeps it up but failing every batch until restarted (ocr-det/0@30s:faulty); repeatable', collect, [])
    .option('--serving-overhead <p50[:p99[:batch]]>', 'serving-path time a model profile does not contain, ms: per request at p50 (and p99) added to latency, per batch added to its run (e.g. 0.4:3:0.05; bench/serve.ts part 6 measures it)')
    .option('--adapt', 'run the adapt controller in the loop, on virtual time: it reads the simulated metrics and acts through the Cluster port (scale out, restart, batch cap, shed load), as `tessera serve --adapt` does (docs/simulator.md)')
    .option('--adapt-dry-run', 'run the controller but take no action: list what it would do (implies --adapt)')
    .option('--adapt-interval <duration>', 'virtual time between controller ticks', '10s')
    .option('--adapt-sample-interval <duration>', 'virtual time between copies of the counters into the controller\'s metrics store (a Prometheus scrape interval); it is also fed at every tick', '15s');
  addPrescaleFlags(command)
    .option('--event-log <events.jsonl>', 'with --adapt: also write every anomaly and action to this JSON Lines log (times are virtual ms from the start of the run; nothing is written without this flag)')
    .action(async (opts: SimulateFlags) => {
      await runCommand(opts, () => runSimulate(opts));
    });
}

async function runSimulate(opts: SimulateFlags): Promise<number> {
  const core = await import('../../core/index.js');
  const prof = await import('../../profile/index.js');
  const { planFleet } = await import('../../plan/index.js');
  const { simulatePlan, simulateWithController, checkSimAdaptOptions, parseFailureFlag } = await import('../../sim/index.js');
  const { isBatchPolicyName, KEEP_ALIVE_POLICY_NAMES } = await import('../../policy/index.js');
  const flag = (m: string): Error => new core.TesseraError('TESSERA_ERR_INPUT_FLAG', m);
  const simOption = (m: string, cause?: unknown): Error => new core.TesseraError('TESSERA_ERR_SIM_OPTION', m, cause === undefined ? {} : { cause });
  const keepAlive = keepAliveFromFlags(opts, KEEP_ALIVE_POLICY_NAMES, core.parseDurationMs, simOption);
  const failures = opts.fail.map(parseFailureFlag);
  const servingOverhead = opts.servingOverhead === undefined ? undefined : parseServingOverhead(opts.servingOverhead, simOption);
  const adaptFlags = adaptFromFlags(opts, core.parseDurationMs, flag);
  if (adaptFlags !== undefined) checkSimAdaptOptions(adaptFlags);
  // Checked with the other flags, before the fleet is loaded or planned.
  const prescaleSettings = await prescaleSettingsFromFlags(opts, adaptFlags !== undefined);
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
  // Targets and lead times come from the plan being simulated and the profiles it was planned on.
  const prescale = prescaleSettings === undefined ? undefined : await prescaleForPlan(prescaleSettings, plan, model);
  const durationMs = core.parseDurationMs(opts.duration);
  const showProgress = process.stderr.isTTY && !opts.json;
  const simOptions = {
    fleet: loaded.fleet,
    plan,
    model,
    durationMs,
    baseDir: loaded.baseDir,
    seed: Number(opts.seed),
    rateScale,
    ...(keepAlive === undefined ? {} : { keepAlive }),
    ...(failures.length > 0 ? { failures } : {}),
    ...(servingOverhead === undefined ? {} : { servingOverhead }),
    ...(opts.batchPolicy ? { batchPolicy: opts.batchPolicy as 'triton' } : {}),
    ...(showProgress ? { onProgress: (t: number, total: number) => process.stderr.write(`\rsimulating ${((100 * t) / total).toFixed(0)}%`) } : {}),
  };
  let result: SimulationResult;
  let adapt: SimAdaptReport | undefined;
  if (adaptFlags === undefined) {
    // Without --adapt the one-shot synchronous replay, exactly as before.
    result = simulatePlan(simOptions);
  } else {
    const { JsonlEventLog } = await import('../../observe/index.js');
    const events = opts.eventLog === undefined ? undefined : new JsonlEventLog(opts.eventLog);
    try {
      ({ result, adapt } = await simulateWithController({
        ...simOptions,
        adapt: { ...adaptFlags, ...(events ? { events } : {}), ...(prescale === undefined ? {} : { controller: { prescale: prescale.prescale } }) },
      }));
    } finally {
      await events?.flush();
    }
    const written = events?.stats();
    if (written !== undefined && written.dropped > 0) process.stderr.write(`event log ${opts.eventLog ?? ''}: ${written.dropped} of ${written.appended} events could not be written\n`);
  }
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
    const adaptOut = adapt === undefined ? undefined : prescale === undefined ? adapt : { ...adapt, prescale: prescaleSummary(prescale.prescale) };
    printJson({ ...result, services: result.services.map(({ throughputTimeline: _t, queueDepthTimeline: _q, ...s }) => s), ...(adaptOut ? { adapt: adaptOut } : {}) });
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
    if (adapt) process.stdout.write(controllerSection(adapt, prescale === undefined ? [] : [...prescale.lines, ...prescale.warnings]));
  }
  return EXIT.OK;
}

/** `--serving-overhead p50[:p99[:batch]]` (ms); anything else is TESSERA_ERR_SIM_OPTION. */
function parseServingOverhead(text: string, simOption: (m: string) => Error): { requestP50Ms: number; requestP99Ms?: number; batchMs?: number } {
  const parts = text.split(':').map((x) => x.trim());
  const nums = parts.map(Number);
  if (parts.length > 3 || parts.some((x) => x === '') || nums.some((n) => !(Number.isFinite(n) && n >= 0)) || (nums.length > 1 && (nums[1] as number) < (nums[0] as number))) {
    throw simOption(`--serving-overhead '${text}' must be p50[:p99[:batch]] in ms, each ≥ 0 and p99 ≥ p50 (e.g. 0.4:3:0.05)`);
  }
  const [p50, p99, batch] = nums as [number, number?, number?];
  return { requestP50Ms: p50, ...(p99 === undefined ? {} : { requestP99Ms: p99 }), ...(batch === undefined ? {} : { batchMs: batch }) };
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

/** `--adapt*` as the simulated controller's options; undefined without --adapt or --adapt-dry-run. */
function adaptFromFlags(opts: SimulateFlags, parseDurationMs: (text: string) => number, flag: (m: string) => Error): SimAdaptOptions | undefined {
  if (!opts.adapt && !opts.adaptDryRun) {
    if (opts.eventLog !== undefined) throw flag('--event-log records what the controller does; give it with --adapt or --adapt-dry-run');
    return undefined;
  }
  const duration = (name: string, text: string): number => {
    const ms = parseDurationMs(text);
    if (!(ms > 0)) throw flag(`${name} must be a positive duration (10s, 1m), got '${text}'`);
    return ms;
  };
  return { intervalMs: duration('--adapt-interval', opts.adaptInterval), sampleIntervalMs: duration('--adapt-sample-interval', opts.adaptSampleInterval), dryRun: opts.adaptDryRun === true };
}

/** Virtual time as h:mm:ss (a simulated day reads 0:00:10 … 23:59:50). */
function clockOf(ms: number): string {
  const s = Math.floor(ms / 1000);
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${Math.floor(s / 3600)}:${pad(Math.floor(s / 60) % 60)}:${pad(s % 60)}`;
}

/** The pre-scale settings for `--json`: the forecaster by name (the object itself is code), per-service options with their basis. */
function prescaleSummary(p: PlannedPrescale): Record<string, unknown> {
  return {
    forecaster: p.forecaster.name,
    historyMs: p.historyMs,
    stepMs: p.stepMs,
    services: Object.fromEntries(Object.entries(p.services).map(([name, o]) => [name, { ...o, ...p.basis[name] }])),
    skipped: p.skipped,
  };
}

/** The table's controller part: what it saw, what it did (by kind, with the first times), what it could not do, and the pre-scale settings. */
function controllerSection(a: SimAdaptReport, prescaleLines: readonly string[]): string {
  const kinds = new Map<string, { count: number; first: string[] }>();
  for (const x of a.actions) {
    const k = kinds.get(x.action) ?? { count: 0, first: [] };
    k.count++;
    if (k.first.length < 3) k.first.push(`${clockOf(x.timeMs)} ${x.subject}`);
    kinds.set(x.action, k);
  }
  const anomalies = Object.entries(a.anomalies).map(([k, n]) => `${k} ${n}`).join(', ') || 'none';
  const held = Object.entries(a.suppressed).map(([k, n]) => `${k} ${n}`).join(', ');
  let out = `\ncontroller${a.dryRun ? ' (dry run: nothing taken)' : ''}: ${a.ticks} ticks every ${a.intervalMs / 1000} s of virtual time · anomalies (at onset) ${anomalies} · ${a.actions.length} actions${held ? ` · held back: ${held}` : ''}${a.errorCount > 0 ? ` · ${a.errorCount} step errors (first: ${a.errors[0]?.step ?? '?'} ${a.errors[0]?.code ?? ''})` : ''}\n`;
  if (kinds.size > 0) {
    const rows = [...kinds].map(([action, k]) => [action, String(k.count), k.first.join(', ') + (k.count > k.first.length ? ', …' : '')]);
    const head = ['action', 'count', 'first at (virtual h:mm:ss)'];
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
    const line = (r: string[]): string => `  ${r.map((c, i) => c.padEnd(widths[i] as number)).join('  ').trimEnd()}`;
    out += `${line(head)}\n${rows.map(line).join('\n')}\n`;
  }
  for (const l of prescaleLines) out += `  ${l}\n`;
  const scaled = Object.entries(a.replicas).filter(([, r]) => r.peak !== r.initial || r.final !== r.initial);
  if (scaled.length > 0) out += `  replicas: ${scaled.map(([name, r]) => `${name} ${r.initial} → ${r.final} (peak ${r.peak})`).join(', ')}\n`;
  return out;
}
