import { TesseraError, createRng, type Rng } from '../../core/index.js';
import type { RepackScope, ReplicaState, ServiceState } from '../../adapt/cluster.js';
import { createKeepAlivePolicy, type KeepAlivePolicy } from '../../policy/index.js';
import { coldStartEstimate, poolModelMemoryBytes, resolvePlanOptions } from '../../plan/index.js';
import type { PlanReplica, PlanService } from '../../plan/plan-types.js';
import { SimEngine } from '../engine/engine.js';
import { arrivalsForTraffic } from '../traffic.js';
import { buildSimulationResult } from './build-report.js';
import { ClusterEvents } from './cluster-events.js';
import { ColdPool, type PoolEntry } from './cold-pool.js';
import { checkFailure } from './failures.js';
import { SIM_LATENCY_LE_S, type SimServiceCounters } from './latency-counters.js';
import type { FailureSpec, SimulatePlanOptions } from './options.js';
import { accrueQueue } from './queue-depth.js';
import { ReplicaFactory, effectiveMaxBatch } from './replica-factory.js';
import type { SimulationResult } from './result-types.js';
import type { SimReplica, SimService } from './sim-state.js';
import { TokenBucket } from './token-bucket.js';

/** A cold pool's state at a virtual instant (tests, tools). */
export interface PoolSnapshot {
  readonly slice: string;
  readonly memoryBytes: number;
  readonly usedBytes: number;
  readonly peakUsedBytes: number;
  readonly models: ReadonlyArray<{ readonly service: string; readonly model: string; readonly state: 'unloaded' | 'loading' | 'resident'; readonly bytes: number; readonly busy: boolean; readonly lastUsedMs: number }>;
}

/**
 * A plan running in virtual time, step by step: arrivals per service, one batch loop per replica
 * running the runtime's policy objects, batch times from the performance model, cold pools with
 * on-demand loads, LRU eviction and keep-alive loops, injected failures — and synchronous controls
 * mirroring the `Cluster` port (src/adapt/cluster.ts) so a controller can act between `runUntil`
 * calls. `simulatePlan` is the one-shot wrapper. Deterministic for a seed: every random draw comes
 * from forks of one seeded Rng, and events at one instant run in the order they were scheduled.
 *
 * Replica ids are `<service>/<index>`: the plan's replicas 0…n−1 in plan order, then each replica a
 * scale-up adds takes the next index (an index is never reused).
 */
export class ClusterSimulation {
  private readonly o: SimulatePlanOptions;
  private readonly engine = new SimEngine();
  private readonly events: ClusterEvents;
  private readonly factory: ReplicaFactory;
  private readonly windowMs: number;
  private readonly wall0 = performance.now();
  private readonly list: SimService[] = [];
  private readonly byName = new Map<string, SimService>();
  private readonly replicaById = new Map<string, SimReplica>();
  private readonly coldPools: ColdPool[] = [];
  private readonly poolBySlice = new Map<string, ColdPool>();
  private readonly admissionBurstMs: number;
  /** Randomness for replicas added by scale-ups, forked after the plan's so those replay unchanged. */
  private readonly controlRng: Rng;
  private closed = false;

