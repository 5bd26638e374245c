import type { Command } from 'commander';
import { runCommand, printJson, EXIT } from '../output.js';
import type { GpuType, LayoutSummary, ProfileSelection } from '../../hardware/index.js';

interface ListFlags {
  json?: boolean;
}

interface LayoutsFlags {
  json?: boolean;
  driver?: string;
  profiles?: string;
  partial?: boolean;
}

interface CheckFlags {
  json?: boolean;
  driver?: string;
}

/** Pads columns to their widest cell; the last column is left ragged. */
function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length))) ?? [];
  return rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c] ?? 0))).join('  ')).join('\n') + '\n';
}

const gib = (bytes: number): string => `${(bytes / 1024 ** 3).toFixed(2)} GiB`;

function profileSelection(text: string | undefined): ProfileSelection {
  if (text === undefined || text === 'base' || text === 'all') return text ?? 'base';
  return text.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
}

export function registerHardware(program: Command): void {
  const hardware = program.command('hardware').description('the GPU catalog and MIG layouts: profiles, placements, valid full-GPU layouts (docs/hardware.md)');

  hardware
    .command('list')
    .description('list the GPU types Tessera knows, with their MIG profiles and sharing')
    .option('--json', 'print the catalog as JSON')
    .action(async (_opts: ListFlags, command: Command) => {
      // `--json` may be written before or after the subcommand; read both levels.
      const opts = command.optsWithGlobals<ListFlags>();
      await runCommand(opts, async () => {
        const { listGpuTypes } = await import('../../hardware/index.js');
        const gpus = listGpuTypes();
        if (opts.json) {
          printJson({ gpuTypes: gpus });
          return EXIT.OK;
        }
        const rows = [['type', 'memory', 'mig', 'profiles', 'sharing', 'gfd product', 'verified']];
        for (const g of gpus) rows.push(listRow(g));
        process.stdout.write(table(rows));
        const unverified = gpus.filter((g) => !g.verified || g.migProfiles.some((p) => !p.verified));
        if (unverified.length > 0) process.stdout.write(`\nentries with unverified values: ${unverified.map((g) => g.type).join(', ')} (see --json or docs/hardware.md)\n`);
        return EXIT.OK;
      });
    });

  hardware
    .command('layouts')
    .description('print every valid full-GPU MIG layout of a GPU type (no further instance fits)')
    .argument('<gpu-type>', 'e.g. A100-40GB, a100-80gb, "H100 NVL"')
    .option('--driver <version>', 'NVIDIA driver (470, R510, 535.104.05); default: a current driver')
    .option('--profiles <set>', '`base` (default), `all` (adds +me and the double-memory 1g), or a comma list of profiles')
    .option('--partial', 'print every valid layout, not only the full ones')
    .option('--json', 'print the layouts as JSON')
    .action(async (gpuType: string, _opts: LayoutsFlags, command: Command) => {
      const opts = command.optsWithGlobals<LayoutsFlags>();
      await runCommand(opts, async () => {
        const hw = await import('../../hardware/index.js');
        const gpu = hw.getMigGpuType(gpuType);
        const driver = opts.driver === undefined ? undefined : hw.parseDriverVersion(opts.driver);
        const profiles = profileSelection(opts.profiles);
        const layouts = (opts.partial ? hw.enumerateLayouts : hw.enumerateFullLayouts)(gpu, { driver, profiles });
        const summaries = layouts.map((l) => hw.describeLayout(gpu, l));
        const multisets = new Set(summaries.map((s) => JSON.stringify(s.counts))).size;
        if (opts.json) {
          printJson({ gpuType: gpu.type, driver: driver ?? null, profiles, full: !opts.partial, count: summaries.length, multisets, layouts: summaries });
          return EXIT.OK;
        }
        const rows = [['#', 'layout (profile@start)', 'compute', 'memory', 'mig-parted config']];
        summaries.forEach((s: LayoutSummary, i) => rows.push([String(i + 1), s.key, `${s.computeSlices}/${gpu.computeSlices}`, gib(s.memoryBytes), s.configName]));
        process.stdout.write(table(rows));
        const what = opts.partial ? 'valid' : 'full';
        process.stdout.write(`\n${summaries.length} ${what} layouts (${multisets} profile multisets) on ${gpu.type}, driver ${driver === undefined ? 'current' : `R${driver}`}, profiles: ${typeof profiles === 'string' ? profiles : profiles.join(',')}\n`);
        if (!gpu.verified) process.stdout.write(`note: ${gpu.unverified.join('; ')}\n`);
        return EXIT.OK;
      });
    });

  hardware
    .command('check')
    .description('check one MIG layout on a GPU type and list every rule it breaks')
    .argument('<gpu-type>', 'e.g. A100-40GB')
    .argument('<layout>', 'profile@start items separated by commas, e.g. 4g.20gb@0,3g.20gb@4')
    .option('--driver <version>', 'NVIDIA driver (470, R510, 535.104.05); default: a current driver')
    .option('--json', 'print the result as JSON')
    .action(async (gpuType: string, layoutText: string, _opts: CheckFlags, command: Command) => {
      const opts = command.optsWithGlobals<CheckFlags>();
      await runCommand(opts, async () => {
        const hw = await import('../../hardware/index.js');
        const gpu = hw.getMigGpuType(gpuType);
        const driver = opts.driver === undefined ? undefined : hw.parseDriverVersion(opts.driver);
        const layout = hw.parseLayout(gpu, layoutText);
        const violations = hw.checkLayout(gpu, layout, { driver });
        if (opts.json) printJson({ gpuType: gpu.type, driver: driver ?? null, layout, valid: violations.length === 0, violations });
        else if (violations.length === 0) process.stdout.write(`${hw.layoutToString(layout)}: valid on ${gpu.type}\n`);
        else process.stdout.write(`${hw.layoutToString(layout)}: invalid on ${gpu.type}\n${violations.map((v) => `  ${v.rule}: ${v.message}\n`).join('')}`);
        return violations.length === 0 ? EXIT.OK : EXIT.FAILED;
      });
    });
}

function listRow(g: GpuType): string[] {
  const sharing = [g.sharing.timeSlicing ? 'time-slicing' : '', g.sharing.mps ? `mps≤${g.sharing.maxMpsClients}` : ''].filter((s) => s.length > 0).join(', ');
  return [
    g.type,
    gib(g.memoryBytes),
    g.migCapable ? `${g.computeSlices}c/${g.memorySlots}m` : 'no',
    g.migProfiles.map((p) => p.name).join(' ') || '-',
    sharing,
    g.gfdProducts[0]?.label ?? '-',
    g.verified && g.migProfiles.every((p) => p.verified) ? 'yes' : 'partly',
  ];
}
