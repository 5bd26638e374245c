/**
 * Parent side of bench/lib/serve-child.ts: starts a server process for a plan, reads its RSS from
 * /proc, scrapes its /metrics, and stops it (SIGTERM, graceful drain).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Plan } from '../../src/plan/plan-types.js';

export interface ChildServerOptions {
  /** Fleet spec the plan was written for (absolute path). */
  fleetFile: string;
  /** A compiled copy of src/ (see `buildServerDist`); without it the server runs from src/ under tsx. */
  distDir?: string;
  coldBudgetBytes?: number;
  /** Fixed keep-alive for cold models, ms. */
  keepAliveMs?: number;
  keepAliveTickMs?: number;
  maxQueueItems?: number;
  requestTimeoutMs?: number;
  /** Extra Node options for the server process, e.g. `['--cpu-prof', '--cpu-prof-dir=/tmp/prof']` to profile a run. */
  nodeArgs?: string[];
}

export interface ChildServer {
  url: string;
  pid: number;
  /** Resident set of the server process (gateway, workers and onnxruntime arenas), bytes. */
  rssBytes(): number;
  metricsText(): Promise<string>;
  stop(): Promise<void>;
}

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'serve-child.ts');
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

/**
 * Compiles src/ as `npm run build` does, but into `outDir` (under the git-ignored .tessera/) with
 * its own build-info file, so dist/ and its incremental state are left alone. Type errors elsewhere
 * in the tree do not stop the emit; only a missing output does.
 */
export function buildServerDist(root: string, outDir: string): { ok: boolean; message: string } {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json'), '--outDir', outDir, '--tsBuildInfoFile', path.join(outDir, '.tsbuildinfo')], { cwd: root, encoding: 'utf8' });
  const ok = existsSync(path.join(outDir, 'serve/index.js')) && existsSync(path.join(outDir, 'serve/runtime/session-worker.js'));
  return { ok, message: r.status === 0 ? 'compiled' : `tsc exited ${r.status}: ${(r.stdout + r.stderr).trim().split('\n').slice(0, 3).join(' | ')}` };
}

export function readRssBytes(pid: number): number {
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : Number.NaN;
}

export function httpGet(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

export async function startChildServer(plan: Plan, o: ChildServerOptions): Promise<ChildServer> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tessera-bench-'));
  const file = path.join(dir, 'options.json');
  writeFileSync(file, JSON.stringify({ ...o, plan }));
  const child = spawn(process.execPath, [...(o.nodeArgs ?? []), '--import', 'tsx', CHILD, file], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TESSERA_LOG_LEVEL: 'silent' } });
  live.add(child);
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => {
    stderr = (stderr + c.toString('utf8')).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = await new Promise<{ url: string; pid: number }>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server child did not start in 180 s: ${stderr}`)), 180_000);
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString('utf8');
      const nl = out.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        resolve(JSON.parse(out.slice(0, nl)) as { url: string; pid: number });
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server child exited (${code}) before it was ready: ${stderr}`));
    });
  });
  const pid = child.pid ?? ready.pid;
  return {
    url: ready.url,
    pid,
    rssBytes: () => readRssBytes(pid),
    metricsText: async () => (await httpGet(`${ready.url}/metrics`)).body,
    stop: async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
        await exited;
        clearTimeout(killer);
      }
      live.delete(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Sum of a Prometheus sample family's values whose labels include every given pair. */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  let found = false;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!m || m[1] !== name) continue;
    const labelText = m[2] ?? '';
    if (!Object.entries(labels).every(([k, v]) => labelText.includes(`${k}="${v}"`))) continue;
    sum += Number(m[3]);
    found = true;
  }
  return found ? sum : Number.NaN;
}
