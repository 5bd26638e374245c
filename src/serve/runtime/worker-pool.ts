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
  /**
   * Batches a worker may hold at once: the one it runs plus those posted behind it, which it starts
   * the moment the current one is done. @default 2 (one running, one prepared)
   */
  maxBatchesPerWorker?: number;
  /** Called when a worker died and was replaced (for `tessera_serve_worker_restarts_total`). */
  onRestart?: (reason: string) => void;
}

/**
 * A batch for `WorkerPool.run`: either tensors the caller keeps (the pool sends a copy, so they
 * stay usable and a retry can send them again), or a function that builds the batch afresh for
 * each attempt, whose buffers are transferred to the worker without a copy.
 */
export type BatchSource = Readonly<Record<string, HostTensor>> | (() => Record<string, HostTensor>);

/** What a replica's batch loop needs from its workers: `WorkerPool`, or a test double. */
export interface BatchRunner {
  /** Instances that can run batches now. */
  readonly size: number;
  /** Batches one instance may hold: the running one plus those posted behind it. */
  readonly maxBatchesPerWorker: number;
  run(source: BatchSource, outputNames?: string[]): Promise<RunResult>;
}

interface Slot {
  readonly handle: SessionWorkerHandle;
  /** Batches posted to this worker and not yet settled. */
  batches: number;
  /**
   * Order in which the batch it runs now started (posted to an idle worker, or the one before it
   * settled): lower means busy longer, so likely to finish first. A counter, not a clock.
   */
  busySince: number;
}

interface Waiter {
  resolve: (slot: Slot) => void;
  reject: (err: TesseraError) => void;
}

/**
 * The session workers of one replica. A batch goes to the least loaded worker: an idle one if
 * there is one, else — up to `maxBatchesPerWorker` — behind the batch of the worker that has been
 * busy longest (it should finish first). A dead worker is replaced in the background; each batch
 * that was on it (the running one and any queued behind it) is retried once on another worker
 * (inference is idempotent), and only if that fails too does the caller see
 * TESSERA_ERR_RUNTIME_WORKER_CRASHED. Every batch is settled: if no worker can be started again,
 * the batches waiting for one fail rather than hang.
 */
export class WorkerPool implements BatchRunner {
  private readonly slots: Slot[] = [];
  private readonly waiters: Waiter[] = [];
  private readonly depth: number;
  private closed = false;
  private restarts = 0;
  private replacements = 0;
  private replacing: Promise<void> | undefined;
  private starts = 0;

  private constructor(
    private readonly opts: WorkerPoolOptions,
    readonly startTimings: WorkerStartTimings[],
    private readonly signature: { inputs: readonly TensorMetadata[]; outputs: readonly TensorMetadata[] },
  ) {
    this.depth = Math.max(1, Math.floor(opts.maxBatchesPerWorker ?? 2));
  }

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

  /** Live workers (instances) now; one fewer while a dead one is being replaced. */
  get size(): number {
    return this.slots.length;
  }

  /** Workers with no batch at all. */
  get freeInstances(): number {
    return this.slots.reduce((n, s) => n + (s.batches === 0 ? 1 : 0), 0);
  }

  /** Batches one worker may hold: its running one plus those queued behind it. */
  get maxBatchesPerWorker(): number {
    return this.depth;
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

  /**
   * Runs one batch on the least loaded worker (waiting if every worker holds `maxBatchesPerWorker`).
   * If its worker dies, the batch is built again from `source` and retried once.
   */
  async run(source: BatchSource, outputNames?: string[]): Promise<RunResult> {
    const build = typeof source === 'function' ? source : () => cloneFeeds(source);
    try {
      return await this.runOnce(build(), outputNames);
    } catch (err) {
      if (!isTesseraError(err) || err.code !== 'TESSERA_ERR_RUNTIME_WORKER_CRASHED' || this.closed) throw err;
      return this.runOnce(build(), outputNames);
    }
  }

  /** Fault injection: kill one worker (tests and chaos drills). */
  crashOne(): void {
    this.slots[0]?.handle.crash();
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.replacing;
    await Promise.all(this.slots.map((s) => s.handle.close()));
    this.failWaiters(new TesseraError('TESSERA_ERR_RUNTIME_CLOSED', 'the worker pool is closed'));
  }

  private async runOnce(feeds: Record<string, HostTensor>, outputNames?: string[]): Promise<RunResult> {
    const slot = await this.acquire();
    try {
      return await slot.handle.run(feeds, outputNames);
    } finally {
      this.settle(slot);
    }
  }

  private acquire(): Promise<Slot> {
    if (this.closed) return Promise.reject(new TesseraError('TESSERA_ERR_RUNTIME_CLOSED', 'the worker pool is closed'));
    const slot = this.pick();
    if (slot) {
      this.take(slot);
      return Promise.resolve(slot);
    }
    if (this.slots.length === 0 && this.replacements === 0) {
      return Promise.reject(new TesseraError('TESSERA_ERR_RUNTIME_WORKER_CRASHED', 'no session worker is running and none could be started'));
    }
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** The live worker with the fewest batches (below the depth); among equals, the one busy longest. */
  private pick(): Slot | undefined {
    let best: Slot | undefined;
    for (const s of this.slots) {
      if (s.batches >= this.depth || !s.handle.alive) continue;
      if (!best || s.batches < best.batches || (s.batches === best.batches && s.busySince < best.busySince)) best = s;
    }
    return best;
  }

  private take(slot: Slot): void {
    if (slot.batches === 0) slot.busySince = this.starts++;
    slot.batches++;
  }

  private settle(slot: Slot): void {
    slot.batches--;
    // The worker starts the batch queued behind this one now.
    if (slot.batches > 0) slot.busySince = this.starts++;
    this.serveWaiters();
  }

  private serveWaiters(): void {
    while (this.waiters.length > 0) {
      const slot = this.pick();
      if (!slot) return;
      this.take(slot);
      (this.waiters.shift() as Waiter).resolve(slot);
    }
  }

  private failWaiters(err: TesseraError): void {
    for (const w of this.waiters.splice(0)) w.reject(err);
  }

  private adopt(h: SessionWorkerHandle): void {
    this.slots.push({ handle: h, batches: 0, busySince: 0 });
    h.onExitOnce((code) => this.onWorkerExit(h, code));
    this.serveWaiters();
  }

  private onWorkerExit(h: SessionWorkerHandle, code: number): void {
    const i = this.slots.findIndex((s) => s.handle === h);
    if (i >= 0) this.slots.splice(i, 1);
    if (this.closed) return;
    this.restarts++;
    this.opts.onRestart?.(`worker exited with code ${code}`);
    this.replacements++;
    const previous = this.replacing ?? Promise.resolve();
    this.replacing = previous.then(() => this.replace());
  }

  private async replace(): Promise<void> {
    try {
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
    } finally {
      this.replacements--;
      // Nothing left to run on and nothing coming: fail what waits instead of leaving it hanging.
      if (this.slots.length === 0 && this.replacements === 0 && !this.closed) {
        this.failWaiters(new TesseraError('TESSERA_ERR_RUNTIME_WORKER_CRASHED', 'the session worker died and could not be started again'));
      }
    }
  }
}

function cloneFeeds(feeds: Readonly<Record<string, HostTensor>>): Record<string, HostTensor> {
  const out: Record<string, HostTensor> = {};
  for (const [k, t] of Object.entries(feeds)) out[k] = { dtype: t.dtype, dims: [...t.dims], data: t.data.slice() };
  return out;
}
