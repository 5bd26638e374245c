import type { Command } from 'commander';
import { runCommand, printJson, EXIT } from '../output.js';

interface ForecastFlags {
  input: string;
  horizon: string;
  season: string;
  method: string;
  timestampColumn?: string;
  valueColumn?: string;
  json?: boolean;
}

export function registerForecast(program: Command): void {
  program
    .command('forecast')
    .description('forecast a time series past its last row (docs/forecasting.md)')
    .requiredOption('--input <series.csv>', 'CSV with a timestamp column (ISO-8601 or Unix s/ms) and a value column, at a fixed step')
    .requiredOption('--horizon <duration>', 'how far past the last row to forecast, e.g. 30m, 1h')
    .option('--season <duration>', 'season length, a whole number of steps', '1d')
    .option('--method <name>', 'seasonal-naive, holt-winters or seasonal-median', 'holt-winters')
    .option('--timestamp-column <name|n>', 'timestamp column, by header name or 1-based number')
    .option('--value-column <name|n>', 'value column, by header name or 1-based number')
    .option('--json', 'print [{ timestamp, value }] as JSON')
    .action(async (opts: ForecastFlags) => {
      await runCommand(opts, async () => {
        const { parseDurationMs } = await import('../../core/index.js');
        const { forecastSeries, readSeriesFile } = await import('../../observe/index.js');
        const horizonMs = parseDurationMs(opts.horizon);
        const seasonMs = parseDurationMs(opts.season);
        const series = await readSeriesFile(opts.input, { timestampColumn: opts.timestampColumn, valueColumn: opts.valueColumn });
        const result = forecastSeries(series, { horizonMs, seasonMs, method: opts.method });
        if (opts.json) {
          printJson(result.points);
          return EXIT.OK;
        }
        const width = Math.max(9, ...result.points.map((p) => String(p.timestamp).length));
        const lines = [`# ${result.method}, step ${result.stepMs} ms, season ${result.seasonSteps} steps`, `${'timestamp'.padEnd(width)}  value`];
        for (const p of result.points) lines.push(`${String(p.timestamp).padEnd(width)}  ${Number(p.value.toFixed(4))}`);
        process.stdout.write(`${lines.join('\n')}\n`);
        return EXIT.OK;
      });
    });
}
