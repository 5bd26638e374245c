import type { CodeTable } from '../code-table.js';

/** Profiling ONNX models, the profile store and importing external measurements. */
export const PROFILE_CODES = {
  TESSERA_ERR_PROFILE_MODEL_NOT_FOUND: { httpStatus: 400, summary: 'The model file (a path, a file in an npm package, or the package itself) does not exist.' },
  TESSERA_ERR_PROFILE_MODEL_NOT_ONNX: { httpStatus: 400, summary: 'onnxruntime could not load the file as an ONNX model.' },
  TESSERA_ERR_PROFILE_INPUT_UNKNOWN: { httpStatus: 400, summary: 'An input named in the spec or on the command line is not an input of the model.' },
  TESSERA_ERR_PROFILE_INPUT_MISSING: { httpStatus: 400, summary: 'A model input has dynamic dims (or is not a tensor) and no input description fixes them.' },
  TESSERA_ERR_PROFILE_INPUT_SHAPE: { httpStatus: 400, summary: 'An input shape does not match the model: wrong rank, a fixed dim differs, or a bad batch axis.' },
  TESSERA_ERR_PROFILE_INPUT_DTYPE: { httpStatus: 400, summary: 'An input dtype does not match the model.' },
  TESSERA_ERR_PROFILE_BATCH_TOO_LARGE: { httpStatus: 400, summary: 'A batch is larger than the model takes (its maxBatchSize or a fixed batch dim).' },
  TESSERA_ERR_PROFILE_BATCH_REJECTED: { httpStatus: 400, summary: 'onnxruntime ran batch 1 but rejected a larger batch; the export probably fixes the batch size.' },
  TESSERA_ERR_PROFILE_RUN_FAILED: { httpStatus: 500, summary: 'onnxruntime failed while running the model with generated inputs.' },
  TESSERA_ERR_PROFILE_IMPORT_FORMAT: { httpStatus: 400, summary: 'An imported profile file (CSV table or JSON) is not in a format Tessera reads.' },
  TESSERA_ERR_PROFILE_IMPORT_GPU: { httpStatus: 400, summary: 'The GPU of an imported MIG table is unknown or was not given.' },
  TESSERA_ERR_PROFILE_STORE_WRITE: { httpStatus: 500, summary: 'A profile could not be written to the profile store.' },
} as const satisfies CodeTable;
