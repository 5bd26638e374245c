import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { freePort } from './net.js';
import { sleep } from './wait.js';

/** A real Prometheus started by a test. */
export interface TestPrometheus {
  readonly process: ChildProcess;
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** What it has printed so far, for failure messages. */
  readonly log: string;
  /** Waits until `/-/ready` answers; throws with the log if it exits first or takes longer than `withinMs`. */
  ready(withinMs: number): Promise<void>;
  /** SIGTERM, then SIGKILL if it has not exited within 5 s. */
  stop(): Promise<void>;
}

/**
 * Writes `config` to `<dir>/prometheus.yml` and starts `bin` (see `requireBinary`) on a free
 * loopback port with its TSDB in `<dir>/data`, logging warnings and errors only.
 */
export async function startPrometheus(bin: string, dir: string, config: string): Promise<TestPrometheus> {
  const port = await freePort();
  await writeFile(path.join(dir, 'prometheus.yml'), config);
  const child = spawn(bin, [`--config.file=${path.join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout?.on('data', (c: Buffer) => (log += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (log += c.toString()));
  const url = `http://127.0.0.1:${port}`;
  return {
    process: child,
    url,
    get log() {
      return log;
    },
    async ready(withinMs) {
      const readyBy = Date.now() + withinMs;
      for (;;) {
        if (child.exitCode !== null) throw new Error(`prometheus exited with ${child.exitCode}:\n${log}`);
        const ok = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1000) }).then((r) => r.ok, () => false);
        if (ok) break;
        if (Date.now() > readyBy) throw new Error(`prometheus was not ready within ${withinMs / 1000} s:\n${log}`);
        await sleep(200);
      }
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(5000)]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}
