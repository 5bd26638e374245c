import type { CodeTable } from '../code-table.js';

/** The simulated cluster that replays a plan. */
export const SIM_CLUSTER_CODES = {
  TESSERA_ERR_SIM_PLAN_MISMATCH: { httpStatus: 400, summary: 'The plan does not match the fleet spec (a service, model or slice it names is missing).' },
  TESSERA_ERR_SIM_TRAFFIC: { httpStatus: 400, summary: 'A service has no arrival process the simulator can replay.' },
  TESSERA_ERR_SIM_NO_PROFILE: { httpStatus: 400, summary: 'A model has no profile or estimate for a slice the plan uses.' },
} as const satisfies CodeTable;
