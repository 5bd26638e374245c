/**
 * Bucket upper bounds (seconds) of `tessera_serve_request_duration_seconds` and the other serving
 * latency histograms, 0.5 ms to 30 s (CPU models here run 0.05 ms – 2 s a batch). Its own module so
 * the simulator can count latencies in the same buckets without loading prom-client.
 */
export const LATENCY_BUCKETS_S: readonly number[] = Object.freeze([0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]);
