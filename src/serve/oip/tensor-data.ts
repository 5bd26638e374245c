import { TesseraError } from '../../core/index.js';
import { ELEMENT_BYTES, type NumericDatatype, type OipDatatype } from './datatypes.js';
import { halfBitsToNumber, numberToHalfBits } from '../../core/float16.js';
import { elementCount, isBytesData, type NumericDataOf, type NumericTensorData, type TensorData } from './tensor.js';

export interface DecodeDataOptions {
  /** FP inputs: let NaN/±Infinity through instead of answering 400. */
  allowNonFinite: boolean;
}

type Ctor<T> = new (n: number | ArrayBuffer) => T;

const CTORS: { readonly [K in NumericDatatype]: Ctor<NumericDataOf[K]> } = {
  BOOL: Uint8Array,
  UINT8: Uint8Array,
  UINT16: Uint16Array,
  UINT32: Uint32Array,
  UINT64: BigUint64Array,
  INT8: Int8Array,
  INT16: Int16Array,
  INT32: Int32Array,
  INT64: BigInt64Array,
  FP16: Uint16Array,
  FP32: Float32Array,
  FP64: Float64Array,
};

/** [lowest, first value past the top]: an exclusive top stays exact in a double even for 64 bits. */
const INT_RANGE: Readonly<Partial<Record<NumericDatatype, readonly [number, number]>>> = {
  UINT8: [0, 2 ** 8],
  UINT16: [0, 2 ** 16],
  UINT32: [0, 2 ** 32],
  UINT64: [0, 2 ** 64],
  INT8: [-(2 ** 7), 2 ** 7],
  INT16: [-(2 ** 15), 2 ** 15],
  INT32: [-(2 ** 31), 2 ** 31],
  INT64: [-(2 ** 63), 2 ** 63],
};

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8');

function badTensor(name: string, message: string): TesseraError {
  return new TesseraError('TESSERA_ERR_SERVE_BAD_TENSOR', `input '${name}': ${message}`);
}

function describe(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 20 ? `${v.slice(0, 20)}…` : v);
  if (Array.isArray(v)) return 'an array';
  if (v === null) return 'null';
  if (typeof v === 'object') return 'an object';
  return String(v);
}

/**
 * `data` as the protocol allows it: flat, or nested in the tensor's natural shape. Nested data must
 * match the shape exactly at every level, so a transposed or ragged array is refused rather than
 * silently flattened into the wrong order.
 */
function flatElements(name: string, data: unknown, shape: readonly number[]): readonly unknown[] {
  if (!Array.isArray(data)) throw badTensor(name, `'data' must be an array, got ${describe(data)}`);
  const expected = elementCount(shape);
  if (data.length === 0 || !Array.isArray(data[0])) {
    if (data.length !== expected) {
      throw badTensor(name, `shape [${shape.join(',')}] holds ${expected} element(s) but 'data' has ${data.length}`);
    }
    return data;
  }
  const out: unknown[] = [];
  const walk = (node: unknown, depth: number, path: string): void => {
    if (depth === shape.length) {
      if (Array.isArray(node)) throw badTensor(name, `nested 'data' is deeper than shape [${shape.join(',')}] at ${path}`);
      out.push(node);
      return;
    }
    if (!Array.isArray(node)) throw badTensor(name, `nested 'data' does not match shape [${shape.join(',')}]: ${path} is ${describe(node)}, expected an array of ${shape[depth]}`);
    if (node.length !== shape[depth]) {
      throw badTensor(name, `nested 'data' does not match shape [${shape.join(',')}]: ${path} has ${node.length} element(s), expected ${shape[depth]}`);
    }
    for (let k = 0; k < node.length; k++) walk(node[k], depth + 1, `${path}[${k}]`);
  };
  walk(data, 0, 'data');
  return out;
}

