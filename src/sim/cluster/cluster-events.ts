import type { SimEngine, SimHandler } from '../engine/engine.js';
import type { PoolEntry } from './cold-pool.js';
import { accrueQueue } from './queue-depth.js';
import type { SimReplica, SimRequest, SimService } from './sim-state.js';

export interface ClusterEventsOptions {
  readonly windowMs: number;
  /** Arrivals after this are not scheduled. */
  readonly durationMs: number;
  readonly onProgress?: ((simulatedMs: number, totalMs: number) => void) | undefined;
}

/** Event kinds of a replica's handler: a batch completion (arg = its slot) and the policy timer. */
const DONE = 0;
const TIMER = 1;

/**
 * The simulation's event handlers — the hot path: an arrival is admitted (or refused) and queued,
 * each replica's batch policy is consulted, a dispatched batch completes after its sampled time —
 * and the replica lifecycle around them: crash or restart, start after load + warm-up, drain, removal.
 */
export class ClusterEvents {
  private nextProgress = 0;

  constructor(
    private readonly engine: SimEngine,
    private readonly o: ClusterEventsOptions,
  ) {}

  /** Gives a service its arrival handler and schedules its first arrival. */
  attachService(svc: SimService): void {
    svc.arrivalHandler = { onEvent: () => this.onArrival(svc) };
    this.scheduleNextArrival(svc);
  }

  /** Gives a replica its handler: completions and timers are then scheduled without a closure each. */
  attachReplica(rep: SimReplica): void {
    rep.handler = {
      onEvent: (kind: number, slot: number): void => {
        if (kind === DONE) this.onDone(rep, slot);
        else this.onTimer(rep);
      },
    } satisfies SimHandler;
  }

  private scheduleNextArrival(svc: SimService): void {
    const t = svc.arrivals.nextMs();
    if (Number.isFinite(t) && t <= this.o.durationMs) this.engine.schedule(t, svc.arrivalHandler);
  }

  private onArrival(svc: SimService): void {
    const now = this.engine.nowMs;
    const o = this.o;
    if (o.onProgress && now >= this.nextProgress) {
      o.onProgress(now, o.durationMs);
      this.nextProgress = now + o.durationMs / 50;
    }
    svc.requests++;
    if (svc.admission !== undefined && !svc.admission.take(now)) {
      svc.dropped++;
      svc.admissionRefused++;
    } else if (svc.queuedItems + 1 > svc.maxQueueItems) svc.dropped++;
    else if (svc.entries.length > 0 && !this.coldRequest(svc, now)) {
      svc.dropped++;
      svc.poolRefused++;
    } else {
      accrueQueue(svc, now, o.windowMs);
      svc.queue.push({ arrivalMs: now, deadlineMs: now + svc.sloMs, items: 1 });
      svc.queuedItems++;
      for (const rep of svc.replicas) this.consult(rep, now);
      if (svc.entries.length > 0) for (const e of svc.entries) e.pool.afterRequest(e, now);
    }
    this.scheduleNextArrival(svc);
  }

  /** Tells each of the service's pool models of the request (loading an unloaded one); false when none can serve it. */
  private coldRequest(svc: SimService, now: number): boolean {
    let ok = false;
    for (const e of svc.entries) ok = e.pool.request(e, now) || ok;
    if (!ok) {
      for (const e of svc.entries) {
        e.refused++;
        e.pool.afterRequest(e, now);
      }
    }
    return ok;
  }

  /** A load finished: what queued meanwhile waited for it; the replicas may now dispatch. */
  onResident(e: PoolEntry, now: number): void {
    const svc = e.service;
    for (const r of svc.queue) {
      svc.coldDelayed++;
      svc.coldDelayMs += now - r.arrivalMs;
    }
    for (const rep of e.replicas) this.consult(rep, now);
  }

  /** Asks the replica's batch policy what to do now, dispatching batches until it says wait or idle. */
  consult(rep: SimReplica, now: number): void {
    if (!rep.ready) return;
    if (rep.entry !== undefined && rep.entry.state !== 'resident') return;
    const svc = rep.service;
    const maxBatch = rep.policy.config.maxBatchSize;
    for (let guard = 0; guard < 10_000; guard++) {
      const head = svc.queue.length > maxBatch + 1 ? svc.queue.slice(0, maxBatch + 1) : svc.queue;
      const step = rep.policy.decide(rep.state, { nowMs: now, head, freeInstances: rep.instances - rep.busy });
      rep.state = step.state;
      const d = step.decision;
      if (d.kind === 'dispatch') {
        accrueQueue(svc, now, this.o.windowMs);
        const batch = svc.queue.splice(0, d.requests);
        svc.queuedItems -= batch.length;
        rep.busy++;
        svc.batches++;
        svc.batchItems += batch.length;
        const serviceMs = rep.sampleMs(batch.length) + svc.batchOverheadMs;
        // Policies dispatch only onto a free instance, so a slot is normally free; grow if not.
        const slot = rep.freeSlots.length > 0 ? (rep.freeSlots.pop() as number) : rep.slotBatch.length;
        rep.slotBatch[slot] = batch;
        rep.slotStartMs[slot] = now;
        rep.slotServiceMs[slot] = serviceMs;
        rep.slotEvent[slot] = this.engine.schedule(now + serviceMs, rep.handler, DONE, slot);
        continue;
      }
      if (d.kind === 'wait' && d.untilMs < rep.timerAtMs) {
        // One timer per replica: an earlier wait replaces a later one.
        if (rep.timerId !== undefined) this.engine.cancel(rep.timerId);
        rep.timerAtMs = d.untilMs;
        rep.timerId = this.engine.schedule(d.untilMs, rep.handler, TIMER, 0);
      }
      return;
    }
  }

