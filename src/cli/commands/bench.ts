import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { ModelInputSpec } from '../../core/index.js';
import { runCommand, printJson, EXIT } from '../output.js';

interface BenchFlags {
  url: string;
  model: string;
  rate?: string;
  concurrency?: string;
  arrival: 'poisson' | 'constant';
  trace?: string;
  traceFormat: string;
  traceColumn?: string;
  traceScale: string;
  timeScale: string;
  duration: string;
  items: string;
  binary?: boolean;
  file?: string;
  input: string[];
  authTokenFile?: string;
  timeout: string;
  seed: string;
  json?: boolean;
}

export function registerBench(program: Command): void {
  program
    .command('bench')
    .description('drive an OIP server with open-loop (--rate, --trace) or closed-loop (--concurrency) load; HDR latency histograms')
    .requiredOption('--url <url>', 'server base URL, e.g. http://127.0.0.1:8000')
    .requiredOption('--model <name>', 'model (service) to call')
    .option('--rate <rps>', 'open loop: arrivals per second (they never wait for responses)')
    .option('--arrival <process>', 'open-loop arrival process: poisson | constant', 'poisson')
    .option('--concurrency <n>', 'closed loop: clients each sending the next request when the last returns')
    .option('--trace <file>', 'open loop: replay the arrival times of a real trace (docs/simulator.md)')
    .option('--trace-format <fmt>', 'azure-functions | azure-llm | qps-series', 'azure-functions')
    .option('--trace-column <col>', 'azure-functions: sum | rank:N | a function hash; qps-series: the rate column')
    .option('--trace-scale <x>', 'multiply the trace\'s rate', '1')
    .option('--time-scale <x>', 'compress (> 1) or stretch (< 1) the trace\'s time', '1')
    .option('--duration <d>', 'how long to run (30s, 5m)', '30s')
    .option('--items <n>', 'items per request (the batch dim of each request)', '1')
    .option('--binary', 'use the binary tensor extension instead of JSON')
    .option('-f, --file <fleet.yaml>', 'take input shapes, constants and ranges from this spec (the model of service --model)')
    .option('--input <name=SHAPE:DTYPE>', 'per-item input shape when not taken from a spec (repeatable)', (v: string, all: string[]) => [...all, v], [] as string[])
    .option('--auth-token-file <file>', 'bearer token file')
    .option('--timeout <d>', 'client-side timeout per request', '30s')
    .option('--seed <n>', 'seed for arrivals and data', '1')
    .option('--json', 'print the result as JSON')
    .action(async (opts: BenchFlags) => {
      await runCommand(opts, () => runBench(opts));
    });
}

async function runBench(opts: BenchFlags): Promise<number> {
  const core = await import('../../core/index.js');
  const serve = await import('../../serve/index.js');
  const { fetchModelMetadata, buildRequestBody, rateArrivals } = await import('../../serve/loadgen/request-body.js');
  const flag = (m: string): Error => new core.TesseraError('TESSERA_ERR_INPUT_FLAG', m);
  const modes = [opts.rate, opts.concurrency, opts.trace].filter((x) => x !== undefined).length;
  if (modes !== 1) throw flag('give exactly one of --rate, --concurrency or --trace');
  const durationMs = core.parseDurationMs(opts.duration);
  const timeoutMs = core.parseDurationMs(opts.timeout);
  const seed = Number(opts.seed);
  const items = Number(opts.items);
  if (!Number.isInteger(items) || items < 1) throw flag(`--items must be a whole number ≥ 1 (got '${opts.items}')`);
  const authToken = opts.authTokenFile ? readFileSync(opts.authTokenFile, 'utf8').trim() : undefined;
  let inputSpec: Record<string, ModelInputSpec> | undefined;
  if (opts.file) {
    const { fleet } = core.loadFleetFile(opts.file);
    const svc = fleet.services.find((s) => s.name === opts.model);
    const model = fleet.models.find((m) => m.name === (svc?.model ?? opts.model));
    if (!model) throw flag(`the spec has no service or model '${opts.model}'`);
    inputSpec = model.input;
  } else if (opts.input.length > 0) {
    const prof = await import('../../profile/index.js');
    inputSpec = prof.parseInputFlags(opts.input) as Record<string, ModelInputSpec> | undefined;
  }
  const meta = await fetchModelMetadata(opts.url, opts.model, authToken);
  const built = buildRequestBody(meta, inputSpec, items, opts.binary === true, seed);
  const target = { url: opts.url, model: opts.model, body: built.body, headers: built.headers, ...(authToken ? { authToken } : {}) };
  const onProgress = process.stderr.isTTY && !opts.json ? (done: number, total: number) => process.stderr.write(`\r${bar(done / total)} ${(done / 1000).toFixed(0)}/${(total / 1000).toFixed(0)} s`) : undefined;
  let result;
  if (opts.concurrency !== undefined) {
    const c = Number(opts.concurrency);
    if (!Number.isInteger(c) || c < 1) throw flag(`--concurrency must be a whole number ≥ 1 (got '${opts.concurrency}')`);
    result = await serve.runClosedLoop(target, { concurrency: c, durationMs, timeoutMs, ...(onProgress ? { onProgress } : {}) });
  } else {
    let arrivals: Iterable<number>;
    if (opts.trace !== undefined) {
      const { openTrace } = await import('../../sim/index.js');
      const format = opts.traceFormat;
      if (format !== 'azure-functions' && format !== 'azure-llm' && format !== 'qps-series') throw flag(`--trace-format must be azure-functions, azure-llm or qps-series (got '${format}')`);
      arrivals = openTrace({ file: opts.trace, format, ...(opts.traceColumn ? { column: opts.traceColumn } : {}), scale: Number(opts.traceScale), timeScale: Number(opts.timeScale), seed });
    } else {
      const r = Number(opts.rate);
      if (!(r > 0)) throw flag(`--rate must be a positive number (got '${opts.rate}')`);
      arrivals = rateArrivals(r, opts.arrival, seed);
    }
    result = await serve.runOpenLoop(target, { arrivalsMs: arrivals, durationMs, timeoutMs, ...(onProgress ? { onProgress } : {}) });
  }
  if (onProgress) process.stderr.write('\n');
  if (opts.json) printJson({ url: opts.url, model: opts.model, items, binary: opts.binary === true, ...result });
  else {
    const l = result.latency;
    process.stdout.write(
      `${result.mode} loop, ${result.durationS.toFixed(1)} s: sent ${result.sent}, ok ${result.throughputPerS.toFixed(1)}/s, statuses ${JSON.stringify(result.byStatus)}, timeouts ${result.timeouts}, errors ${result.errors}, dropped ${result.dropped}\n` +
        `latency ms: p50 ${l.p50Ms.toFixed(2)}  p90 ${l.p90Ms.toFixed(2)}  p99 ${l.p99Ms.toFixed(2)}  p99.9 ${l.p999Ms.toFixed(2)}  max ${l.maxMs.toFixed(2)}  (n=${l.count})\n`,
    );
  }
  return result.errors + result.timeouts > 0 ? EXIT.FAILED : EXIT.OK;
}

function bar(frac: number): string {
  const n = Math.round(Math.min(1, Math.max(0, frac)) * 30);
  return `[${'#'.repeat(n)}${'.'.repeat(30 - n)}]`;
}
