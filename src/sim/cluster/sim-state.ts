import type hdr from 'hdr-histogram-js';
import type { BatchPolicy, BatchPolicyStateBase } from '../../policy/index.js';
import type { PlanReplica } from '../../plan/plan-types.js';
import type { SliceRef } from '../../profile/index.js';
import type { ArrivalSource } from '../arrivals/arrival-stream.js';
import type { EventId, SimHandler } from '../engine/engine.js';
import type { LatencyBuckets } from './latency-counters.js';
import type { PoolEntry } from './cold-pool.js';
import type { TokenBucket } from './token-bucket.js';

/** The simulation's internal state, shared by its parts (not exported from src/sim). */

export interface SimRequest {
  arrivalMs: number;
  deadlineMs: number;
  items: number;
}

/**
 * - `ready`: serving; `starting`: added by a scale-up, loading (serves after load + warm-up);
 * - `down`: crashed or restarting, back after its load time;
 * - `draining`: removed by a scale-down, finishing its in-flight batches; `removed`: gone.
 */
export type ReplicaStatus = 'ready' | 'starting' | 'down' | 'draining' | 'removed';

export interface SimReplica {
  /** `<service>/<index>`: the plan's replicas 0…n−1 in plan order, then scale-ups, never reused. */
  readonly id: string;
  readonly index: number;
  readonly service: SimService;
  readonly replica: PlanReplica;
  readonly sliceRef: SliceRef;
  /** The plan's batch cap for this replica (before any `setBatchSizeCap`). */
  readonly plannedMaxBatch: number;
  readonly instances: number;
  /** Load + warm-up: how long a restart or a new replica takes to serve. */
  readonly restartMs: number;
  /** Its model's residency in a cold pool; undefined for hot replicas (always resident). */
  readonly entry: PoolEntry | undefined;
  readonly sampleMs: (b: number) => number;
  policy: BatchPolicy;
  state: BatchPolicyStateBase;
  busy: number;
  busyMs: number;
  /**
   * Running batches in numbered slots (at most one per instance): the batch, when it started, its
   * sampled time and its completion event. A completion event carries only its slot number, so a
   * batch costs no closure; a crash walks the slots to cancel and fail them.
   */
  readonly slotBatch: Array<SimRequest[] | undefined>;
  readonly slotStartMs: number[];
  readonly slotServiceMs: number[];
  readonly slotEvent: EventId[];
  readonly freeSlots: number[];
  /** Receives the replica's events (batch completions by slot, the policy timer); set by ClusterEvents. */
  handler: SimHandler;
  /** The armed policy timer, if any. */
  timerAtMs: number;
  timerId: EventId | undefined;
  status: ReplicaStatus;
  /** status === 'ready', kept as a field because every arrival reads it. */
  ready: boolean;
  /** The pending return from `starting` / `down`. */
  upEventId: EventId | undefined;
  readonly createdAtMs: number;
  removedAtMs: number;
  restarts: number;
  /** An injected `faulty` failure: every batch it finishes fails, until a restart replaces the worker. */
  faulty: boolean;
}

export interface SimService {
  readonly name: string;
  readonly model: string;
  readonly sloMs: number;
  readonly queue: SimRequest[];
  queuedItems: number;
  readonly maxQueueItems: number;
  /** Present replicas (every status but `removed`), in index order. */
  readonly replicas: SimReplica[];
  /** Every replica it ever had, for the report. */
  readonly allReplicas: SimReplica[];
  readonly hist: hdr.Histogram;
  readonly latency: LatencyBuckets;
  requests: number;
  completed: number;
  dropped: number;
  admissionRefused: number;
  poolRefused: number;
  failed: number;
  withinSlo: number;
  batches: number;
  batchItems: number;
  coldStarts: number;
  coldDelayed: number;
  coldDelayMs: number;
  readonly timeline: number[];
  readonly arrivals: ArrivalSource;
  /** Receives the service's arrival events; set by ClusterEvents. */
  arrivalHandler: SimHandler;
  /** Queue-length integral (request·ms) per window, and when it was last brought up to date. */
  readonly queueArea: number[];
  queueAreaAtMs: number;
  /** Cold-pool residency of its replicas' model (one per pool slice it runs on); empty for hot services. */
  readonly entries: PoolEntry[];
  admission: TokenBucket | undefined;
  /** Draws one request's serving-path time outside queue and batch, ms (`servingOverhead`); undefined: none. */
  readonly requestOverheadMs: (() => number) | undefined;
  /** Serving-path time each batch adds on its instance, ms. */
  readonly batchOverheadMs: number;
  // Controls.
  desiredReplicas: number;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  batchCap: number | undefined;
  nextIndex: number;
  /** The plan replica scale-ups clone; undefined when the plan gave the service none. */
  readonly template: PlanReplica | undefined;
}
