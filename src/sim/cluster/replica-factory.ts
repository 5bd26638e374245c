import hdr from 'hdr-histogram-js';
import { TesseraError, createRng, type Rng } from '../../core/index.js';
import { createBatchPolicy, type BatchPolicy } from '../../policy/index.js';
import { coldStartEstimate } from '../../plan/index.js';
import type { Plan, PlanReplica, PlanService } from '../../plan/plan-types.js';
import { sliceFromPlan, type SliceRef } from '../../profile/index.js';
import type { ArrivalSource } from '../arrivals/arrival-stream.js';
import type { SimHandler } from '../engine/engine.js';
import { batchTimeSampler, linearPrior } from './batch-time.js';
import type { PoolEntry } from './cold-pool.js';
import { LatencyBuckets } from './latency-counters.js';
import type { ServingOverhead, SimulatePlanOptions } from './options.js';
import type { SimReplica, SimService } from './sim-state.js';

/** Placeholder until ClusterEvents attaches the real handler; an event reaching it is a bug. */
const UNATTACHED: SimHandler = {
  onEvent(): void {
    throw new Error('a simulated replica or service received an event before ClusterEvents attached it');
  },
};

/** The planner's fallbacks the simulation shares: cold start and memory when nothing measures them. */
export interface PlanDefaults {
  readonly defaultColdStartMs: number;
  readonly defaultModelMemoryBytes: number;
}

/** Makes the simulation's services and replicas from the plan, the spec and the performance model. */
export class ReplicaFactory {
  private readonly gpuTypeOf: Map<string, string>;
  private readonly sliceById: Map<string, Plan['slices'][number]>;

  /**
   * Its own stream, seeded from the run's seed: drawing overheads must not shift the arrivals' and
   * batch times' streams, so a run with an overhead differs from one without only by the overhead.
   */
  private readonly overheadRng: Rng;

  constructor(
    private readonly o: SimulatePlanOptions,
    readonly defaults: PlanDefaults,
  ) {
    this.gpuTypeOf = new Map(o.plan.gpus.map((g) => [g.id, g.type]));
    this.sliceById = new Map(o.plan.slices.map((s) => [s.id, s]));
    this.overheadRng = createRng(((o.seed ?? 1) * 2_654_435_761) >>> 0);
  }

  private overheadOf(service: string): ServingOverhead | undefined {
    const so = this.o.servingOverhead;
    const oh = so instanceof Map ? (so as ReadonlyMap<string, ServingOverhead>).get(service) : (so as ServingOverhead | undefined);
    if (oh === undefined) return undefined;
    const bad = [oh.requestP50Ms, oh.requestP99Ms ?? oh.requestP50Ms, oh.batchMs ?? 0].some((v) => !(Number.isFinite(v) && v >= 0)) || (oh.requestP99Ms ?? oh.requestP50Ms) < oh.requestP50Ms;
    if (bad) throw new TesseraError('TESSERA_ERR_SIM_OPTION', `servingOverhead for '${service}' needs finite times ≥ 0 with p99 ≥ p50 (got ${JSON.stringify(oh)})`);
    return oh;
  }

