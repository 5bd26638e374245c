import { TesseraError } from '../../core/index.js';
import { isOipDatatype, type OipDatatype } from './datatypes.js';
import { JsonSyntaxError, parseRequestJson } from './lenient-json.js';
import type { ModelMetadata, TensorMetadata } from './repository.js';
import { binaryByteSize, fromBinaryData, fromJsonData } from './tensor-data.js';
import type { NamedTensor, ParameterValue, Parameters } from './tensor.js';
import { validateAgainstModel } from './validate.js';

/** The header that splits a binary-extension body into JSON and tensor bytes (Triton, KServe). */
export const INFERENCE_HEADER_CONTENT_LENGTH = 'inference-header-content-length';

/** Ranks above this are refused: no model takes them, and nested data is walked recursively. */
const MAX_RANK = 32;
const MAX_ID_LENGTH = 1024;

export interface RequestedOutput {
  readonly name: string;
  /** The output's own `binary_data`, when the client set it (it overrides `binary_data_output`). */
  readonly binaryData?: boolean;
  /** Remaining parameters, minus the binary-extension ones. */
  readonly parameters?: Parameters;
}

export interface DecodedInferRequest {
  readonly id?: string;
  /** Request parameters minus `binary_data_output`. */
  readonly parameters: Parameters;
  /** Inputs in request order. */
  readonly inputs: readonly NamedTensor[];
  readonly outputs?: readonly RequestedOutput[];
  /** The request-level `binary_data_output` (false when absent). */
  readonly binaryDataOutput: boolean;
  /** Whether the body used the binary extension for any input. */
  readonly binaryInputs: boolean;
}

export interface InferBody {
  /** The whole (decompressed) body. */
  readonly body: Uint8Array;
  /** The `Inference-Header-Content-Length` header as sent, when it was. */
  readonly headerLength?: string | number;
}

