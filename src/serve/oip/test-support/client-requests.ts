/**
 * Request bodies built the way real OIP clients build them, written from the clients' behaviour
 * (tritonclient.http's `_get_inference_request`, KServe's REST client, curl) — not from the codec
 * under test. Floats are formatted the Python way (`1.0`, `1e-07`, `NaN`) because both clients
 * serialise from Python floats.
 */

type PyValue = null | boolean | number | string | PyFloats | readonly PyValue[] | { readonly [k: string]: PyValue };

/** Marks numbers that Python holds as floats (numpy float32 `.item()` gives a Python float). */
export class PyFloats {
  constructor(readonly values: ArrayLike<number>) {}
}

function pyFloat(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  if (Number.isInteger(v) && Math.abs(v) < 1e16) return `${v}.0`;
  return String(v).replace(/e([+-])(\d)$/, 'e$10$2');
}

function pyString(s: string): string {
  // ensure_ascii=True, the default of both json.dumps and python-rapidjson.
  return JSON.stringify(s).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * `json.dumps(value)` (separators `, ` and `: `) or, with `compact`, python-rapidjson's
 * `rapidjson.dumps(value)` (no spaces), which is what tritonclient.http uses.
 */
export function pyDumps(value: PyValue, compact = false): string {
  const comma = compact ? ',' : ', ';
  const colon = compact ? ':' : ': ';
  const walk = (v: PyValue): string => {
    if (v === null) return 'null';
    if (typeof v === 'boolean') return v ? 'true' : 'false';
    if (typeof v === 'number') return String(v);
    if (typeof v === 'string') return pyString(v);
    if (v instanceof PyFloats) return `[${Array.from(v.values, pyFloat).join(comma)}]`;
    if (Array.isArray(v)) return `[${v.map(walk).join(comma)}]`;
    const obj = v as { readonly [k: string]: PyValue };
    return `{${Object.keys(obj)
      .map((k) => `${pyString(k)}${colon}${walk(obj[k] as PyValue)}`)
      .join(comma)}}`;
  };
  return walk(value);
}

export interface TritonInput {
  name: string;
  datatype: string;
  shape: number[];
  /** numpy's buffer: `tobytes()` of the array, or for BYTES the element strings. */
  values: Float32Array | Float64Array | Int32Array | Uint8Array | Uint32Array | BigInt64Array | string[] | boolean[];
  /** `set_data_from_numpy(..., binary_data=True)` is tritonclient's default. */
  binary?: boolean;
}

export interface TritonOutput {
  name: string;
  /** `InferRequestedOutput(name, binary_data=True)` is tritonclient's default. */
  binary?: boolean;
}

export interface ClientRequest {
  body: Buffer;
  headers: Record<string, string>;
}

const utf8 = new TextEncoder();

function bytesElements(values: readonly string[]): Buffer {
  // tritonclient's serialize_byte_tensor: each element a 4-byte little-endian length, then its bytes.
  const parts: Buffer[] = [];
  for (const s of values) {
    const b = Buffer.from(utf8.encode(s));
    const len = Buffer.alloc(4);
    len.writeUInt32LE(b.byteLength, 0);
    parts.push(len, b);
  }
  return Buffer.concat(parts);
}

function rawBytes(input: TritonInput): Buffer {
  const v = input.values;
  if (input.datatype === 'BYTES') return bytesElements(v as string[]);
  if (input.datatype === 'BOOL' && Array.isArray(v)) return Buffer.from((v as boolean[]).map((b) => (b ? 1 : 0)));
  const t = v as Exclude<TritonInput['values'], string[] | boolean[]>;
  return Buffer.from(t.buffer, t.byteOffset, t.byteLength);
}

function jsonData(input: TritonInput): PyValue {
  const v = input.values;
  if (input.datatype === 'FP32' || input.datatype === 'FP64' || input.datatype === 'FP16') return new PyFloats(v as Float32Array);
  if (v instanceof BigInt64Array) return Array.from(v, (x) => Number(x));
  if (Array.isArray(v)) return v as readonly PyValue[];
  return Array.from(v as ArrayLike<number>);
}

/**
 * What `tritonclient.http.InferenceServerClient.infer(model, inputs, outputs=..., request_id=...)`
 * sends: the JSON header (rapidjson, compact), then every binary input's bytes in input order,
 * `Inference-Header-Content-Length` only when binary data follows, and no Content-Type header.
 * Without `outputs`, the client asks for every output in binary (`binary_data_output: true`).
 */
export function tritonHttpRequest(o: { inputs: TritonInput[]; outputs?: TritonOutput[]; requestId?: string; timeoutUs?: number }): ClientRequest {
  const request: Record<string, PyValue> = {};
  const parameters: Record<string, PyValue> = {};
  if (o.requestId !== undefined && o.requestId !== '') request['id'] = o.requestId;
  if (o.timeoutUs !== undefined) parameters['timeout'] = o.timeoutUs;
  const binaries: Buffer[] = [];
  request['inputs'] = o.inputs.map((input) => {
    const tensor: Record<string, PyValue> = { name: input.name, shape: input.shape, datatype: input.datatype };
    if (input.binary ?? true) {
      const raw = rawBytes(input);
      binaries.push(raw);
      tensor['parameters'] = { binary_data_size: raw.byteLength };
    } else {
      tensor['data'] = jsonData(input);
    }
    return tensor;
  });
  if (o.outputs !== undefined) {
    request['outputs'] = o.outputs.map((out) => ({ name: out.name, parameters: { binary_data: out.binary ?? true } }));
  } else {
    parameters['binary_data_output'] = true;
  }
  if (Object.keys(parameters).length > 0) request['parameters'] = parameters;
  const json = Buffer.from(pyDumps(request, true), 'utf8');
  if (binaries.length === 0) return { body: json, headers: {} };
  return { body: Buffer.concat([json, ...binaries]), headers: { 'Inference-Header-Content-Length': String(json.byteLength) } };
}

/** A parsed OIP response: the JSON part and each binary output's bytes, split as a client does. */
export interface ParsedResponse {
  json: {
    model_name: string;
    model_version?: string;
    id?: string;
    parameters?: Record<string, unknown>;
    outputs: { name: string; datatype: string; shape: number[]; data?: unknown[]; parameters?: { binary_data_size?: number } }[];
  };
  binary: Record<string, Buffer>;
}

/** Splits a response the way tritonclient's InferResult does: by the header, then binary_data_size in output order. */
export function parseOipResponse(body: Buffer, headerLength: string | null): ParsedResponse {
  const jsonEnd = headerLength === null ? body.byteLength : Number(headerLength);
  const json = JSON.parse(body.subarray(0, jsonEnd).toString('utf8')) as ParsedResponse['json'];
  const binary: Record<string, Buffer> = {};
  let off = jsonEnd;
  for (const o of json.outputs) {
    const size = o.parameters?.binary_data_size;
    if (size === undefined) continue;
    binary[o.name] = body.subarray(off, off + size);
    off += size;
  }
  if (off !== body.byteLength) throw new Error(`response has ${body.byteLength - off} unexplained trailing bytes`);
  return { json, binary };
}

/** Reads little-endian float32s out of a response buffer (which need not be aligned). */
export function readFloat32(buf: Buffer): number[] {
  const out: number[] = [];
  for (let k = 0; k < buf.byteLength; k += 4) out.push(buf.readFloatLE(k));
  return out;
}
