import type { CodeTable } from '../code-table.js';

/** Adapt: the controller's options and the Prometheus metrics source. */
export const ADAPT_CODES = {
  TESSERA_ERR_ADAPT_CONFIG: { httpStatus: 400, summary: 'A controller or rule option is out of range; every problem is listed.' },
  TESSERA_ERR_ADAPT_QUERY: { httpStatus: 400, summary: 'A metric query names an invalid metric or label, or has an out-of-range window or quantile.' },
  TESSERA_ERR_ADAPT_PROMETHEUS_UNREACHABLE: { httpStatus: 503, summary: 'The Prometheus server could not be reached or did not answer in time.' },
  TESSERA_ERR_ADAPT_PROMETHEUS_HTTP: { httpStatus: 502, summary: 'The Prometheus HTTP API answered with a non-2xx status.' },
  TESSERA_ERR_ADAPT_PROMETHEUS_RESPONSE: { httpStatus: 502, summary: 'The Prometheus answer is not JSON, reports status "error", or has an unexpected result type.' },
} as const satisfies CodeTable;
