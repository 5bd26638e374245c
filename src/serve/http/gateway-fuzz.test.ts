import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { OIP_DATATYPES } from '../oip/datatypes.js';
import { createTestRepository, request, startTestGateway, type TestGateway } from './test-support/harness.js';

let gw: TestGateway;

beforeAll(async () => {
  gw = await startTestGateway(await createTestRepository(), { bodyLimitBytes: 256 * 1024 });
});

afterAll(async () => {
  await gw.close();
});

// `cls-any` is left out on purpose: it accepts any H×W, and some (0×0) make onnxruntime itself
// fail, which is a 500 by design. Served deployments fix item shapes, as `cls` does.
const models = fc.constantFrom('cls', 'mymodel', 'strings', 'scores', 'nope', 'cls/versions/1', 'cls/versions/7');
const names = fc.constantFrom('x', 'input0', 'input1', 's', 'f', 'h', 'i', 'y', '');
const datatype = fc.oneof(fc.constantFrom(...OIP_DATATYPES), fc.constantFrom('BF16', 'FLOAT', ''), fc.jsonValue());
const shape = fc.oneof(fc.constantFrom([1, 3, 48, 192], [2, 2], [3], [1], [0], [2]), fc.array(fc.integer({ min: -2, max: 4 }), { maxLength: 4 }), fc.jsonValue());
const element = fc.oneof(fc.double(), fc.integer(), fc.boolean(), fc.string({ maxLength: 4 }), fc.constant(null));

/** Near-valid tensors: the right keys, with values that are often right and sometimes not. */
const tensor = fc.record(
  {
    name: names,
    shape,
    datatype,
    data: fc.oneof(fc.array(element, { maxLength: 8 }), fc.array(fc.array(element, { maxLength: 3 }), { maxLength: 3 }), fc.jsonValue()),
    parameters: fc.oneof(fc.record({ binary_data_size: fc.oneof(fc.nat(64), fc.jsonValue()) }), fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue(), { maxKeys: 2 })),
  },
  { requiredKeys: [] },
);

const inferBody = fc.record(
  {
    id: fc.oneof(fc.string({ maxLength: 8 }), fc.jsonValue()),
    parameters: fc.oneof(fc.record({ binary_data_output: fc.oneof(fc.boolean(), fc.jsonValue()) }), fc.jsonValue()),
    inputs: fc.oneof(fc.array(tensor, { maxLength: 3 }), fc.jsonValue()),
    outputs: fc.oneof(fc.array(fc.record({ name: fc.oneof(names, fc.constant('softmax_0.tmp_0')), parameters: fc.jsonValue() }, { requiredKeys: ['name'] }), { maxLength: 2 }), fc.jsonValue()),
  },
  { requiredKeys: [] },
);

interface WellFormedInput {
  name: string;
  datatype: string;
  shape: number[];
  json: unknown[];
  bytes: Buffer;
}

function fp32Bytes(values: number[]): Buffer {
  const b = Buffer.alloc(values.length * 4);
  values.forEach((v, k) => b.writeFloatLE(v, k * 4));
  return b;
}

function lengthPrefixed(items: Uint8Array[]): Buffer {
  return Buffer.concat(items.flatMap((it) => [Buffer.from(Uint32Array.of(it.byteLength).buffer), Buffer.from(it)]));
}

/** Inputs that fit the test models exactly, with arbitrary values (NaN, odd UTF-8, big batches). */
/** [model, inputs, output names the model has]. */
type Case = [string, WellFormedInput[], string[]];

const wellFormedInputs: fc.Arbitrary<Case> = fc.oneof(
  fc.array(fc.oneof(fc.string({ maxLength: 5, unit: 'grapheme' }).map((t) => Buffer.from(t)), fc.uint8Array({ maxLength: 5 })), { maxLength: 4 }).map((items): Case => [
    'strings',
    [{ name: 's', datatype: 'BYTES', shape: [items.length], json: items.map((b) => Buffer.from(b).toString('utf8')), bytes: lengthPrefixed(items) }],
    ['s_out'],
  ]),
  fc.tuple(fc.array(fc.double(), { minLength: 1, maxLength: 4 }), fc.option(fc.array(fc.integer({ min: -100, max: 100 }), { maxLength: 3 }))).map(([f, i]): Case => {
    const inputs: WellFormedInput[] = [{ name: 'f', datatype: 'FP32', shape: [f.length], json: f, bytes: fp32Bytes(f) }];
    if (i !== null) inputs.push({ name: 'i', datatype: 'INT64', shape: [i.length], json: i, bytes: Buffer.from(BigInt64Array.from(i, BigInt).buffer) });
    return ['scores', inputs, ['f_out', 'i_out', 'h_out']];
  }),
  fc.tuple(fc.integer({ min: 0, max: 9 }), fc.oneof(fc.double({ min: -1, max: 1 }), fc.constant(NaN))).map(([n, v]): Case => {
    const values = new Array<number>(n * 3 * 48 * 192).fill(v);
    return ['cls', [{ name: 'x', datatype: 'FP32', shape: [n, 3, 48, 192], json: values, bytes: fp32Bytes(values) }], ['softmax_0.tmp_0']];
  }),
);

