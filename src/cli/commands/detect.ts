import type { Command } from 'commander';
import { runCommand, printJson, EXIT } from '../output.js';

interface DetectFlags {
  input: string;
  timestampColumn?: string;
  valueColumn?: string;
  detector: string;
  threshold?: string;
  season?: string;
  json?: boolean;
}

export function registerDetect(program: Command): void {
  program
    .command('detect')
    .description('score every row of a time series with a streaming anomaly detector (docs/anomaly.md)')
    .requiredOption('--input <series.csv>', 'CSV with a timestamp column (ISO-8601 or Unix s/ms) and a value column')
    .option('--timestamp-column <name|n>', 'timestamp column, by header name or 1-based number (default: timestamp/time/ts/date, else the first)')
    .option('--value-column <name|n>', 'value column, by header name or 1-based number (default: value, else the first other column)')
    .option('--detector <name>', 'ewma-mad, seasonal or cusum', 'ewma-mad')
    .option('--threshold <score>', 'flag rows whose score is at least this, in (0, 1) (default 0.5)')
    .option('--season <durations>', 'seasonal detector: season lengths to compare with, most preferred first (default 7d,1d)')
    .option('--json', 'print [{ timestamp, value, score, anomaly }] as JSON')
    .action(async (opts: DetectFlags) => {
      await runCommand(opts, async () => {
        const { TesseraError, parseDurationMs } = await import('../../core/index.js');
        const { createDetector, formatTimestamp, isDetectorName, readSeriesFile, DETECTOR_NAMES } = await import('../../observe/index.js');
        const threshold = opts.threshold === undefined ? undefined : Number(opts.threshold);
        if (threshold !== undefined && !(threshold > 0 && threshold < 1)) {
          throw new TesseraError('TESSERA_ERR_INPUT_FLAG', `--threshold must be a number in (0, 1), got '${opts.threshold}'`);
        }
        if (!isDetectorName(opts.detector)) {
          throw new TesseraError('TESSERA_ERR_OBSERVE_UNKNOWN_METHOD', `there is no detector '${opts.detector}'; use one of ${DETECTOR_NAMES.join(', ')}`);
        }
        if (opts.season !== undefined && opts.detector !== 'seasonal') {
          throw new TesseraError('TESSERA_ERR_INPUT_FLAG', '--season applies to --detector seasonal only');
        }
        const seasonsMs = opts.season?.split(',').map((s) => parseDurationMs(s));
        const common = threshold === undefined ? {} : { threshold };
        const detector =
          opts.detector === 'seasonal' ? createDetector({ detector: 'seasonal', ...common, ...(seasonsMs ? { seasonsMs } : {}) }) : createDetector({ detector: opts.detector, ...common });
        const series = await readSeriesFile(opts.input, { timestampColumn: opts.timestampColumn, valueColumn: opts.valueColumn });
        const rows = series.timesMs.map((timeMs, i) => {
          const value = series.values[i] as number;
          const out = detector.update({ timeMs, value });
          return {
            timestamp: formatTimestamp(timeMs, series.timestampFormat),
            value: Number.isFinite(value) ? value : null,
            score: Number(out.score.toFixed(6)),
            anomaly: out.anomaly,
          };
        });
        if (opts.json) {
          printJson(rows);
          return EXIT.OK;
        }
        const width = Math.max(9, ...rows.map((r) => String(r.timestamp).length));
        const lines = [`${'timestamp'.padEnd(width)}  ${'value'.padStart(12)}  ${'score'.padStart(8)}  anomaly`];
        for (const r of rows) {
          lines.push(`${String(r.timestamp).padEnd(width)}  ${(r.value === null ? '—' : String(r.value)).padStart(12)}  ${r.score.toFixed(3).padStart(8)}  ${r.anomaly ? 'ANOMALY' : ''}`);
        }
        const flagged = rows.filter((r) => r.anomaly).length;
        lines.push(`${flagged} of ${rows.length} rows flagged by ${detector.name} at threshold ${detector.config.threshold}`);
        process.stdout.write(`${lines.join('\n')}\n`);
        return EXIT.OK;
      });
    });
}
