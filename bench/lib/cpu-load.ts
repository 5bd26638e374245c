/**
 * How busy the machine was with work that is not the benchmark's: all CPU time the kernel counted
 * (/proc/stat, every PID namespace) minus the time of the benchmark's own processes. On a shared
 * machine this says which rounds ran beside someone else's test run.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';

const TICKS_PER_S = 100;

interface Snapshot {
  atMs: number;
  busyS: number;
  ownS: number;
}

function machineBusyS(): number {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal …: everything but idle and iowait is busy.
  const total = cpu.slice(0, 8).reduce((a, b) => a + b, 0);
  return (total - (cpu[3] ?? 0) - (cpu[4] ?? 0)) / TICKS_PER_S;
}

function cpuSOf(statFile: string): number {
  try {
    const fields = readFileSync(statFile, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_S;
  } catch {
    return 0;
  }
}

/** User + system CPU seconds of a process, all its threads. */
export function processCpuS(pid: number): number {
  return cpuSOf(`/proc/${pid}/stat`);
}

/** User + system CPU seconds of a process's main thread alone (its JavaScript event loop). */
export function mainThreadCpuS(pid: number): number {
  return cpuSOf(`/proc/${pid}/task/${pid}/stat`);
}

export function cpuSnapshot(pids: readonly number[]): Snapshot {
  return { atMs: performance.now(), busyS: machineBusyS(), ownS: pids.reduce((s, p) => s + processCpuS(p), 0) };
}

/** Cores' worth of CPU used by others between two snapshots (0 on an otherwise idle machine). */
export function foreignCores(a: Snapshot, b: Snapshot): number {
  const wallS = (b.atMs - a.atMs) / 1000;
  return wallS > 0 ? Math.max(0, (b.busyS - a.busyS - (b.ownS - a.ownS)) / wallS) : Number.NaN;
}

const SPIN = `
const until = performance.now() + Number(process.argv[1]);
let n = 0, x = 0;
while (performance.now() < until) { for (let i = 0; i < 1e4; i++) x += Math.sqrt(i + x); n++; }
process.stdout.write(String(n));
`;

function spinners(count: number, ms: number): Promise<number[]> {
  return Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<number>((resolve, reject) => {
          const c = spawn(process.execPath, ['-e', SPIN, String(ms)], { stdio: ['ignore', 'pipe', 'ignore'] });
          let out = '';
          c.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
          c.once('error', reject);
          c.once('exit', () => resolve(Number(out)));
        }),
    ),
  );
}

/**
 * How much CPU work the machine does with every logical CPU busy, in units of one busy CPU: the
 * same arithmetic loop run alone, then once per logical CPU at the same time. 2.0 on two real
 * cores; about 1 where the vCPUs share one physical core or a CPU quota. Alternates the two
 * measurements `rounds` times and returns the median ratio.
 */
export async function parallelScaling(rounds = 3, ms = 1000): Promise<{ cpus: number; scaling: number; rounds: number[] }> {
  const cpus = os.cpus().length;
  const ratios: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const [alone] = await spinners(1, ms);
    const all = await spinners(cpus, ms);
    ratios.push(all.reduce((a, b) => a + b, 0) / alone!);
  }
  const sorted = [...ratios].sort((a, b) => a - b);
  return { cpus, scaling: sorted[Math.floor(sorted.length / 2)]!, rounds: ratios };
}

/**
 * Waits until other tenants have used less than `maxCores` for one `sampleMs` window, or until
 * `timeoutMs` has passed. Returns how long it waited and the load of the last window, so a round
 * that started without a quiet window can be told apart.
 */
export async function waitForQuiet(pids: readonly number[], maxCores: number, timeoutMs: number, sampleMs = 500): Promise<{ waitedMs: number; otherLoad: number }> {
  const t0 = performance.now();
  for (;;) {
    const a = cpuSnapshot(pids);
    await new Promise((r) => setTimeout(r, sampleMs));
    const load = foreignCores(a, cpuSnapshot(pids));
    const waitedMs = performance.now() - t0;
    if (load < maxCores || waitedMs >= timeoutMs) return { waitedMs, otherLoad: load };
  }
}
