import { describe, expect, test } from 'vitest';
import { TesseraError } from '../../core/index.js';
import { decodeInferRequest } from './request-codec.js';
import type { ModelMetadata } from './repository.js';
import { pyDumps, PyFloats, tritonHttpRequest } from './test-support/client-requests.js';

const CLS: ModelMetadata = {
  name: 'cls',
  versions: ['1'],
  platform: 'onnxruntime_onnx',
  inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 3, 48, 192] }],
  outputs: [{ name: 'softmax_0.tmp_0', datatype: 'FP32', shape: [-1, 2] }],
};

const MIXED: ModelMetadata = {
  name: 'mymodel',
  versions: ['1'],
  platform: 'tessera_test_echo',
  inputs: [
    { name: 'input0', datatype: 'UINT32', shape: [2, 2] },
    { name: 'input1', datatype: 'BOOL', shape: [3] },
  ],
  outputs: [{ name: 'output0', datatype: 'FP32', shape: [3, 2] }],
};

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof TesseraError) return `${err.code}: ${err.message}`;
    throw err;
  }
  throw new Error('expected a TesseraError');
}

const body = (s: string): Buffer => Buffer.from(s, 'utf8');

describe('decoding JSON infer requests', () => {
  test('reads a tritonclient.http JSON request (binary_data=False) with binary_data_output', () => {
    const x = new Float32Array(3 * 48 * 192).map((_, i) => (i % 7) / 7);
    const req = tritonHttpRequest({ inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 3, 48, 192], values: x, binary: false }], requestId: 'r-1' });
    expect(req.headers).toEqual({});
    const d = decodeInferRequest({ body: req.body }, CLS);
    expect(d.id).toBe('r-1');
    expect(d.binaryDataOutput).toBe(true);
    expect(d.parameters).toEqual({});
    expect(d.inputs[0]!.shape).toEqual([1, 3, 48, 192]);
    expect(d.inputs[0]!.data).toEqual(x);
  });

  test('reads the KServe v2 example with nested row-major data', () => {
    // The KServe docs' iris request, in Python json.dumps formatting.
    const text = pyDumps({ inputs: [{ name: 'input-0', shape: [2, 4], datatype: 'FP32', data: [new PyFloats([6.8, 2.8, 4.8, 1.4]), new PyFloats([6.0, 3.4, 4.5, 1.6])] }] });
    expect(text).toContain('[6.0, 3.4, 4.5, 1.6]');
    const d = decodeInferRequest({ body: body(text) });
    expect(Array.from(d.inputs[0]!.data as Float32Array)).toEqual(Array.from(new Float32Array([6.8, 2.8, 4.8, 1.4, 6.0, 3.4, 4.5, 1.6])));
    expect(d.outputs).toBeUndefined();
    expect(d.binaryDataOutput).toBe(false);
  });

  test('reads every datatype from JSON into its typed array', () => {
    const inputs = [
      { name: 'b', datatype: 'BOOL', shape: [2], data: [true, false] },
      { name: 'u8', datatype: 'UINT8', shape: [2], data: [0, 255] },
      { name: 'u16', datatype: 'UINT16', shape: [1], data: [65535] },
      { name: 'u32', datatype: 'UINT32', shape: [1], data: [4294967295] },
      { name: 'u64', datatype: 'UINT64', shape: [1], data: [9007199254740991] },
      { name: 'i8', datatype: 'INT8', shape: [2], data: [-128, 127] },
      { name: 'i16', datatype: 'INT16', shape: [1], data: [-32768] },
      { name: 'i32', datatype: 'INT32', shape: [1], data: [-2147483648] },
      { name: 'i64', datatype: 'INT64', shape: [2], data: [-9007199254740991, 42] },
      { name: 'f16', datatype: 'FP16', shape: [2], data: [1, -2] },
      { name: 'f64', datatype: 'FP64', shape: [1], data: [0.1] },
      { name: 's', datatype: 'BYTES', shape: [2], data: ['héllo', ''] },
    ];
    const d = decodeInferRequest({ body: body(JSON.stringify({ inputs })) });
    const got = Object.fromEntries(d.inputs.map((t) => [t.name, t.data]));
    expect(got['b']).toEqual(new Uint8Array([1, 0]));
    expect(got['u8']).toEqual(new Uint8Array([0, 255]));
    expect(got['u16']).toEqual(new Uint16Array([65535]));
    expect(got['u32']).toEqual(new Uint32Array([4294967295]));
    expect(got['u64']).toEqual(new BigUint64Array([9007199254740991n]));
    expect(got['i8']).toEqual(new Int8Array([-128, 127]));
    expect(got['i16']).toEqual(new Int16Array([-32768]));
    expect(got['i32']).toEqual(new Int32Array([-2147483648]));
    expect(got['i64']).toEqual(new BigInt64Array([-9007199254740991n, 42n]));
    expect(got['f16']).toEqual(new Uint16Array([0x3c00, 0xc000]));
    expect(got['f64']).toEqual(new Float64Array([0.1]));
    expect(got['s']).toEqual([Buffer.from('héllo'), new Uint8Array(0)].map((b) => new Uint8Array(b)));
  });

  test('keeps custom parameters and strips the binary-extension ones', () => {
    const text = JSON.stringify({
      id: '42',
      parameters: { binary_data_output: false, timeout: 5000, priority: 1, tenant: 'a' },
      inputs: [{ name: 'x', shape: [1], datatype: 'INT32', parameters: { note: 'k' }, data: [1] }],
      outputs: [{ name: 'y', parameters: { binary_data: true } }, { name: 'z' }],
    });
    const d = decodeInferRequest({ body: body(text) });
    expect(d.parameters).toEqual({ timeout: 5000, priority: 1, tenant: 'a' });
    expect(d.inputs[0]!.parameters).toEqual({ note: 'k' });
    expect(d.outputs).toEqual([{ name: 'y', binaryData: true }, { name: 'z' }]);
  });
});

