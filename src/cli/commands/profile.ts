import type { Command } from 'commander';
import { runCommand, printJson, EXIT } from '../output.js';
import type { ModelProfile, ProfileOutcome, ProfileTarget } from '../../profile/index.js';

interface ProfileFlags {
  file?: string;
  input: string[];
  json?: boolean;
  force?: boolean;
  store?: string;
  maxBatch?: string;
  threads?: string;
  minTime?: string;
  maxTime?: string;
}

interface ImportFlags {
  gpu?: string;
  model?: string;
  out?: string;
  json?: boolean;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

export function registerProfile(program: Command): void {
  const profile = program
    .command('profile')
    .description('measure latency, throughput and memory per batch size of ONNX models (all models of a spec, or one file); `profile import` reads external tables')
    .argument('[model.onnx]', 'profile this one ONNX file instead of a spec')
    .option('-f, --file <fleet.yaml>', 'profile every model of this fleet spec that has a source')
    .option('--input <name=SHAPE:DTYPE>', 'input description for a model file, repeatable (e.g. x=3x48x192:float32; docs/profiles.md)', collect, [])
    .option('--json', 'print the results as JSON (no progress bar)')
    .option('--force', 'measure even when the profile store has the result')
    .option('--store <dir>', 'profile store folder', '.tessera/profiles')
    .option('--max-batch <n>', 'measure batch sizes 1, 2, 4, ... up to n (capped by each model\'s maxBatchSize)')
    .option('--threads <n>', 'onnxruntime intra-op threads (default: the spec\'s CPU node cores, at most the cores available)')
    .option('--min-time <duration>', 'time each batch size at least this long (default 1s)')
    .option('--max-time <duration>', 'stop timing a batch size after this long (default 6s)')
    .action(async (modelFile: string | undefined, opts: ProfileFlags) => {
      await runCommand(opts, () => runProfile(modelFile, opts));
    });

  profile
    .command('import')
    .description('read MIG tables (CSV) or profile JSON into the shared profile format')
    .argument('<csv-json-or-dir>', 'a file, or a folder of .csv/.json files')
    .option('--gpu <type>', 'GPU the MIG tables were measured on (e.g. A100-80GB); default: named in the path')
    .option('--model <name>', 'keep only this model (a CSV named after it, or JSON profiles of it)')
    .option('--out <file.json>', 'write the imported profiles as a JSON array (usable as a spec\'s `profiles:`)')
    .option('--json', 'print the profiles as JSON')
    .action(async (source: string, _opts: ImportFlags, command: Command) => {
      // `--json` is also a `profile` option, and commander hands it to the parent wherever it is
      // written; read both levels.
      const opts = command.optsWithGlobals<ImportFlags>();
      await runCommand(opts, () => runImport(source, opts));
    });
}

function positiveInt(flag: string, text: string | undefined, fail: (message: string) => Error): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) < 1) throw fail(`${flag} must be a whole number ≥ 1 (got '${text}')`);
  return Number(text);
}

async function runProfile(modelFile: string | undefined, opts: ProfileFlags): Promise<number> {
  const core = await import('../../core/index.js');
  const prof = await import('../../profile/index.js');
  const path = await import('node:path');
  const flagError = (message: string): InstanceType<typeof core.TesseraError> => new core.TesseraError('TESSERA_ERR_INPUT_FLAG', message);
  if ((modelFile === undefined) === (opts.file === undefined)) throw flagError('give either -f <fleet.yaml> or one model file (tessera profile model.onnx --input ...), not both or neither');
  if (opts.file !== undefined && opts.input.length > 0) throw flagError('--input describes a model file; for a spec, write the inputs under models[].input');

  const maxBatch = positiveInt('--max-batch', opts.maxBatch, flagError);
  const threadsFlag = positiveInt('--threads', opts.threads, flagError);
  const rule = {
    ...(opts.minTime === undefined ? {} : { minTimeMs: core.parseDurationMs(opts.minTime) }),
    ...(opts.maxTime === undefined ? {} : { maxTimeMs: core.parseDurationMs(opts.maxTime) }),
  };

  let targets: ProfileTarget[];
  let baseDir: string;
  let threads: number;
  let withoutSource: string[] = [];
  if (opts.file !== undefined) {
    const loaded = core.loadFleetFile(opts.file);
    ({ targets, withoutSource } = prof.targetsFromFleet(loaded.fleet));
    baseDir = loaded.baseDir;
    threads = threadsFlag ?? prof.threadsForFleet(loaded.fleet);
  } else {
    const file = modelFile as string;
    const input = prof.parseInputFlags(opts.input);
    const name = path.basename(file).replace(/\.onnx$/i, '').toLowerCase().replace(/[^a-z0-9-]+/g, '-') || 'model';
    targets = [{ name, source: { path: path.resolve(file) }, maxBatchSize: maxBatch ?? 32, ...(input === undefined ? {} : { input }) }];
    baseDir = process.cwd();
    threads = threadsFlag ?? prof.availableCores();
  }

  const bar = !opts.json && process.stderr.isTTY ? progressBar() : undefined;
  const outcomes = await prof.profileTargets(targets, {
    baseDir,
    store: new prof.ProfileStore(opts.store),
    force: opts.force === true,
    threads,
    rule,
    ...(maxBatch === undefined ? {} : { batchLimit: maxBatch }),
    ...(bar === undefined ? {} : { onProgress: bar.update }),
  });
  bar?.done();

  // One model named on the command line: its error is the command's error (and exit code).
  const only = outcomes[0];
  if (modelFile !== undefined && only?.status === 'failed') throw only.error;
  const failed = outcomes.filter((o) => o.status === 'failed');
  if (opts.json) {
    printJson({
      results: outcomes.map((o) => (o.status === 'failed' ? { model: o.model, status: o.status, error: o.error.toJSON() } : o)),
      ...(withoutSource.length > 0 ? { withoutSource } : {}),
    });
  } else {
    process.stdout.write(renderTable(outcomes));
    for (const name of withoutSource) process.stdout.write(`${name}: no source in the spec, nothing to measure (its imported profiles are read by the planner)\n`);
    if (failed.length > 0) {
      process.stdout.write(`\n${failed.length} of ${outcomes.length} model${outcomes.length === 1 ? '' : 's'} failed:\n`);
      for (const f of failed) if (f.status === 'failed') process.stdout.write(`  ${f.model}: ${f.error.code}: ${f.error.message}\n`);
    }
  }
  return failed.length > 0 ? EXIT.FAILED : EXIT.OK;
}

