import { TesseraError, createRng, type Clock, type ModelInputSpec } from '../../core/index.js';
import { buildBatch, planInputs, type InputPlan } from '../../profile/index.js';
import type { PlanBatching } from '../../plan/plan-types.js';
import type { ServeMetrics } from '../../observe/serve-metrics.js';
import { AdjustableBatchPolicy } from './adjustable-batch-policy.js';
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

/** One replica as the adapt layer sees it (`ServeCluster`). */
export interface ReplicaInfo {
  /** Stable for the replica's life; a restart keeps it. */
  readonly id: string;
  /** Warmed, attached, and with at least one live session worker. */
  readonly ready: boolean;
  readonly instances: number;
  readonly threadsPerInstance: number;
  /** The batch size in force on this replica (the cap, or the planned size). */
  readonly maxBatchSize: number;
  readonly plannedMaxBatchSize: number;
  /** Index of the plan replica this one was made from (scale-outs copy the first). */
  readonly specIndex: number;
  /** When its current worker pool went into service (a restart renews it). */
  readonly startedAtMs: number;
}

/** A replica's parts: the loop consults `policy`; `pool` runs its batches. */
interface ReplicaSlot {
  readonly id: string;
  readonly spec: ReplicaSpec;
  readonly specIndex: number;
  readonly pool: WorkerPool;
  readonly loop: ReplicaLoop;
  readonly policy: AdjustableBatchPolicy;
  readonly startedAtMs: number;
}

/**
 * Admission cap as a token bucket: `rps` tokens a second, holding at most one second's worth, so a
 * short burst at the cap passes and a sustained rate above it is refused.
 */
class TokenBucket {
  private tokens: number;
  private atMs: number;
  readonly burst: number;

  constructor(readonly rps: number, nowMs: number) {
    this.burst = Math.max(1, rps);
    this.tokens = this.burst;
    this.atMs = nowMs;
  }

  private refill(nowMs: number): void {
    this.tokens = Math.min(this.burst, this.tokens + ((nowMs - this.atMs) / 1000) * this.rps);
    this.atMs = nowMs;
  }

  /** Whether a token is there now (without taking it). */
  has(nowMs: number): boolean {
    this.refill(nowMs);
    return this.tokens >= 1;
  }

  take(nowMs: number): boolean {
    this.refill(nowMs);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Seconds until a token is there. */
  waitS(): number {
    return Math.max(0, (1 - this.tokens) / this.rps);
  }
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
  /** Replicas taking traffic, in start order; kept in step with `loops` and `pools`. */
  private readonly slots: ReplicaSlot[] = [];
  /** Replicas taken out of service whose in-flight batches are still finishing. */
  private readonly retiring = new Set<ReplicaSlot>();
  private nextReplica = 0;
  private batchCap: number | undefined;
  private admission: TokenBucket | undefined;
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
    // `pools` arrives holding the started pools; attach() puts each back as its replica's.
    const started = pools.splice(0);
    o.replicas.forEach((spec, i) => this.attach(spec, i, started[i] as WorkerPool));
  }

  /** Builds a replica's policy and batch loop over a warmed pool and puts it into service. */
  private attach(spec: ReplicaSpec, specIndex: number, pool: WorkerPool, id = `${this.o.service}-${this.nextReplica++}`, at = this.slots.length): ReplicaSlot {
    const policy = new AdjustableBatchPolicy({
      policy: spec.batching.policy,
      maxBatchSize: Math.min(spec.batching.maxBatchSize, this.o.maxBatchSize),
      maxQueueDelayMs: spec.batching.maxQueueDelayMs,
      ...(spec.batching.preferredBatchSizes ? { preferredBatchSizes: spec.batching.preferredBatchSizes } : {}),
      sloMs: this.o.sloMs,
      serviceTimePrior: { baseMs: 0, perItemMs: this.perItemMs },
    });
    policy.setCap(this.batchCap);
    const loop = new ReplicaLoop({
      service: this.o.service,
      queue: this.queue,
      pool,
      policy,
      io: this.io,
      clock: this.o.clock,
      ...(this.o.metrics ? { metrics: this.o.metrics } : {}),
      onFreed: () => this.pumpAll(),
      onBatchDone: (items, computeMs) => this.notePerItemMs(computeMs / Math.max(1, items)),
    });
    const slot: ReplicaSlot = { id, spec, specIndex, pool, loop, policy, startedAtMs: this.o.clock.nowMs() };
    this.slots.splice(at, 0, slot);
    this.loops.splice(at, 0, loop);
    this.pools.splice(at, 0, pool);
    return slot;
  }

