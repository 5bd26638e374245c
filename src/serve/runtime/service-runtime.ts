import { TesseraError, createRng, type Clock, type ModelInputSpec } from '../../core/index.js';
import { buildBatch, planInputs, type InputPlan } from '../../profile/index.js';
import { createBatchPolicy } from '../../policy/index.js';
import type { PlanBatching } from '../../plan/plan-types.js';
import type { ServeMetrics } from '../../observe/serve-metrics.js';
import type { HostTensor } from './host-tensor.js';
import { batchKeyOf, type ModelIo } from './model-io.js';
import { ModelQueue } from './model-queue.js';
import { ReplicaLoop, type InferOutputs } from './replica-loop.js';
import { WorkerPool } from './worker-pool.js';
import type { TensorMetadata } from './worker-protocol.js';

export interface ReplicaSpec {
  /** Model instances (session workers) on the replica's slice. */
  instances: number;
  /** Intra-op threads per instance. */
  threadsPerInstance: number;
  batching: PlanBatching;
}

export interface ServiceRuntimeOptions {
  /** The OIP model name: the service's name. */
  service: string;
  modelPath: string;
  /** The fleet spec's `models[].input` map (per-item shapes, batch axes, constants). */
  inputSpec: Readonly<Record<string, ModelInputSpec>> | undefined;
  maxBatchSize: number;
  replicas: readonly ReplicaSpec[];
  sloMs: number;
  /** Queue bound in items; beyond it requests are refused with 429. */
  maxQueueItems: number;
  /** Default per-request timeout, ms. */
  requestTimeoutMs: number;
  clock: Clock;
  metrics?: ServeMetrics;
}

export interface WarmupTimings {
  /** Worker threads spawned until onnxruntime was initialised in them (max over instances). */
  containerMs: number;
  frameworkMs: number;
  /** Session create (model load) — max over instances. */
  modelMs: number;
  /** Dummy inferences at every batch size the plan uses. */
  warmupMs: number;
  warmupBatchSizes: number[];
}

export interface InferOptions {
  timeoutMs?: number;
}

/**
 * One served model: a shared bounded queue, one batch loop per replica, each replica a pool of
 * session workers. Ready only after all three warm-up levels ran: workers started (container),
 * onnxruntime initialised (framework), and a dummy inference at every batch size the plan uses
 * (model) — so allocations happen before traffic does.
 */
export class ServiceRuntime {
  private readonly queue: ModelQueue<InferOutputs>;
  private readonly loops: ReplicaLoop[] = [];
  private accepting = true;
  /** EWMA of batch compute time per item, ms: feeds the deadline check and Retry-After. */
  private perItemMs: number;

  private constructor(
    private readonly o: ServiceRuntimeOptions,
    private readonly pools: WorkerPool[],
    readonly io: ModelIo,
    readonly inputPlan: InputPlan,
    readonly inputMetadata: readonly TensorMetadata[],
    readonly outputMetadata: readonly TensorMetadata[],
    readonly warmup: WarmupTimings,
  ) {
    this.queue = new ModelQueue<InferOutputs>(o.maxQueueItems);
    this.perItemMs = warmup.warmupMs > 0 ? warmup.warmupMs / Math.max(1, warmup.warmupBatchSizes.reduce((a, b) => a + b, 0)) : 1;
    o.replicas.forEach((spec, i) => {
      const policy = createBatchPolicy({
        policy: spec.batching.policy,
        maxBatchSize: Math.min(spec.batching.maxBatchSize, o.maxBatchSize),
        maxQueueDelayMs: spec.batching.maxQueueDelayMs,
        ...(spec.batching.preferredBatchSizes ? { preferredBatchSizes: spec.batching.preferredBatchSizes } : {}),
        sloMs: o.sloMs,
        serviceTimePrior: { baseMs: 0, perItemMs: this.perItemMs },
      });
      this.loops.push(
        new ReplicaLoop({
          service: o.service,
          queue: this.queue,
          pool: pools[i] as WorkerPool,
          policy,
          io,
          clock: o.clock,
          ...(o.metrics ? { metrics: o.metrics } : {}),
          onFreed: () => this.pumpAll(),
          onBatchDone: (items, computeMs) => this.notePerItemMs(computeMs / Math.max(1, items)),
        }),
      );
    });
  }

