import { availableParallelism } from 'node:os';
import type { Cluster, RepackScope, ReplicaState, ServiceState } from '../adapt/index.js';
import { TesseraError, type LoadedFleet, type Logger } from '../core/index.js';
import type { Plan, PlanService } from '../plan/plan-types.js';
import type { ModelPools } from './model-pools.js';
import type { ReplicaInfo, ServiceRuntime } from './runtime/service-runtime.js';

export interface ServeClusterOptions {
  readonly pools: ModelPools;
  readonly plan: Plan;
  readonly loaded: LoadedFleet;
  /**
   * Intra-op threads all replicas of all services may use together; a scale-out that would pass
   * it is refused, and `maxReplicas` reports what fits. @default os.availableParallelism()
   */
  readonly threadBudget?: number;
  readonly logger?: Logger;
}

function actionError(message: string, details: Record<string, unknown>): TesseraError {
  return new TesseraError('TESSERA_ERR_ADAPT_ACTION', message, { details });
}

const threadsOf = (r: Pick<ReplicaInfo, 'instances' | 'threadsPerInstance'>): number => r.instances * r.threadsPerInstance;

/**
 * The `Cluster` port over the embedded runtime of `tessera serve`, so the adapt controller acts on
 * the running process the way it acts on the simulator or Kubernetes:
 *
 * - services are the plan's services whose runtime is resident (a cold model that is not loaded has
 *   nothing to act on and is not listed; what the controller set on it is gone when it is evicted);
 * - `scaleService` starts replicas like the plan's first one — each warmed at every batch size it
 *   can form before it takes from the queue — or retires the newest; on CPU every replica costs
 *   `instances × threadsPerInstance` threads and all of them together stay within `threadBudget`,
 *   which is what `maxReplicas` reports (never below the count running now);
 * - `restartReplica` replaces the replica's worker pool with a fresh, warmed one and then retires
 *   the old one (make before break; the id stays);
 * - `setBatchSizeCap` caps every replica's batching policy (a cap at or above the plan restores it);
 * - `setAdmissionCap` sets the service's token bucket (429 + Retry-After above the rate);
 * - `repack` has no slices to move on CPU: it restarts the replicas in scope (fresh sessions and
 *   arenas, which is what a re-pack buys on a CPU), and refuses an empty scope.
 */
export class ServeCluster implements Cluster {
  readonly threadBudget: number;

  constructor(private readonly o: ServeClusterOptions) {
    this.threadBudget = o.threadBudget ?? availableParallelism();
    if (!(Number.isInteger(this.threadBudget) && this.threadBudget >= 1)) throw new RangeError(`threadBudget must be a whole number ≥ 1, got ${this.threadBudget}`);
  }

  listServices(): Promise<readonly ServiceState[]> {
    const out: ServiceState[] = [];
    for (const svc of this.o.plan.services) {
      const rt = this.o.pools.peek(svc.name);
      if (rt === undefined) continue;
      out.push(this.stateOf(svc, rt));
    }
    return Promise.resolve(out);
  }

  listReplicas(service?: string): Promise<readonly ReplicaState[]> {
    const out: ReplicaState[] = [];
    for (const svc of this.o.plan.services) {
      if (service !== undefined && svc.name !== service) continue;
      const rt = this.o.pools.peek(svc.name);
      if (rt === undefined) continue;
      for (const r of rt.replicas()) {
        const planned = svc.replicas[r.specIndex] ?? svc.replicas[0];
        out.push({ id: r.id, service: svc.name, slice: planned?.slice ?? 'local', node: planned?.node ?? 'local', gpu: planned?.gpu, ready: r.ready });
      }
    }
    return Promise.resolve(out);
  }

  async restartReplica(replicaId: string, reason: string): Promise<void> {
    for (const svc of this.o.plan.services) {
      const rt = this.o.pools.peek(svc.name);
      if (rt?.replicas().some((r) => r.id === replicaId)) {
        this.o.logger?.info({ service: svc.name, replica: replicaId, reason }, 'adapt: restarting replica');
        await rt.restartReplica(replicaId);
        return;
      }
    }
    throw actionError(`no resident replica '${replicaId}' to restart`, { replica: replicaId });
  }

