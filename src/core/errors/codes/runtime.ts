import type { CodeTable } from '../code-table.js';

/** The embedded serving runtime: workers, queues, pools, admission. */
export const RUNTIME_CODES = {
  TESSERA_ERR_RUNTIME_WORKER_CRASHED: { httpStatus: 503, summary: 'The worker running the batch died; the request was failed cleanly (retry it).' },
  TESSERA_ERR_RUNTIME_WORKER_START: { httpStatus: 503, summary: 'A session worker could not load its model.' },
  TESSERA_ERR_RUNTIME_RUN_FAILED: { httpStatus: 500, summary: 'onnxruntime rejected or failed the batch.' },
  TESSERA_ERR_RUNTIME_BAD_REQUEST: { httpStatus: 400, summary: 'The request cannot be batched: a missing input or inputs that disagree on the batch size.' },
  TESSERA_ERR_RUNTIME_QUEUE_FULL: { httpStatus: 429, summary: 'The model queue is full; the request was refused at once (see Retry-After).' },
  TESSERA_ERR_RUNTIME_DEADLINE: { httpStatus: 503, summary: 'The request could not meet its deadline with the work already queued; refused at once (see Retry-After).' },
  TESSERA_ERR_RUNTIME_TIMEOUT: { httpStatus: 504, summary: 'The request waited past its timeout and was failed rather than run late.' },
  TESSERA_ERR_RUNTIME_NOT_READY: { httpStatus: 503, summary: 'The model is loading or warming up and not ready yet.' },
  TESSERA_ERR_RUNTIME_PLAN_MISMATCH: { httpStatus: 400, summary: 'The plan does not match the fleet spec (a service, model or slice it names is missing).' },
  TESSERA_ERR_RUNTIME_CLOSED: { httpStatus: 503, summary: 'The runtime is draining or closed and takes no new work.' },
} as const satisfies CodeTable;
