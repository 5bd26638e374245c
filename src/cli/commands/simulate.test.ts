import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { afterAll, afterEach, describe, expect, test, vi } from 'vitest';
import { clusterFixture } from '../../sim/cluster/test-support/cluster-fixture.js';
import type { SimAdaptReport, SimulationResult } from '../../sim/index.js';
import { runCommand, type CommandRun } from '../test-support/run-command.js';
import { registerSimulate } from './simulate.js';

const dir = mkdtempSync(path.join(tmpdir(), 'tessera-sim-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => {
  process.exitCode = 0;
  vi.restoreAllMocks();
});

// One hot service (`hot`, 2 replicas) and two cold ones sharing a pool with room for one model.
const fixture = clusterFixture({
  services: [
    { name: 'hot', batchMs: 2, loadMs: 300, rps: 50, replicas: 2 },
    { name: 'c1', batchMs: 5, pool: 'cold', loadMs: 400, firstInferenceMs: 50, memoryBytes: 1e9, rps: 3 },
    { name: 'c2', batchMs: 5, pool: 'cold', loadMs: 400, firstInferenceMs: 50, memoryBytes: 1e9, rps: 2 },
  ],
  poolMemoryBytes: 1e9,
});
const specFile = path.join(dir, 'fleet.yaml');
const planFile = path.join(dir, 'plan.json');
writeFileSync(specFile, fixture.yaml);
writeFileSync(path.join(dir, 'm.json'), JSON.stringify(fixture.profiles));
writeFileSync(planFile, JSON.stringify(fixture.plan));

const run = (args: string[]): Promise<CommandRun> => runCommand(registerSimulate, ['simulate', '-f', specFile, '--plan', planFile, '--store', path.join(dir, 'store'), ...args]);

describe('tessera simulate: cold pools, keep-alive and failures', () => {
  test('--json reports cold starts and the requests they delayed per service, and the pool', async () => {
    const { stdout, code } = await run(['--duration', '2m', '--json']);
    expect(code).toBe(0);
    const r = JSON.parse(stdout) as SimulationResult;
    const c1 = r.services.find((s) => s.name === 'c1');
    expect(c1?.coldStarts).toBeGreaterThan(1);
    expect(c1?.coldStartDelayedRequests).toBeGreaterThanOrEqual(c1?.coldStarts ?? 0);
    expect(r.services.find((s) => s.name === 'hot')?.coldStarts).toBe(0);
    expect(r.pools[0]?.evictions).toBeGreaterThan(0);
    expect(r.pools[0]?.peakUsedBytes).toBeLessThanOrEqual(1e9);
  });

  test('--keep-alive-ms implies the fixed policy; --fail crashes a replica; the table shows the new columns', async () => {
    const { stdout, code } = await run(['--duration', '1m', '--keep-alive-ms', '100ms', '--fail', 'hot/1@10s', '--fail', 'c1@20s']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/failed\s+p50 ms.*cold\s+delayed\s+wait ms/);
    expect(stdout).toMatch(/cold pool local\/cpu@pool: 2 models/);
    expect(stdout).toMatch(/keep-alive unloads/);
  });

  test('--serving-overhead adds the serving path to every request\'s latency', async () => {
    const base = JSON.parse((await run(['--duration', '20s', '--json'])).stdout) as SimulationResult;
    const withOh = JSON.parse((await run(['--duration', '20s', '--json', '--serving-overhead', '5'])).stdout) as SimulationResult;
    const hot = (r: SimulationResult) => r.services.find((s) => s.name === 'hot');
    expect((hot(withOh)?.p50Ms ?? 0) - (hot(base)?.p50Ms ?? 0)).toBeCloseTo(5, 0);
  });

  test.each([
    [['--keep-alive', 'lru'], 'TESSERA_ERR_SIM_OPTION'],
    [['--keep-alive', 'forecast', '--keep-alive-ms', '5s'], 'TESSERA_ERR_SIM_OPTION'],
    [['--keep-alive-ms', 'soon'], 'TESSERA_ERR_SIM_OPTION'],
    [['--fail', 'hot/0'], 'TESSERA_ERR_SIM_OPTION'],
    [['--fail', 'hot/9@1s'], 'TESSERA_ERR_SIM_UNKNOWN_TARGET'],
    [['--serving-overhead', '2:1'], 'TESSERA_ERR_SIM_OPTION'],
    [['--serving-overhead', 'fast'], 'TESSERA_ERR_SIM_OPTION'],
  ])('%j is a coded error', async (args, code) => {
    const out = await run(['--duration', '1s', '--json', ...args]);
    expect(out.code).toBe(2);
    expect((JSON.parse(out.stdout) as { error: { code: string } }).error.code).toBe(code);
  });
});

