import type { CodeTable } from '../code-table.js';

/** Observe: series input (CSV), anomaly detectors, forecasters, GPU metric parsers, the event log. */
export const OBSERVE_CODES = {
  TESSERA_ERR_OBSERVE_CSV: { httpStatus: 400, summary: 'A row of a series CSV cannot be read; the message names the line and column.' },
  TESSERA_ERR_OBSERVE_TIMESTAMPS: { httpStatus: 400, summary: 'Series timestamps go backwards, repeat, or are irregular beyond the tolerance.' },
  TESSERA_ERR_OBSERVE_SERIES_TOO_SHORT: { httpStatus: 400, summary: 'The series is too short for the method asked for; the message says how many rows it needs.' },
  TESSERA_ERR_OBSERVE_UNKNOWN_METHOD: { httpStatus: 400, summary: 'No detector or forecaster of that name exists; the message lists the names there are.' },
  TESSERA_ERR_OBSERVE_CONFIG: { httpStatus: 400, summary: 'A detector or forecaster option is out of range; every problem is listed.' },
  TESSERA_ERR_OBSERVE_STATE: { httpStatus: 500, summary: 'A detector was handed state that belongs to another detector or is malformed.' },
  TESSERA_ERR_OBSERVE_GPU_XML: { httpStatus: 502, summary: 'The nvidia-smi -q -x output is not XML or not an nvidia_smi_log.' },
  TESSERA_ERR_OBSERVE_DCGM_TEXT: { httpStatus: 502, summary: 'A DCGM exporter /metrics body is not Prometheus text; the message names the line.' },
  TESSERA_ERR_OBSERVE_EVENT_LOG: { httpStatus: 500, summary: 'The event log could not be written, rotated or read.' },
} as const satisfies CodeTable;