  static async start(o: ServiceRuntimeOptions): Promise<ServiceRuntime> {
    const t0 = o.clock.nowMs();
    const pools = await Promise.all(
      o.replicas.map((r) =>
        WorkerPool.start({
          modelPath: o.modelPath,
          instances: r.instances,
          intraOpNumThreads: r.threadsPerInstance,
          ...(o.metrics ? { onRestart: () => o.metrics?.workerRestarts.inc({ model: o.service }) } : {}),
        }),
      ),
    );
    try {
      const first = pools[0];
      if (!first) throw new RangeError(`service '${o.service}' has no replicas`);
      const timings = pools.flatMap((p) => p.startTimings);
      const containerMs = o.clock.nowMs() - t0 - Math.max(...timings.map((t) => t.sessionCreateMs));
      const inputPlan = planInputs(o.service, first.inputMetadata, o.inputSpec, { maxBatchSize: o.maxBatchSize });
      const io: ModelIo = {
        inputs: inputPlan.inputs.map((i) => ({ name: i.name, batchAxis: i.batchAxis })),
        outputSymbolicDims: Object.fromEntries(first.outputMetadata.map((m) => [m.name, m.shape ?? []])),
        ...batchDimNameOf(first.inputMetadata, inputPlan),
      };
      const sizes = warmupSizes(o.replicas, inputPlan.maxBatchSize);
      const w0 = o.clock.nowMs();
      const rng = createRng(0x7e55e7a);
      for (const pool of pools) {
        for (let k = 0; k < pool.size; k++) {
          // Every instance sees every size: each session allocates its own arena per shape.
          for (const b of sizes) await pool.run(buildBatch(inputPlan, b, rng));
        }
      }
      const warmupMs = o.clock.nowMs() - w0;
      const warmup: WarmupTimings = {
        containerMs: Math.max(0, containerMs),
        frameworkMs: Math.max(...timings.map((t) => t.frameworkInitMs)),
        modelMs: Math.max(...timings.map((t) => t.sessionCreateMs)),
        warmupMs,
        warmupBatchSizes: sizes,
      };
      const m = o.metrics;
      if (m) {
        m.warmupSeconds.set({ model: o.service, stage: 'container' }, warmup.containerMs / 1000);
        m.warmupSeconds.set({ model: o.service, stage: 'framework' }, warmup.frameworkMs / 1000);
        m.warmupSeconds.set({ model: o.service, stage: 'model' }, warmup.modelMs / 1000);
        m.warmupSeconds.set({ model: o.service, stage: 'warmup' }, warmup.warmupMs / 1000);
        m.modelReady.set({ model: o.service }, 1);
      }
      return new ServiceRuntime(o, pools, io, inputPlan, first.inputMetadata, first.outputMetadata, warmup);
    } catch (err) {
      await Promise.all(pools.map((p) => p.close()));
      throw err;
    }
  }

  get name(): string {
    return this.o.service;
  }

  get queueDepth(): number {
    return this.queue.length;
  }

  get inflightBatches(): number {
    return this.loops.reduce((n, l) => n + l.inflightBatches, 0);
  }

  get instances(): number {
    return this.pools.reduce((n, p) => n + p.size, 0);
  }

  /**
   * Queues a request and resolves with its outputs. Refused at once — never queued to wait in
   * vain — when the queue is full (429) or when the work ahead means it cannot finish before its
   * timeout (503); both carry a retry-after hint in `details.retryAfterS`.
   */
  infer(feeds: Record<string, HostTensor>, options: InferOptions = {}): Promise<InferOutputs> {
    if (!this.accepting) return Promise.reject(new TesseraError('TESSERA_ERR_RUNTIME_CLOSED', `'${this.o.service}' is draining and takes no new requests`));
    const key = batchKeyOf(this.io, feeds);
    if (key.items > this.o.maxBatchSize) {
      return Promise.reject(new TesseraError('TESSERA_ERR_RUNTIME_BAD_REQUEST', `a request may carry at most ${this.o.maxBatchSize} items for '${this.o.service}'; it carried ${key.items}`));
    }
    const nowMs = this.o.clock.nowMs();
    const timeoutMs = options.timeoutMs ?? this.o.requestTimeoutMs;
    const expectedWaitMs = ((this.queue.items + key.items) * this.perItemMs) / Math.max(1, this.instances);
    if (expectedWaitMs > timeoutMs) {
      this.o.metrics?.requests.inc({ model: this.o.service, status: 'rejected' });
      return Promise.reject(
        new TesseraError('TESSERA_ERR_RUNTIME_DEADLINE', `'${this.o.service}' has ~${expectedWaitMs.toFixed(0)} ms of work queued, past this request's ${timeoutMs} ms timeout`, {
          details: { retryAfterS: this.retryAfterS() },
        }),
      );
    }
    return new Promise<InferOutputs>((resolve, reject) => {
      const accepted = this.queue.offer({
        feeds,
        items: key.items,
        shapeKey: key.shapeKey,
        arrivalMs: nowMs,
        deadlineMs: nowMs + this.o.sloMs,
        expiresAtMs: nowMs + timeoutMs,
        resolve,
        reject,
      });
      if (!accepted) {
        this.o.metrics?.requests.inc({ model: this.o.service, status: 'rejected' });
        reject(
          new TesseraError('TESSERA_ERR_RUNTIME_QUEUE_FULL', `'${this.o.service}' queue is full (${this.queue.items} of ${this.o.maxQueueItems} items)`, {
            details: { retryAfterS: this.retryAfterS() },
          }),
        );
        return;
      }
      this.o.metrics?.queueDepth.set({ model: this.o.service }, this.queue.length);
      this.pumpAll();
    });
  }