function badRequest(message: string): TesseraError {
  return new TesseraError('TESSERA_ERR_SERVE_BAD_REQUEST', message);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function readParameters(v: unknown, where: string): Record<string, ParameterValue> {
  if (v === undefined) return {};
  if (!isPlainObject(v)) throw badRequest(`${where}.parameters must be an object of string, number or boolean values`);
  const out: Record<string, ParameterValue> = {};
  for (const [k, value] of Object.entries(v)) {
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
      throw badRequest(`${where}.parameters.${k} must be a string, number or boolean, got ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}`);
    }
    Object.defineProperty(out, k, { value, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

function parseHeaderLength(h: string | number | undefined, bodyLength: number): number | undefined {
  if (h === undefined) return undefined;
  const text = String(h).trim();
  if (!/^\d{1,15}$/.test(text)) throw new TesseraError('TESSERA_ERR_SERVE_BINARY_BODY', `Inference-Header-Content-Length must be a non-negative integer, got ${JSON.stringify(text.slice(0, 40))}`);
  const n = Number(text);
  if (n > bodyLength) {
    throw new TesseraError('TESSERA_ERR_SERVE_BINARY_BODY', `Inference-Header-Content-Length is ${n} but the body has only ${bodyLength} bytes (truncated body?)`);
  }
  return n;
}

function readShape(v: unknown, where: string): number[] {
  if (!Array.isArray(v)) throw badRequest(`${where}.shape must be an array of non-negative integers`);
  if (v.length > MAX_RANK) throw badRequest(`${where}.shape has rank ${v.length}; at most ${MAX_RANK} is supported`);
  for (const d of v) {
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) throw badRequest(`${where}.shape must be an array of non-negative integers, got [${v.map((x) => JSON.stringify(x)).join(',')}]`);
  }
  return v as number[];
}

function readDatatype(v: unknown, where: string): OipDatatype {
  if (isOipDatatype(v)) return v;
  if (v === 'BF16') throw new TesseraError('TESSERA_ERR_SERVE_UNSUPPORTED', `${where}: BF16 is not supported (the OIP REST datatypes and onnxruntime-node do not carry it); send FP32`);
  throw badRequest(`${where}.datatype must be one of BOOL, UINT8, UINT16, UINT32, UINT64, INT8, INT16, INT32, INT64, FP16, FP32, FP64, BYTES; got ${JSON.stringify(v)}`);
}

function refuseSharedMemory(params: Record<string, ParameterValue>, where: string): void {
  for (const k of Object.keys(params)) {
    if (k.startsWith('shared_memory_')) throw new TesseraError('TESSERA_ERR_SERVE_UNSUPPORTED', `${where}: shared-memory tensors are not supported; send the data in the body`);
  }
}

interface InputEnvelope {
  readonly name: string;
  readonly datatype: OipDatatype;
  readonly shape: number[];
  readonly parameters: Record<string, ParameterValue>;
  readonly binarySize: number | undefined;
  readonly data: unknown;
}

function readInput(v: unknown, index: number): InputEnvelope {
  const where = `inputs[${index}]`;
  if (!isPlainObject(v)) throw badRequest(`${where} must be an object with name, shape, datatype and data`);
  if (typeof v['name'] !== 'string' || v['name'] === '') throw badRequest(`${where}.name must be a non-empty string`);
  const name = v['name'];
  const at = `${where} ('${name}')`;
  const shape = readShape(v['shape'], at);
  const datatype = readDatatype(v['datatype'], at);
  const parameters = readParameters(v['parameters'], at);
  refuseSharedMemory(parameters, at);
  let binarySize: number | undefined;
  if (Object.hasOwn(parameters, 'binary_data_size')) {
    const s = parameters['binary_data_size'];
    if (typeof s !== 'number' || !Number.isSafeInteger(s) || s < 0) throw new TesseraError('TESSERA_ERR_SERVE_BINARY_BODY', `${at}.parameters.binary_data_size must be a non-negative integer`);
    binarySize = s;
    delete parameters['binary_data_size'];
    if (v['data'] !== undefined) throw badRequest(`${at} has both 'data' and parameters.binary_data_size; send the tensor one way`);
  } else if (v['data'] === undefined) {
    throw badRequest(`${at} has no 'data' (and no parameters.binary_data_size for binary data)`);
  }
  return { name, datatype, shape, parameters, binarySize, data: v['data'] };
}

function readOutputs(v: unknown): RequestedOutput[] | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v)) throw badRequest("'outputs' must be an array of {name, parameters?}");
  const seen = new Set<string>();
  return v.map((o: unknown, index) => {
    const where = `outputs[${index}]`;
    if (!isPlainObject(o) || typeof o['name'] !== 'string' || o['name'] === '') throw badRequest(`${where} must be an object with a non-empty string 'name'`);
    const name = o['name'];
    if (seen.has(name)) throw badRequest(`output '${name}' is requested twice`);
    seen.add(name);
    const parameters = readParameters(o['parameters'], `${where} ('${name}')`);
    refuseSharedMemory(parameters, `${where} ('${name}')`);
    const cls = parameters['classification'];
    if (cls !== undefined && cls !== 0) throw new TesseraError('TESSERA_ERR_SERVE_UNSUPPORTED', `output '${name}': the classification extension is not supported; request the raw output`);
    delete parameters['classification'];
    let binaryData: boolean | undefined;
    if (Object.hasOwn(parameters, 'binary_data')) {
      const b = parameters['binary_data'];
      if (typeof b !== 'boolean') throw badRequest(`output '${name}': parameters.binary_data must be true or false`);
      binaryData = b;
      delete parameters['binary_data'];
    }
    return { name, ...(binaryData === undefined ? {} : { binaryData }), ...(Object.keys(parameters).length > 0 ? { parameters } : {}) };
  });
}

/**
 * Triton's raw binary request (`Inference-Header-Content-Length: 0`): no JSON at all, the whole
 * body is the one input of a single-input model. As Triton does, one dynamic dim is deduced from
 * the byte count (a leading batch dim among several dynamic ones is taken as 1), and every output
 * comes back in binary, since the client had no way to ask otherwise.
 */
