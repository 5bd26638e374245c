import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, test, vi } from 'vitest';
import { JsonlEventLog } from '../../observe/index.js';
import { runCommand, type CommandRun } from '../test-support/run-command.js';
import { registerDetect } from './detect.js';
import { registerEvents } from './events.js';
import { registerForecast } from './forecast.js';

const fixture = (name: string): string => new URL(`../../../test/fixtures/series/${name}`, import.meta.url).pathname;
const dir = mkdtempSync(path.join(tmpdir(), 'tessera-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => {
  process.exitCode = 0;
  vi.restoreAllMocks();
});

const run = (args: string[]): Promise<CommandRun> =>
  runCommand((program) => {
    registerDetect(program);
    registerForecast(program);
    registerEvents(program);
  }, args);

describe('tessera detect', () => {
  test('--json prints { timestamp, value, score, anomaly } per row, missing values as null', async () => {
    const { stdout, code } = await run(['detect', '--input', fixture('minutely.csv'), '--json']);
    expect(code).toBe(0);
    const rows = JSON.parse(stdout) as { timestamp: string; value: number | null; score: number; anomaly: boolean }[];
    expect(rows).toHaveLength(7);
    expect(rows[0]).toEqual({ timestamp: '2019-07-01T00:00:00.000Z', value: 10, score: 0, anomaly: false });
    expect(rows[3]?.value).toBeNull();
  });

  test('flags a spike in a longer series and prints a table without --json', async () => {
    const lines = ['ts,value', ...Array.from({ length: 200 }, (_, i) => `${1_600_000_000 + i * 60},${i === 150 ? 500 : 100 + (i % 5)}`)];
    const file = path.join(dir, 'spike.csv');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const json = JSON.parse((await run(['detect', '--input', file, '--json'])).stdout) as { timestamp: number; anomaly: boolean }[];
    expect(json.filter((r) => r.anomaly).map((r) => r.timestamp)).toEqual([1_600_000_000 + 150 * 60]);
    const table = await run(['detect', '--input', file, '--detector', 'cusum', '--threshold', '0.6']);
    expect(table.stdout).toContain('ANOMALY');
    expect(table.stdout).toMatch(/flagged by cusum at threshold 0\.6/);
  });

  test('a bad row is exit 2 with the line and column', async () => {
    const { stderr, code } = await run(['detect', '--input', fixture('bad-value.csv'), '--value-column', 'requests']);
    expect(code).toBe(2);
    expect(stderr).toContain('TESSERA_ERR_OBSERVE_CSV');
    expect(stderr).toContain('bad-value.csv:4:14');
  });

  test('an unknown detector and a bad threshold are bad input', async () => {
    expect((await run(['detect', '--input', fixture('minutely.csv'), '--detector', 'prophet'])).code).toBe(2);
    expect((await run(['detect', '--input', fixture('minutely.csv'), '--threshold', '2'])).code).toBe(2);
  });
});

describe('tessera forecast', () => {
  test('--json prints the points after the last row, timestamps in the input’s format', async () => {
    const { stdout, code } = await run(['forecast', '--input', fixture('minutely.csv'), '--horizon', '3m', '--season', '2m', '--method', 'seasonal-naive', '--json']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual([
      { timestamp: '2019-07-01T00:07:00.000Z', value: 90 },
      { timestamp: '2019-07-01T00:08:00.000Z', value: 12 },
      { timestamp: '2019-07-01T00:09:00.000Z', value: 90 },
    ]);
  });

  test('Holt-Winters on a daily season with under two days is a clear error', async () => {
    const { stderr, code } = await run(['forecast', '--input', fixture('minutely.csv'), '--horizon', '1h']);
    expect(code).toBe(2);
    expect(stderr).toContain('TESSERA_ERR_OBSERVE_SERIES_TOO_SHORT');
  });
});

describe('tessera events', () => {
  test('reads, filters and prints the log', async () => {
    const file = path.join(dir, 'events.jsonl');
    const log = new JsonlEventLog(file);
    log.append({ timeMs: Date.UTC(2024, 0, 1), kind: 'remediation.restart', subject: 'service/ocr', reason: 'worker crashed 3 times in 5m' });
    log.append({ timeMs: Date.UTC(2024, 0, 1, 0, 5), kind: 'prewarm.load', subject: 'service/vad', reason: 'peak forecast at 09:00' });
    await log.flush();
    const json = JSON.parse((await run(['events', '--file', file, '--kind', 'remediation.*', '--json'])).stdout) as { kind: string; time: string }[];
    expect(json).toEqual([{ time: '2024-01-01T00:00:00.000Z', timeMs: Date.UTC(2024, 0, 1), kind: 'remediation.restart', subject: 'service/ocr', reason: 'worker crashed 3 times in 5m' }]);
    const table = await run(['events', '--file', file, '--since', '2024-01-01T00:01:00Z']);
    expect(table.stdout).toContain('prewarm.load');
    expect(table.stdout).not.toContain('remediation.restart');
    expect(table.stdout).toContain('1 event(s)');
    expect((await run(['events', '--file', file, '--since', '10m', '--json'])).stdout.trim()).toBe('[]');
  });

  test('a missing log is exit 2', async () => {
    expect((await run(['events', '--file', path.join(dir, 'nope.jsonl')])).code).toBe(2);
  });
});
