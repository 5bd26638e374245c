import type { CodeTable } from '../code-table.js';

/** GPU catalog, MIG geometry and layouts (src/hardware). An invalid layout checked on purpose is a returned list of violations, not one of these. */
export const HARDWARE_CODES = {
  TESSERA_ERR_HARDWARE_UNKNOWN_GPU: { httpStatus: 400, summary: 'A GPU type is not in the catalog (or is ambiguous); the message lists the known types.' },
  TESSERA_ERR_HARDWARE_UNKNOWN_PROFILE: { httpStatus: 400, summary: 'A MIG profile does not exist on that GPU type; the message lists its profiles.' },
  TESSERA_ERR_HARDWARE_NOT_MIG: { httpStatus: 400, summary: 'A MIG operation was asked of a GPU type without MIG (L4, T4, A10).' },
  TESSERA_ERR_HARDWARE_LAYOUT_SYNTAX: { httpStatus: 400, summary: 'A layout string is not a comma-separated list of profile@start.' },
  TESSERA_ERR_HARDWARE_DRIVER: { httpStatus: 400, summary: 'A driver version could not be read (write 470, R510 or 535.104.05).' },
  TESSERA_ERR_HARDWARE_SHARE: { httpStatus: 400, summary: 'A GPU share is impossible (replicas below 1, MPS above its client limit, MPS on a MIG device).' },
  TESSERA_ERR_HARDWARE_CPU: { httpStatus: 400, summary: 'A CPU node needs a whole number of cores of at least 1.' },
} as const satisfies CodeTable;
