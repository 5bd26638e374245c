/**
 * Open-loop load that also counts goodput: answers that came back 2xx within the SLO. The
 * project's `runOpenLoop` keeps only a latency summary, which cannot say how many requests met a
 * bound; this keeps the same rules (arrivals never wait, latency from the intended send time, so
 * no coordinated omission) and counts against the SLO as answers arrive.
 */
import http from 'node:http';
import { LatencyRecorder } from '../../src/serve/index.js';
import type { InferTarget } from '../../src/serve/index.js';

export interface SloLoadResult {
  offeredPerS: number;
  durationS: number;
  sent: number;
  ok: number;
  /** 429 and 503 answers: refused by admission control. */
  refused: number;
  /** Other statuses, socket errors and client timeouts. */
  failed: number;
  okPerS: number;
  /** 2xx answers within the SLO, per second. */
  goodputPerS: number;
  /** Latency of 2xx answers, ms. */
  p50Ms: number;
  p99Ms: number;
  /** How late the generator sent its requests (actual − intended send time), p99, ms: large means the generator, not the server, fell behind. */
  sendLagP99Ms: number;
}

export async function openLoopWithSlo(target: InferTarget, arrivalsMs: Iterable<number>, o: { durationMs: number; sloMs: number; timeoutMs?: number }): Promise<SloLoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1024 });
  const url = new URL(`/v2/models/${encodeURIComponent(target.model)}/infer`, target.url);
  const headers = { ...target.headers, 'content-length': String(target.body.length) };
  const rec = new LatencyRecorder();
  const lag = new LatencyRecorder();
  let sent = 0;
  let ok = 0;
  let within = 0;
  let refused = 0;
  let failed = 0;
  const inflight = new Set<Promise<void>>();
  const start = performance.now();
  const send = (intended: number): Promise<void> =>
    new Promise((resolve) => {
      let settled = false;
      const done = (status: number): void => {
        if (settled) return;
        settled = true;
        const ms = performance.now() - intended;
        if (status >= 200 && status < 300) {
          ok++;
          rec.recordMs(ms);
          if (ms <= o.sloMs) within++;
        } else if (status === 429 || status === 503) refused++;
        else failed++;
        resolve();
      };
      const req = http.request(url, { method: 'POST', agent, headers, timeout: o.timeoutMs ?? 30_000 }, (res) => {
        res.resume();
        res.on('end', () => done(res.statusCode ?? 0));
        res.on('error', () => done(0));
      });
      req.on('timeout', () => req.destroy());
      req.on('error', () => done(0));
      req.end(target.body);
    });
  for (const at of arrivalsMs) {
    if (at >= o.durationMs) break;
    const wait = start + at - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    sent++;
    lag.recordMs(Math.max(0, performance.now() - (start + at)));
    const p = send(start + at).then(() => {
      inflight.delete(p);
    });
    inflight.add(p);
  }
  await Promise.all(inflight);
  agent.destroy();
  const durationS = o.durationMs / 1000;
  return {
    offeredPerS: sent / durationS,
    durationS,
    sent,
    ok,
    refused,
    failed,
    okPerS: ok / durationS,
    goodputPerS: within / durationS,
    p50Ms: rec.percentileMs(50),
    p99Ms: rec.percentileMs(99),
    sendLagP99Ms: lag.percentileMs(99),
  };
}
