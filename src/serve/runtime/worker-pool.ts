import { TesseraError, isTesseraError } from '../../core/index.js';
import type { HostTensor } from './host-tensor.js';
import { SessionWorkerHandle, type RunResult, type WorkerStartTimings } from './session-worker-handle.js';
import type { TensorMetadata } from './worker-protocol.js';

export interface WorkerPoolOptions {
  modelPath: string;
  /** Model instances on this replica's slice: one session worker each. */
  instances: number;
  /** Intra-op threads per instance: the slice's cores divided among its instances. */
  intraOpNumThreads: number;
  /** Called when a worker died and was replaced (for `tessera_serve_worker_restarts_total`). */
  onRestart?: (reason: string) => void;
}

/**
 * The session workers of one replica. A dead worker is replaced in the background; a batch that
 * was on it is retried once on another worker (inference is idempotent), and only if that fails
 * too does the caller see TESSERA_ERR_RUNTIME_WORKER_CRASHED.
 */
export class WorkerPool {
  private readonly workers: SessionWorkerHandle[] = [];
  private readonly idle: SessionWorkerHandle[] = [];
  private readonly waiters: Array<{ resolve: (w: SessionWorkerHandle) => void; reject: (e: TesseraError) => void }> = [];
  private closed = false;
  private restarts = 0;
  private replacing: Promise<void> | undefined;

  private constructor(
    private readonly opts: WorkerPoolOptions,
    readonly startTimings: WorkerStartTimings[],
    private readonly signature: { inputs: readonly TensorMetadata[]; outputs: readonly TensorMetadata[] },
  ) {}

  /** Container and framework level warm-up: every instance's thread, runtime and session are up before the pool is returned. */
  static async start(opts: WorkerPoolOptions): Promise<WorkerPool> {
    if (opts.instances < 1) throw new RangeError('a worker pool needs at least one instance');
    const handles = await Promise.all(
      Array.from({ length: opts.instances }, () => SessionWorkerHandle.start({ modelPath: opts.modelPath, intraOpNumThreads: opts.intraOpNumThreads })),
    );
    const first = handles[0] as SessionWorkerHandle;
    const pool = new WorkerPool(opts, handles.map((h) => h.timings), { inputs: first.inputMetadata, outputs: first.outputMetadata });
    for (const h of handles) pool.adopt(h);
    return pool;
  }

  get size(): number {
    return this.workers.length;
  }

  get freeInstances(): number {
    return this.idle.length;
  }

  get restartCount(): number {
    return this.restarts;
  }

  /** The model's signature as the first worker's session reports it. */
  get inputMetadata(): readonly TensorMetadata[] {
    return this.signature.inputs;
  }

  get outputMetadata(): readonly TensorMetadata[] {
    return this.signature.outputs;
  }

  /** Runs one batch on a free worker (waiting for one if all are busy). */
  async run(feeds: Record<string, HostTensor>, outputNames?: string[]): Promise<RunResult> {
    // The worker takes ownership of the buffers it is sent, so keep a copy for the one retry.
    const retryCopy = cloneFeeds(feeds);
    try {
      return await this.runOnce(feeds, outputNames);
    } catch (err) {
      if (!isTesseraError(err) || err.code !== 'TESSERA_ERR_RUNTIME_WORKER_CRASHED' || this.closed) throw err;
      return this.runOnce(retryCopy, outputNames);
    }
  }

  /** Fault injection: kill one worker (tests and chaos drills). */
  crashOne(): void {
    this.workers[0]?.crash();
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.replacing;
    await Promise.all(this.workers.map((w) => w.close()));
    const err = new TesseraError('TESSERA_ERR_RUNTIME_CLOSED', 'the worker pool is closed');
    for (const w of this.waiters.splice(0)) w.reject(err);
  }

  private async runOnce(feeds: Record<string, HostTensor>, outputNames?: string[]): Promise<RunResult> {
    const worker = await this.acquire();
    try {
      return await worker.run(feeds, outputNames);
    } finally {
      if (worker.alive) this.release(worker);
    }
  }

  private acquire(): Promise<SessionWorkerHandle> {
    if (this.closed) return Promise.reject(new TesseraError('TESSERA_ERR_RUNTIME_CLOSED', 'the worker pool is closed'));
    const w = this.idle.pop();
    if (w) return Promise.resolve(w);
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  private release(worker: SessionWorkerHandle): void {
    const next = this.waiters.shift();
    if (next) next.resolve(worker);
    else this.idle.push(worker);
  }

  private adopt(h: SessionWorkerHandle): void {
    this.workers.push(h);
    h.onExitOnce((code) => this.onWorkerExit(h, code));
    this.release(h);
  }

  private onWorkerExit(h: SessionWorkerHandle, code: number): void {
    remove(this.workers, h);
    remove(this.idle, h);
    if (this.closed) return;
    this.restarts++;
    this.opts.onRestart?.(`worker exited with code ${code}`);
    const previous = this.replacing ?? Promise.resolve();
    this.replacing = previous.then(() => this.replace());
  }

  private async replace(): Promise<void> {
    for (let attempt = 0; attempt < 3 && !this.closed; attempt++) {
      try {
        const h = await SessionWorkerHandle.start({ modelPath: this.opts.modelPath, intraOpNumThreads: this.opts.intraOpNumThreads });
        if (this.closed) {
          await h.close();
          return;
        }
        this.adopt(h);
        return;
      } catch {
        // The model loaded before, so a failed reload is transient (memory pressure); try again.
      }
    }
  }
}

function remove<T>(list: T[], item: T): void {
  const i = list.indexOf(item);
  if (i >= 0) list.splice(i, 1);
}

function cloneFeeds(feeds: Record<string, HostTensor>): Record<string, HostTensor> {
  const out: Record<string, HostTensor> = {};
  for (const [k, t] of Object.entries(feeds)) out[k] = { dtype: t.dtype, dims: [...t.dims], data: t.data.slice() };
  return out;
}
