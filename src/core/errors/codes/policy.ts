import type { CodeTable } from '../code-table.js';

/** Pure policies: batching, keep-alive/pre-warm, autoscale (src/policy). */
export const POLICY_CODES = {
  TESSERA_ERR_POLICY_UNKNOWN: { httpStatus: 400, summary: 'No policy of that name exists; the message lists the names there are.' },
  TESSERA_ERR_POLICY_CONFIG: { httpStatus: 400, summary: 'A policy was configured with values it cannot run with; every problem is listed.' },
  TESSERA_ERR_POLICY_STATE: { httpStatus: 500, summary: 'A policy was handed state that belongs to another policy or is malformed.' },
} as const satisfies CodeTable;
