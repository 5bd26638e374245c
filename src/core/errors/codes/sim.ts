import type { CodeTable } from '../code-table.js';

/** The simulator: arrival processes, trace readers and (later) the simulated cluster. */
export const SIM_CODES = {
  TESSERA_ERR_SIM_TRACE_PARSE: { httpStatus: 400, summary: 'A trace row does not parse; the message gives file, line and column.' },
  TESSERA_ERR_SIM_TRACE_ORDER: { httpStatus: 400, summary: 'A trace timestamp is earlier than the row before it; sort the trace by time.' },
  TESSERA_ERR_SIM_TRACE_COLUMN: { httpStatus: 400, summary: 'The trace has no such column or function; the message lists what it has.' },
  TESSERA_ERR_SIM_ARRIVAL_INVALID: { httpStatus: 400, summary: 'An arrival-process or trace option is out of range (rate, cv, scale, split weights).' },
} as const satisfies CodeTable;