describe('tessera simulate --adapt: the controller in the loop', () => {
  // hot/0 goes faulty at 20 s: the controller sees the error rate and restarts it.
  const faulty = ['--duration', '2m', '--fail', 'hot/0@20s:faulty'];

  test('the table gets a controller section: ticks, anomalies, actions by kind with their first virtual times', async () => {
    const { stdout, code } = await run([...faulty, '--adapt']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/controller: 11 ticks every 10 s of virtual time · anomalies \(at onset\) .*error-rate \d+ · \d+ actions/);
    expect(stdout).toMatch(/action\s+count\s+first at \(virtual h:mm:ss\)/);
    // (The cold services' pool refusals count as non-ok too, so they get restarts of their own.)
    expect(stdout).toMatch(/restart-worker\s+\d+\s+.*0:00:(30|40) service\/hot/);
  });

  test('--adapt-dry-run --json: the adapt object lists what it would do, the result is the run without it; --event-log gets every event', async () => {
    const log = path.join(dir, 'events.jsonl');
    const plain = await run([...faulty, '--json']);
    const dry = await run([...faulty, '--json', '--adapt-dry-run', '--event-log', log]);
    expect(dry.code).toBe(0);
    const without = JSON.parse(plain.stdout) as SimulationResult & { adapt?: unknown };
    const withDry = JSON.parse(dry.stdout) as SimulationResult & { adapt: SimAdaptReport };
    expect(without.adapt).toBeUndefined();
    expect(withDry.services).toEqual(without.services);
    expect(withDry.adapt).toMatchObject({ ticks: 11, intervalMs: 10_000, sampleIntervalMs: 15_000, dryRun: true });
    expect(withDry.adapt.actions.map((a) => [a.action, a.subject, a.dryRun])).toContainEqual(['restart-worker', 'service/hot', true]);
    const lines = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { kind: string; subject: string; timeMs: number; reason: string });
    const restart = lines.find((e) => e.kind === 'remediation.restart-worker' && e.subject === 'service/hot');
    expect(restart?.reason).toMatch(/^dry run, not taken: restart replica hot\/0/);
    expect(restart?.timeMs).toBe(withDry.adapt.actions.find((a) => a.action === 'restart-worker' && a.subject === 'service/hot')?.timeMs);
    expect(lines.filter((e) => e.kind.startsWith('remediation.'))).toHaveLength(withDry.adapt.actions.length);
  });

  test.each([
    [['--adapt', '--adapt-interval', '0s'], 'TESSERA_ERR_INPUT_FLAG'],
    [['--adapt', '--adapt-sample-interval', 'often'], 'TESSERA_ERR_INPUT_DURATION'],
    [['--event-log', 'x.jsonl'], 'TESSERA_ERR_INPUT_FLAG'],
    [['--fail', 'hot/0@1s:flaky'], 'TESSERA_ERR_SIM_OPTION'],
  ])('%j is a coded error', async (args, code) => {
    const out = await run(['--duration', '1s', '--json', ...args]);
    expect(out.code).toBe(2);
    expect((JSON.parse(out.stdout) as { error: { code: string } }).error.code).toBe(code);
  });

  test('--help documents the controller flags', () => {
    const program = new Command();
    registerSimulate(program);
    const help = program.commands.find((c) => c.name() === 'simulate')?.helpInformation() ?? '';
    for (const f of ['--adapt ', '--adapt-dry-run', '--adapt-interval <duration>', '--adapt-sample-interval <duration>', '--event-log <events.jsonl>', ':faulty']) expect(help).toContain(f);
  });
});
