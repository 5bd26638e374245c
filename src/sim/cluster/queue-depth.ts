import type { SimService } from './sim-state.js';

/**
 * Queue-depth sampling: adds queue length × elapsed time to each window the interval spans, so a
 * window's mean depth is time-weighted (a burst that drains in 5 ms counts for 5 ms, not as one
 * sample). Called just before the queue length changes, so the length is constant in between.
 */
export function accrueQueue(svc: SimService, now: number, windowMs: number): void {
  let t = svc.queueAreaAtMs;
  const len = svc.queuedItems;
  while (t < now) {
    const w = Math.floor(t / windowMs);
    const end = Math.min(now, (w + 1) * windowMs);
    if (len > 0) {
      while (svc.queueArea.length <= w) svc.queueArea.push(0);
      svc.queueArea[w] = (svc.queueArea[w] ?? 0) + len * (end - t);
    }
    t = end;
  }
  svc.queueAreaAtMs = now;
}
