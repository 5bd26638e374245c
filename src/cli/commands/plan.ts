import type { Command } from 'commander';
import { runCommand, printJson, EXIT } from '../output.js';

interface PlanFlags {
  file: string;
  json?: boolean;
  explain?: boolean;
  baseline?: string;
  solver?: string;
  timeLimit?: string;
  gap?: string;
  current?: string;
  out?: string;
  store?: string;
}

export function registerPlan(program: Command): void {
  program
    .command('plan')
    .description('choose GPU partitions, replicas, batch settings and pools so every service meets its p99 SLO at the least weighted cost')
    .requiredOption('-f, --file <fleet.yaml>', 'fleet spec (YAML or JSON)')
    .option('--json', 'print the Plan as JSON (docs/planner.md)')
    .option('--explain', 'print the reason behind each decision')
    .option('--baseline <name>', 'plan with a baseline instead: dedicated, ffd or nexus')
    .option('--solver <name>', 'milp, heuristic or auto (auto: the MILP unless the fleet is too large for it)', 'auto')
    .option('--time-limit <duration>', 'MILP time limit (e.g. 5s)', '5s')
    .option('--gap <fraction>', 'MILP relative gap to stop at (default 0.001)')
    .option('--current <plan.json>', 'the plan in force: keep its placements where a change is not worth it')
    .option('-o, --out <plan.json>', 'also write the Plan as JSON to this file')
    .option('--store <dir>', 'profile store folder (measured profiles)', '.tessera/profiles')
    .action(async (opts: PlanFlags) => {
      await runCommand(opts, async () => {
        const { loadFleetFile, parseDurationMs, TesseraError } = await import('../../core/index.js');
        const { loadProfilesForFleet } = await import('../../profile/index.js');
        const { planFleet, formatPlan, parseCurrentPlan } = await import('../../plan/index.js');
        const { readFileSync, writeFileSync } = await import('node:fs');
        const bad = (message: string): Error => new TesseraError('TESSERA_ERR_INPUT_FLAG', message);
        if (opts.baseline !== undefined && !['dedicated', 'ffd', 'nexus'].includes(opts.baseline)) throw bad(`--baseline must be dedicated, ffd or nexus (got '${opts.baseline}')`);
        if (opts.solver !== undefined && !['milp', 'heuristic', 'auto'].includes(opts.solver)) throw bad(`--solver must be milp, heuristic or auto (got '${opts.solver}')`);
        const gap = opts.gap === undefined ? undefined : Number(opts.gap);
        if (gap !== undefined && !(gap >= 0 && gap < 1)) throw bad(`--gap must be a fraction in [0, 1) (got '${opts.gap}')`);
        const loaded = loadFleetFile(opts.file);
        let current;
        if (opts.current !== undefined) {
          let text: string;
          try {
            text = readFileSync(opts.current, 'utf8');
          } catch (cause) {
            throw new TesseraError('TESSERA_ERR_INPUT_FILE_NOT_FOUND', `cannot read --current '${opts.current}'; check the path`, { cause });
          }
          let parsed: unknown;
          try {
            parsed = JSON.parse(text);
          } catch (cause) {
            throw new TesseraError('TESSERA_ERR_PLAN_CURRENT', `--current '${opts.current}' is not JSON; pass a file written by \`tessera plan -o\``, { cause });
          }
          current = parseCurrentPlan(parsed, opts.current);
        }
        const warnings: string[] = [];
        const profiles = loadProfilesForFleet(loaded, opts.store, { onWarning: (m) => warnings.push(m) });
        const plan = await planFleet(loaded.fleet, profiles, {
          solver: (opts.solver ?? 'auto') as 'auto',
          ...(opts.baseline === undefined ? {} : { baseline: opts.baseline as 'ffd' }),
          timeLimitMs: parseDurationMs(opts.timeLimit ?? '5s'),
          ...(gap === undefined ? {} : { relativeGap: gap }),
          ...(current === undefined ? {} : { current }),
        });
        if (opts.out !== undefined) writeFileSync(opts.out, `${JSON.stringify(plan, null, 2)}\n`);
        if (opts.json) printJson(plan);
        else {
          for (const w of warnings) process.stderr.write(`warning: ${w}\n`);
          process.stdout.write(formatPlan(plan, { explain: opts.explain === true }));
        }
        return plan.infeasible.length > 0 ? EXIT.FAILED : EXIT.OK;
      });
    });
}
