/**
 * Test helper: a small discrete-event simulation of one replica under the dispatch rule the
 * queueing model describes ("a batch leaves for a free instance when it holds b requests or its
 * oldest request has waited D"), to check the model's p99 against. Seeded, deterministic.
 */
import { createRng } from '../../../core/index.js';

export interface DesInputs {
  rateRps: number;
  batchSize: number;
  instances: number;
  maxQueueDelayMs: number;
  /** Execution time (ms) of a batch of n. */
  execMs: (n: number) => number;
  requests: number;
  seed?: number;
  /** Squared CV of inter-arrival times (1 Poisson; other values use Gamma inter-arrivals). */
  arrivalScv?: number;
}

export function simulateBatchQueue(q: DesInputs): { p99Ms: number; meanMs: number; meanBatch: number } {
  const rng = createRng(q.seed ?? 1);
  const scv = q.arrivalScv ?? 1;
  const meanGap = 1000 / q.rateRps;
  const arrivals: number[] = [];
  let t = 0;
  for (let i = 0; i < q.requests; i++) {
    t += scv === 1 ? rng.exponential(1 / meanGap) : rng.gamma(1 / scv, meanGap * scv);
    arrivals.push(t);
  }
  const free: number[] = new Array<number>(q.instances).fill(0);
  const latencies: number[] = [];
  let head = 0;
  let batches = 0;
  while (head < arrivals.length) {
    // Earliest free instance.
    let k = 0;
    for (let i = 1; i < free.length; i++) if ((free[i] as number) < (free[k] as number)) k = i;
    const instFree = free[k] as number;
    const oldest = arrivals[head] as number;
    // The batch can leave at the earliest time ≥ instFree and ≥ oldest at which it is full or the oldest has waited D.
    const fullAt = arrivals[Math.min(head + q.batchSize - 1, arrivals.length - 1)] as number;
    const ready = Math.min(oldest + q.maxQueueDelayMs, head + q.batchSize - 1 < arrivals.length ? fullAt : Number.POSITIVE_INFINITY);
    const start = Math.max(instFree, ready, oldest);
    let n = 0;
    while (head + n < arrivals.length && n < q.batchSize && (arrivals[head + n] as number) <= start) n++;
    const done = start + q.execMs(n);
    for (let i = 0; i < n; i++) latencies.push(done - (arrivals[head + i] as number));
    head += n;
    free[k] = done;
    batches++;
  }
  const warm = latencies.slice(Math.floor(latencies.length * 0.1)).sort((a, b) => a - b);
  const p99 = warm[Math.floor(warm.length * 0.99)] as number;
  const mean = warm.reduce((s, x) => s + x, 0) / warm.length;
  return { p99Ms: p99, meanMs: mean, meanBatch: arrivals.length / batches };
}
