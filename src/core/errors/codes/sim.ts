import type { CodeTable } from '../code-table.js';

/** The simulator: arrival processes, trace readers and (later) the simulated cluster. */
export const SIM_CODES = {
  TESSERA_ERR_SIM_TRACE_PARSE: { httpStatus: 400, summary: 'A trace row does not parse; the message gives file, line and column.' },
  TESSERA_ERR_SIM_TRACE_ORDER: { httpStatus: 400, summary: 'A trace timestamp is earlier than the row before it; sort the trace by time.' },
  TESSERA_ERR_SIM_TRACE_COLUMN: { httpStatus: 400, summary: 'The trace has no such column or function; the message lists what it has.' },
  TESSERA_ERR_SIM_ARRIVAL_INVALID: { httpStatus: 400, summary: 'An arrival-process or trace option is out of range (rate, cv, scale, split weights).' },
  TESSERA_ERR_SIM_OPTION: { httpStatus: 400, summary: 'A simulated-cluster option, flag or control value is malformed or out of range (keep-alive, failures, scale, caps).' },
  TESSERA_ERR_SIM_UNKNOWN_TARGET: { httpStatus: 404, summary: 'A failure or control names a replica, service, GPU or node the simulated cluster does not have.' },
} as const satisfies CodeTable;