  constructor(o: SimulatePlanOptions) {
    this.o = o;
    this.windowMs = o.windowMs ?? 1000;
    this.admissionBurstMs = o.admissionBurstMs ?? 100;
    if (!(this.admissionBurstMs >= 0)) throw new TesseraError('TESSERA_ERR_SIM_OPTION', `admissionBurstMs must be ≥ 0 (got ${this.admissionBurstMs})`);
    const planned = resolvePlanOptions();
    this.factory = new ReplicaFactory(o, {
      defaultColdStartMs: o.defaultColdStartMs ?? planned.defaultColdStartMs,
      defaultModelMemoryBytes: o.defaultModelMemoryBytes ?? planned.defaultModelMemoryBytes,
    });
    this.events = new ClusterEvents(this.engine, { windowMs: this.windowMs, durationMs: o.durationMs, onProgress: o.onProgress });
    const keepAlive: KeepAlivePolicy | undefined = o.keepAlive === undefined ? undefined : createKeepAlivePolicy(o.keepAlive, o.forecaster === undefined ? {} : { forecaster: o.forecaster });
    for (const p of o.plan.coldPools) {
      const pool = new ColdPool(p.slice, p.memoryBytes, this.engine, { onResident: (e, now) => this.events.onResident(e, now) });
      this.coldPools.push(pool);
      this.poolBySlice.set(p.slice, pool);
    }

    // The forks happen in the order the one-shot simulator always took them (per service: its
    // arrivals, then each replica's batch times), so a seed replays the same as before.
    const rng = createRng(o.seed ?? 1);
    for (const ps of o.plan.services) {
      const spec = o.fleet.services.find((s) => s.name === ps.name);
      const modelSpec = o.fleet.models.find((m) => m.name === ps.model);
      if (!spec || !modelSpec) throw new TesseraError('TESSERA_ERR_SIM_PLAN_MISMATCH', `the plan names service '${ps.name}' (model '${ps.model}'), which the fleet spec does not have; re-plan for this spec`);
      const arrivals = o.arrivals?.get(ps.name) ?? arrivalsForTraffic(spec.traffic, { baseDir: o.baseDir ?? process.cwd(), rng: rng.fork(), durationMs: o.durationMs, rateScale: o.rateScale ?? 1 });
      const svc = this.factory.service(ps, arrivals);
      for (const r of ps.replicas) {
        const entry = ps.pool === 'cold' ? this.entryFor(svc, ps, r, keepAlive) : undefined;
        this.addReplica(svc, r, rng.fork(), entry, true);
      }
      this.list.push(svc);
      this.byName.set(svc.name, svc);
      this.events.attachService(svc);
    }
    this.controlRng = rng.fork();
    (o.failures ?? []).forEach((f, i) => this.scheduleFailure(f, i));
    // Policies that pre-warm from a forecast decide from the start, not only after a first request.
    for (const pool of this.coldPools) for (const e of pool.entries) e.keepAlive?.decide(this.engine.nowMs);
  }

  /** The current virtual time, ms. */
  get nowMs(): number {
    return this.engine.nowMs;
  }

  /** Simulates up to `untilMs` (synchronously): every event at or before it runs, and the clock stands there. */
  runUntil(untilMs: number): void {
    if (!(untilMs >= this.engine.nowMs)) throw new TesseraError('TESSERA_ERR_SIM_OPTION', `runUntil(${untilMs}): the simulation is already at ${this.engine.nowMs} ms; time only moves forward`);
    this.engine.run(untilMs);
  }

  /** The report over [0, now]: the same shape `simulatePlan` returns. Can be called at any time. */
  result(): SimulationResult {
    const now = this.engine.nowMs;
    for (const svc of this.list) accrueQueue(svc, now, this.windowMs);
    return buildSimulationResult({
      plan: this.o.plan,
      services: this.list,
      pools: this.coldPools,
      nowMs: now,
      windowMs: this.windowMs,
      events: this.engine.eventsHandled,
      wallMs: performance.now() - this.wall0,
    });
  }

  /** Releases the arrival streams (trace files). The simulation cannot go on after this. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const svc of this.list) svc.arrivals.close();
    this.engine.clear();
  }

  // ── Controls, mirroring the Cluster port (synchronous: they act at the current virtual time) ──

  services(): ServiceState[] {
    return this.list.map((svc) => ({
      name: svc.name,
      model: svc.model,
      sloP99Ms: svc.sloMs,
      replicas: svc.desiredReplicas,
      minReplicas: svc.minReplicas,
      maxReplicas: svc.maxReplicas,
      maxBatchSize: currentBatchCap(svc),
      plannedMaxBatchSize: plannedBatchCap(svc),
      admissionCapRps: svc.admission?.ratePerS,
    }));
  }

  /** Present replicas (a draining one has already left its service and is not listed). */
  replicas(service?: string): ReplicaState[] {
    const list = service === undefined ? this.list : [this.service(service)];
    return list.flatMap((svc) =>
      svc.replicas
        .filter((r) => r.status !== 'draining')
        .map((r) => ({ id: r.id, service: svc.name, slice: r.replica.slice, node: r.replica.node, gpu: r.replica.gpu, ready: r.ready })),
    );
  }

  /**
   * Replaces the replica's worker: its in-flight batches fail (status error), and it serves again
   * after its load time (measured load + warm-up). A cold-pool model stays resident in its pool.
   */
  restartReplica(replicaId: string): void {
    this.events.crash(this.replica(replicaId), this.engine.nowMs);
  }

