import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { Plan } from '../../plan/plan-types.js';
import type { ServeAdaptOptions } from '../../serve/index.js';
import { addPrescaleFlags, prescaleForPlan, prescaleSettingsFromFlags, type PrescaleFlags, type PrescaleSettings } from '../adapt-flags.js';
import { runCommand, EXIT } from '../output.js';
import { DEFAULT_EVENT_LOG, eventLogPath } from './events.js';

interface ServeFlags extends PrescaleFlags {
  file: string;
  plan?: string;
  host: string;
  port: string;
  authTokenFile?: string;
  store: string;
  bodyLimit: string;
  json?: boolean;
  adapt?: boolean;
  adaptDryRun?: boolean;
  adaptInterval: string;
  adaptMaxThreads?: string;
  prometheusUrl?: string;
  eventLog?: string;
}

export function registerServe(program: Command): void {
  const command = program
    .command('serve')
    .description('serve every service of a fleet as an Open Inference Protocol (KServe v2) model, with batching, warm pools and admission control')
    .requiredOption('-f, --file <fleet.yaml>', 'fleet spec')
    .option('--plan <plan.json>', 'a plan from `tessera plan --json` (default: plan for this machine now)')
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option('--port <port>', 'port to bind (0 picks a free one)', '8000')
    .option('--auth-token-file <file>', 'require `Authorization: Bearer <token>` with the token in this file')
    .option('--store <dir>', 'profile store (for planning without --plan)', '.tessera/profiles')
    .option('--body-limit <size>', 'largest request body', '64MiB')
    .option('--json', 'print the address and plan summary as JSON once ready')
    .option('--adapt', 'run the adapt controller in this process: detect anomalies, remediate (scale out, restart, lower the batch cap, shed load) and raise lowered batch caps back (docs/adapt.md)')
    .option('--adapt-dry-run', 'run the controller but take no action: log and count what it would do (implies --adapt)')
    .option('--adapt-interval <duration>', 'time between controller ticks', '10s')
    .option('--adapt-max-threads <n>', 'threads all replicas may use together; caps scale-out (default: the CPUs of this machine)')
    .option('--prometheus-url <url>', 'read the controller\'s history from this Prometheus (http://host:9090) instead of sampling this process\'s own metrics into memory');
  addPrescaleFlags(command)
    .option('--event-log <events.jsonl>', `where the controller logs anomalies and actions (default: $TESSERA_EVENT_LOG or ${DEFAULT_EVENT_LOG}; read it with \`tessera events\`)`)
    .action(async (opts: ServeFlags) => {
      await runCommand(opts, () => runServe(opts));
    });
}