  /** Learns the per-item compute time from finished batches (for admission and Retry-After). */
  private notePerItemMs(ms: number): void {
    this.perItemMs = 0.8 * this.perItemMs + 0.2 * ms;
  }

  /**
   * The refusal a request would get right now if the queue has no room at all — asked by the
   * gateway before it reads a body, so an overloaded service does not pay to decode what it will
   * refuse. Undefined when there is room (the exact check still happens in `infer`).
   */
  refusalBeforeBody(): TesseraError | undefined {
    if (!this.accepting) return new TesseraError('TESSERA_ERR_RUNTIME_CLOSED', `'${this.o.service}' is draining and takes no new requests`, { details: { retryAfterS: 1 } });
    if (this.queue.items < this.o.maxQueueItems) return undefined;
    this.o.metrics?.requests.inc({ model: this.o.service, status: 'rejected' });
    return new TesseraError('TESSERA_ERR_RUNTIME_QUEUE_FULL', `'${this.o.service}' queue is full (${this.queue.items} of ${this.o.maxQueueItems} items)`, {
      details: { retryAfterS: this.retryAfterS() },
    });
  }

  /** Stops taking requests and resolves once every accepted one has been answered. */
  async drain(pollMs = 10): Promise<void> {
    this.accepting = false;
    this.o.metrics?.modelReady.set({ model: this.o.service }, 0);
    while (this.queue.length > 0 || this.inflightBatches > 0) {
      this.pumpAll();
      await new Promise((r) => setTimeout(r, pollMs));
    }
  }

  async close(): Promise<void> {
    this.accepting = false;
    for (const l of this.loops) l.stop();
    const err = new TesseraError('TESSERA_ERR_RUNTIME_CLOSED', `'${this.o.service}' was closed`);
    for (const r of this.queue.drain()) r.reject(err);
    await Promise.all(this.pools.map((p) => p.close()));
    this.o.metrics?.modelReady.set({ model: this.o.service }, 0);
  }

  /** Fault injection: kill one worker of the first replica. */
  crashOneWorker(): void {
    this.pools[0]?.crashOne();
  }

  private pumpAll(): void {
    for (const l of this.loops) l.pump();
  }

  private retryAfterS(): number {
    const drainMs = (this.queue.items * this.perItemMs) / Math.max(1, this.instances);
    return Math.max(1, Math.ceil(drainMs / 2000));
  }
}

/** Batch sizes to warm: powers of two up to the largest the plan's batching can form, plus preferred sizes. */
function warmupSizes(replicas: readonly ReplicaSpec[], modelMax: number): number[] {
  const sizes = new Set<number>();
  for (const r of replicas) {
    const max = Math.min(r.batching.maxBatchSize, modelMax);
    for (let b = 1; b < max; b *= 2) sizes.add(b);
    sizes.add(max);
    for (const p of r.batching.preferredBatchSizes ?? []) if (p <= modelMax) sizes.add(p);
  }
  return [...sizes].sort((a, b) => a - b);
}

function batchDimNameOf(meta: readonly TensorMetadata[], plan: InputPlan): { batchDimName?: string } {
  for (const input of plan.inputs) {
    if (input.batchAxis === null) continue;
    const dim = meta.find((m) => m.name === input.name)?.shape?.[input.batchAxis];
    if (typeof dim === 'string') return { batchDimName: dim };
  }
  return {};
}
