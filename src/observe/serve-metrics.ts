import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { LATENCY_BUCKETS_S as SHARED_LATENCY_BUCKETS_S } from './latency-buckets.js';

/** Latency buckets (seconds) from 0.5 ms to 30 s, shared with the simulator (latency-buckets.ts). */
const LATENCY_BUCKETS_S = [...SHARED_LATENCY_BUCKETS_S];
const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256];

export type RequestStatus = 'ok' | 'client_error' | 'rejected' | 'timeout' | 'error';
export type WarmupStage = 'container' | 'framework' | 'model' | 'warmup';

/**
 * The serving runtime's metrics (docs/metrics.md lists each one). Names follow
 * `tessera_<subsystem>_<what>_<unit>`; labels are bounded (model, status, stage), never request ids.
 */
export class ServeMetrics {
  readonly registry: Registry;
  readonly requests: Counter<'model' | 'status'>;
  readonly requestsWithinSlo: Counter<'model'>;
  readonly requestDuration: Histogram<'model'>;
  readonly queueDuration: Histogram<'model'>;
  readonly computeDuration: Histogram<'model'>;
  readonly batchSize: Histogram<'model'>;
  readonly queueDepth: Gauge<'model'>;
  readonly inflightBatches: Gauge<'model'>;
  readonly warmupSeconds: Gauge<'model' | 'stage'>;
  readonly modelReady: Gauge<'model'>;
  readonly poolResident: Gauge<'model' | 'pool'>;
  readonly poolLoads: Counter<'model' | 'reason'>;
  readonly poolEvictions: Counter<'model'>;
  readonly workerRestarts: Counter<'model'>;

  constructor(options: { defaultMetrics?: boolean } = {}) {
    const registry = new Registry();
    this.registry = registry;
    const r = [registry];
    this.requests = new Counter({ name: 'tessera_serve_requests_total', help: 'Inference requests by model and outcome.', labelNames: ['model', 'status'], registers: r });
    this.requestsWithinSlo = new Counter({ name: 'tessera_serve_requests_within_slo_total', help: 'Successful requests whose end-to-end latency met the service SLO (p99Ms).', labelNames: ['model'], registers: r });
    this.requestDuration = new Histogram({ name: 'tessera_serve_request_duration_seconds', help: 'End-to-end request latency inside the server (arrival to response ready).', labelNames: ['model'], buckets: LATENCY_BUCKETS_S, registers: r });
    this.queueDuration = new Histogram({ name: 'tessera_serve_queue_duration_seconds', help: 'Time a request waited in its model queue before its batch started.', labelNames: ['model'], buckets: LATENCY_BUCKETS_S, registers: r });
    this.computeDuration = new Histogram({ name: 'tessera_serve_compute_duration_seconds', help: 'onnxruntime run time of one batch.', labelNames: ['model'], buckets: LATENCY_BUCKETS_S, registers: r });
    this.batchSize = new Histogram({ name: 'tessera_serve_batch_size', help: 'Items per executed batch.', labelNames: ['model'], buckets: BATCH_BUCKETS, registers: r });
    this.queueDepth = new Gauge({ name: 'tessera_serve_queue_depth', help: 'Requests waiting in the model queue.', labelNames: ['model'], registers: r });
    this.inflightBatches = new Gauge({ name: 'tessera_serve_inflight_batches', help: 'Batches executing now.', labelNames: ['model'], registers: r });
    this.warmupSeconds = new Gauge({ name: 'tessera_serve_model_warmup_seconds', help: 'Time of each warm-up stage at the last load: container (worker threads), framework (runtime init), model (session create), warmup (dummy inferences).', labelNames: ['model', 'stage'], registers: r });
    this.modelReady = new Gauge({ name: 'tessera_serve_model_ready', help: '1 when the model is loaded, warmed and accepting requests.', labelNames: ['model'], registers: r });
    this.poolResident = new Gauge({ name: 'tessera_serve_pool_resident', help: '1 while the model is loaded in its pool (hot or cold).', labelNames: ['model', 'pool'], registers: r });
    this.poolLoads = new Counter({ name: 'tessera_serve_pool_loads_total', help: 'Model loads by reason (startup, on-demand, prewarm).', labelNames: ['model', 'reason'], registers: r });
    this.poolEvictions = new Counter({ name: 'tessera_serve_pool_evictions_total', help: 'Cold-pool unloads (LRU under the memory budget or keep-alive expiry).', labelNames: ['model'], registers: r });
    this.workerRestarts = new Counter({ name: 'tessera_serve_worker_restarts_total', help: 'Session workers replaced after they died.', labelNames: ['model'], registers: r });
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'tessera_' });
  }

  metricsText(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
