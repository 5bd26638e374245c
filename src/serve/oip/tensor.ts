import type { NumericDatatype, OipDatatype } from './datatypes.js';

/** Parameter values as the protocol allows them: `{ $string : $string | $number | $boolean }`. */
export type ParameterValue = string | number | boolean;
export type Parameters = Readonly<Record<string, ParameterValue>>;

/**
 * The typed array that holds each datatype's elements. BOOL is one byte per element (0/1) and
 * FP16 is the raw 16-bit pattern: that is how onnxruntime-node takes `bool` and `float16`.
 */
export interface NumericDataOf {
  BOOL: Uint8Array;
  UINT8: Uint8Array;
  UINT16: Uint16Array;
  UINT32: Uint32Array;
  UINT64: BigUint64Array;
  INT8: Int8Array;
  INT16: Int16Array;
  INT32: Int32Array;
  INT64: BigInt64Array;
  FP16: Uint16Array;
  FP32: Float32Array;
  FP64: Float64Array;
}

export type NumericTensorData = NumericDataOf[NumericDatatype];

/**
 * BYTES elements. Decoded requests always carry raw bytes (a BYTES element need not be UTF-8);
 * a result may hand back strings (onnxruntime's `string` tensors), which are sent as UTF-8.
 */
export type BytesTensorData = readonly (Uint8Array | string)[];

export type TensorData = NumericTensorData | BytesTensorData;

/** A tensor as the gateway and the runtime exchange it: row-major, little-endian, dense. */
export interface OipTensor {
  readonly datatype: OipDatatype;
  readonly shape: readonly number[];
  readonly data: TensorData;
}

/** A decoded request input: its name and any per-input parameters (minus the binary-extension ones). */
export interface NamedTensor extends OipTensor {
  readonly name: string;
  readonly parameters?: Parameters;
}

export function elementCount(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function isBytesData(data: TensorData): data is BytesTensorData {
  return Array.isArray(data);
}
