import { TesseraError, type Clock } from '../../core/index.js';
import type { BatchPolicy, BatchPolicyStateBase } from '../../policy/index.js';
import type { ServeMetrics } from '../../observe/serve-metrics.js';
import type { HostTensor } from './host-tensor.js';
import { buildBatchFeeds, splitBatchOutputs, type ModelIo } from './model-io.js';
import type { ModelQueue, QueuedRequest } from './model-queue.js';
import type { BatchRunner } from './worker-pool.js';

export type InferOutputs = Record<string, HostTensor>;

export interface ReplicaLoopOptions {
  service: string;
  queue: ModelQueue<InferOutputs>;
  /** The replica's workers (a `WorkerPool`). */
  pool: BatchRunner;
  policy: BatchPolicy;
  io: ModelIo;
  clock: Clock;
  metrics?: ServeMetrics;
  /** Ask the other replicas of the service to look at the shared queue (after this one dispatched or freed up). */
  onFreed?: () => void;
  /** A batch finished: its items and compute time (for the service's admission estimate). */
  onBatchDone?: (items: number, computeMs: number) => void;
}

/**
 * One replica's batch loop: whenever something changes (an arrival, a finished batch, a timer the
 * policy asked for) it shows the batching policy the queue front and does what it decides. The
 * policy is the same pure object the simulator runs; only the clock and the executor differ.
 *
 * **Prepared batches.** A worker that finishes a batch would otherwise wait for its result to
 * reach this event loop, for the outputs to be split and the requests answered, and for the next
 * batch to be chosen, concatenated and posted — idle time that at saturation is lost throughput.
 * So when every instance is busy and the queue already holds a full batch (at least the policy's
 * `maxBatchSize` items of one shape), the loop asks the policy what it would start on a free
 * instance and posts that batch to a busy worker, which runs it the moment its current batch is
 * done — by default at most one prepared batch per instance (the pool's `maxBatchesPerWorker`
 * − 1). It does so a microtask later, after the service has pumped all its replicas for the same
 * event, so a replica with a free instance takes the batch first. Below saturation nothing
 * changes: with less than a full batch queued the policy sees the free instances it saw before
 * and decides as before. With a full batch queued, the batch it would have chosen when the
 * instance freed up is that same full batch of the oldest requests. The policy's interface is
 * untouched; the prepared slot is counted here, not in `freeInstances`.
 */
export class ReplicaLoop {
  private state: BatchPolicyStateBase;
  /** Batches posted to workers and not finished: running ones plus prepared ones. */
  private inflight = 0;
  private timer: NodeJS.Timeout | undefined;
  private timerAtMs = Number.POSITIVE_INFINITY;
  private pumping = false;
  /** A pump that may fill prepared slots is queued (a microtask), or running. */
  private prepareQueued = false;
  private preparing = false;
  private stopped = false;

  constructor(private readonly o: ReplicaLoopOptions) {
    this.state = o.policy.initialState();
  }

  get inflightBatches(): number {
    return this.inflight;
  }

  /** Instances that could start a batch now: what the policy is shown. */
  get freeInstances(): number {
    return Math.max(0, this.o.pool.size - this.inflight);
  }

  /** Prepared slots still open: batches that may still be posted behind running ones. */
  private get preparedSlots(): number {
    const { pool } = this.o;
    return Math.max(0, pool.size * pool.maxBatchesPerWorker - this.inflight);
  }

