import { ClusterSimulation } from './cluster-simulation.js';
import type { SimulatePlanOptions } from './options.js';
import type { SimulationResult } from './result-types.js';

export type { FailureSpec, SimulatePlanOptions } from './options.js';
export { LATENCY_CDF_QUANTILES, type LatencyCdfPoint, type PoolSimReport, type ServiceSimReport, type SimulationResult } from './result-types.js';
export { fluctuation } from './build-report.js';

/**
 * Replays a plan in virtual time from 0 to `durationMs` and reports it: the one-shot form of
 * `ClusterSimulation` (arrivals per service, one batch loop per replica running the runtime's
 * policy objects, batch times from the performance model, cold pools, keep-alive, failures).
 * Deterministic for a seed.
 */
export function simulatePlan(o: SimulatePlanOptions): SimulationResult {
  const sim = new ClusterSimulation(o);
  try {
    sim.runUntil(o.durationMs);
    return sim.result();
  } finally {
    sim.close();
  }
}