  /**
   * Sets the desired replica count. Added replicas clone the service's first plan replica (slice,
   * instances, batching) and serve only after load + warm-up; removed ones — the highest indices
   * first — take no new batches and leave when their in-flight batches finish.
   */
  scaleService(name: string, replicas: number): void {
    const svc = this.service(name);
    if (!(Number.isInteger(replicas) && replicas >= 0)) throw new TesseraError('TESSERA_ERR_SIM_OPTION', `scaleService('${name}', ${replicas}): the replica count must be a whole number ≥ 0`);
    const now = this.engine.nowMs;
    svc.desiredReplicas = replicas;
    const present = svc.replicas.filter((r) => r.status !== 'draining');
    if (replicas > present.length) {
      const template = svc.template;
      if (template === undefined) throw new TesseraError('TESSERA_ERR_SIM_OPTION', `scaleService('${name}'): the plan gives the service no replica to clone`);
      // Clones run on the first replica's slice and share its pool model (its memory counts once).
      const entry = svc.allReplicas[0]?.entry;
      for (let k = present.length; k < replicas; k++) this.addReplica(svc, template, this.controlRng.fork(), entry, false);
    } else {
      for (const r of present.slice(replicas).reverse()) this.events.drain(r, now);
    }
  }

  /** Caps the items per batch every replica of the service may form (≥ 1); the plan's own cap still applies below it. */
  setBatchSizeCap(name: string, maxBatchSize: number): void {
    const svc = this.service(name);
    if (!(Number.isInteger(maxBatchSize) && maxBatchSize >= 1)) throw new TesseraError('TESSERA_ERR_SIM_OPTION', `setBatchSizeCap('${name}', ${maxBatchSize}): the cap must be a whole number ≥ 1`);
    svc.batchCap = maxBatchSize;
    for (const r of svc.replicas) this.applyBatchCap(r);
  }

  /** Admits at most `maxRps` requests/s (token bucket, `admissionBurstMs` of burst); the rest are dropped (429). Undefined lifts the cap. */
  setAdmissionCap(name: string, maxRps: number | undefined): void {
    const svc = this.service(name);
    if (maxRps === undefined) {
      svc.admission = undefined;
      return;
    }
    if (!(Number.isFinite(maxRps) && maxRps > 0)) throw new TesseraError('TESSERA_ERR_SIM_OPTION', `setAdmissionCap('${name}', ${maxRps}): the cap must be a positive number of requests/s`);
    svc.admission = new TokenBucket(maxRps, Math.max(1, (maxRps * this.admissionBurstMs) / 1000), this.engine.nowMs);
  }

  /** A re-pack moves the replicas of a GPU (or node): modelled as a restart of each of them. */
  repack(scope: RepackScope): void {
    if (scope.gpu === undefined && scope.node === undefined) throw new TesseraError('TESSERA_ERR_SIM_OPTION', 'repack needs a gpu or a node to re-pack');
    const known = scope.gpu !== undefined ? this.o.plan.gpus.some((g) => g.id === scope.gpu) : this.o.plan.slices.some((s) => s.node === scope.node);
    if (!known) throw new TesseraError('TESSERA_ERR_SIM_UNKNOWN_TARGET', `repack: the plan has no ${scope.gpu !== undefined ? `GPU '${scope.gpu}'` : `node '${String(scope.node)}'`}`);
    const now = this.engine.nowMs;
    for (const svc of this.list) {
      for (const r of [...svc.replicas]) {
        if (r.status === 'draining') continue;
        if ((scope.gpu !== undefined && r.replica.gpu === scope.gpu) || (scope.gpu === undefined && r.replica.node === scope.node)) this.events.crash(r, now);
      }
    }
  }

  /** Cumulative counters per service at the current virtual time (for a MetricsSource over the simulation). */
  counters(service?: string): SimServiceCounters[] {
    const list = service === undefined ? this.list : [this.service(service)];
    return list.map((svc) => ({
      service: svc.name,
      model: svc.model,
      atMs: this.engine.nowMs,
      requests: { ok: svc.completed, dropped: svc.dropped, error: svc.failed },
      latency: { le: SIM_LATENCY_LE_S, cumulative: svc.latency.cumulative(), sumS: svc.latency.sumS, count: svc.latency.count },
      queueDepth: svc.queuedItems,
    }));
  }

  /** The cold pools now: memory held and each model's residency. */
  pools(): PoolSnapshot[] {
    return this.coldPools.map((p) => ({
      slice: p.slice,
      memoryBytes: p.memoryBytes,
      usedBytes: p.cache.usedBytes,
      peakUsedBytes: p.cache.peakUsedBytes,
      models: p.entries.map((e) => ({ service: e.service.name, model: e.service.model, state: e.state, bytes: e.bytes, busy: p.isBusy(e), lastUsedMs: e.lastUsedMs })),
    }));
  }

  // ── Building ──

