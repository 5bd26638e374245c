import { statSync } from 'node:fs';
import { RealClock, type Clock, type LoadedFleet, type Logger } from '../core/index.js';
import type { KeepAlivePolicyOptions } from '../policy/index.js';
import type { Plan } from '../plan/plan-types.js';
import { ServeMetrics } from '../observe/serve-metrics.js';
import { createGateway, type Gateway, type GatewayAddress } from './http/index.js';
import { ModelPools, type PooledModelSpec } from './model-pools.js';
import { readOnnxSignature } from './onnx-signature.js';
import { RuntimeRepository, type ServedModel } from './runtime-repository.js';
import { checkServeAdaptOptions, startServeAdapt, type ServeAdapt, type ServeAdaptOptions } from './serve-adapt.js';
import { serviceStarter } from './serve-fleet.js';

export interface StartServerOptions {
  loaded: LoadedFleet;
  plan: Plan;
  logger: Logger;
  host?: string;
  port?: number;
  authToken?: string;
  /** @default 64 MiB */
  bodyLimitBytes?: number;
  clock?: Clock;
  /** Memory the cold pool may hold; default: the plan's cold pools, else 512 MiB. */
  coldBudgetBytes?: number;
  keepAlive?: KeepAlivePolicyOptions;
  /** How often the keep-alive policy is consulted, ms. @default 1000 */
  keepAliveTickMs?: number;
  modelCacheDir?: string;
  maxQueueItems?: number;
  requestTimeoutMs?: number;
  /** Run the adapt controller in this process once the hot models are up (docs/adapt.md). */
  adapt?: ServeAdaptOptions;
}

export interface RunningServer {
  address: GatewayAddress;
  metrics: ServeMetrics;
  pools: ModelPools;
  repository: RuntimeRepository;
  gateway: Gateway;
  /** Hot models failed to start: served as not ready, listed here. */
  startFailures: Array<{ name: string; error: unknown }>;
  /** The running controller, when started with `adapt`. */
  adapt: ServeAdapt | undefined;
  /** Graceful drain: readiness off, stop accepting, answer everything accepted, then release workers. */
  drain(): Promise<void>;
}

/**
 * Starts `tessera serve`: the gateway listens first (liveness answers at once, readiness waits),
 * then the hot models go through their three warm-up levels; cold models are listed from their
 * ONNX signature and load on their first request.
 */
export async function startServer(o: StartServerOptions): Promise<RunningServer> {
  const clock = o.clock ?? new RealClock();
  // Bad controller options are refused before a port is bound or a model loaded.
  if (o.adapt !== undefined) checkServeAdaptOptions(o.adapt);
  const metrics = new ServeMetrics();
  const fleetOpts = {
    loaded: o.loaded,
    plan: o.plan,
    clock,
    metrics,
    logger: o.logger,
    ...(o.modelCacheDir ? { modelCacheDir: o.modelCacheDir } : {}),
    ...(o.maxQueueItems ? { maxQueueItems: o.maxQueueItems } : {}),
    ...(o.requestTimeoutMs ? { requestTimeoutMs: o.requestTimeoutMs } : {}),
  };
  const served: ServedModel[] = [];
  const pooled: PooledModelSpec[] = [];
  for (const svc of o.plan.services) {
    const { model, modelPath: file, start } = serviceStarter(fleetOpts, svc);
    const sig = readOnnxSignature(file);
    const batchAxes = Object.fromEntries(Object.entries(model.input ?? {}).map(([k, v]) => [k, v.batchAxis]));
    served.push({ name: svc.name, pool: svc.pool, inputs: sig.inputs, outputs: sig.outputs, batchAxes, itemShapes: Object.fromEntries(Object.entries(model.input ?? {}).map(([k, v]) => [k, v.shape])) });
    // Without a measured footprint, twice the file size: weights plus the arena's first allocations.
    pooled.push({ name: svc.name, pool: svc.pool, memoryBytes: model.memoryBytes ?? 2 * statSync(file).size, start });
  }
  const budget = o.coldBudgetBytes ?? (o.plan.coldPools.reduce((n, p) => n + p.memoryBytes, 0) || 512 * 1024 ** 2);
  const pools = new ModelPools({
    models: pooled,
    coldBudgetBytes: budget,
    ...(o.keepAlive ? { keepAlive: o.keepAlive } : {}),
    clock,
    metrics,
    logger: o.logger,
  });
  const repository = new RuntimeRepository(served, pools);
  const gateway = createGateway({
    repository,
    bodyLimitBytes: o.bodyLimitBytes ?? 64 * 1024 * 1024,
    ...(o.authToken ? { authToken: o.authToken } : {}),
    logger: o.logger,
    clock,
    metrics,
    // Refuse before the body is read when a resident model's queue is already full.
    admission: (ctx) => pools.peek(ctx.model)?.refusalBeforeBody(),
    observer: {
      onRequest: (e) => {
        if (e.model && e.status >= 400 && e.status < 500 && e.status !== 429) metrics.requests.inc({ model: e.model, status: 'client_error' });
      },
    },
  });
  const address = await gateway.listen(o.port ?? 8000, o.host ?? '127.0.0.1');
  o.logger.info({ url: address.url }, 'gateway listening; warming hot models');
  const startFailures = await pools.startHot();
  for (const f of startFailures) o.logger.error({ model: f.name, err: f.error }, 'model failed to start');
  const tick = setInterval(() => {
    pools.tick().catch((err: unknown) => o.logger.warn({ err }, 'keep-alive tick failed'));
  }, o.keepAliveTickMs ?? 1000);
  tick.unref();
  const adapt = o.adapt === undefined ? undefined : startServeAdapt({ pools, plan: o.plan, loaded: o.loaded, metrics, clock, logger: o.logger }, o.adapt);
  let drained: Promise<void> | undefined;
  const drain = (): Promise<void> => {
    drained ??= (async () => {
      clearInterval(tick);
      // First, so no scale-out or restart starts while the runtimes drain.
      await adapt?.stop();
      repository.setDraining();
      await gateway.close();
      await Promise.all(pools.resident().map((r) => r.drain()));
      await pools.close();
    })();
    return drained;
  };
  return { address, metrics, pools, repository, gateway, startFailures, adapt, drain };
}