  static async start(o: ServiceRuntimeOptions): Promise<ServiceRuntime> {
    const t0 = o.clock.nowMs();
    const pools = await Promise.all(o.replicas.map((r) => startPool(o, r)));
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
      for (const pool of pools) await warmPool(pool, inputPlan, sizes);
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
    let n = this.loops.reduce((sum, l) => sum + l.inflightBatches, 0);
    for (const s of this.retiring) n += s.loop.inflightBatches;
    return n;
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
    if (this.admission !== undefined && !this.admission.take(nowMs)) return Promise.reject(this.shedError(this.admission));
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
    if (this.admission !== undefined && !this.admission.has(this.o.clock.nowMs())) return this.shedError(this.admission);
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
    await Promise.all([...this.pools, ...[...this.retiring].map((s) => s.pool)].map((p) => p.close()));
    this.o.metrics?.modelReady.set({ model: this.o.service }, 0);
  }

  // ---- hooks for the adapt layer (ServeCluster) ---------------------------------------------

  /** The replicas taking traffic now, in start order. */
  replicas(): ReplicaInfo[] {
    return this.slots.map((s) => ({
      id: s.id,
      ready: this.accepting && s.pool.size > 0,
      instances: s.spec.instances,
      threadsPerInstance: s.spec.threadsPerInstance,
      maxBatchSize: s.policy.maxBatchSize,
      plannedMaxBatchSize: s.policy.plannedMaxBatchSize,
      specIndex: s.specIndex,
      startedAtMs: s.startedAtMs,
    }));
  }

  /** The cap set with `setBatchSizeCap`; undefined while the plan's sizes apply. */
  get batchSizeCap(): number | undefined {
    return this.batchCap;
  }

  /** Requests/s admitted at most; undefined while nothing is shed. */
  get admissionCapRps(): number | undefined {
    return this.admission?.rps;
  }

  /**
   * Starts one more replica like the plan's replica `specIndex` (default: the first), warms it at
   * every batch size it can form, and only then lets it take from the queue. Resolves with its id.
   */
  async addReplica(specIndex = 0): Promise<string> {
    const spec = this.o.replicas[specIndex];
    if (spec === undefined) throw new RangeError(`service '${this.o.service}' has no plan replica ${specIndex}`);
    const pool = await this.startWarmPool(spec);
    await this.closeIfClosed(pool);
    return this.attach(spec, specIndex, pool).id;
  }

  /**
   * Takes a replica out of service (default: the newest): it starts no new batch, the others take
   * the queue, and its pool closes once its in-flight batches are done. The last replica stays.
   */
  async removeReplica(id?: string): Promise<void> {
    const slot = id === undefined ? this.slots.at(-1) : this.slots.find((s) => s.id === id);
    if (slot === undefined) throw new RangeError(`service '${this.o.service}' has no replica '${id ?? ''}'`);
    if (this.slots.length <= 1) throw new RangeError(`service '${this.o.service}' keeps at least one replica`);
    await this.retire(slot);
  }

  /**
   * Replaces a replica with a fresh one on the same spec — new worker threads and sessions,
   * warmed before they take traffic — then retires the old one (make before break, so capacity
   * never dips). The replica keeps its id.
   */
  async restartReplica(id: string): Promise<void> {
    const old = this.slots.find((s) => s.id === id);
    if (old === undefined) throw new RangeError(`service '${this.o.service}' has no replica '${id}'`);
    const pool = await this.startWarmPool(old.spec);
    await this.closeIfClosed(pool);
    const at = this.slots.indexOf(old);
    if (at < 0) {
      // Removed while the new one warmed: nothing to replace.
      await pool.close();
      return;
    }
    this.detach(old);
    this.attach(old.spec, old.specIndex, pool, old.id, at);
    this.pumpAll();
    await this.drainRetired(old);
  }

