import { TesseraError } from '../../core/index.js';
import type { DecodedInferRequest } from './request-codec.js';
import type { InferenceResult, ModelMetadata } from './repository.js';
import { dataMatches, toBinaryChunks, toJsonDataText } from './tensor-data.js';
import type { OipTensor } from './tensor.js';

export interface EncodedResponse {
  /** Body pieces, written in order; numeric outputs are views of the result's buffers, not copies. */
  readonly chunks: readonly Uint8Array[];
  readonly byteLength: number;
  /** Set when binary outputs follow the JSON: the `Inference-Header-Content-Length` value. */
  readonly headerLength?: number;
  readonly contentType: 'application/json' | 'application/octet-stream';
}

interface OutputPlan {
  readonly name: string;
  readonly tensor: OipTensor;
  readonly binary: boolean;
}

/**
 * Which outputs go back, in what order and form: the requested ones in the client's order (else
 * every output the result has, in metadata order), each binary when its own `binary_data` says so
 * or, failing that, when the request's `binary_data_output` does.
 */
function planOutputs(request: DecodedInferRequest, result: InferenceResult, model: ModelMetadata): OutputPlan[] {
  const produced = result.outputs;
  const get = (name: string): OipTensor => {
    const t = Object.hasOwn(produced, name) ? produced[name] : undefined;
    if (t === undefined) throw new TesseraError('TESSERA_ERR_CORE_INTERNAL', `model '${model.name}' returned no output '${name}'`);
    if (!dataMatches(t.datatype, t.shape, t.data)) {
      throw new TesseraError('TESSERA_ERR_CORE_INTERNAL', `model '${model.name}' returned output '${name}' whose data does not fit ${t.datatype} [${t.shape.join(',')}]`);
    }
    return t;
  };
  if (request.outputs !== undefined) {
    return request.outputs.map((o) => ({ name: o.name, tensor: get(o.name), binary: o.binaryData ?? request.binaryDataOutput }));
  }
  const order = model.outputs.map((o) => o.name).filter((n) => Object.hasOwn(produced, n));
  for (const n of Object.keys(produced)) if (!order.includes(n)) order.push(n);
  return order.map((name) => ({ name, tensor: get(name), binary: request.binaryDataOutput }));
}

/**
 * `$inference_response`, as JSON or as JSON + binary outputs. Parameters are written after the
 * fixed fields, and outputs in plan order, so clients that read positionally still work.
 */
export function encodeInferResponse(request: DecodedInferRequest, result: InferenceResult, model: ModelMetadata, modelVersion: string | undefined): EncodedResponse {
  const plan = planOutputs(request, result, model);
  const binaries: Uint8Array[] = [];
  const outputTexts = plan.map(({ name, tensor, binary }) => {
    const head = `{"name":${JSON.stringify(name)},"datatype":"${tensor.datatype}","shape":[${tensor.shape.join(',')}]`;
    if (!binary) return `${head},"data":${toJsonDataText(tensor.datatype, tensor.data)}}`;
    const chunks = toBinaryChunks(tensor.data);
    let size = 0;
    for (const c of chunks) size += c.byteLength;
    binaries.push(...chunks);
    return `${head},"parameters":{"binary_data_size":${size}}}`;
  });
  const fields = [`"model_name":${JSON.stringify(model.name)}`];
  if (modelVersion !== undefined) fields.push(`"model_version":${JSON.stringify(modelVersion)}`);
  if (request.id !== undefined) fields.push(`"id":${JSON.stringify(request.id)}`);
  if (result.parameters !== undefined && Object.keys(result.parameters).length > 0) fields.push(`"parameters":${JSON.stringify(result.parameters)}`);
  fields.push(`"outputs":[${outputTexts.join(',')}]`);
  const header = Buffer.from(`{${fields.join(',')}}`, 'utf8');
  if (binaries.length === 0) return { chunks: [header], byteLength: header.byteLength, contentType: 'application/json' };
  let byteLength = header.byteLength;
  for (const b of binaries) byteLength += b.byteLength;
  return { chunks: [header, ...binaries], byteLength, headerLength: header.byteLength, contentType: 'application/octet-stream' };
}

/** `{"error": "…"}`, the protocol's error object. */
export function encodeError(message: string): Buffer {
  return Buffer.from(JSON.stringify({ error: message }), 'utf8');
}