function decodeRawBinary(body: Uint8Array, model: ModelMetadata | undefined): DecodedInferRequest {
  if (model === undefined) throw new TesseraError('TESSERA_ERR_SERVE_UNSUPPORTED', 'a raw binary request (Inference-Header-Content-Length: 0) needs the model metadata to deduce its input');
  const required = model.inputs.filter((i) => i.optional !== true);
  const only = required.length === 1 ? required[0] : model.inputs.length === 1 ? model.inputs[0] : undefined;
  if (only === undefined) {
    throw new TesseraError('TESSERA_ERR_SERVE_UNSUPPORTED', `a raw binary request (Inference-Header-Content-Length: 0) needs a single-input model; '${model.name}' has ${model.inputs.length} inputs`);
  }
  const shape = rawShape(only, body.byteLength);
  const data = fromBinaryData(only.name, only.datatype, shape, body, { allowNonFinite: only.allowNonFinite === true });
  return { parameters: {}, inputs: [{ name: only.name, datatype: only.datatype, shape, data }], binaryDataOutput: true, binaryInputs: true };
}

function rawShape(meta: TensorMetadata, byteLength: number): number[] {
  const cannot = (why: string): TesseraError =>
    new TesseraError('TESSERA_ERR_SERVE_UNSUPPORTED', `a raw binary request cannot say the shape of '${meta.name}' (${meta.datatype} [${meta.shape.join(',')}]): ${why}; send a JSON header with the shape`);
  if (meta.datatype === 'BYTES') throw cannot('BYTES elements have no fixed size');
  const shape = [...meta.shape];
  if (shape.filter((d) => d < 0).length > 1 && (shape[0] as number) < 0) shape[0] = 1;
  const dynamic = shape.flatMap((d, k) => (d < 0 ? [k] : []));
  if (dynamic.length > 1) throw cannot('more than one dynamic dim');
  const elementSize = binaryByteSize(meta.datatype, [1]) as number;
  const fixed = shape.reduce((n, d) => (d < 0 ? n : n * d), 1) * elementSize;
  if (dynamic.length === 1) {
    if (fixed === 0 || byteLength % fixed !== 0) {
      throw new TesseraError('TESSERA_ERR_SERVE_BINARY_BODY', `a raw binary request for '${meta.name}' (${meta.datatype} [${meta.shape.join(',')}]) needs a multiple of ${fixed} bytes; the body has ${byteLength}`);
    }
    shape[dynamic[0] as number] = byteLength / fixed;
  } else if (byteLength !== fixed) {
    throw new TesseraError('TESSERA_ERR_SERVE_BINARY_BODY', `a raw binary request for '${meta.name}' (${meta.datatype} [${shape.join(',')}]) needs ${fixed} bytes; the body has ${byteLength}`);
  }
  return shape;
}

/**
 * Decodes an infer request body: plain JSON, or (binary tensor extension) a JSON header of
 * `headerLength` bytes followed by the binary inputs' bytes in input order. With `model`, the
 * tensors are checked against its metadata before any data is converted, so a wrong request costs
 * no conversion work. Throws a `TesseraError` (400-class) that names what is wrong.
 */
