/**
 * How busy the machine was with work that is not the benchmark's: all CPU time the kernel counted
 * (/proc/stat, every PID namespace) minus the time of the benchmark's own processes. On a shared
 * machine this says which rounds ran beside someone else's test run.
 */
import { readFileSync } from 'node:fs';

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

function processCpuS(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_S;
  } catch {
    return 0;
  }
}

export function cpuSnapshot(pids: readonly number[]): Snapshot {
  return { atMs: performance.now(), busyS: machineBusyS(), ownS: pids.reduce((s, p) => s + processCpuS(p), 0) };
}

/** Cores' worth of CPU used by others between two snapshots (0 on an otherwise idle machine). */
export function foreignCores(a: Snapshot, b: Snapshot): number {
  const wallS = (b.atMs - a.atMs) / 1000;
  return wallS > 0 ? Math.max(0, (b.busyS - a.busyS - (b.ownS - a.ownS)) / wallS) : Number.NaN;
}