  private onTimer(rep: SimReplica): void {
    rep.timerAtMs = Number.POSITIVE_INFINITY;
    rep.timerId = undefined;
    this.consult(rep, this.engine.nowMs);
  }

  private onDone(rep: SimReplica, slot: number): void {
    const now = this.engine.nowMs;
    const svc = rep.service;
    const batch = rep.slotBatch[slot] as SimRequest[];
    const serviceMs = rep.slotServiceMs[slot] as number;
    rep.slotBatch[slot] = undefined;
    rep.freeSlots.push(slot);
    rep.busy--;
    rep.busyMs += serviceMs;
    const windowMs = this.o.windowMs;
    let met = 0;
    if (rep.faulty) {
      // A faulty worker answers every request of the batch with an error: failed, not served, so
      // no latency is recorded — what the runtime's error responses would count.
      svc.failed += batch.length;
      rep.state = rep.policy.observe(rep.state, { items: batch.length, requests: batch.length, serviceMs, completedAtMs: now, deadlineMet: 0, deadlineMissed: batch.length });
      for (const r of svc.replicas) this.consult(r, now);
      if (rep.status === 'draining' && rep.busy === 0) this.remove(rep, now);
      if (svc.entries.length > 0) for (const e of svc.entries) e.pool.activityChanged(e, now);
      return;
    }
    const overhead = svc.requestOverheadMs;
    for (const r of batch) {
      const lat = now - r.arrivalMs + (overhead === undefined ? 0 : overhead());
      svc.hist.recordValue(Math.max(1, Math.round(lat * 1000)));
      svc.latency.record(lat);
      svc.completed++;
      if (lat <= svc.sloMs) met++;
      const w = Math.floor(now / windowMs);
      while (svc.timeline.length <= w) svc.timeline.push(0);
      svc.timeline[w] = (svc.timeline[w] ?? 0) + 1;
    }
    svc.withinSlo += met;
    const items = batch.length;
    rep.state = rep.policy.observe(rep.state, { items, requests: items, serviceMs, completedAtMs: now, deadlineMet: met, deadlineMissed: items - met });
    for (const r of svc.replicas) this.consult(r, now);
    if (rep.status === 'draining' && rep.busy === 0) this.remove(rep, now);
    if (svc.entries.length > 0) for (const e of svc.entries) e.pool.activityChanged(e, now);
  }

  /** A crash or restart: in-flight batches fail, and the replica is back after its load time. */
  crash(rep: SimReplica, now: number): void {
    if (rep.status === 'removed') return;
    const svc = rep.service;
    // The running batches' completions are cancelled and their requests fail now; the time they
    // ran counts as busy.
    for (let slot = 0; slot < rep.slotBatch.length; slot++) {
      const batch = rep.slotBatch[slot];
      if (batch === undefined) continue;
      this.engine.cancel(rep.slotEvent[slot] as number);
      svc.failed += batch.length;
      rep.busyMs += now - (rep.slotStartMs[slot] as number);
      rep.slotBatch[slot] = undefined;
      rep.freeSlots.push(slot);
    }
    rep.busy = 0;
    // The restart replaces the worker: whatever made it faulty is gone with it.
    rep.faulty = false;
    if (rep.status === 'draining') this.remove(rep, now);
    else {
      rep.restarts++;
      if (rep.status !== 'starting') rep.status = 'down';
      rep.ready = false;
      this.cancelTimer(rep);
      this.startIn(rep, now, rep.restartMs);
    }
    if (rep.entry !== undefined) rep.entry.pool.activityChanged(rep.entry, now);
  }

  /** The replica serves `delayMs` from now (a new replica's or a restart's load + warm-up). */
  startIn(rep: SimReplica, now: number, delayMs: number): void {
    if (rep.upEventId !== undefined) this.engine.cancel(rep.upEventId);
    rep.upEventId = this.engine.at(now + delayMs, (e) => {
      rep.upEventId = undefined;
      rep.status = 'ready';
      rep.ready = true;
      this.consult(rep, e.nowMs);
    });
  }

  /** Scale-down: a replica running a batch finishes it first; any other leaves now. */
  drain(rep: SimReplica, now: number): void {
    if (rep.status === 'ready' && rep.busy > 0) {
      rep.status = 'draining';
      rep.ready = false;
      this.cancelTimer(rep);
      return;
    }
    this.remove(rep, now);
  }

  private remove(rep: SimReplica, now: number): void {
    this.cancelTimer(rep);
    if (rep.upEventId !== undefined) this.engine.cancel(rep.upEventId);
    rep.upEventId = undefined;
    rep.status = 'removed';
    rep.ready = false;
    rep.removedAtMs = now;
    const svc = rep.service;
    svc.replicas.splice(svc.replicas.indexOf(rep), 1);
    if (rep.entry !== undefined) rep.entry.replicas.splice(rep.entry.replicas.indexOf(rep), 1);
  }

  cancelTimer(rep: SimReplica): void {
    if (rep.timerId !== undefined) this.engine.cancel(rep.timerId);
    rep.timerId = undefined;
    rep.timerAtMs = Number.POSITIVE_INFINITY;
  }
}