  service(ps: PlanService, arrivals: ArrivalSource): SimService {
    const spec = this.o.fleet.services.find((s) => s.name === ps.name);
    if (!spec) throw new TesseraError('TESSERA_ERR_SIM_PLAN_MISMATCH', `the plan names service '${ps.name}' (model '${ps.model}'), which the fleet spec does not have; re-plan for this spec`);
    const largest = Math.max(1, ...ps.replicas.map((r) => r.batching.maxBatchSize));
    const overhead = this.overheadOf(ps.name);
    return {
      name: ps.name,
      model: ps.model,
      sloMs: spec.slo.p99Ms,
      queue: [],
      queuedItems: 0,
      maxQueueItems: Math.max(64, 8 * largest),
      replicas: [],
      allReplicas: [],
      hist: hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3, useWebAssembly: false }),
      latency: new LatencyBuckets(),
      requests: 0,
      completed: 0,
      dropped: 0,
      admissionRefused: 0,
      poolRefused: 0,
      failed: 0,
      withinSlo: 0,
      batches: 0,
      batchItems: 0,
      coldStarts: 0,
      coldDelayed: 0,
      coldDelayMs: 0,
      timeline: [],
      arrivals,
      arrivalHandler: UNATTACHED,
      queueArea: [],
      queueAreaAtMs: 0,
      entries: [],
      admission: undefined,
      requestOverheadMs: overhead === undefined ? undefined : overheadSampler(overhead, this.overheadRng.fork()),
      batchOverheadMs: overhead?.batchMs ?? 0,
      desiredReplicas: ps.replicas.length,
      minReplicas: spec.minReplicas,
      // As the Kubernetes renderer bounds its autoscaler: the plan's count, or the spec's maximum if larger.
      maxReplicas: Math.max(ps.replicas.length, spec.maxReplicas ?? 0),
      batchCap: undefined,
      nextIndex: 0,
      template: ps.replicas[0],
    };
  }

  /**
   * A replica of `svc` with the plan replica's settings, index `svc.nextIndex` (then bumped).
   * `ready` for the plan's replicas; a scale-up's starts `starting` (the caller schedules its start).
   */
  replica(svc: SimService, r: PlanReplica, rng: Rng, entry: PoolEntry | undefined, ready: boolean, nowMs: number): SimReplica {
    const o = this.o;
    const modelSpec = o.fleet.models.find((m) => m.name === svc.model);
    if (!modelSpec) throw new TesseraError('TESSERA_ERR_SIM_PLAN_MISMATCH', `the plan names model '${svc.model}' for service '${svc.name}', which the fleet spec does not have; re-plan for this spec`);
    const sliceRef = this.sliceRef(svc.name, r);
    const instances = Math.max(1, r.instances);
    const probe = o.model.exec(svc.model, sliceRef, 1, instances) ?? o.model.exec(svc.model, sliceRef, 1, 1);
    if (!probe) throw new TesseraError('TESSERA_ERR_SIM_NO_PROFILE', `no profile or estimate for model '${svc.model}' on ${r.sliceProfile}; run tessera profile or import its measurements`);
    const plannedMaxBatch = Math.min(r.batching.maxBatchSize, modelSpec.maxBatchSize);
    const sampleMs = batchTimeSampler(o.model, svc.model, sliceRef, instances, rng);
    const index = svc.nextIndex++;
    const policy = this.batchPolicy(svc, r, sliceRef, instances, effectiveMaxBatch(svc, plannedMaxBatch));
    return {
      id: `${svc.name}/${index}`,
      index,
      service: svc,
      replica: r,
      sliceRef,
      plannedMaxBatch,
      instances,
      restartMs: coldStartEstimate(o.model, svc.model, sliceRef, this.defaults).ms,
      entry,
      sampleMs,
      policy,
      state: policy.initialState(),
      busy: 0,
      busyMs: 0,
      slotBatch: [],
      slotStartMs: [],
      slotServiceMs: [],
      slotEvent: [],
      freeSlots: [],
      handler: UNATTACHED,
      timerAtMs: Number.POSITIVE_INFINITY,
      timerId: undefined,
      status: ready ? 'ready' : 'starting',
      ready,
      upEventId: undefined,
      createdAtMs: nowMs,
      removedAtMs: Number.NaN,
      restarts: 0,
      faulty: false,
    };
  }

  /** The replica's batching policy with a batch cap of `maxBatch`. */
  batchPolicy(svc: SimService, r: PlanReplica, sliceRef: SliceRef, instances: number, maxBatch: number): BatchPolicy {
    const b = r.batching;
    // A cap below a preferred size makes that size unreachable (and the policy config invalid).
    const preferred = b.preferredBatchSizes?.filter((s) => s <= maxBatch);
    return createBatchPolicy({
      policy: this.o.batchPolicy ?? b.policy,
      maxBatchSize: maxBatch,
      maxQueueDelayMs: b.maxQueueDelayMs,
      ...(preferred !== undefined && preferred.length > 0 ? { preferredBatchSizes: preferred } : {}),
      sloMs: svc.sloMs,
      serviceTimePrior: linearPrior(this.o.model, svc.model, sliceRef, instances, maxBatch),
    });
  }

  sliceRef(service: string, r: PlanReplica): SliceRef {
    const slice = this.sliceById.get(r.slice);
    if (!slice) throw new TesseraError('TESSERA_ERR_SIM_PLAN_MISMATCH', `replica of '${service}' is on slice '${r.slice}', which the plan does not list`);
    return sliceFromPlan(slice, slice.gpu ? this.gpuTypeOf.get(slice.gpu) : undefined);
  }
}

/** The service's batch cap applied below the plan's: what a replica's policy is built with. */
export function effectiveMaxBatch(svc: SimService, plannedMaxBatch: number): number {
  return svc.batchCap === undefined ? plannedMaxBatch : Math.min(svc.batchCap, plannedMaxBatch);
}

/** Log-normal through the overhead's p50 and p99 (σ = ln(p99/p50) / 2.326), constant without a spread. */
function overheadSampler(oh: ServingOverhead, rng: Rng): () => number {
  const p50 = oh.requestP50Ms;
  const p99 = oh.requestP99Ms ?? p50;
  if (!(p50 > 0) || p99 <= p50) return () => p50;
  const sigma = Math.log(p99 / p50) / 2.326;
  return () => p50 * Math.exp(sigma * rng.normal());
}
