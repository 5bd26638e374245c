import { TesseraError, type Clock } from '../../core/index.js';
import type { BatchPolicy, BatchPolicyStateBase, BatchSnapshot } from '../../policy/index.js';
import type { ServeMetrics } from '../../observe/serve-metrics.js';
import type { HostTensor } from './host-tensor.js';
import { buildBatchFeeds, splitBatchOutputs, type ModelIo } from './model-io.js';
import type { ModelQueue, QueuedRequest } from './model-queue.js';
import type { WorkerPool } from './worker-pool.js';

export type InferOutputs = Record<string, HostTensor>;

export interface ReplicaLoopOptions {
  service: string;
  queue: ModelQueue<InferOutputs>;
  pool: WorkerPool;
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
 */
export class ReplicaLoop {
  private state: BatchPolicyStateBase;
  private inflight = 0;
  private timer: NodeJS.Timeout | undefined;
  private timerAtMs = Number.POSITIVE_INFINITY;
  private pumping = false;

  constructor(private readonly o: ReplicaLoopOptions) {
    this.state = o.policy.initialState();
  }

  get inflightBatches(): number {
    return this.inflight;
  }

  get freeInstances(): number {
    return Math.max(0, this.o.pool.size - this.inflight);
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

  stop(): void {
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
      const snapshot: BatchSnapshot = { nowMs, head, freeInstances: this.freeInstances };
      const step = policy.decide(this.state, snapshot);
      this.state = step.state;
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
      const feeds = buildBatchFeeds(io, batch);
      const result = await this.o.pool.run(feeds);
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
