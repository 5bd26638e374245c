/**
 * The `Cluster` port: what the controller may read about a running deployment and the few
 * actions it may take on it. The embedded runtime, the simulator and (later) Kubernetes each
 * implement it, so a remediation rule acts the same way under a virtual or a real clock. Every
 * method is async because a real executor talks to processes or an API server; a simulator
 * simply resolves at once. Actions carry their `reason` so an executor can log or annotate.
 */

export interface ServiceState {
  readonly name: string;
  readonly model: string;
  /** The latency objective on the server-side p99, ms. */
  readonly sloP99Ms: number;
  /** Replicas the service should have now (the executor's desired count). */
  readonly replicas: number;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  /** The current cap on items per batch (the batcher may run smaller batches). */
  readonly maxBatchSize: number;
  /**
   * The batch size the plan gave the service: the ceiling the batch step raises a lowered cap back
   * to. Undefined where the executor does not know it; the batch step then leaves the cap alone.
   */
  readonly plannedMaxBatchSize?: number | undefined;
  /** Admission cap in requests/s; undefined while nothing is shed. */
  readonly admissionCapRps?: number | undefined;
}

export interface ReplicaState {
  readonly id: string;
  readonly service: string;
  /** Slice id as in the plan (`local/cpu@0`, `node-a/gpu0/gi3`). */
  readonly slice: string;
  readonly node: string;
  /** GPU the slice belongs to (`node-a/gpu0`); undefined on CPU. */
  readonly gpu?: string | undefined;
  readonly ready: boolean;
}

/** Which part of the fleet a re-pack may move: one GPU's replicas, or one node's. */
export interface RepackScope {
  readonly gpu?: string | undefined;
  readonly node?: string | undefined;
}

export interface Cluster {
  listServices(): Promise<readonly ServiceState[]>;
  listReplicas(service?: string): Promise<readonly ReplicaState[]>;
  /** Replace the replica's worker (process, thread, container) with a fresh one on the same slice. */
  restartReplica(replicaId: string, reason: string): Promise<void>;
  /** Set the service's desired replica count; the executor clamps nothing, the caller already did. */
  scaleService(service: string, replicas: number, reason: string): Promise<void>;
  /** Cap the batch size the service's batcher may form (≥ 1). */
  setBatchSizeCap(service: string, maxBatchSize: number, reason: string): Promise<void>;
  /** Admit at most `maxRps` requests/s (the rest are refused with 429/503); undefined lifts the cap. */
  setAdmissionCap(service: string, maxRps: number | undefined, reason: string): Promise<void>;
  /** Move replicas within the scope so free memory / slices are contiguous again (restart + reassign). */
  repack(scope: RepackScope, reason: string): Promise<void>;
}
