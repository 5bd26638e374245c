import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { Plan } from '../../plan/plan-types.js';
import { runCommand, EXIT } from '../output.js';

interface ServeFlags {
  file: string;
  plan?: string;
  host: string;
  port: string;
  authTokenFile?: string;
  store: string;
  bodyLimit: string;
  json?: boolean;
}

export function registerServe(program: Command): void {
  program
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
    .action(async (opts: ServeFlags) => {
      await runCommand(opts, () => runServe(opts));
    });
}

async function runServe(opts: ServeFlags): Promise<number> {
  const core = await import('../../core/index.js');
  const { startServer, localPlan } = await import('../../serve/index.js');
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
  const plan = opts.plan ? await readPlan(opts.plan) : await localPlan(loaded, { storeDir: opts.store, logger, progress: process.stderr.isTTY });
  const server = await startServer({
    loaded,
    plan,
    logger,
    host: opts.host,
    port,
    bodyLimitBytes: core.parseBytes(opts.bodyLimit),
    ...(authToken ? { authToken } : {}),
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
  logger.info('drained; exiting');
  return ready.failed.length ? EXIT.FAILED : EXIT.OK;
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