export function decodeInferRequest(input: InferBody, model?: ModelMetadata): DecodedInferRequest {
  const { body } = input;
  const headerLength = parseHeaderLength(input.headerLength, body.byteLength);
  if (headerLength === 0) return decodeRawBinary(body, model);
  const jsonEnd = headerLength ?? body.byteLength;
  const text = Buffer.from(body.buffer, body.byteOffset, jsonEnd).toString('utf8');
  let parsed: unknown;
  try {
    parsed = parseRequestJson(text);
  } catch (err) {
    if (err instanceof JsonSyntaxError) {
      const trailing = headerLength === undefined && err.message.startsWith('trailing characters');
      const hint = trailing ? ' (binary tensors after the JSON need the Inference-Header-Content-Length header)' : '';
      throw new TesseraError('TESSERA_ERR_SERVE_BAD_REQUEST', `the request body is not valid JSON: ${err.message}${hint}`, { cause: err });
    }
    throw err;
  }
  if (!isPlainObject(parsed)) throw badRequest('the request body must be a JSON object with an "inputs" array');

  let id: string | undefined;
  if (parsed['id'] !== undefined) {
    if (typeof parsed['id'] !== 'string') throw badRequest("'id' must be a string");
    if (parsed['id'].length > MAX_ID_LENGTH) throw badRequest(`'id' is longer than ${MAX_ID_LENGTH} characters`);
    id = parsed['id'];
  }
  const parameters = readParameters(parsed['parameters'], 'request');
  let binaryDataOutput = false;
  if (Object.hasOwn(parameters, 'binary_data_output')) {
    const b = parameters['binary_data_output'];
    if (typeof b !== 'boolean') throw badRequest('parameters.binary_data_output must be true or false');
    binaryDataOutput = b;
    delete parameters['binary_data_output'];
  }
  if (!Array.isArray(parsed['inputs'])) throw badRequest("the request must have an 'inputs' array");
  const envelopes = parsed['inputs'].map(readInput);
  const names = new Set<string>();
  for (const e of envelopes) {
    if (names.has(e.name)) throw badRequest(`input '${e.name}' appears twice`);
    names.add(e.name);
  }
  const outputs = readOutputs(parsed['outputs']);
  if (model !== undefined) validateAgainstModel(model, envelopes, outputs);

  // Binary sizes are checked against the shapes and the body before any tensor is decoded.
  const binaryBytes = body.byteLength - jsonEnd;
  let declared = 0;
  for (const e of envelopes) {
    if (e.binarySize === undefined) continue;
    if (headerLength === undefined) {
      throw new TesseraError('TESSERA_ERR_SERVE_BINARY_BODY', `input '${e.name}' has parameters.binary_data_size but the request has no Inference-Header-Content-Length header`);
    }
    const need = binaryByteSize(e.datatype, e.shape);
    if (need !== undefined && need !== e.binarySize) {
      throw new TesseraError('TESSERA_ERR_SERVE_BINARY_BODY', `input '${e.name}': binary_data_size is ${e.binarySize} but shape [${e.shape.join(',')}] of ${e.datatype} needs ${need} bytes`);
    }
    declared += e.binarySize;
  }
  if (declared !== binaryBytes) {
    throw new TesseraError(
      'TESSERA_ERR_SERVE_BINARY_BODY',
      declared > binaryBytes
        ? `the inputs declare ${declared} bytes of binary data but the body has ${binaryBytes} after the ${jsonEnd}-byte JSON header (truncated body?)`
        : `the body has ${binaryBytes} bytes after the ${jsonEnd}-byte JSON header but the inputs declare ${declared} (wrong Inference-Header-Content-Length?)`,
    );
  }

  const allowNonFinite = new Map<string, boolean>(model?.inputs.map((i) => [i.name, i.allowNonFinite === true]) ?? []);
  let offset = jsonEnd;
  const inputs: NamedTensor[] = envelopes.map((e) => {
    const options = { allowNonFinite: allowNonFinite.get(e.name) ?? false };
    let data;
    if (e.binarySize !== undefined) {
      data = fromBinaryData(e.name, e.datatype, e.shape, body.subarray(offset, offset + e.binarySize), options);
      offset += e.binarySize;
    } else {
      data = fromJsonData(e.name, e.datatype, e.shape, e.data, options);
    }
    return { name: e.name, datatype: e.datatype, shape: e.shape, data, ...(Object.keys(e.parameters).length > 0 ? { parameters: e.parameters } : {}) };
  });
  return {
    ...(id === undefined ? {} : { id }),
    parameters,
    inputs,
    ...(outputs === undefined ? {} : { outputs }),
    binaryDataOutput,
    binaryInputs: envelopes.some((e) => e.binarySize !== undefined),
  };
}
