import { describe, expect, test } from 'vitest';
import { decodeInferRequest } from './request-codec.js';
import type { InferenceResult, ModelMetadata } from './repository.js';
import { encodeInferResponse } from './response-codec.js';
import { parseOipResponse, readFloat32 } from './test-support/client-requests.js';

const MODEL: ModelMetadata = {
  name: 'm',
  versions: ['1', '2'],
  platform: 'onnxruntime_onnx',
  inputs: [{ name: 'x', datatype: 'INT32', shape: [-1] }],
  outputs: [
    { name: 'probs', datatype: 'FP32', shape: [-1, 2] },
    { name: 'label', datatype: 'BYTES', shape: [-1] },
    { name: 'ids', datatype: 'INT64', shape: [-1] },
  ],
};

const RESULT: InferenceResult = {
  outputs: {
    ids: { datatype: 'INT64', shape: [2], data: new BigInt64Array([9007199254740993n, -1n]) },
    label: { datatype: 'BYTES', shape: [2], data: ['cat', new Uint8Array([0x64, 0xc3, 0xb6, 0x67])] },
    probs: { datatype: 'FP32', shape: [2, 2], data: new Float32Array([0.25, 0.75, 1, 0]) },
  },
};

function respond(request: unknown): ReturnType<typeof parseOipResponse> & { headerLength: number | undefined; contentType: string } {
  const decoded = decodeInferRequest({ body: Buffer.from(JSON.stringify(request)) }, MODEL);
  const enc = encodeInferResponse(decoded, RESULT, MODEL, '2');
  const body = Buffer.concat(enc.chunks);
  expect(body.byteLength).toBe(enc.byteLength);
  return { ...parseOipResponse(body, enc.headerLength === undefined ? null : String(enc.headerLength)), headerLength: enc.headerLength, contentType: enc.contentType };
}

const input = { name: 'x', shape: [2], datatype: 'INT32', data: [1, 2] };

describe('encoding infer responses', () => {
  test('without requested outputs: every output, metadata order, JSON, id echoed', () => {
    const r = respond({ id: 'abc', inputs: [input] });
    expect(r.contentType).toBe('application/json');
    expect(r.headerLength).toBeUndefined();
    expect(r.json).toEqual({
      model_name: 'm',
      model_version: '2',
      id: 'abc',
      outputs: [
        { name: 'probs', datatype: 'FP32', shape: [2, 2], data: [0.25, 0.75, 1, 0] },
        { name: 'label', datatype: 'BYTES', shape: [2], data: ['cat', 'dög'] },
        { name: 'ids', datatype: 'INT64', shape: [2], data: [9007199254740992, -1] },
      ],
    });
  });

  test('INT64 values are written exactly, digit for digit', () => {
    const decoded = decodeInferRequest({ body: Buffer.from(JSON.stringify({ inputs: [input], outputs: [{ name: 'ids' }] })) }, MODEL);
    const text = Buffer.concat(encodeInferResponse(decoded, RESULT, MODEL, '2').chunks).toString();
    expect(text).toContain('"data":[9007199254740993,-1]');
  });

  test('only the requested outputs, in the requested order', () => {
    const r = respond({ inputs: [input], outputs: [{ name: 'ids' }, { name: 'probs' }] });
    expect(r.json.outputs.map((o) => o.name)).toEqual(['ids', 'probs']);
  });

  test('binary_data_output makes every output binary; per-output binary_data overrides it', () => {
    const r = respond({ inputs: [input], parameters: { binary_data_output: true }, outputs: [{ name: 'probs' }, { name: 'label', parameters: { binary_data: false } }] });
    expect(r.contentType).toBe('application/octet-stream');
    expect(r.json.outputs[0]).toEqual({ name: 'probs', datatype: 'FP32', shape: [2, 2], parameters: { binary_data_size: 16 } });
    expect(r.json.outputs[1]).toEqual({ name: 'label', datatype: 'BYTES', shape: [2], data: ['cat', 'dög'] });
    expect(readFloat32(r.binary['probs']!)).toEqual([0.25, 0.75, 1, 0]);
  });

  test('BYTES outputs in binary carry a 4-byte little-endian length per element', () => {
    const r = respond({ inputs: [input], outputs: [{ name: 'label', parameters: { binary_data: true } }] });
    expect(r.json.outputs[0]!.parameters).toEqual({ binary_data_size: 4 + 3 + 4 + 4 });
    expect([...r.binary['label']!]).toEqual([3, 0, 0, 0, 0x63, 0x61, 0x74, 4, 0, 0, 0, 0x64, 0xc3, 0xb6, 0x67]);
  });

  test('non-finite floats are written as NaN/Infinity tokens, as Triton writes them', () => {
    const decoded = decodeInferRequest({ body: Buffer.from(JSON.stringify({ inputs: [input], outputs: [{ name: 'probs' }] })) }, MODEL);
    const res: InferenceResult = { outputs: { probs: { datatype: 'FP32', shape: [1, 3], data: new Float32Array([NaN, Infinity, -Infinity]) } } };
    expect(Buffer.concat(encodeInferResponse(decoded, res, MODEL, undefined).chunks).toString()).toBe('{"model_name":"m","outputs":[{"name":"probs","datatype":"FP32","shape":[1,3],"data":[NaN,Infinity,-Infinity]}]}');
  });

  test('an output the runtime did not return, or returned malformed, is an internal error', () => {
    const decoded = decodeInferRequest({ body: Buffer.from(JSON.stringify({ inputs: [input], outputs: [{ name: 'probs' }] })) }, MODEL);
    expect(() => encodeInferResponse(decoded, { outputs: {} }, MODEL, '1')).toThrow(/returned no output 'probs'/);
    const bad: InferenceResult = { outputs: { probs: { datatype: 'FP32', shape: [2, 2], data: new Float32Array(3) } } };
    expect(() => encodeInferResponse(decoded, bad, MODEL, '1')).toThrow(/does not fit FP32 \[2,2\]/);
  });
});
