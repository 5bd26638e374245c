import type { CodeTable } from '../code-table.js';

/** The embedded serving runtime: workers, queues, pools, admission. */
export const RUNTIME_CODES = {
  TESSERA_ERR_RUNTIME_WORKER_CRASHED: { httpStatus: 503, summary: 'The worker running the batch died; the request was failed cleanly (retry it).' },
  TESSERA_ERR_RUNTIME_WORKER_START: { httpStatus: 503, summary: 'A session worker could not load its model.' },
  TESSERA_ERR_RUNTIME_RUN_FAILED: { httpStatus: 500, summary: 'onnxruntime rejected or failed the batch.' },
  TESSERA_ERR_RUNTIME_CLOSED: { httpStatus: 503, summary: 'The runtime is draining or closed and takes no new work.' },
} as const satisfies CodeTable;
