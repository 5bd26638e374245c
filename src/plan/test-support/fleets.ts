/** Test helpers: small fleets over the A100-80GB MIG tables, with the spec's defaults filled in. */
import { fleetSchema, type Fleet, type FleetInput } from '../../core/index.js';
import { loadParvaGpu } from '../../profile/perf/test-support/parvagpu-fixture.js';
import type { ModelProfile } from '../../profile/index.js';
import type { Plan } from '../plan-types.js';

type ServiceInput = FleetInput['services'][number];
type NodeInput = FleetInput['inventory']['nodes'][number];

export function fleetOf(services: ServiceInput[], nodes: NodeInput[] = [{ name: 'gpu', gpus: { type: 'A100-80GB', count: 8, driver: 535 }, pricePerHour: 32 }], extra: Partial<FleetInput> = {}): Fleet {
  const models = [...new Set(services.map((s) => s.model))].map((name) => ({ name, profiles: `${name}.csv`, maxBatchSize: 64 }));
  return fleetSchema.parse({ apiVersion: 'tessera.dev/v1alpha1', kind: 'Fleet', metadata: { name: 'test' }, models, services, inventory: { nodes }, ...extra });
}

export function svc(name: string, model: string, p99Ms: number, peakRps: number, more: Partial<ServiceInput> = {}): ServiceInput {
  return { name, model, slo: { p99Ms }, traffic: { rps: peakRps, peakRps }, ...more };
}

let cache: ModelProfile[] | undefined;
/** All eleven ParvaGPU A100-80GB tables (read once per test file). */
export function a100Profiles(): ModelProfile[] {
  cache ??= loadParvaGpu();
  return cache;
}

/** A plan without the fields that vary run to run (wall time). */
export function stable(plan: Plan): Plan {
  return { ...plan, summary: { ...plan.summary, solveMs: 0 } };
}
