import type { CodeTable } from '../code-table.js';

/** Adapt: the controller's options and the Prometheus metrics source. */
export const ADAPT_CODES = {
  TESSERA_ERR_ADAPT_CONFIG: { httpStatus: 400, summary: 'A controller or rule option is out of range; every problem is listed.' },
  TESSERA_ERR_ADAPT_QUERY: { httpStatus: 400, summary: 'A metric query names an invalid metric or label, or has an out-of-range window or quantile.' },
  TESSERA_ERR_ADAPT_PROMETHEUS_UNREACHABLE: { httpStatus: 503, summary: 'The Prometheus server could not be reached or did not answer in time.' },
  TESSERA_ERR_ADAPT_PROMETHEUS_HTTP: { httpStatus: 502, summary: 'The Prometheus HTTP API answered with a non-2xx status.' },
  TESSERA_ERR_ADAPT_PROMETHEUS_RESPONSE: { httpStatus: 502, summary: 'The Prometheus answer is not JSON, reports status "error", or has an unexpected result type.' },
  TESSERA_ERR_ADAPT_SAMPLE: { httpStatus: 400, summary: 'A sample fed to the in-memory metrics source has an invalid metric or label name or a time that is not a finite number.' },
  TESSERA_ERR_ADAPT_ACTION: { httpStatus: 409, summary: 'The cluster cannot take the action: unknown or not-resident service, unknown replica, or a replica count outside what the slice allows.' },
} as const satisfies CodeTable;