describe('decoding binary-extension requests', () => {
  test("reads Triton's documented example byte by byte (UINT32 [2,2] + BOOL [3], 19 bytes)", () => {
    const header = body(
      '{"model_name":"mymodel","inputs":[{"name":"input0","shape":[2,2],"datatype":"UINT32","parameters":{"binary_data_size":16}},' +
        '{"name":"input1","shape":[3],"datatype":"BOOL","parameters":{"binary_data_size":3}}],"outputs":[{"name":"output0","parameters":{"binary_data":true}}]}',
    );
    const tensorBytes = Buffer.from([1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 1, 0, 1]);
    const d = decodeInferRequest({ body: Buffer.concat([header, tensorBytes]), headerLength: String(header.byteLength) }, MIXED);
    expect(d.binaryInputs).toBe(true);
    expect(d.inputs[0]!.data).toEqual(new Uint32Array([1, 2, 3, 0xffffffff]));
    expect(d.inputs[1]!.data).toEqual(new Uint8Array([1, 0, 1]));
    expect(d.outputs).toEqual([{ name: 'output0', binaryData: true }]);
  });

  test("reads tritonclient.http's default binary request, with BYTES length prefixes", () => {
    const x = new Float32Array([1.5, -2, 3.25, 0]);
    const req = tritonHttpRequest({
      inputs: [
        { name: 'x', datatype: 'FP32', shape: [1, 4], values: x },
        { name: 's', datatype: 'BYTES', shape: [3], values: ['ab', '', 'ünï'] },
      ],
      outputs: [{ name: 'y' }],
    });
    const d = decodeInferRequest({ body: req.body, headerLength: req.headers['Inference-Header-Content-Length']! });
    expect(d.inputs[0]!.data).toEqual(x);
    expect((d.inputs[1]!.data as Uint8Array[]).map((b) => Buffer.from(b).toString('utf8'))).toEqual(['ab', '', 'ünï']);
    // The decoded tensor owns its buffer: the body's pooled memory is never handed on.
    expect((d.inputs[0]!.data as Float32Array).buffer.byteLength).toBe(16);
  });

  test('mixes JSON and binary inputs; only binary ones consume body bytes, in input order', () => {
    const header = body(JSON.stringify({ inputs: [{ name: 'a', shape: [1], datatype: 'INT32', data: [7] }, { name: 'b', shape: [2], datatype: 'INT16', parameters: { binary_data_size: 4 } }] }));
    const d = decodeInferRequest({ body: Buffer.concat([header, Buffer.from([1, 0, 2, 0])]), headerLength: header.byteLength });
    expect(d.inputs.map((t) => Array.from(t.data as Int32Array))).toEqual([[7], [1, 2]]);
  });

  test('a raw binary request (Inference-Header-Content-Length: 0) deduces the one dynamic dim, as Triton does', () => {
    // Triton's own HTTP test posts 8 and then 32 float32s to the same [-1] model this way.
    const vector: ModelMetadata = { ...CLS, inputs: [{ name: 'INPUT0', datatype: 'FP32', shape: [-1] }] };
    for (const n of [8, 32]) {
      const d = decodeInferRequest({ body: Buffer.from(new Float32Array(n).map((_, i) => i).buffer), headerLength: '0' }, vector);
      expect(d.inputs[0]).toMatchObject({ name: 'INPUT0', shape: [n] });
      expect(d.binaryDataOutput).toBe(true);
    }
    const batched: ModelMetadata = { ...CLS, inputs: [{ name: 'v', datatype: 'INT16', shape: [-1, 3] }] };
    expect(decodeInferRequest({ body: Buffer.from([1, 0, 2, 0, 3, 0]), headerLength: '0' }, batched).inputs[0]).toMatchObject({ name: 'v', shape: [1, 3], data: new Int16Array([1, 2, 3]) });
    expect(code(() => decodeInferRequest({ body: Buffer.from([1, 0]), headerLength: '0' }, batched))).toMatch(/needs a multiple of 6 bytes; the body has 2/);
    const fixedBatch: ModelMetadata = { ...CLS, inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 3, 48, -1] }] };
    expect(decodeInferRequest({ body: Buffer.alloc(3 * 48 * 10 * 4), headerLength: '0' }, fixedBatch).inputs[0]!.shape).toEqual([1, 3, 48, 10]);
    const dynamic: ModelMetadata = { ...CLS, inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 3, -1, -1] }] };
    expect(code(() => decodeInferRequest({ body: Buffer.alloc(4), headerLength: '0' }, dynamic))).toMatch(/^TESSERA_ERR_SERVE_UNSUPPORTED: a raw binary request cannot say the shape of 'x' \(FP32 \[-1,3,-1,-1\]\): more than one dynamic dim/);
    expect(code(() => decodeInferRequest({ body: Buffer.alloc(4), headerLength: '0' }, MIXED))).toMatch(/needs a single-input model; 'mymodel' has 2 inputs/);
  });
});

