/**
 * Synthetic fleets over the A100-80GB MIG profiles for tests and the benchmark: N services, each a
 * random model of the eleven, a random SLO, and a peak rate drawn from a load mix (light to heavy,
 * as a share of what a whole A100 carries for that model and SLO). Seeded, so repeatable.
 */
import { createRng, type Fleet } from '../../core/index.js';
import { PerformanceModel, wholeGpuSlice } from '../../profile/perf/index.js';
import type { ModelProfile } from '../../profile/index.js';

export type LoadMix = 'light' | 'medium' | 'heavy';

/** Share of one whole A100 (at the service's SLO) a service's peak × headroom asks for. */
const MIX: Readonly<Record<LoadMix, readonly [number, number]>> = {
  light: [0.03, 0.35],
  medium: [0.1, 0.9],
  heavy: [0.3, 2.5],
};

const SLOS = [50, 75, 100, 150, 200, 300] as const;

export interface SyntheticOptions {
  readonly services: number;
  readonly mix: LoadMix;
  readonly seed?: number;
  /** GPUs in the inventory (nodes of 8). Default: enough for the dedicated baseline, at least 8. */
  readonly gpus?: number;
  readonly models: readonly string[];
  readonly profiles: readonly ModelProfile[];
  readonly maxBatchSize?: number;
}

export function syntheticFleet(o: SyntheticOptions): Fleet {
  const rng = createRng(o.seed ?? 7);
  const perf = new PerformanceModel(o.profiles);
  const maxBatch = o.maxBatchSize ?? 64;
  const [lo, hi] = MIX[o.mix];
  const services: Fleet['services'] = [];
  let wholeGpus = 0;
  for (let k = 0; k < o.services; k++) {
    const model = o.models[rng.int(0, o.models.length - 1)] as string;
    const slo = SLOS[rng.int(0, SLOS.length - 1)] as number;
    const cap = perf.maxSustainableRate({ model, slice: wholeGpuSlice('A100-80GB'), sloP99Ms: slo, maxBatchSize: maxBatch })?.capacityRps ?? 100;
    const share = lo + (hi - lo) * rng.next();
    wholeGpus += Math.ceil(share);
    const peak = Math.max(1, Math.round((share * cap) / 1.2));
    services.push({
      name: `svc-${String(k).padStart(3, '0')}`,
      model,
      slo: { p99Ms: slo },
      traffic: { rps: Math.max(1, Math.round(peak * 0.7)), peakRps: peak, arrival: 'poisson', cv: 2 },
      minReplicas: 1,
      availability: false,
      pool: 'hot',
    });
  }
  const gpus = o.gpus ?? Math.max(8, Math.ceil(wholeGpus / 8) * 8);
  return {
    apiVersion: 'tessera.dev/v1alpha1',
    kind: 'Fleet',
    metadata: { name: `synthetic-${o.mix}-${o.services}` },
    models: o.models.map((name) => ({ name, maxBatchSize: maxBatch, profiles: `${name}.csv` })),
    services,
    inventory: { nodes: [{ name: 'gpu', count: Math.ceil(gpus / 8), gpus: { type: 'A100-80GB', count: 8, driver: 535 }, pricePerHour: 32 }] },
    objectives: { weights: { latency: 0.5, throughput: 0.3, cost: 0.2 }, headroom: 1.2 },
  };
}
