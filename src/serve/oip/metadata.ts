import type { ModelMetadata } from './repository.js';

/** Triton's platform name for ONNX models served by onnxruntime. */
export const ONNX_PLATFORM = 'onnxruntime_onnx';

/** `$metadata_model_response`: only the protocol's fields (validation hints stay server-side). */
export function modelMetadataJson(meta: ModelMetadata): unknown {
  const tensor = (t: ModelMetadata['inputs'][number]) => ({ name: t.name, datatype: t.datatype, shape: [...t.shape] });
  return {
    name: meta.name,
    versions: [...meta.versions],
    platform: meta.platform,
    inputs: meta.inputs.map(tensor),
    outputs: meta.outputs.map(tensor),
  };
}

/**
 * Turns onnxruntime's per-dim metadata (a number when fixed, a symbol name or negative when
 * dynamic) into the protocol's shape, where `-1` marks every dynamic dim.
 */
export function oipShape(dims: readonly (number | string)[]): number[] {
  return dims.map((d) => (typeof d === 'number' && Number.isInteger(d) && d >= 0 ? d : -1));
}
