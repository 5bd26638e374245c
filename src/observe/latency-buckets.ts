/**
 * Bucket upper bounds (seconds) of `tessera_serve_request_duration_seconds` and the other serving
 * latency histograms, 0.25 ms to 30 s (CPU models here run 0.05 ms – 2 s a batch). Its own module so
 * the simulator can count latencies in the same buckets without loading prom-client.
 *
 * The ladder is 1-1.5-2-3-5-7.5 per decade rather than Prometheus's 1-2.5-5: `histogram_quantile`
 * interpolates linearly inside a bucket, and the controller compares that p99 with SLOs such as
 * 20 ms. With bounds at 10 and 25 ms a true p99 of 14 ms read as ≈ 22 ms (a breach); with bounds
 * at most 1.5× apart the reading stays within one bucket of a few ms. Cost: 31 series per
 * histogram and model instead of 16.
 */
export const LATENCY_BUCKETS_S: readonly number[] = Object.freeze([
  0.00025, 0.0005, 0.00075, 0.001, 0.0015, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 3, 5, 7.5, 10, 15, 30,
]);
