import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { afterAll, afterEach, describe, expect, test, vi } from 'vitest';
import { runCommand, type CommandRun } from '../test-support/run-command.js';
import { registerServe } from './serve.js';

const dir = mkdtempSync(path.join(tmpdir(), 'tessera-serve-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => {
  process.exitCode = 0;
  vi.restoreAllMocks();
});

// Every run names a plan that does not exist and an event log in a temporary folder: a flag that
// wrongly passed its check fails on reading the plan instead of profiling and serving the fleet.
const run = (args: string[]): Promise<CommandRun> =>
  runCommand(registerServe, ['serve', '-f', 'examples/fraud.yaml', '--plan', path.join(dir, 'no-plan.json'), '--event-log', path.join(dir, 'events.jsonl'), '--port', '0', '--json', ...args]);

const errorCode = (out: CommandRun): string => (JSON.parse(out.stdout) as { error: { code: string } }).error.code;

describe('tessera serve: pre-scale flags', () => {
  test.each([
    [['--prescale'], 'TESSERA_ERR_INPUT_FLAG'],
    [['--prescale-utilization', '0.5'], 'TESSERA_ERR_INPUT_FLAG'],
    [['--adapt', '--prescale-season', '1d'], 'TESSERA_ERR_INPUT_FLAG'],
    [['--adapt', '--prescale', '--prescale-forecaster', 'prophet'], 'TESSERA_ERR_INPUT_FLAG'],
    [['--adapt', '--prescale', '--prescale-utilization', '2'], 'TESSERA_ERR_INPUT_FLAG'],
    [['--adapt-dry-run', '--prescale', '--prescale-season', '0s'], 'TESSERA_ERR_INPUT_FLAG'],
    [['--adapt', '--prescale', '--prescale-margin', 'a while'], 'TESSERA_ERR_INPUT_DURATION'],
  ])('%j is a coded error before anything is planned or started', async (args, code) => {
    const out = await run(args);
    expect(out.code).toBe(2);
    expect(errorCode(out)).toBe(code);
  });

  test('valid pre-scale flags pass their check (the run then stops at the missing plan)', async () => {
    const out = await run(['--adapt', '--prescale', '--prescale-forecaster', 'seasonal-median', '--prescale-season', '1h', '--prescale-margin', '0s', '--prescale-utilization', '1']);
    expect(out.code).toBe(2);
    expect(errorCode(out)).toBe('TESSERA_ERR_INPUT_FILE_NOT_FOUND');
  });

  test('--help documents the pre-scale flags', () => {
    const program = new Command();
    registerServe(program);
    const help = program.commands.find((c) => c.name() === 'serve')?.helpInformation() ?? '';
    for (const f of ['--prescale ', '--prescale-forecaster <name>', '--prescale-season <duration>', '--prescale-margin <duration>', '--prescale-utilization <0..1>']) expect(help).toContain(f);
  });
});
