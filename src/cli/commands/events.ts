import type { Command } from 'commander';
import { runCommand, printJson, EXIT } from '../output.js';

interface EventsFlags {
  file?: string;
  since?: string;
  kind?: string;
  subject?: string;
  limit?: string;
  json?: boolean;
}

/** The log `tessera serve` / `simulate` write unless told otherwise. */
export const DEFAULT_EVENT_LOG = '.tessera/events.jsonl';

/** The event log a command writes or reads: the flag, else $TESSERA_EVENT_LOG, else the default. */
export function eventLogPath(flag: string | undefined): string {
  return flag ?? process.env['TESSERA_EVENT_LOG'] ?? DEFAULT_EVENT_LOG;
}

export function registerEvents(program: Command): void {
  program
    .command('events')
    .description('read the event log: every decision and action with its reason')
    .option('--file <events.jsonl>', `event log (rotated files beside it are read too) (default: $TESSERA_EVENT_LOG or ${DEFAULT_EVENT_LOG})`)
    .option('--since <duration|time>', 'only events from this long ago (10m, 2h) or since an ISO-8601 time')
    .option('--kind <kinds>', 'only these kinds, comma-separated; a trailing * matches a prefix (remediation.*)')
    .option('--subject <subject>', 'only events about this subject or below it (service/ocr)')
    .option('--limit <n>', 'only the newest n matches')
    .option('--json', 'print the events as a JSON array')
    .action(async (opts: EventsFlags) => {
      await runCommand(opts, async () => {
        const { RealClock, TesseraError, parseDurationMs } = await import('../../core/index.js');
        const { readEventLog, toRecord } = await import('../../observe/index.js');
        const file = eventLogPath(opts.file);
        let sinceMs: number | undefined;
        if (opts.since !== undefined) {
          const iso = /^\d{4}-\d{2}-\d{2}/.test(opts.since) ? Date.parse(opts.since) : Number.NaN;
          sinceMs = Number.isFinite(iso) ? iso : new RealClock().nowMs() - parseDurationMs(opts.since);
        }
        let limit: number | undefined;
        if (opts.limit !== undefined) {
          limit = Number(opts.limit);
          if (!Number.isInteger(limit) || limit < 1) throw new TesseraError('TESSERA_ERR_INPUT_FLAG', `--limit must be a positive integer, got '${opts.limit}'`);
        }
        const kinds = opts.kind?.split(',').map((k) => k.trim()).filter((k) => k !== '');
        const { events, skippedLines } = await readEventLog(file, {
          ...(sinceMs !== undefined ? { sinceMs } : {}),
          ...(kinds !== undefined ? { kinds } : {}),
          ...(opts.subject !== undefined ? { subject: opts.subject } : {}),
          ...(limit !== undefined ? { limit } : {}),
        });
        if (skippedLines > 0) process.stderr.write(`warning: skipped ${skippedLines} line(s) of ${file} that are not events\n`);
        if (opts.json) {
          printJson(events.map(toRecord));
          return EXIT.OK;
        }
        const rows = events.map((e) => [toRecord(e).time, e.kind, e.subject, e.reason]);
        const header = ['time', 'kind', 'subject', 'reason'];
        const widths = header.slice(0, 3).map((h, k) => Math.max(h.length, ...rows.map((r) => (r[k] as string).length)));
        const fmt = (r: string[]): string => `${r.slice(0, 3).map((c, k) => c.padEnd(widths[k] as number)).join('  ')}  ${r[3]}`;
        process.stdout.write(`${[fmt(header), ...rows.map(fmt)].join('\n')}\n${events.length} event(s)\n`);
        return EXIT.OK;
      });
    });
}