  async scaleService(service: string, replicas: number, reason: string): Promise<void> {
    const { svc, rt } = this.resident(service);
    const state = this.stateOf(svc, rt);
    if (!Number.isInteger(replicas) || replicas < 1 || replicas > state.maxReplicas) {
      throw actionError(`cannot scale '${service}' to ${replicas} replicas: it may have 1 to ${state.maxReplicas} (thread budget ${this.threadBudget}, ${this.threadsInUse()} in use)`, {
        service,
        replicas,
        maxReplicas: state.maxReplicas,
        threadBudget: this.threadBudget,
      });
    }
    const from = rt.replicas().length;
    this.o.logger?.info({ service, from, to: replicas, reason }, 'adapt: scaling service');
    // One at a time: each new replica warms on the same cores the serving ones use.
    while (rt.replicas().length < replicas) await rt.addReplica(0);
    while (rt.replicas().length > replicas) await rt.removeReplica();
  }

  setBatchSizeCap(service: string, maxBatchSize: number, reason: string): Promise<void> {
    const { rt } = this.resident(service);
    if (!(Number.isFinite(maxBatchSize) && maxBatchSize >= 1)) return Promise.reject(actionError(`a batch size cap must be ≥ 1, got ${maxBatchSize}`, { service, maxBatchSize }));
    const planned = Math.max(...rt.replicas().map((r) => r.plannedMaxBatchSize));
    this.o.logger?.info({ service, maxBatchSize, planned, reason }, 'adapt: batch size cap');
    rt.setBatchSizeCap(maxBatchSize >= planned ? undefined : maxBatchSize);
    return Promise.resolve();
  }

  setAdmissionCap(service: string, maxRps: number | undefined, reason: string): Promise<void> {
    const { rt } = this.resident(service);
    if (maxRps !== undefined && !(Number.isFinite(maxRps) && maxRps > 0)) return Promise.reject(actionError(`an admission cap must be > 0 requests/s, got ${maxRps}`, { service, maxRps }));
    this.o.logger?.info({ service, maxRps: maxRps ?? null, reason }, maxRps === undefined ? 'adapt: admission cap lifted' : 'adapt: admission cap');
    rt.setAdmissionCap(maxRps);
    return Promise.resolve();
  }

  async repack(scope: RepackScope, reason: string): Promise<void> {
    const inScope = (await this.listReplicas()).filter((r) => (scope.gpu === undefined || r.gpu === scope.gpu) && (scope.node === undefined || r.node === scope.node));
    if (inScope.length === 0 || (scope.gpu === undefined && scope.node === undefined)) {
      throw actionError(`no replica to re-pack in scope ${JSON.stringify(scope)} (on CPU a re-pack restarts the replicas of a node)`, { gpu: scope.gpu ?? null, node: scope.node ?? null });
    }
    this.o.logger?.info({ scope, replicas: inScope.map((r) => r.id), reason }, 'adapt: re-pack (restart in scope)');
    for (const r of inScope) await this.restartReplica(r.id, reason);
  }

  /** Threads the replicas of every resident service use now. */
  threadsInUse(): number {
    let n = 0;
    for (const svc of this.o.plan.services) for (const r of this.o.pools.peek(svc.name)?.replicas() ?? []) n += threadsOf(r);
    return n;
  }

  private resident(service: string): { svc: PlanService; rt: ServiceRuntime } {
    const svc = this.o.plan.services.find((s) => s.name === service);
    if (svc === undefined) throw actionError(`'${service}' is not a service of this plan`, { service });
    const rt = this.o.pools.peek(service);
    if (rt === undefined) throw actionError(`'${service}' is not resident (a cold model that is not loaded); nothing to act on`, { service });
    return { svc, rt };
  }

  private stateOf(svc: PlanService, rt: ServiceRuntime): ServiceState {
    const spec = this.o.loaded.fleet.services.find((s) => s.name === svc.name);
    const reps = rt.replicas();
    const perReplica = threadsOf(reps[0] ?? { instances: 1, threadsPerInstance: 1 });
    const free = Math.max(0, this.threadBudget - this.threadsInUse());
    const fits = reps.length + Math.floor(free / Math.max(1, perReplica));
    const maxReplicas = Math.max(reps.length, Math.min(spec?.maxReplicas ?? Number.POSITIVE_INFINITY, fits));
    return {
      name: svc.name,
      model: svc.model,
      sloP99Ms: spec?.slo.p99Ms ?? svc.sloP99Ms,
      replicas: reps.length,
      minReplicas: Math.min(reps.length, Math.max(1, spec?.minReplicas ?? 1)),
      maxReplicas,
      maxBatchSize: Math.max(1, ...reps.map((r) => r.maxBatchSize)),
      plannedMaxBatchSize: Math.max(1, ...reps.map((r) => r.plannedMaxBatchSize)),
      admissionCapRps: rt.admissionCapRps,
    };
  }
}
