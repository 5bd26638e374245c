import { LATENCY_BUCKETS_S } from '../../observe/latency-buckets.js';

/** The `le` bounds (seconds) of the counters, `+Inf` last — those of `tessera_serve_request_duration_seconds`. */
export const SIM_LATENCY_LE_S: readonly number[] = Object.freeze([...LATENCY_BUCKETS_S, Number.POSITIVE_INFINITY]);

const LE_MS = Float64Array.from(SIM_LATENCY_LE_S, (s) => s * 1000);

/**
 * Served-request latencies counted in the serving runtime's histogram buckets, so a metrics source
 * over the simulation answers the same queries (rate, histogram_quantile) as Prometheus would.
 */
export class LatencyBuckets {
  private readonly counts = new Float64Array(SIM_LATENCY_LE_S.length);
  private sumMs = 0;
  count = 0;

  /** Runs once per served request: compares in ms against precomputed bounds, no division. */
  record(latencyMs: number): void {
    this.sumMs += latencyMs;
    this.count++;
    let i = 0;
    // The last bound is +Infinity, so the scan always stops.
    while (latencyMs > (LE_MS[i] as number)) i++;
    this.counts[i] = (this.counts[i] as number) + 1;
  }

  get sumS(): number {
    return this.sumMs / 1000;
  }

  /** Cumulative counts per `le` bound, as Prometheus exposes `_bucket`. */
  cumulative(): number[] {
    const out: number[] = [];
    let n = 0;
    for (const c of this.counts) out.push((n += c));
    return out;
  }
}

/** Cumulative counters of one service at a virtual instant: what a MetricsSource over the simulation reads. */
export interface SimServiceCounters {
  readonly service: string;
  readonly model: string;
  readonly atMs: number;
  /** Requests by outcome: served, refused (429/503, the runtime's `rejected`), failed (`error`). */
  readonly requests: { readonly ok: number; readonly dropped: number; readonly error: number };
  /** Served-request latency: cumulative counts per `le` (seconds, `+Inf` last), sum in seconds, count. */
  readonly latency: { readonly le: readonly number[]; readonly cumulative: readonly number[]; readonly sumS: number; readonly count: number };
  /** Requests queued now (admitted, not yet in a batch). */
  readonly queueDepth: number;
}

export interface SimMetricSample {
  readonly metric: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/**
 * The counters as the serving runtime's Prometheus series (docs/metrics.md): the `model` label is
 * the service name, as the runtime labels its queues; refused requests are `status="rejected"`.
 */
export function toServeMetricSamples(counters: readonly SimServiceCounters[]): SimMetricSample[] {
  const out: SimMetricSample[] = [];
  for (const c of counters) {
    const model = c.service;
    out.push(
      { metric: 'tessera_serve_requests_total', labels: { model, status: 'ok' }, value: c.requests.ok },
      { metric: 'tessera_serve_requests_total', labels: { model, status: 'rejected' }, value: c.requests.dropped },
      { metric: 'tessera_serve_requests_total', labels: { model, status: 'error' }, value: c.requests.error },
    );
    c.latency.le.forEach((le, i) => {
      out.push({ metric: 'tessera_serve_request_duration_seconds_bucket', labels: { model, le: le === Number.POSITIVE_INFINITY ? '+Inf' : String(le) }, value: c.latency.cumulative[i] as number });
    });
    out.push(
      { metric: 'tessera_serve_request_duration_seconds_sum', labels: { model }, value: c.latency.sumS },
      { metric: 'tessera_serve_request_duration_seconds_count', labels: { model }, value: c.latency.count },
      { metric: 'tessera_serve_queue_depth', labels: { model }, value: c.queueDepth },
    );
  }
  return out;
}