function progressBar(): { update: (e: { model: string; stage: string; batchSize?: number; step: number; steps: number; index: number; count: number }) => void; done: () => void } {
  const width = 24;
  return {
    update: (e) => {
      const fraction = (e.index + e.step / e.steps) / e.count;
      const filled = Math.round(fraction * width);
      const what = e.stage === 'batch' ? `batch ${e.batchSize} measured` : e.stage === 'load' ? 'loaded' : e.stage === 'first-inference' ? 'first inference done' : 'done';
      process.stderr.write(`\r\x1b[K[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${e.index + 1}/${e.count} ${e.model}: ${what}`);
    },
    done: () => process.stderr.write('\r\x1b[K'),
  };
}

function fmt(n: number, digits: number): string {
  return n.toFixed(digits);
}

function pad(cells: string[][]): string {
  const widths = cells[0]?.map((_, c) => Math.max(...cells.map((r) => (r[c] ?? '').length))) ?? [];
  return cells.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0))).join('  ')).join('\n');
}

function renderTable(outcomes: readonly ProfileOutcome[]): string {
  const rows: string[][] = [['model', 'batch', 'p50 ms', 'p99 ms', 'items/s', 'speed-up', 'runs']];
  const notes: string[] = [];
  for (const o of outcomes) {
    if (o.status === 'failed') continue;
    const p = o.profile;
    const base = p.points.find((pt) => pt.batchSize === 1)?.throughputPerS;
    for (const pt of p.points) {
      rows.push([
        p.model,
        String(pt.batchSize),
        fmt(pt.latencyMs.p50, 3),
        fmt(pt.latencyMs.p99, 3),
        fmt(pt.throughputPerS, 1),
        base ? `${fmt(pt.throughputPerS / base, 2)}x` : '-',
        `${pt.samples}${pt.stable === false ? '*' : ''}`,
      ]);
    }
    notes.push(describe(p, o.status));
  }
  const table = rows.length > 1 ? `${pad(rows)}\n` : '';
  const legend = rows.some((r) => r[6]?.endsWith('*')) ? '* stopped at the time/run cap before the stability rule was met (docs/profiles.md)\n' : '';
  return `${table}${legend}${notes.length > 0 ? `\n${notes.join('\n')}\n` : ''}`;
}

function describe(p: ModelProfile, status: string): string {
  const mib = (b: number | undefined): string => (b === undefined ? '-' : `${(b / 1024 ** 2).toFixed(1)} MiB`);
  const best = p.points.reduce((a, b) => (b.throughputPerS > a.throughputPerS ? b : a), p.points[0] ?? { batchSize: 0, throughputPerS: 0 });
  return `${p.model}: ${status}; load ${fmt(p.loadMs ?? 0, 1)} ms, first inference ${fmt(p.firstInferenceMs ?? 0, 1)} ms, memory +${mib(p.memoryBytes)}, ${p.device.threads ?? '?'} thread(s); best batch ${best.batchSize} (${fmt(best.throughputPerS, 1)} items/s)`;
}

async function runImport(source: string, opts: ImportFlags): Promise<number> {
  const prof = await import('../../profile/index.js');
  const { writeFileSync } = await import('node:fs');
  const profiles = prof.importProfiles(source, { ...(opts.gpu === undefined ? {} : { gpuType: opts.gpu }), ...(opts.model === undefined ? {} : { model: opts.model }) });
  if (opts.out !== undefined) writeFileSync(opts.out, `${JSON.stringify(profiles, null, 2)}\n`);
  if (opts.json) {
    printJson(profiles);
    return EXIT.OK;
  }
  const rows: string[][] = [['model', 'device', 'points', 'batches', 'max concurrency', 'best items/s', 'at batch x conc.']];
  for (const p of profiles) {
    const batches = [...new Set(p.points.map((pt) => pt.batchSize))];
    const best = p.points.reduce((a, b) => (b.throughputPerS > a.throughputPerS ? b : a), p.points[0] ?? { batchSize: 0, concurrency: 0, throughputPerS: 0 });
    rows.push([
      p.model,
      p.device.name,
      String(p.points.length),
      batches.length > 0 ? `${Math.min(...batches)}-${Math.max(...batches)}` : '-',
      String(Math.max(0, ...p.points.map((pt) => pt.concurrency))),
      fmt(best.throughputPerS, 1),
      `${best.batchSize} x ${best.concurrency}`,
    ]);
  }
  process.stdout.write(`${pad(rows)}\n${profiles.length} profile${profiles.length === 1 ? '' : 's'} imported${opts.out === undefined ? '' : `, written to ${opts.out}`}\n`);
  return EXIT.OK;
}
