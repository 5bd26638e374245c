/**
 * OIP (KServe v2) tensor datatypes and their mapping to onnxruntime / ONNX element types.
 * BF16 is listed by KServe's older `required_api.md` but not by the OIP REST table, and neither
 * onnxruntime-node nor JSON can carry it, so it is deliberately absent.
 */
export const OIP_DATATYPES = ['BOOL', 'UINT8', 'UINT16', 'UINT32', 'UINT64', 'INT8', 'INT16', 'INT32', 'INT64', 'FP16', 'FP32', 'FP64', 'BYTES'] as const;
export type OipDatatype = (typeof OIP_DATATYPES)[number];

/** Fixed-size datatypes (every one but BYTES). */
export type NumericDatatype = Exclude<OipDatatype, 'BYTES'>;

/** Bytes per element in the binary extension; BYTES elements are variable (4-byte length + bytes). */
export const ELEMENT_BYTES: Readonly<Record<NumericDatatype, number>> = {
  BOOL: 1,
  UINT8: 1,
  INT8: 1,
  UINT16: 2,
  INT16: 2,
  FP16: 2,
  UINT32: 4,
  INT32: 4,
  FP32: 4,
  UINT64: 8,
  INT64: 8,
  FP64: 8,
};

const OIP_SET: ReadonlySet<string> = new Set(OIP_DATATYPES);

export function isOipDatatype(s: unknown): s is OipDatatype {
  return typeof s === 'string' && OIP_SET.has(s);
}

/** onnxruntime's `Tensor.Type` names (what `session.inputMetadata[].type` and `tensor.type` say). */
export type OrtTensorType =
  | 'bool'
  | 'uint8'
  | 'uint16'
  | 'uint32'
  | 'uint64'
  | 'int8'
  | 'int16'
  | 'int32'
  | 'int64'
  | 'float16'
  | 'float32'
  | 'float64'
  | 'string';

const ORT_TO_OIP: Readonly<Record<OrtTensorType, OipDatatype>> = {
  bool: 'BOOL',
  uint8: 'UINT8',
  uint16: 'UINT16',
  uint32: 'UINT32',
  uint64: 'UINT64',
  int8: 'INT8',
  int16: 'INT16',
  int32: 'INT32',
  int64: 'INT64',
  float16: 'FP16',
  float32: 'FP32',
  float64: 'FP64',
  string: 'BYTES',
};

const OIP_TO_ORT = Object.fromEntries(Object.entries(ORT_TO_OIP).map(([k, v]) => [v, k])) as Readonly<Record<OipDatatype, OrtTensorType>>;

/**
 * ONNX TensorProto element type names as they appear in `tensor(float)` type strings, and the
 * upper-case enum names (`FLOAT`), both mapped to onnxruntime's names.
 */
const ONNX_TO_ORT: Readonly<Record<string, OrtTensorType>> = {
  bool: 'bool',
  uint8: 'uint8',
  uint16: 'uint16',
  uint32: 'uint32',
  uint64: 'uint64',
  int8: 'int8',
  int16: 'int16',
  int32: 'int32',
  int64: 'int64',
  float16: 'float16',
  float: 'float32',
  double: 'float64',
  string: 'string',
};

export function oipToOrtType(datatype: OipDatatype): OrtTensorType {
  return OIP_TO_ORT[datatype];
}

/**
 * Maps an onnxruntime type (`float32`), an ONNX type string (`tensor(float)`) or an ONNX enum name
 * (`FLOAT`) to the OIP datatype; undefined for types OIP cannot carry (bfloat16, complex, maps).
 */
export function toOipDatatype(type: string): OipDatatype | undefined {
  const t = type.trim();
  const inner = /^tensor\((.+)\)$/.exec(t)?.[1] ?? t;
  const lower = inner.toLowerCase();
  const ort = Object.hasOwn(ORT_TO_OIP, lower) ? (lower as OrtTensorType) : ONNX_TO_ORT[lower];
  return ort === undefined ? undefined : ORT_TO_OIP[ort];
}
