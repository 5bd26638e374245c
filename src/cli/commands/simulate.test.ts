import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

describe('tessera simulate --adapt --prescale: forecast-driven pre-scale from the plan', () => {
  // `hot` may grow to 6 replicas (the plan has 2, 100 req/s each, 300 ms load + 50 ms first
  // inference); `c1` is in a cold pool, which pre-scale leaves alone.
  const pdir = path.join(dir, 'prescale');
  mkdirSync(pdir, { recursive: true });
  const pf = clusterFixture({
    services: [
      { name: 'hot', batchMs: 2, loadMs: 300, firstInferenceMs: 50, rps: 50, replicas: 2, maxReplicas: 6 },
      { name: 'c1', batchMs: 5, pool: 'cold', loadMs: 400, memoryBytes: 1e9, rps: 3 },
    ],
    poolMemoryBytes: 1e9,
  });
  writeFileSync(path.join(pdir, 'fleet.yaml'), pf.yaml);
  writeFileSync(path.join(pdir, 'm.json'), JSON.stringify(pf.profiles));
  writeFileSync(path.join(pdir, 'plan.json'), JSON.stringify(pf.plan));
  const runP = (args: string[]): Promise<CommandRun> =>
    runCommand(registerSimulate, ['simulate', '-f', path.join(pdir, 'fleet.yaml'), '--plan', path.join(pdir, 'plan.json'), '--store', path.join(pdir, 'store'), ...args]);

  type PrescaleJson = { services: Record<string, { targetRpsPerReplica: number; loadMs: number; warmupMs: number; marginMs: number; leadMs: number; capacityRps: number }>; skipped: { service: string; reason: string }[]; forecaster: string };

  test('--json: the adapt report has the prescale actions and the settings they came from', async () => {
    // At 0.2 × 100 req/s a replica should carry 20 req/s: 50 req/s asks for 3 replicas.
    const { stdout, code } = await runP(['--duration', '2m', '--json', '--adapt', '--prescale', '--prescale-utilization', '0.2', '--prescale-margin', '10s']);
    expect(code).toBe(0);
    const r = JSON.parse(stdout) as SimulationResult & { adapt: SimAdaptReport & { prescale: PrescaleJson } };
    const ups = r.adapt.actions.filter((a) => a.action === 'prescale');
    expect(ups.length).toBeGreaterThan(0);
    expect(ups[0]).toMatchObject({ subject: 'service/hot', dryRun: false });
    expect(ups[0]?.reason).toMatch(/^scale-up hot from 2 to 3 replicas: .* within the 10 s lead time \(load \+ warm-up \+ margin\), 20 req\/s per replica$/);
    expect(r.adapt.replicas['hot']?.peak).toBeGreaterThanOrEqual(3);
    expect(r.adapt.prescale.services['hot']).toMatchObject({ targetRpsPerReplica: 20, capacityRps: 100, loadMs: 300, warmupMs: 50, marginMs: 10_000, leadMs: 10_350 });
    expect(r.adapt.prescale.skipped.map((x) => x.service)).toEqual(['c1']);
    expect(r.adapt.prescale.forecaster).toBe('holt-winters(season 86400000 ms)');
  });

  test('the table lists each service\'s target and lead time, and what was skipped', async () => {
    const { stdout, code } = await runP(['--duration', '30s', '--adapt-dry-run', '--prescale', '--prescale-forecaster', 'seasonal-naive', '--prescale-season', '1h']);
    expect(code).toBe(0);
    expect(stdout).toContain('pre-scale hot: 70.0 req/s per replica (0.7 × 100.0), lead 30.4 s = load 300 ms + warm-up 50 ms + margin 30.0 s; forecaster seasonal-naive(season 3600000 ms), 1 h history at 1 min steps');
    expect(stdout).toMatch(/pre-scale skips c1: a cold-pool service/);
  });

  test.each([
    [['--prescale'], 'TESSERA_ERR_INPUT_FLAG'],
    [['--adapt', '--prescale-margin', '1m'], 'TESSERA_ERR_INPUT_FLAG'],
    [['--adapt', '--prescale', '--prescale-forecaster', 'arima'], 'TESSERA_ERR_INPUT_FLAG'],
    [['--adapt', '--prescale', '--prescale-utilization', '1.5'], 'TESSERA_ERR_INPUT_FLAG'],
    [['--adapt', '--prescale', '--prescale-utilization', '0'], 'TESSERA_ERR_INPUT_FLAG'],
    [['--adapt', '--prescale', '--prescale-utilization', 'most'], 'TESSERA_ERR_INPUT_FLAG'],
    [['--adapt', '--prescale', '--prescale-season', '0s'], 'TESSERA_ERR_INPUT_FLAG'],
    [['--adapt', '--prescale', '--prescale-season', 'daily'], 'TESSERA_ERR_INPUT_DURATION'],
    [['--adapt', '--prescale', '--prescale-margin', 'soon'], 'TESSERA_ERR_INPUT_DURATION'],
  ])('%j is a coded error', async (args, code) => {
    const out = await runP(['--duration', '1s', '--json', ...args]);
    expect(out.code).toBe(2);
    expect((JSON.parse(out.stdout) as { error: { code: string } }).error.code).toBe(code);
  });

  test('--help documents the pre-scale flags', () => {
    const program = new Command();
    registerSimulate(program);
    const help = program.commands.find((c) => c.name() === 'simulate')?.helpInformation() ?? '';
    for (const f of ['--prescale ', '--prescale-forecaster <name>', '--prescale-season <duration>', '--prescale-margin <duration>', '--prescale-utilization <0..1>']) expect(help).toContain(f);
  });
});