  private entryFor(svc: SimService, ps: PlanService, r: PlanReplica, keepAlive: KeepAlivePolicy | undefined): PoolEntry | undefined {
    // A cold service's replica on a pool slice loads on demand; anywhere else it is pinned like a hot one.
    const pool = this.poolBySlice.get(r.slice);
    if (pool === undefined) return undefined;
    const existing = pool.entries.find((e) => e.service === svc);
    if (existing !== undefined) return existing;
    const defaults = this.factory.defaults;
    const bytes = poolModelMemoryBytes(this.o.model, ps.model, defaults, this.o.fleet.models.find((m) => m.name === ps.model)?.memoryBytes);
    const loadMs = coldStartEstimate(this.o.model, ps.model, this.factory.sliceRef(ps.name, r), defaults).ms;
    const entry = pool.addEntry(svc, loadMs, bytes, keepAlive);
    svc.entries.push(entry);
    return entry;
  }

  private addReplica(svc: SimService, r: PlanReplica, rng: Rng, entry: PoolEntry | undefined, fromPlan: boolean): void {
    const now = this.engine.nowMs;
    const rep = this.factory.replica(svc, r, rng, entry, fromPlan, now);
    this.events.attachReplica(rep);
    svc.replicas.push(rep);
    svc.allReplicas.push(rep);
    entry?.replicas.push(rep);
    this.replicaById.set(rep.id, rep);
    // A replica added by a scale-up starts cold: it serves after load + warm-up.
    if (!fromPlan) this.events.startIn(rep, now, rep.restartMs);
  }

  private applyBatchCap(rep: SimReplica): void {
    const max = effectiveMaxBatch(rep.service, rep.plannedMaxBatch);
    if (max === rep.policy.config.maxBatchSize) return;
    // Policy configs are frozen: a new cap is a new policy object with fresh state.
    rep.policy = this.factory.batchPolicy(rep.service, rep.replica, rep.sliceRef, rep.instances, max);
    rep.state = rep.policy.initialState();
    this.events.cancelTimer(rep);
    this.events.consult(rep, this.engine.nowMs);
  }

  private scheduleFailure(f: FailureSpec, index: number): void {
    checkFailure(f, index);
    const hit = (r: SimReplica, now: number): void => {
      if (f.kind === 'faulty') {
        // Only a present replica can go bad; one that left (scaled down) has no worker to break.
        if (r.status !== 'removed') r.faulty = true;
      } else this.events.crash(r, now);
    };
    if (f.replica !== undefined) {
      const rep = this.replica(f.replica);
      if (f.service !== undefined && rep.service.name !== f.service) throw new TesseraError('TESSERA_ERR_SIM_UNKNOWN_TARGET', `failures[${index}]: replica '${f.replica}' does not belong to service '${f.service}'`);
      this.engine.at(f.atMs, (e) => hit(rep, e.nowMs));
      return;
    }
    const svc = this.service(f.service as string);
    this.engine.at(f.atMs, (e) => {
      for (const r of [...svc.replicas]) if (r.status !== 'draining') hit(r, e.nowMs);
    });
  }

  private service(name: string): SimService {
    const svc = this.byName.get(name);
    if (svc === undefined) throw new TesseraError('TESSERA_ERR_SIM_UNKNOWN_TARGET', `the simulated cluster has no service '${name}'; it has ${this.list.map((s) => s.name).join(', ') || 'none'}`);
    return svc;
  }

  private replica(id: string): SimReplica {
    const rep = this.replicaById.get(id);
    if (rep === undefined || rep.status === 'removed') {
      const ids = this.list.flatMap((s) => s.replicas.map((r) => r.id));
      throw new TesseraError('TESSERA_ERR_SIM_UNKNOWN_TARGET', `the simulated cluster has no replica '${id}' (ids are <service>/<index>); it has ${ids.slice(0, 20).join(', ')}${ids.length > 20 ? ', …' : ''}`);
    }
    return rep;
  }
}

/** The plan's batch cap for the service (what a lowered cap is raised back to): its replicas' largest. */
function plannedBatchCap(svc: SimService): number | undefined {
  const reps = svc.allReplicas;
  if (reps.length > 0) return Math.max(...reps.map((r) => r.plannedMaxBatch));
  return svc.template?.batching.maxBatchSize;
}

/** The batch cap in force for `services()`: the largest its present replicas' policies allow. */
function currentBatchCap(svc: SimService): number {
  const reps = svc.replicas.filter((r) => r.status !== 'draining');
  if (reps.length > 0) return Math.max(...reps.map((r) => r.policy.config.maxBatchSize));
  const planned = svc.template?.batching.maxBatchSize ?? 1;
  return svc.batchCap === undefined ? planned : Math.min(planned, svc.batchCap);
}
