import { TesseraError, type Clock, type LoadedFleet, type Logger, type ModelSpec } from '../core/index.js';
import { resolveModelFile } from '../profile/index.js';
import type { Plan, PlanService } from '../plan/plan-types.js';
import type { ServeMetrics } from '../observe/serve-metrics.js';
import { ServiceRuntime, type ReplicaSpec } from './runtime/service-runtime.js';

export interface FleetRuntimeOptions {
  loaded: LoadedFleet;
  plan: Plan;
  clock: Clock;
  metrics?: ServeMetrics;
  logger?: Logger;
  /** Queue bound per service in items. @default 8 × the largest batch, at least 64 */
  maxQueueItems?: number;
  /** Default request timeout. @default max(1 s, 10 × the SLO) */
  requestTimeoutMs?: number;
  /** Where generated models are written. */
  modelCacheDir?: string;
}

export interface ServiceStartFailure {
  service: string;
  error: TesseraError;
}

/** Replica specs for one planned service: each replica's slice cores shared among its instances. */
export function replicaSpecsOf(plan: Plan, svc: PlanService): ReplicaSpec[] {
  return svc.replicas.map((r) => {
    const slice = plan.slices.find((s) => s.id === r.slice);
    const cores = slice?.cores ?? 1;
    const instances = Math.max(1, r.instances);
    return { instances, threadsPerInstance: Math.max(1, Math.floor(cores / instances)), batching: r.batching };
  });
}

export interface ServiceStarter {
  /** The service's model as the spec gives it. */
  model: ModelSpec;
  /** Absolute path of its ONNX file (generated models are written first). */
  modelPath: string;
  start: () => Promise<ServiceRuntime>;
}

/** Prepares the start of one planned service: resolves its model and builds its runtime options. */
export function serviceStarter(o: FleetRuntimeOptions, svc: PlanService): ServiceStarter {
  const { fleet, baseDir } = o.loaded;
  const spec = fleet.services.find((s) => s.name === svc.name);
  const model = fleet.models.find((m) => m.name === svc.model);
  if (!spec || !model) throw new TesseraError('TESSERA_ERR_RUNTIME_PLAN_MISMATCH', `the plan names service '${svc.name}' (model '${svc.model}'), which the fleet spec does not have; re-plan for this spec`);
  if (!model.source) throw new TesseraError('TESSERA_ERR_RUNTIME_PLAN_MISMATCH', `model '${model.name}' has no source (only imported profiles), so it cannot be served here`);
  const modelPath = resolveModelFile(model.source, { baseDir, ...(o.modelCacheDir ? { cacheDir: o.modelCacheDir } : {}) });
  const replicas = replicaSpecsOf(o.plan, svc);
  if (replicas.length === 0) throw new TesseraError('TESSERA_ERR_RUNTIME_PLAN_MISMATCH', `the plan gives service '${svc.name}' no replicas`);
  const largestBatch = Math.max(...replicas.map((r) => r.batching.maxBatchSize));
  const start = (): Promise<ServiceRuntime> =>
    ServiceRuntime.start({
      service: svc.name,
      modelPath,
      inputSpec: model.input,
      maxBatchSize: model.maxBatchSize,
      replicas,
      sloMs: spec.slo.p99Ms,
      maxQueueItems: o.maxQueueItems ?? Math.max(64, 8 * largestBatch),
      requestTimeoutMs: o.requestTimeoutMs ?? Math.max(1000, 10 * spec.slo.p99Ms),
      clock: o.clock,
      ...(o.metrics ? { metrics: o.metrics } : {}),
    });
  return { model, modelPath, start };
}
