import http from 'node:http';
import { LatencyRecorder, type LatencySummary } from './latency-recorder.js';

export interface InferTarget {
  /** Base URL of an OIP server, e.g. http://127.0.0.1:8000 */
  url: string;
  model: string;
  /** Request body, built once and reused (JSON or binary-extension bytes). */
  body: Buffer;
  headers: Record<string, string>;
  authToken?: string;
}

export interface OpenLoopOptions {
  /** Arrival times in ms from the start; arrivals never wait for responses. */
  arrivalsMs: Iterable<number>;
  /** Stop issuing at this time even if arrivals remain. */
  durationMs: number;
  /** Abandon a request after this long (it counts as a timeout). */
  timeoutMs?: number;
  /** Cap on requests in flight; beyond it an arrival is counted as `dropped` (client-side). */
  maxInFlight?: number;
  onProgress?: (doneMs: number, totalMs: number) => void;
}

export interface ClosedLoopOptions {
  concurrency: number;
  durationMs: number;
  timeoutMs?: number;
  onProgress?: (doneMs: number, totalMs: number) => void;
}

export interface LoadResult {
  mode: 'open' | 'closed';
  durationS: number;
  sent: number;
  completed: number;
  /** Requests answered 2xx, per second of the run. */
  throughputPerS: number;
  byStatus: Record<string, number>;
  timeouts: number;
  errors: number;
  dropped: number;
  /** Latency of 2xx answers, measured from the INTENDED send time in open loop (no coordinated omission). */
  latency: LatencySummary;
  /** 2xx completions per 1-second window, for throughput-over-time plots. */
  throughputTimeline: number[];
}

interface Tally {
  rec: LatencyRecorder;
  byStatus: Record<string, number>;
  timeouts: number;
  errors: number;
  dropped: number;
  sent: number;
  completed: number;
  timeline: number[];
}

function newTally(): Tally {
  return { rec: new LatencyRecorder(), byStatus: {}, timeouts: 0, errors: 0, dropped: 0, sent: 0, completed: 0, timeline: [] };
}

function sendOnce(agent: http.Agent, target: InferTarget, timeoutMs: number): Promise<number | 'timeout' | 'error'> {
  const u = new URL(`/v2/models/${encodeURIComponent(target.model)}/infer`, target.url);
  const headers: Record<string, string> = { ...target.headers, 'content-length': String(target.body.length) };
  if (target.authToken) headers['authorization'] = `Bearer ${target.authToken}`;
  return new Promise((resolve) => {
    const req = http.request(u, { method: 'POST', agent, headers, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', () => resolve('error'));
    });
    req.on('timeout', () => {
      req.destroy();
      resolve('timeout');
    });
    req.on('error', () => resolve('error'));
    req.end(target.body);
  });
}

function account(t: Tally, outcome: number | 'timeout' | 'error', latencyMs: number, atMs: number): void {
  t.completed++;
  if (outcome === 'timeout') t.timeouts++;
  else if (outcome === 'error') t.errors++;
  else {
    t.byStatus[String(outcome)] = (t.byStatus[String(outcome)] ?? 0) + 1;
    if (outcome >= 200 && outcome < 300) {
      t.rec.recordMs(latencyMs);
      const w = Math.floor(atMs / 1000);
      while (t.timeline.length <= w) t.timeline.push(0);
      t.timeline[w] = (t.timeline[w] ?? 0) + 1;
    }
  }
}

function finish(mode: 'open' | 'closed', t: Tally, wallMs: number): LoadResult {
  const ok = Object.entries(t.byStatus).reduce((n, [s, c]) => (s.startsWith('2') ? n + c : n), 0);
  return {
    mode,
    durationS: wallMs / 1000,
    sent: t.sent,
    completed: t.completed,
    throughputPerS: ok / (wallMs / 1000),
    byStatus: t.byStatus,
    timeouts: t.timeouts,
    errors: t.errors,
    dropped: t.dropped,
    latency: t.rec.summary(),
    throughputTimeline: t.timeline,
  };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, Math.max(0, ms)));

/** Open loop: requests go out at their arrival times whatever the server does (as real users do). */
export async function runOpenLoop(target: InferTarget, opts: OpenLoopOptions): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: opts.maxInFlight ?? 1024 });
  const t = newTally();
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const maxInFlight = opts.maxInFlight ?? 1024;
  const inflight = new Set<Promise<void>>();
  const start = performance.now();
  let lastProgress = 0;
  for (const arrivalMs of opts.arrivalsMs) {
    if (arrivalMs >= opts.durationMs) break;
    const wait = start + arrivalMs - performance.now();
    if (wait > 1) await sleep(wait);
    t.sent++;
    if (inflight.size >= maxInFlight) {
      t.dropped++;
      continue;
    }
    const intended = start + arrivalMs;
    const p = sendOnce(agent, target, timeoutMs).then((outcome) => {
      const now = performance.now();
      account(t, outcome, now - intended, now - start);
      inflight.delete(p);
    });
    inflight.add(p);
    if (opts.onProgress && arrivalMs - lastProgress > 500) {
      lastProgress = arrivalMs;
      opts.onProgress(arrivalMs, opts.durationMs);
    }
  }
  await Promise.all(inflight);
  agent.destroy();
  return finish('open', t, Math.max(opts.durationMs, performance.now() - start));
}

/** Closed loop: `concurrency` clients, each sending its next request when the last one returns. */
export async function runClosedLoop(target: InferTarget, opts: ClosedLoopOptions): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: opts.concurrency });
  const t = newTally();
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const start = performance.now();
  const end = start + opts.durationMs;
  let lastProgress = 0;
  const client = async (): Promise<void> => {
    while (performance.now() < end) {
      const sentAt = performance.now();
      t.sent++;
      const outcome = await sendOnce(agent, target, timeoutMs);
      const now = performance.now();
      account(t, outcome, now - sentAt, now - start);
      if (opts.onProgress && now - lastProgress > 500) {
        lastProgress = now;
        opts.onProgress(now - start, opts.durationMs);
      }
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, client));
  agent.destroy();
  return finish('closed', t, performance.now() - start);
}