  /** Re-evaluates the queue now. Safe to call at any time and from any event. */
  pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    try {
      this.pumpOnce();
    } finally {
      this.pumping = false;
    }
  }

  /**
   * Pumps again once the current synchronous work is done — after `ServiceRuntime` has pumped
   * every replica for the same event — this time allowed to fill a prepared slot.
   */
  private schedulePrepare(): void {
    if (this.prepareQueued) return;
    this.prepareQueued = true;
    queueMicrotask(() => {
      this.prepareQueued = false;
      if (this.stopped) return;
      this.preparing = true;
      try {
        this.pump();
      } finally {
        this.preparing = false;
      }
    });
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAtMs = Number.POSITIVE_INFINITY;
  }

  private pumpOnce(): void {
    const { queue, policy, clock } = this.o;
    const maxBatch = policy.config.maxBatchSize;
    for (let guard = 0; guard < 10_000; guard++) {
      const nowMs = clock.nowMs();
      this.failExpired(nowMs);
      const head = queue.compatibleHead(maxBatch);
      const freeInstances = this.freeInstances;
      let step = policy.decide(this.state, { nowMs, head, freeInstances });
      this.state = step.state;
      if (step.decision.kind !== 'dispatch' && freeInstances === 0 && this.preparedSlots > 0 && itemsOf(head) >= maxBatch) {
        // Saturated: every instance is busy and a full batch waits. Ask the policy what it would
        // start on the instance that frees up first, and post it there now (see the class doc) —
        // but only after every replica has been pumped, so that one with a free instance starts
        // the batch at once rather than this one queueing it behind a running batch.
        if (!this.preparing) this.schedulePrepare();
        else {
          step = policy.decide(this.state, { nowMs, head, freeInstances: 1 });
          this.state = step.state;
        }
      }
      const d = step.decision;
      if (d.kind === 'dispatch') {
        const batch = head.slice(0, d.requests);
        queue.remove(batch);
        this.o.metrics?.queueDepth.set({ model: this.o.service }, queue.length);
        void this.execute(batch, nowMs);
        continue;
      }
      const expiry = queue.oldest()?.expiresAtMs ?? Number.POSITIVE_INFINITY;
      this.arm(Math.min(d.kind === 'wait' ? d.untilMs : Number.POSITIVE_INFINITY, expiry), nowMs);
      return;
    }
  }

  private arm(atMs: number, nowMs: number): void {
    if (atMs === this.timerAtMs) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAtMs = atMs;
    if (!Number.isFinite(atMs)) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerAtMs = Number.POSITIVE_INFINITY;
      this.pump();
    }, Math.max(0, Math.ceil(atMs - nowMs)));
  }

  private failExpired(nowMs: number): void {
    for (const r of this.o.queue.expire(nowMs)) {
      this.o.metrics?.requests.inc({ model: this.o.service, status: 'timeout' });
      r.reject(new TesseraError('TESSERA_ERR_RUNTIME_TIMEOUT', `request waited ${(nowMs - r.arrivalMs).toFixed(0)} ms in the queue, past its timeout`));
    }
  }

  private async execute(batch: QueuedRequest<InferOutputs>[], startMs: number): Promise<void> {
    const { metrics, service: model, io, clock } = this.o;
    this.inflight++;
    metrics?.inflightBatches.inc({ model });
    const items = batch.reduce((n, r) => n + r.items, 0);
    for (const r of batch) metrics?.queueDuration.observe({ model }, (startMs - r.arrivalMs) / 1000);
    metrics?.batchSize.observe({ model }, items);
    let serviceMs = 0;
    let met = 0;
    let missed = 0;
    try {
      // Built afresh for each attempt (a retry after a worker died rebuilds it from the requests),
      // so its buffers are transferred to the worker, never copied.
      const result = await this.o.pool.run(() => buildBatchFeeds(io, batch));
      serviceMs = result.computeMs;
      this.o.onBatchDone?.(items, result.computeMs);
      metrics?.computeDuration.observe({ model }, result.computeMs / 1000);
      const parts = splitBatchOutputs(io, result.outputs, batch.map((r) => r.items));
      const doneMs = clock.nowMs();
      batch.forEach((r, i) => {
        const latencyMs = doneMs - r.arrivalMs;
        metrics?.requestDuration.observe({ model }, latencyMs / 1000);
        metrics?.requests.inc({ model, status: 'ok' });
        if (doneMs <= r.deadlineMs) {
          met++;
          metrics?.requestsWithinSlo.inc({ model });
        } else missed++;
        r.resolve(parts[i] as InferOutputs);
      });
    } catch (err) {
      serviceMs = clock.nowMs() - startMs;
      missed = batch.length;
      for (const r of batch) {
        metrics?.requests.inc({ model, status: 'error' });
        r.reject(err);
      }
    } finally {
      this.inflight--;
      metrics?.inflightBatches.dec({ model });
      this.state = this.o.policy.observe(this.state, {
        items,
        requests: batch.length,
        serviceMs,
        completedAtMs: clock.nowMs(),
        deadlineMet: met,
        deadlineMissed: missed,
      });
      this.pump();
      this.o.onFreed?.();
    }
  }
}

function itemsOf(head: readonly QueuedRequest<InferOutputs>[]): number {
  let n = 0;
  for (const r of head) n += r.items;
  return n;
}
