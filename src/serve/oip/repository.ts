import type { OipDatatype } from './datatypes.js';
import type { NamedTensor, OipTensor, Parameters } from './tensor.js';

/**
 * The seam between the OIP gateway and whatever runs models behind it (the embedded batching
 * runtime, a simulator, a test double). The gateway owns the protocol — routing, decoding,
 * validation against this metadata, encoding, errors — so an implementation only answers
 * questions about models and runs already-validated tensors.
 */
export interface ModelRepository {
  /** Names of the models served, in a stable order. */
  listModels(): readonly string[];
  /**
   * The model's metadata; `version` undefined means the default version. Undefined when there is
   * no such model, or no such version of it.
   */
  modelMetadata(name: string, version?: string): ModelMetadata | undefined;
  /** Whether the model (version) takes inference requests now. Only called for known models. */
  isModelReady(name: string, version?: string): boolean;
  /** Whether every model that should be served is ready (the readiness probe). */
  isServerReady(): boolean;
  /**
   * Runs one request. Inputs are already checked against `modelMetadata` (names, datatypes, rank
   * and fixed dims, element counts). Throw a `TesseraError` to refuse or fail it: its code picks the
   * HTTP status, and `details.retryAfterS` becomes a `Retry-After` header (429/503).
   */
  infer(name: string, version: string | undefined, request: InferenceRequest, options: InferOptions): Promise<InferenceResult>;
}

/** `$metadata_tensor`: `-1` marks a dynamic dimension (the batch axis among them). */
export interface TensorMetadata {
  readonly name: string;
  readonly datatype: OipDatatype;
  readonly shape: readonly number[];
  /**
   * FP16/32/64 inputs only: whether NaN and ±Infinity may be sent. Default false — the gateway
   * answers 400 naming the element, because a non-finite feature silently poisons a score.
   */
  readonly allowNonFinite?: boolean;
  /** Inputs only: may be left out of a request (the gateway then does not ask for it). */
  readonly optional?: boolean;
}

/** `$metadata_model_response`, plus what the gateway needs to validate requests. */
export interface ModelMetadata {
  readonly name: string;
  /** Versions served; the last is what a request without a version gets unless `infer` says otherwise. */
  readonly versions: readonly string[];
  /** `onnxruntime_onnx` for ONNX models, as Triton names the platform. */
  readonly platform: string;
  readonly inputs: readonly TensorMetadata[];
  readonly outputs: readonly TensorMetadata[];
}

/** One decoded and validated inference request. */
export interface InferenceRequest {
  /** The client's request id, echoed in the response. */
  readonly id?: string;
  /**
   * Inputs by name (duplicates are refused before this point). Each tensor's typed array owns its
   * whole ArrayBuffer (never a view of the pooled request body), so it may be transferred to a
   * worker thread without a copy.
   */
  readonly inputs: Readonly<Record<string, NamedTensor>>;
  /**
   * Outputs the client asked for, in its order; undefined means all. An implementation may compute
   * only these; the gateway drops any others it returns.
   */
  readonly outputNames?: readonly string[];
  /**
   * Request parameters as sent, minus the gateway's own (`binary_data_output`). Triton's reserved
   * names (`timeout`, `priority`, `sequence_id`, …) stay here for the runtime to honour or ignore.
   */
  readonly parameters: Parameters;
}

export interface InferOptions {
  /** Aborted when the client goes away before the answer is ready: drop the work if not started. */
  readonly signal: AbortSignal;
  /** From the request's `timeout` parameter (microseconds on the wire, as Triton defines it). */
  readonly timeoutMs?: number;
  /** Arrival time on the gateway's clock (ms), so queueing before `infer` is counted. */
  readonly receivedAtMs: number;
}

export interface InferenceResult {
  /**
   * Output tensors by name. The gateway orders them (requested order, else metadata order) and
   * writes numeric data to the socket without copying: once returned, a buffer must not be reused
   * or transferred.
   */
  readonly outputs: Readonly<Record<string, OipTensor>>;
  /** The version that ran; defaults to the requested version, else the last listed. */
  readonly modelVersion?: string;
  /** Response-level `parameters`. */
  readonly parameters?: Parameters;
}
