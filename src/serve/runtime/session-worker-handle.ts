import { Worker } from 'node:worker_threads';
import { TesseraError } from '../../core/index.js';
import type { HostTensor } from './host-tensor.js';
import type { TensorMetadata, WorkerInit, WorkerRequest, WorkerResponse } from './worker-protocol.js';

export interface WorkerStartTimings {
  /** Thread spawned until the runtime (onnxruntime) is initialised: container/framework level. */
  frameworkInitMs: number;
  /** InferenceSession.create: the model loaded and its graph optimised. */
  sessionCreateMs: number;
  /** Spawn to ready, wall time. */
  totalMs: number;
}

export interface RunResult {
  outputs: Record<string, HostTensor>;
  computeMs: number;
}

interface Pending {
  resolve: (r: RunResult) => void;
  reject: (e: TesseraError) => void;
}

// Built, the worker entry is a .js file beside this one. Under vitest/tsx this file is TypeScript:
// the worker then registers tsx's loader itself (worker execArgv cannot carry --import).
const SELF_IS_TS = import.meta.url.endsWith('.ts');

function spawnWorker(init: WorkerInit): Worker {
  if (!SELF_IS_TS) return new Worker(new URL('./session-worker.js', import.meta.url), { workerData: init });
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./session-worker.ts', import.meta.url).href;
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(bootstrap, { eval: true, workerData: init });
}

/** True when the array spans the whole of a plain (transferable) ArrayBuffer. */
function ownsWholeBuffer(data: HostTensor['data']): boolean {
  return data.buffer instanceof ArrayBuffer && data.byteOffset === 0 && data.byteLength === data.buffer.byteLength;
}

/**
 * The parent's handle on one session worker thread. Every request it accepted is settled exactly
 * once: with the result, with the worker's error, or — if the thread dies — with
 * TESSERA_ERR_RUNTIME_WORKER_CRASHED, so nothing is ever left hanging.
 */
export class SessionWorkerHandle {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private exited = false;
  private exitListeners: Array<(code: number) => void> = [];

  private constructor(
    private readonly worker: Worker,
    readonly timings: WorkerStartTimings,
    readonly inputNames: readonly string[],
    readonly outputNames: readonly string[],
    readonly inputMetadata: readonly TensorMetadata[],
    readonly outputMetadata: readonly TensorMetadata[],
  ) {
    worker.on('message', (msg: WorkerResponse) => this.onMessage(msg));
    worker.on('error', () => undefined); // 'exit' follows and settles everything
    worker.on('exit', (code) => this.onExit(code));
  }

  static start(init: WorkerInit): Promise<SessionWorkerHandle> {
    const t0 = performance.now();
    const worker = spawnWorker(init);
    return new Promise((resolve, reject) => {
      const fail = (message: string): void => {
        void worker.terminate();
        reject(new TesseraError('TESSERA_ERR_RUNTIME_WORKER_START', `could not load '${init.modelPath}': ${message}`));
      };
      const onExit = (code: number): void => fail(`worker exited with code ${code} while loading`);
      worker.once('error', (err) => fail(err.message));
      worker.once('exit', onExit);
      worker.once('message', (msg: WorkerResponse) => {
        worker.off('exit', onExit);
        worker.removeAllListeners('error');
        if (msg.type !== 'loaded') {
          fail(msg.type === 'load-failed' ? msg.message : `unexpected first message '${msg.type}'`);
          return;
        }
        const timings = { frameworkInitMs: msg.frameworkInitMs, sessionCreateMs: msg.sessionCreateMs, totalMs: performance.now() - t0 };
        resolve(new SessionWorkerHandle(worker, timings, msg.inputNames, msg.outputNames, msg.inputMetadata, msg.outputMetadata));
      });
    });
  }

  get alive(): boolean {
    return !this.exited;
  }

  get inFlight(): number {
    return this.pending.size;
  }

  onExitOnce(listener: (code: number) => void): void {
    this.exitListeners.push(listener);
  }

  /**
   * Posts one batch. Every feed's buffer is *transferred* to the worker, not copied: the caller's
   * arrays are detached afterwards, so pass tensors nothing else holds (the batch loop builds a
   * fresh batch for each attempt). A tensor that is only a view on part of a larger buffer is sent
   * as a copy of its own bytes instead, so the rest of that buffer is never taken away.
   *
   * Several batches may be posted before the first one finishes; the worker runs them one at a
   * time, in order.
   */
  run(feeds: Record<string, HostTensor>, outputNames?: string[]): Promise<RunResult> {
    if (this.exited) {
      return Promise.reject(new TesseraError('TESSERA_ERR_RUNTIME_WORKER_CRASHED', 'the session worker has exited'));
    }
    const id = this.nextId++;
    const sent: Record<string, HostTensor> = {};
    const transfer: ArrayBuffer[] = [];
    for (const name in feeds) {
      let t = feeds[name] as HostTensor;
      if (!ownsWholeBuffer(t.data)) t = { dtype: t.dtype, dims: t.dims, data: t.data.slice() };
      sent[name] = t;
      const buffer = t.data.buffer as ArrayBuffer;
      if (!transfer.includes(buffer)) transfer.push(buffer);
    }
    const msg: WorkerRequest = outputNames === undefined ? { type: 'run', id, feeds: sent } : { type: 'run', id, feeds: sent, outputNames };
    return new Promise<RunResult>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage(msg, transfer);
    });
  }

  /** Fault injection: the worker dies mid-work as a native crash would (tests, chaos drills). */
  crash(): void {
    this.worker.postMessage({ type: 'crash' } satisfies WorkerRequest);
  }

  async close(): Promise<void> {
    if (this.exited) return;
    await this.worker.terminate();
  }

  private onMessage(msg: WorkerResponse): void {
    if (msg.type !== 'result' && msg.type !== 'run-failed') return;
    const p = this.pending.get(msg.id);
    if (!p) return;
    this.pending.delete(msg.id);
    if (msg.type === 'result') p.resolve({ outputs: msg.outputs, computeMs: msg.computeMs });
    else p.reject(new TesseraError('TESSERA_ERR_RUNTIME_RUN_FAILED', `onnxruntime failed the batch: ${msg.message}`));
  }

  private onExit(code: number): void {
    this.exited = true;
    const err = new TesseraError('TESSERA_ERR_RUNTIME_WORKER_CRASHED', `session worker exited (code ${code}) with ${this.pending.size} batch(es) in flight`);
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
    for (const l of this.exitListeners) l(code);
    this.exitListeners = [];
  }
}
