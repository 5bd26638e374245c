import type { CodeTable } from '../code-table.js';

/** The Open Inference Protocol (KServe v2) gateway: request decoding, routing, auth, limits. */
export const SERVE_CODES = {
  TESSERA_ERR_SERVE_BAD_REQUEST: { httpStatus: 400, summary: 'The inference request is not a valid OIP request: malformed JSON, a missing or mistyped field.' },
  TESSERA_ERR_SERVE_BAD_TENSOR: { httpStatus: 400, summary: "A tensor's data does not fit its shape and datatype (count, element type, range, NaN where not allowed)." },
  TESSERA_ERR_SERVE_BINARY_BODY: { httpStatus: 400, summary: 'The binary tensor extension was used wrongly: header length past the body, truncated or surplus tensor bytes.' },
  TESSERA_ERR_SERVE_INPUT_MISMATCH: { httpStatus: 400, summary: "The request's tensors do not match the model: unknown or missing input, wrong datatype or shape, unknown output." },
  TESSERA_ERR_SERVE_UNSUPPORTED: { httpStatus: 400, summary: 'The request uses a protocol feature Tessera does not implement (shared memory, classification, BF16).' },
  TESSERA_ERR_SERVE_UNAUTHORIZED: { httpStatus: 401, summary: 'The bearer token is missing or wrong.' },
  TESSERA_ERR_SERVE_MODEL_NOT_FOUND: { httpStatus: 404, summary: 'No model of that name is served.' },
  TESSERA_ERR_SERVE_VERSION_NOT_FOUND: { httpStatus: 404, summary: 'The model is served but not in that version.' },
  TESSERA_ERR_SERVE_ROUTE_NOT_FOUND: { httpStatus: 404, summary: 'No OIP endpoint at that path.' },
  TESSERA_ERR_SERVE_METHOD_NOT_ALLOWED: { httpStatus: 405, summary: 'The endpoint exists but not for that HTTP method.' },
  TESSERA_ERR_SERVE_BODY_TOO_LARGE: { httpStatus: 413, summary: 'The request body is larger than the gateway body-size limit.' },
  TESSERA_ERR_SERVE_UNSUPPORTED_ENCODING: { httpStatus: 415, summary: 'The request body uses a Content-Encoding other than gzip, deflate or identity.' },
  TESSERA_ERR_SERVE_SHED: { httpStatus: 429, summary: "The service's admission cap (set by the controller shedding load) refused the request; see Retry-After." },
  TESSERA_ERR_SERVE_MODEL_NOT_READY: { httpStatus: 503, summary: 'The model exists but is not ready for inference yet.' },
} as const satisfies CodeTable;