/** Converts JSON `data` to the datatype's typed array (or byte strings for BYTES). */
export function fromJsonData(name: string, datatype: OipDatatype, shape: readonly number[], data: unknown, options: DecodeDataOptions): TensorData {
  const flat = flatElements(name, data, shape);
  const n = flat.length;
  if (datatype === 'BYTES') {
    const out: Uint8Array[] = new Array<Uint8Array>(n);
    for (let k = 0; k < n; k++) {
      const v = flat[k];
      if (typeof v !== 'string') throw badTensor(name, `element ${k} is ${describe(v)}, not a string (datatype BYTES)`);
      out[k] = utf8.encode(v);
    }
    return out;
  }
  if (datatype === 'BOOL') {
    const out = new Uint8Array(n);
    for (let k = 0; k < n; k++) {
      const v = flat[k];
      if (typeof v !== 'boolean') throw badTensor(name, `element ${k} is ${describe(v)}, not true or false (datatype BOOL)`);
      out[k] = v ? 1 : 0;
    }
    return out;
  }
  if (datatype === 'FP16' || datatype === 'FP32' || datatype === 'FP64') {
    const out = new CTORS[datatype](n);
    for (let k = 0; k < n; k++) {
      const v = flat[k];
      if (typeof v !== 'number') throw badTensor(name, `element ${k} is ${describe(v)}, not a number (datatype ${datatype})`);
      if (!options.allowNonFinite && !Number.isFinite(v)) throw nonFinite(name, k, v);
      out[k] = datatype === 'FP16' ? numberToHalfBits(v) : v;
    }
    return out;
  }
  const [lo, top] = INT_RANGE[datatype] as readonly [number, number];
  const wide = datatype === 'INT64' || datatype === 'UINT64';
  const out = new CTORS[datatype](n);
  for (let k = 0; k < n; k++) {
    const v = flat[k];
    if (typeof v !== 'number' || !Number.isInteger(v)) throw badTensor(name, `element ${k} is ${describe(v)}, not an integer (datatype ${datatype})`);
    if (v < lo || v >= top) throw badTensor(name, `element ${k} (${v}) is out of range for ${datatype}`);
    if (wide) (out as BigInt64Array | BigUint64Array)[k] = BigInt(v);
    else (out as Exclude<NumericTensorData, BigInt64Array | BigUint64Array>)[k] = v;
  }
  return out;
}

function nonFinite(name: string, index: number, v: number): TesseraError {
  return badTensor(name, `element ${index} is ${String(v)}; this input does not accept NaN or Infinity`);
}

/** Bytes one tensor takes in the binary extension; undefined for BYTES (variable). */
export function binaryByteSize(datatype: OipDatatype, shape: readonly number[]): number | undefined {
  return datatype === 'BYTES' ? undefined : elementCount(shape) * ELEMENT_BYTES[datatype];
}

/**
 * Decodes one input's raw bytes (little-endian, row-major). The result owns a fresh, aligned
 * ArrayBuffer: the request body's buffer may be pooled and the runtime transfers tensors to workers.
 */
export function fromBinaryData(name: string, datatype: OipDatatype, shape: readonly number[], bytes: Uint8Array, options: DecodeDataOptions): TensorData {
  const expected = elementCount(shape);
  if (datatype === 'BYTES') return bytesElements(name, shape, bytes, expected);
  const size = expected * ELEMENT_BYTES[datatype];
  if (bytes.byteLength !== size) {
    throw new TesseraError(
      'TESSERA_ERR_SERVE_BINARY_BODY',
      `input '${name}': binary_data_size is ${bytes.byteLength} but shape [${shape.join(',')}] of ${datatype} needs ${size} bytes`,
    );
  }
  const copy = new ArrayBuffer(size);
  new Uint8Array(copy).set(bytes);
  const out = new CTORS[datatype](copy);
  if (datatype === 'BOOL') {
    const b = out as Uint8Array;
    for (let k = 0; k < b.length; k++) if ((b[k] as number) > 1) throw badTensor(name, `element ${k} is byte ${b[k]}; BOOL elements are 0 or 1`);
  } else if (!options.allowNonFinite && (datatype === 'FP32' || datatype === 'FP64')) {
    const f = out as Float32Array | Float64Array;
    for (let k = 0; k < f.length; k++) if (!Number.isFinite(f[k] as number)) throw nonFinite(name, k, f[k] as number);
  } else if (!options.allowNonFinite && datatype === 'FP16') {
    const h = out as Uint16Array;
    for (let k = 0; k < h.length; k++) if (((h[k] as number) & 0x7c00) === 0x7c00) throw nonFinite(name, k, halfBitsToNumber(h[k] as number));
  }
  return out;
}