const wellFormed = fc
  .tuple(wellFormedInputs, fc.array(fc.boolean(), { minLength: 2, maxLength: 2 }), fc.option(fc.boolean()), fc.option(fc.array(fc.option(fc.boolean()), { minLength: 1, maxLength: 3 })))
  .map(([[model, inputs, outputNames], binaryIn, binaryOut, outputFlags]) => {
    const parts: Buffer[] = [];
    const request: Record<string, unknown> = {
      inputs: inputs.map((t, k) => {
        const head = { name: t.name, shape: t.shape, datatype: t.datatype };
        if (!binaryIn[k]) return { ...head, data: t.json };
        parts.push(t.bytes);
        return { ...head, parameters: { binary_data_size: t.bytes.byteLength } };
      }),
    };
    if (binaryOut !== null) request['parameters'] = { binary_data_output: binaryOut };
    if (outputFlags !== null) {
      request['outputs'] = outputFlags
        .map((flag, k) => ({ name: outputNames[k % outputNames.length] as string, flag }))
        .filter((o, k, all) => all.findIndex((p) => p.name === o.name) === k)
        .map((o) => (o.flag === null ? { name: o.name } : { name: o.name, parameters: { binary_data: o.flag } }));
    }
    // Python's json.dumps writes NaN/Infinity as bare tokens; so do we, as Python clients would.
    const json = Buffer.from(JSON.stringify(request, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? `@@${v}@@` : v)).replace(/"@@(NaN|Infinity|-Infinity)@@"/g, '$1'));
    const headers: Record<string, string> = parts.length > 0 ? { 'inference-header-content-length': String(json.byteLength) } : {};
    return { model, body: Buffer.concat([json, ...parts]), headers };
  });

function assertNo5xx(status: number, body: Buffer): void {
  expect(status < 500 || status === 503, `status ${status}: ${body.toString('utf8').slice(0, 200)}`).toBe(true);
  if (status >= 400) expect(JSON.parse(body.toString('utf8'))).toHaveProperty('error');
}

describe('fuzzing the infer endpoint', () => {
  test('random and near-valid JSON bodies: never a 5xx other than 503', async () => {
    await fc.assert(
      fc.asyncProperty(models, fc.oneof(inferBody, fc.jsonValue()), async (model, body) => {
        const r = await request(`${gw.url}/v2/models/${model}/infer`, { body: JSON.stringify(body) ?? '' });
        assertNo5xx(r.status, r.body);
      }),
      { numRuns: 250 },
    );
  });

  test('random binary bodies and header lengths: never a 5xx other than 503', async () => {
    const header = fc.oneof(fc.constant(undefined), fc.nat(300).map(String), fc.constantFrom('0', '-1', 'abc', '1e3', ' 12', '99999999999999999999'));
    const binaryBody = fc.oneof(
      fc.uint8Array({ maxLength: 300 }),
      // A real JSON header followed by random tensor bytes.
      fc.tuple(inferBody, fc.uint8Array({ maxLength: 64 })).map(([json, tail]) => Buffer.concat([Buffer.from(JSON.stringify(json)), tail])),
    );
    const encoding = fc.constantFrom(undefined, undefined, undefined, 'gzip', 'deflate', 'identity', 'br');
    await fc.assert(
      fc.asyncProperty(models, binaryBody, header, encoding, async (model, body, headerLength, enc) => {
        const headers: Record<string, string> = { 'content-type': 'application/octet-stream' };
        if (headerLength !== undefined) headers['inference-header-content-length'] = headerLength;
        if (enc !== undefined) headers['content-encoding'] = enc;
        const r = await request(`${gw.url}/v2/models/${model}/infer`, { body, headers });
        assertNo5xx(r.status, r.body);
      }),
      { numRuns: 250 },
    );
    const live = await request(`${gw.url}/v2/health/live`);
    expect(live.status).toBe(200);
  });

  test('well-formed requests with arbitrary values, encodings and output choices: 200 or a clear 4xx', async () => {
    let ok = 0;
    await fc.assert(
      fc.asyncProperty(wellFormed, async ({ model, body, headers }) => {
        const r = await request(`${gw.url}/v2/models/${model}/infer`, { body, headers });
        assertNo5xx(r.status, r.body);
        if (r.status === 200) ok++;
      }),
      { numRuns: 150 },
    );
    // The generator is meant to reach the model and the encoder, not only the validators.
    expect(ok).toBeGreaterThan(50);
  });
});