async function runServe(opts: ServeFlags): Promise<number> {
  const core = await import('../../core/index.js');
  const logger = core.createLogger({ name: 'tessera-serve' });
  const loaded = core.loadFleetFile(opts.file);
  const port = Number(opts.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new core.TesseraError('TESSERA_ERR_INPUT_FLAG', `--port must be 0–65535 (got '${opts.port}')`);
  let authToken: string | undefined;
  if (opts.authTokenFile) {
    try {
      authToken = readFileSync(opts.authTokenFile, 'utf8').trim();
    } catch (cause) {
      throw new core.TesseraError('TESSERA_ERR_INPUT_FILE_NOT_FOUND', `cannot read --auth-token-file '${opts.authTokenFile}'`, { cause });
    }
    if (!authToken) throw new core.TesseraError('TESSERA_ERR_INPUT_FLAG', `--auth-token-file '${opts.authTokenFile}' is empty`);
  }
  const adapt = await adaptOptions(opts);
  // The serving stack loads only once every flag has been checked, so a bad flag is answered at once.
  const { startServer, localPlan } = await import('../../serve/index.js');
  const plan = opts.plan ? await readPlan(opts.plan) : await localPlan(loaded, { storeDir: opts.store, logger, progress: process.stderr.isTTY });
  if (adapt?.prescale !== undefined) {
    // The targets need the plan's capacities and the lead times the profiles' cold starts, so the
    // pre-scale is built once the plan is known (its flags were checked with the others, above).
    const prof = await import('../../profile/index.js');
    const perf = new prof.PerformanceModel(prof.loadProfilesForFleet(loaded, opts.store, { onWarning: (m) => logger.warn(m) }));
    const { prescale, lines, warnings } = await prescaleForPlan(adapt.prescale, plan, perf);
    for (const line of lines) logger.info(line);
    for (const line of warnings) logger.warn(line);
    adapt.options = { ...adapt.options, controller: { ...adapt.options.controller, prescale } };
  }
  const server = await startServer({
    loaded,
    plan,
    logger,
    host: opts.host,
    port,
    bodyLimitBytes: core.parseBytes(opts.bodyLimit),
    ...(authToken ? { authToken } : {}),
    ...(adapt ? { adapt: adapt.options } : {}),
  });
  const ready = { url: server.address.url, models: server.repository.listModels(), failed: server.startFailures.map((f) => f.name) };
  if (opts.json) process.stdout.write(`${JSON.stringify(ready)}\n`);
  else process.stdout.write(`serving ${ready.models.length} models at ${ready.url} (${ready.failed.length ? `failed: ${ready.failed.join(', ')}` : 'all ready'}); Ctrl-C drains and exits\n`);
  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      logger.info({ signal }, 'draining: no new requests, finishing accepted ones');
      server.drain().then(resolve, resolve);
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  await adapt?.flush();
  logger.info('drained; exiting');
  return ready.failed.length ? EXIT.FAILED : EXIT.OK;
}

/** The controller's options from the flags, checked before anything starts; undefined without --adapt. */
async function adaptOptions(opts: ServeFlags): Promise<{ options: ServeAdaptOptions; prescale: PrescaleSettings | undefined; flush: () => Promise<void> } | undefined> {
  const on = opts.adapt === true || opts.adaptDryRun === true;
  // Before the early return: a pre-scale flag without --adapt is an error, not ignored.
  const prescale = await prescaleSettingsFromFlags(opts, on);
  if (!on) return undefined;
  const { TesseraError, parseDurationMs } = await import('../../core/index.js');
  const { JsonlEventLog } = await import('../../observe/index.js');
  const { PrometheusMetricsSource } = await import('../../adapt/index.js');
  const intervalMs = parseDurationMs(opts.adaptInterval);
  if (!(intervalMs > 0)) throw new TesseraError('TESSERA_ERR_INPUT_FLAG', `--adapt-interval must be a positive duration (10s, 1m), got '${opts.adaptInterval}'`);
  let threadBudget: number | undefined;
  if (opts.adaptMaxThreads !== undefined) {
    threadBudget = Number(opts.adaptMaxThreads);
    if (!Number.isInteger(threadBudget) || threadBudget < 1) throw new TesseraError('TESSERA_ERR_INPUT_FLAG', `--adapt-max-threads must be a whole number ≥ 1, got '${opts.adaptMaxThreads}'`);
  }
  let metricsSource: ServeAdaptOptions['metricsSource'];
  if (opts.prometheusUrl !== undefined) {
    let url: URL;
    try {
      url = new URL(opts.prometheusUrl);
    } catch (cause) {
      throw new TesseraError('TESSERA_ERR_INPUT_FLAG', `--prometheus-url must be an http(s) URL such as http://127.0.0.1:9090, got '${opts.prometheusUrl}'`, { cause });
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TesseraError('TESSERA_ERR_INPUT_FLAG', `--prometheus-url must be http or https, got '${opts.prometheusUrl}'`);
    metricsSource = new PrometheusMetricsSource({ url: opts.prometheusUrl });
  }
  const events = new JsonlEventLog(eventLogPath(opts.eventLog));
  return {
    options: {
      intervalMs,
      dryRun: opts.adaptDryRun === true,
      events,
      ...(metricsSource ? { metricsSource } : {}),
      ...(threadBudget !== undefined ? { threadBudget } : {}),
    },
    prescale,
    flush: () => events.flush(),
  };
}

async function readPlan(file: string): Promise<Plan> {
  const { TesseraError } = await import('../../core/index.js');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new TesseraError('TESSERA_ERR_INPUT_FILE_NOT_FOUND', `cannot read plan '${file}'`, { cause });
  }
  try {
    const plan = JSON.parse(text) as { kind?: unknown; services?: unknown };
    if (plan.kind !== 'Plan' || !Array.isArray(plan.services)) throw new Error('not a Plan (kind: Plan with services[])');
    return plan as Plan;
  } catch (cause) {
    throw new TesseraError('TESSERA_ERR_INPUT_FILE_UNREADABLE', `plan '${file}' is not a plan from \`tessera plan --json\`: ${(cause as Error).message}`, { cause });
  }
}