/** BYTES in binary form: each element a 4-byte little-endian length, then that many bytes. */
function bytesElements(name: string, shape: readonly number[], bytes: Uint8Array, expected: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let off = 0;
  while (off < bytes.byteLength) {
    if (off + 4 > bytes.byteLength) {
      throw new TesseraError('TESSERA_ERR_SERVE_BINARY_BODY', `input '${name}': BYTES element ${out.length} has a truncated 4-byte length prefix`);
    }
    const len = view.getUint32(off, true);
    off += 4;
    if (off + len > bytes.byteLength) {
      throw new TesseraError('TESSERA_ERR_SERVE_BINARY_BODY', `input '${name}': BYTES element ${out.length} says ${len} bytes but only ${bytes.byteLength - off} remain`);
    }
    out.push(bytes.slice(off, off + len));
    off += len;
    if (out.length > expected) break;
  }
  if (out.length !== expected) {
    throw badTensor(name, `shape [${shape.join(',')}] holds ${expected} element(s) but the binary data has ${out.length > expected ? 'more' : out.length}`);
  }
  return out;
}

function jsonNumber(v: number): string {
  if (Number.isFinite(v)) return String(v);
  // Triton writes these tokens (rapidjson kWriteNanAndInfFlag); strict parsers need binary output.
  return Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
}

/** The flat JSON array text of a tensor's data (the protocol's row-major `data`). */
export function toJsonDataText(datatype: OipDatatype, data: TensorData): string {
  if (isBytesData(data)) {
    const parts = new Array<string>(data.length);
    for (let k = 0; k < data.length; k++) {
      const v = data[k] as Uint8Array | string;
      parts[k] = JSON.stringify(typeof v === 'string' ? v : utf8Decoder.decode(v));
    }
    return `[${parts.join(',')}]`;
  }
  const n = data.length;
  const parts = new Array<string>(n);
  if (datatype === 'BOOL') {
    for (let k = 0; k < n; k++) parts[k] = data[k] ? 'true' : 'false';
  } else if (datatype === 'FP16') {
    for (let k = 0; k < n; k++) parts[k] = jsonNumber(halfBitsToNumber(data[k] as number));
  } else if (datatype === 'FP32' || datatype === 'FP64') {
    for (let k = 0; k < n; k++) parts[k] = jsonNumber(data[k] as number);
  } else {
    for (let k = 0; k < n; k++) parts[k] = String(data[k]);
  }
  return `[${parts.join(',')}]`;
}

/** A tensor's bytes for the binary extension, without copying numeric data. */
export function toBinaryChunks(data: TensorData): Uint8Array[] {
  if (!isBytesData(data)) return [new Uint8Array(data.buffer, data.byteOffset, data.byteLength)];
  const chunks: Uint8Array[] = [];
  for (const v of data) {
    const bytes = typeof v === 'string' ? utf8.encode(v) : v;
    const len = new Uint8Array(4);
    new DataView(len.buffer).setUint32(0, bytes.byteLength, true);
    chunks.push(len, bytes);
  }
  return chunks;
}

/** Checks a result tensor's data has the element type and count its datatype and shape promise. */
export function dataMatches(datatype: OipDatatype, shape: readonly number[], data: TensorData): boolean {
  if (data.length !== elementCount(shape)) return false;
  if (datatype === 'BYTES') return isBytesData(data);
  return data instanceof CTORS[datatype];
}
