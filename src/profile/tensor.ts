import { numberToHalfBits, type TensorDtype } from '../core/index.js';

/**
 * A tensor in host memory: what input generation produces and what onnxruntime consumes. The
 * same structure as the serving runtime's `HostTensor`, so batches built here pass to its
 * workers (and its concat/split helpers) unchanged.
 */
export interface InputTensor {
  dtype: TensorDtype;
  dims: number[];
  data: TensorData;
}

/** float16 travels as its raw bits (Uint16Array), bool as bytes (Uint8Array), as onnxruntime wants. */
export type TensorData = Float32Array | Float64Array | Int8Array | Uint8Array | Int16Array | Int32Array | BigInt64Array | Uint16Array;

export function elementCount(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  return n;
}

export function allocate(dtype: TensorDtype, length: number): TensorData {
  switch (dtype) {
    case 'float32':
      return new Float32Array(length);
    case 'float64':
      return new Float64Array(length);
    case 'float16':
      return new Uint16Array(length);
    case 'int8':
      return new Int8Array(length);
    case 'uint8':
    case 'bool':
      return new Uint8Array(length);
    case 'int16':
      return new Int16Array(length);
    case 'int32':
      return new Int32Array(length);
    case 'int64':
      return new BigInt64Array(length);
  }
}

/** IEEE 754 half-precision bits of `value` (round to nearest even; overflow to infinity). */
export const toFloat16Bits = numberToHalfBits;
