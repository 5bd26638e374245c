import type { TensorDtype } from '../../core/index.js';

/** A tensor in host memory, as it crosses the worker boundary (its buffer is transferred, not copied). */
export interface HostTensor {
  dtype: TensorDtype;
  dims: number[];
  data: HostTensorData;
}

export type HostTensorData =
  | Float32Array
  | Float64Array
  | Int8Array
  | Uint8Array
  | Int16Array
  | Int32Array
  | BigInt64Array
  | Uint16Array;

export function elementCount(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  return n;
}