  /** Caps the batch size of every replica (clamped to [1, its planned size]); undefined restores the plan's. */
  setBatchSizeCap(cap: number | undefined): void {
    if (cap !== undefined && !(Number.isFinite(cap) && cap >= 1)) throw new RangeError(`a batch size cap must be ≥ 1, got ${cap}`);
    this.batchCap = cap === undefined ? undefined : Math.floor(cap);
    for (const s of this.slots) s.policy.setCap(this.batchCap);
    this.pumpAll();
  }

  /** Admits at most `rps` requests/s (a token bucket; the rest get 429 + Retry-After); undefined lifts the cap. */
  setAdmissionCap(rps: number | undefined): void {
    if (rps !== undefined && !(Number.isFinite(rps) && rps > 0)) throw new RangeError(`an admission cap must be > 0 requests/s, got ${rps}`);
    this.admission = rps === undefined ? undefined : new TokenBucket(rps, this.o.clock.nowMs());
  }

  private async startWarmPool(spec: ReplicaSpec): Promise<WorkerPool> {
    if (!this.accepting) throw new TesseraError('TESSERA_ERR_RUNTIME_CLOSED', `'${this.o.service}' is draining and starts no replicas`);
    const pool = await startPool(this.o, spec);
    try {
      await warmPool(pool, this.inputPlan, warmupSizes([spec], this.inputPlan.maxBatchSize));
    } catch (err) {
      await pool.close();
      throw err;
    }
    return pool;
  }

  /** A pool warmed while the runtime closed must not be attached: close() has already listed the pools it releases. */
  private async closeIfClosed(pool: WorkerPool): Promise<void> {
    if (this.accepting) return;
    await pool.close();
    throw new TesseraError('TESSERA_ERR_RUNTIME_CLOSED', `'${this.o.service}' closed while a replica warmed up`);
  }

  /** Out of the lists (no pumps, no capacity), and its policy starts nothing more. */
  private detach(slot: ReplicaSlot): void {
    slot.policy.retire();
    const i = this.slots.indexOf(slot);
    if (i < 0) return;
    this.slots.splice(i, 1);
    this.loops.splice(i, 1);
    this.pools.splice(i, 1);
  }

  private async retire(slot: ReplicaSlot): Promise<void> {
    this.detach(slot);
    this.pumpAll();
    await this.drainRetired(slot);
  }

  /** Waits for a detached replica's in-flight batches (bounded by the request timeout), then releases it. */
  private async drainRetired(slot: ReplicaSlot): Promise<void> {
    this.retiring.add(slot);
    try {
      const giveUpAt = this.o.clock.nowMs() + Math.max(5000, this.o.requestTimeoutMs);
      while (slot.loop.inflightBatches > 0 && this.o.clock.nowMs() < giveUpAt) await new Promise((r) => setTimeout(r, 10));
      slot.loop.stop();
      await slot.pool.close();
    } finally {
      this.retiring.delete(slot);
    }
  }

  private shedError(bucket: TokenBucket): TesseraError {
    this.o.metrics?.requests.inc({ model: this.o.service, status: 'rejected' });
    return new TesseraError('TESSERA_ERR_SERVE_SHED', `'${this.o.service}' is shedding load: admission is capped at ${bucket.rps} requests/s`, {
      details: { retryAfterS: Math.max(1, Math.ceil(bucket.waitS())), capRps: bucket.rps },
    });
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

function startPool(o: ServiceRuntimeOptions, r: ReplicaSpec): Promise<WorkerPool> {
  return WorkerPool.start({
    modelPath: o.modelPath,
    instances: r.instances,
    intraOpNumThreads: r.threadsPerInstance,
    ...(o.metrics ? { onRestart: () => o.metrics?.workerRestarts.inc({ model: o.service }) } : {}),
  });
}

/** Runs a dummy batch at every size on every instance: each session allocates its own arena per shape. */
async function warmPool(pool: WorkerPool, inputPlan: InputPlan, sizes: readonly number[]): Promise<void> {
  const rng = createRng(0x7e55e7a);
  for (let k = 0; k < pool.size; k++) {
    for (const b of sizes) await pool.run(buildBatch(inputPlan, b, rng));
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