describe('refusing bad requests with a clear 400', () => {
  const good = { name: 'x', shape: [1, 3, 48, 192], datatype: 'FP32', data: new Array(3 * 48 * 192).fill(0) };
  const cases: [string, string, RegExp][] = [
    ['malformed JSON', '{"inputs": [', /^TESSERA_ERR_SERVE_BAD_REQUEST: the request body is not valid JSON: unexpected end of JSON at offset 12/],
    ['a JSON array body', '[1]', /must be a JSON object with an "inputs" array/],
    ['no inputs', '{"outputs": []}', /must have an 'inputs' array/],
    ['a non-string id', JSON.stringify({ id: 5, inputs: [good] }), /'id' must be a string/],
    ['an unknown datatype', JSON.stringify({ inputs: [{ ...good, datatype: 'FLOAT' }] }), /datatype must be one of BOOL, .*got "FLOAT"/],
    ['BF16', JSON.stringify({ inputs: [{ ...good, datatype: 'BF16' }] }), /^TESSERA_ERR_SERVE_UNSUPPORTED: .*BF16 is not supported/],
    ['a negative dim', JSON.stringify({ inputs: [{ ...good, shape: [1, -3, 48, 192] }] }), /shape must be an array of non-negative integers/],
    ['no data', JSON.stringify({ inputs: [{ name: 'x', shape: [1], datatype: 'FP32' }] }), /has no 'data'/],
    ['duplicate input names', JSON.stringify({ inputs: [good, good] }), /input 'x' appears twice/],
    ['duplicate output names', JSON.stringify({ inputs: [good], outputs: [{ name: 'softmax_0.tmp_0' }, { name: 'softmax_0.tmp_0' }] }), /requested twice/],
    ['a data count that does not match the shape', JSON.stringify({ inputs: [{ ...good, data: [1, 2, 3] }] }), /^TESSERA_ERR_SERVE_BAD_TENSOR: input 'x': shape \[1,3,48,192\] holds 27648 element\(s\) but 'data' has 3/],
    ['a string in FP32 data', JSON.stringify({ inputs: [{ ...good, data: ['1', ...good.data.slice(1)] }] }), /element 0 is "1", not a number \(datatype FP32\)/],
    ['an unknown input', JSON.stringify({ inputs: [good, { name: 'y', shape: [1], datatype: 'FP32', data: [1] }] }), /^TESSERA_ERR_SERVE_INPUT_MISMATCH: model 'cls' has no input 'y'; its inputs are 'x'/],
    ['a missing input', JSON.stringify({ inputs: [] }), /needs input\(s\) 'x'/],
    ['a wrong datatype', JSON.stringify({ inputs: [{ ...good, datatype: 'FP64' }] }), /input 'x' of model 'cls' is FP32, not FP64/],
    ['a wrong shape', JSON.stringify({ inputs: [{ ...good, shape: [1, 3, 32, 100] }] }), /takes shape \[-1,3,48,192\] \(-1 = any\), not \[1,3,32,100\]/],
    ['an unknown output', JSON.stringify({ inputs: [good], outputs: [{ name: 'logits' }] }), /has no output 'logits'; its outputs are 'softmax_0.tmp_0'/],
    ['shared memory', JSON.stringify({ inputs: [{ name: 'x', shape: [1, 3, 48, 192], datatype: 'FP32', parameters: { shared_memory_region: 'r', binary_data_size: 4 } }] }), /^TESSERA_ERR_SERVE_UNSUPPORTED: .*shared-memory/],
    ['classification', JSON.stringify({ inputs: [good], outputs: [{ name: 'softmax_0.tmp_0', parameters: { classification: 2 } }] }), /classification extension is not supported/],
    ['NaN in JSON data', JSON.stringify({ inputs: [good] }).replace('[0,', '[NaN,'), /element 0 is NaN; this input does not accept NaN or Infinity/],
  ];
  test.each(cases)('%s', (_what, text, message) => {
    expect(code(() => decodeInferRequest({ body: body(text) }, CLS))).toMatch(message);
  });

  test('integers out of range, fractions and wrong element types', () => {
    const one = (datatype: string, data: unknown[]) => JSON.stringify({ inputs: [{ name: 'v', shape: [data.length], datatype, data }] });
    expect(code(() => decodeInferRequest({ body: body(one('UINT8', [256])) }))).toMatch(/element 0 \(256\) is out of range for UINT8/);
    expect(code(() => decodeInferRequest({ body: body(one('INT8', [-129])) }))).toMatch(/out of range for INT8/);
    expect(code(() => decodeInferRequest({ body: body(one('UINT64', [2 ** 64])) }))).toMatch(/out of range for UINT64/);
    expect(code(() => decodeInferRequest({ body: body(one('INT32', [1.5])) }))).toMatch(/element 0 is 1.5, not an integer/);
    expect(code(() => decodeInferRequest({ body: body(one('BOOL', [1])) }))).toMatch(/element 0 is 1, not true or false/);
    expect(code(() => decodeInferRequest({ body: body(one('BYTES', [1])) }))).toMatch(/element 0 is 1, not a string/);
  });

  test('nested data must have the natural shape at every level', () => {
    const t = (data: unknown) => JSON.stringify({ inputs: [{ name: 'v', shape: [2, 3], datatype: 'INT32', data }] });
    expect(decodeInferRequest({ body: body(t([[1, 2, 3], [4, 5, 6]])) }).inputs[0]!.data).toEqual(new Int32Array([1, 2, 3, 4, 5, 6]));
    expect(code(() => decodeInferRequest({ body: body(t([[1, 2], [3, 4], [5, 6]])) }))).toMatch(/data has 3 element\(s\), expected 2/);
    expect(code(() => decodeInferRequest({ body: body(t([[1, 2, 3], 4])) }))).toMatch(/data\[1\] is 4, expected an array of 3/);
    expect(code(() => decodeInferRequest({ body: body(t([[[1], [2], [3]], [[4], [5], [6]]])) }))).toMatch(/deeper than shape \[2,3\] at data\[0\]\[0\]/);
  });

  test('NaN and Infinity pass only where the model input allows them', () => {
    const model: ModelMetadata = { ...CLS, inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 3], allowNonFinite: true }] };
    const d = decodeInferRequest({ body: body('{"inputs":[{"name":"x","shape":[1,3],"datatype":"FP32","data":[NaN,Infinity,-Infinity]}]}') }, model);
    expect(Array.from(d.inputs[0]!.data as Float32Array)).toEqual([NaN, Infinity, -Infinity]);
    const bin = Buffer.alloc(12);
    bin.writeFloatLE(1, 0);
    bin.writeFloatLE(Infinity, 4);
    const header = body('{"inputs":[{"name":"x","shape":[1,3],"datatype":"FP32","parameters":{"binary_data_size":12}}]}');
    const strict: ModelMetadata = { ...model, inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 3] }] };
    expect(code(() => decodeInferRequest({ body: Buffer.concat([header, bin]), headerLength: header.byteLength }, strict))).toMatch(/input 'x': element 1 is Infinity; this input does not accept NaN or Infinity/);
    const h16 = body('{"inputs":[{"name":"h","shape":[2],"datatype":"FP16","parameters":{"binary_data_size":4}}]}');
    expect(code(() => decodeInferRequest({ body: Buffer.concat([h16, Buffer.from([0, 0x3c, 0x01, 0x7e])]), headerLength: h16.byteLength }))).toMatch(/element 1 is NaN/);
  });

  test('binary bodies that are truncated, too long or inconsistent', () => {
    const header = body('{"inputs":[{"name":"x","shape":[1,3,48,192],"datatype":"FP32","parameters":{"binary_data_size":110592}}]}');
    const full = Buffer.concat([header, Buffer.alloc(110592)]);
    expect(code(() => decodeInferRequest({ body: full.subarray(0, full.byteLength - 1), headerLength: header.byteLength }, CLS))).toMatch(
      /^TESSERA_ERR_SERVE_BINARY_BODY: the inputs declare 110592 bytes of binary data but the body has 110591 after the \d+-byte JSON header \(truncated body\?\)/,
    );
    expect(code(() => decodeInferRequest({ body: Buffer.concat([full, Buffer.alloc(1)]), headerLength: header.byteLength }, CLS))).toMatch(/the inputs declare 110592/);
    expect(code(() => decodeInferRequest({ body: full, headerLength: full.byteLength + 1 }, CLS))).toMatch(/Inference-Header-Content-Length is \d+ but the body has only \d+ bytes/);
    expect(code(() => decodeInferRequest({ body: full, headerLength: 'abc' }, CLS))).toMatch(/must be a non-negative integer, got "abc"/);
    expect(code(() => decodeInferRequest({ body: full }, CLS))).toMatch(/not valid JSON: trailing characters .*need the Inference-Header-Content-Length header/);
    expect(code(() => decodeInferRequest({ body: header }, CLS))).toMatch(/binary_data_size but the request has no Inference-Header-Content-Length header/);
    const wrongSize = body('{"inputs":[{"name":"x","shape":[1,3,48,192],"datatype":"FP32","parameters":{"binary_data_size":8}}]}');
    expect(code(() => decodeInferRequest({ body: Buffer.concat([wrongSize, Buffer.alloc(8)]), headerLength: wrongSize.byteLength }, CLS))).toMatch(/binary_data_size is 8 but shape \[1,3,48,192\] of FP32 needs 110592 bytes/);
    // Header length in the middle of the JSON: the JSON part itself is cut.
    expect(code(() => decodeInferRequest({ body: full, headerLength: 10 }, CLS))).toMatch(/not valid JSON/);
  });

  test('BYTES binary data with a bad length prefix', () => {
    const header = (size: number) => body(`{"inputs":[{"name":"s","shape":[1],"datatype":"BYTES","parameters":{"binary_data_size":${size}}}]}`);
    const h = header(6);
    expect(code(() => decodeInferRequest({ body: Buffer.concat([h, Buffer.from([9, 0, 0, 0, 65, 66])]), headerLength: h.byteLength }))).toMatch(/BYTES element 0 says 9 bytes but only 2 remain/);
    const h2 = header(3);
    expect(code(() => decodeInferRequest({ body: Buffer.concat([h2, Buffer.from([1, 0, 0])]), headerLength: h2.byteLength }))).toMatch(/truncated 4-byte length prefix/);
    const h3 = header(10);
    expect(code(() => decodeInferRequest({ body: Buffer.concat([h3, Buffer.from([1, 0, 0, 0, 65, 1, 0, 0, 0, 66])]), headerLength: h3.byteLength }))).toMatch(/holds 1 element\(s\) but the binary data has more/);
  });
});
