import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { afterAll, afterEach, describe, expect, test, vi } from 'vitest';
import { clusterFixture } from '../../sim/cluster/test-support/cluster-fixture.js';
import type { SimulationResult } from '../../sim/index.js';
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

async function run(args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  let stdout = '';
  let stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  const program = new Command().exitOverride();
  registerSimulate(program);
  process.exitCode = 0;
  await program.parseAsync(['node', 'tessera', 'simulate', '-f', specFile, '--plan', planFile, '--store', path.join(dir, 'store'), ...args]);
  const code = Number(process.exitCode ?? 0);
  vi.restoreAllMocks();
  return { stdout, stderr, code };
}

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

  test.each([
    [['--keep-alive', 'lru'], 'TESSERA_ERR_SIM_OPTION'],
    [['--keep-alive', 'forecast', '--keep-alive-ms', '5s'], 'TESSERA_ERR_SIM_OPTION'],
    [['--keep-alive-ms', 'soon'], 'TESSERA_ERR_SIM_OPTION'],
    [['--fail', 'hot/0'], 'TESSERA_ERR_SIM_OPTION'],
    [['--fail', 'hot/9@1s'], 'TESSERA_ERR_SIM_UNKNOWN_TARGET'],
  ])('%j is a coded error', async (args, code) => {
    const out = await run(['--duration', '1s', '--json', ...args]);
    expect(out.code).toBe(2);
    expect((JSON.parse(out.stdout) as { error: { code: string } }).error.code).toBe(code);
  });
});
