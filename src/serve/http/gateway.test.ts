import { gzipSync } from 'node:zlib';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { TesseraError } from '../../core/index.js';
import type { InferenceRequest, InferenceResult, InferOptions, ModelRepository } from '../oip/repository.js';
import { parseOipResponse, pyDumps, PyFloats, readFloat32, tritonHttpRequest } from '../oip/test-support/client-requests.js';
import type { GatewayRequestEvent } from './hooks.js';
import { CLASSIFIER_PATH, createTestRepository, request, startTestGateway, type TestGateway } from './test-support/harness.js';
import type { OnnxTestRepository } from './test-support/onnx-test-repository.js';

const OUT = 'softmax_0.tmp_0';
const ITEM = 3 * 48 * 192;

let repo: OnnxTestRepository;
let gw: TestGateway;
let reference: ort.InferenceSession;
const events: GatewayRequestEvent[] = [];

function images(n: number, seed: number): Float32Array {
  const x = new Float32Array(n * ITEM);
  let s = seed;
  for (let k = 0; k < x.length; k++) {
    s = (s * 1103515245 + 12345) >>> 0;
    x[k] = (s / 2 ** 32) * 2 - 1;
  }
  return x;
}

/** What onnxruntime says for the same input, in-process: the gateway must return exactly this. */
async function expected(x: Float32Array, n: number): Promise<number[]> {
  const out = await reference.run({ x: new ort.Tensor('float32', x, [n, 3, 48, 192]) });
  return Array.from(out[OUT]!.data as Float32Array);
}

beforeAll(async () => {
  repo = await createTestRepository();
  reference = await ort.InferenceSession.create(CLASSIFIER_PATH, { intraOpNumThreads: 1 });
  gw = await startTestGateway(repo, { observer: { onRequest: (e) => events.push(e) }, metrics: { contentType: 'text/plain; version=0.0.4', metricsText: async () => 'tessera_test_metric 1\n' } });
});

afterAll(async () => {
  await gw.close();
  await reference.release();
});

describe('health, server and model metadata', () => {
  test('live and ready answer 200 with a JSON body', async () => {
    const live = await request(`${gw.url}/v2/health/live`);
    expect([live.status, live.json()]).toEqual([200, { live: true }]);
    expect(live.headers.get('connection')).toBe('keep-alive');
    const ready = await request(`${gw.url}/v2/health/ready`);
    expect([ready.status, ready.json()]).toEqual([200, { ready: true }]);
    const head = await request(`${gw.url}/v2/health/live`, { method: 'HEAD' });
    expect([head.status, head.body.byteLength]).toEqual([200, 0]);
  });

  test('GET /v2 and /v2/ report the server and the binary tensor extension', async () => {
    for (const path of ['/v2', '/v2/']) {
      const r = await request(`${gw.url}${path}`);
      expect(r.status).toBe(200);
      expect(r.json()).toEqual({ name: 'tessera', version: expect.stringMatching(/^\d+\.\d+\.\d+/), extensions: ['binary_tensor_data'] });
    }
  });

  test('model metadata uses -1 for dynamic dims and onnxruntime_onnx as the platform', async () => {
    const r = await request(`${gw.url}/v2/models/cls-any`);
    expect(r.json()).toEqual({
      name: 'cls-any',
      versions: ['1', '2'],
      platform: 'onnxruntime_onnx',
      inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 3, -1, -1] }],
      outputs: [{ name: OUT, datatype: 'FP32', shape: [-1, 2] }],
    });
    const planned = await request(`${gw.url}/v2/models/cls/versions/1`);
    expect(planned.json<{ inputs: unknown }>().inputs).toEqual([{ name: 'x', datatype: 'FP32', shape: [-1, 3, 48, 192] }]);
  });

  test('model readiness, with and without a version', async () => {
    expect((await request(`${gw.url}/v2/models/cls/ready`)).json()).toEqual({ name: 'cls', ready: true });
    const v = await request(`${gw.url}/v2/models/cls-any/versions/2/ready`);
    expect([v.status, v.json()]).toEqual([200, { name: 'cls-any', ready: true }]);
  });

  test('a model that is warming up is not ready, and infer answers 503 with Retry-After', async () => {
    repo.setReady('cls', false);
    try {
      const ready = await request(`${gw.url}/v2/models/cls/ready`);
      expect([ready.status, ready.json()]).toEqual([503, { name: 'cls', ready: false }]);
      expect((await request(`${gw.url}/v2/health/ready`)).status).toBe(503);
      const req = tritonHttpRequest({ inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 3, 48, 192], values: images(1, 1) }] });
      const r = await request(`${gw.url}/v2/models/cls/infer`, { body: req.body, headers: req.headers });
      expect(r.status).toBe(503);
      expect(r.headers.get('retry-after')).toBe('1');
      expect(r.json()).toEqual({ error: "model 'cls' is loading or warming up and not ready yet" });
    } finally {
      repo.setReady('cls', true);
    }
    expect((await request(`${gw.url}/v2/health/ready`)).status).toBe(200);
  });
});

describe('inference with requests shaped as real clients send them', () => {
  test('tritonclient.http default: binary input, binary output requested by name', async () => {
    const x = images(2, 7);
    const req = tritonHttpRequest({ inputs: [{ name: 'x', datatype: 'FP32', shape: [2, 3, 48, 192], values: x }], outputs: [{ name: OUT }], requestId: 'req-7' });
    expect(Object.keys(req.headers)).toEqual(['Inference-Header-Content-Length']);
    const r = await request(`${gw.url}/v2/models/cls/infer`, { body: req.body, headers: req.headers });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/octet-stream');
    const parsed = parseOipResponse(r.body, r.headers.get('inference-header-content-length'));
    expect(parsed.json).toEqual({ model_name: 'cls', model_version: '1', id: 'req-7', outputs: [{ name: OUT, datatype: 'FP32', shape: [2, 2], parameters: { binary_data_size: 16 } }] });
    expect(readFloat32(parsed.binary[OUT]!)).toEqual(await expected(x, 2));
  });

  test('tritonclient.http with binary_data=False and no outputs: JSON in, binary_data_output, binary out', async () => {
    const x = images(1, 11);
    const req = tritonHttpRequest({ inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 3, 48, 192], values: x, binary: false }] });
    expect(req.body.toString()).toMatch(/"parameters":\{"binary_data_output":true\}\}$/);
    const r = await request(`${gw.url}/v2/models/cls/infer`, { body: req.body, headers: req.headers });
    expect(r.status).toBe(200);
    const parsed = parseOipResponse(r.body, r.headers.get('inference-header-content-length'));
    expect(parsed.json.outputs[0]!.parameters).toEqual({ binary_data_size: 8 });
    // JSON carries the float32 values as Python floats (doubles); the model sees the same float32s.
    expect(readFloat32(parsed.binary[OUT]!)).toEqual(await expected(x, 1));
  });

  test('tritonclient.http asking for a JSON output gets JSON data back, with the id and version', async () => {
    const x = images(1, 3);
    const req = tritonHttpRequest({ inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 3, 48, 192], values: x }], outputs: [{ name: OUT, binary: false }], requestId: '42' });
    const r = await request(`${gw.url}/v2/models/cls/versions/1/infer`, { body: req.body, headers: req.headers });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/json');
    expect(r.headers.get('inference-header-content-length')).toBeNull();
    const body = r.json<{ outputs: { data: number[] }[] }>();
    expect(body).toMatchObject({ model_name: 'cls', model_version: '1', id: '42', outputs: [{ name: OUT, datatype: 'FP32', shape: [1, 2] }] });
    expect(body.outputs[0]!.data).toEqual(await expected(x, 1));
  });

  test('a KServe v2 JSON request with nested data and Content-Type: application/json', async () => {
    const x = images(1, 5);
    const nested = Array.from({ length: 3 }, (_, c) => Array.from({ length: 48 }, (_, h) => new PyFloats(x.subarray(c * 48 * 192 + h * 192, c * 48 * 192 + (h + 1) * 192))));
    const text = pyDumps({ id: 'k-1', inputs: [{ name: 'x', shape: [1, 3, 48, 192], datatype: 'FP32', data: [nested] }] });
    const r = await request(`${gw.url}/v2/models/cls/infer`, { body: text, headers: { 'content-type': 'application/json' } });
    expect(r.status).toBe(200);
    const body = r.json<{ id: string; outputs: { data: number[] }[] }>();
    expect(body.id).toBe('k-1');
    expect(body.outputs[0]!.data).toEqual(await expected(x, 1));
  });

  test('curl -d (form content type) and a gzip-compressed body are read the same way', async () => {
    const x = images(1, 9);
    const json = JSON.stringify({ inputs: [{ name: 'x', shape: [1, 3, 48, 192], datatype: 'FP32', data: Array.from(x) }] });
    const form = await request(`${gw.url}/v2/models/cls/infer`, { body: json, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(form.status).toBe(200);
    // tritonclient.http with request_compression_algorithm='gzip' compresses header and tensors together.
    const req = tritonHttpRequest({ inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 3, 48, 192], values: x }], outputs: [{ name: OUT, binary: false }] });
    const gz = await request(`${gw.url}/v2/models/cls/infer`, { body: gzipSync(req.body), headers: { ...req.headers, 'Content-Encoding': 'gzip' } });
    expect(gz.status).toBe(200);
    expect(gz.json()).toEqual(form.json());
  });

  test("the binary extension example from Triton's docs, byte by byte, through an echo model", async () => {
    const header = Buffer.from(
      '{"model_name":"mymodel","inputs":[{"name":"input0","shape":[2,2],"datatype":"UINT32","parameters":{"binary_data_size":16}},' +
        '{"name":"input1","shape":[3],"datatype":"BOOL","parameters":{"binary_data_size":3}}],"outputs":[{"name":"input0_out","parameters":{"binary_data":true}}]}',
    );
    const tensors = Buffer.from([1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0, 1, 0, 1]);
    expect(tensors.byteLength).toBe(19);
    const r = await request(`${gw.url}/v2/models/mymodel/infer`, {
      body: Buffer.concat([header, tensors]),
      headers: { 'Content-Type': 'application/octet-stream', 'Inference-Header-Content-Length': String(header.byteLength) },
    });
    expect(r.status).toBe(200);
    const parsed = parseOipResponse(r.body, r.headers.get('inference-header-content-length'));
    expect(parsed.json.outputs).toEqual([{ name: 'input0_out', datatype: 'UINT32', shape: [2, 2], parameters: { binary_data_size: 16 } }]);
    expect([...parsed.binary['input0_out']!]).toEqual([...tensors.subarray(0, 16)]);
  });

  test('a raw binary request (Inference-Header-Content-Length: 0) as Triton\'s own HTTP test sends it', async () => {
    const x = images(1, 13);
    const r = await request(`${gw.url}/v2/models/cls/infer`, { body: Buffer.from(x.buffer), headers: { 'Inference-Header-Content-Length': '0' } });
    expect(r.status).toBe(200);
    const headerSize = Number(r.headers.get('inference-header-content-length'));
    expect(JSON.parse(r.body.subarray(0, headerSize).toString()).outputs).toEqual([{ name: OUT, datatype: 'FP32', shape: [1, 2], parameters: { binary_data_size: 8 } }]);
    expect(readFloat32(r.body.subarray(headerSize))).toEqual(await expected(x, 1));
  });

  test('BYTES tensors as JSON strings and as length-prefixed binary', async () => {
    const words = ['hello', '', 'wörld 🌍'];
    const asJson = await request(`${gw.url}/v2/models/strings/infer`, { body: JSON.stringify({ inputs: [{ name: 's', shape: [3], datatype: 'BYTES', data: words }] }) });
    expect(asJson.json<{ outputs: unknown[] }>().outputs).toEqual([{ name: 's_out', datatype: 'BYTES', shape: [3], data: words }]);
    const req = tritonHttpRequest({ inputs: [{ name: 's', datatype: 'BYTES', shape: [3], values: words }], outputs: [{ name: 's_out' }] });
    const asBinary = await request(`${gw.url}/v2/models/strings/infer`, { body: req.body, headers: req.headers });
    const parsed = parseOipResponse(asBinary.body, asBinary.headers.get('inference-header-content-length'));
    // The same bytes come back: 4-byte little-endian length, then the UTF-8 bytes, per element.
    expect(parsed.binary['s_out']).toEqual(req.body.subarray(Number(req.headers['Inference-Header-Content-Length'])));
  });

  test('NaN and Infinity reach a model input that allows them, and come back as Triton writes them', async () => {
    const text = '{"inputs": [{"name": "f", "shape": [3], "datatype": "FP32", "data": [NaN, Infinity, -1.5]}], "outputs": [{"name": "f_out"}]}';
    const r = await request(`${gw.url}/v2/models/scores/infer`, { body: text });
    expect(r.status).toBe(200);
    expect(r.body.toString()).toContain('"data":[NaN,Infinity,-1.5]');
  });

  test('FP16 and INT64 round-trip through JSON and binary', async () => {
    const json = await request(`${gw.url}/v2/models/scores/infer`, {
      body: JSON.stringify({ inputs: [{ name: 'f', shape: [1], datatype: 'FP32', data: [0] }, { name: 'h', shape: [2], datatype: 'FP16', data: [0.5, -3] }, { name: 'i', shape: [1], datatype: 'INT64', data: [-7] }], outputs: [{ name: 'h_out' }, { name: 'i_out' }] }),
    });
    expect(json.json<{ outputs: unknown[] }>().outputs).toEqual([
      { name: 'h_out', datatype: 'FP16', shape: [2], data: [0.5, -3] },
      { name: 'i_out', datatype: 'INT64', shape: [1], data: [-7] },
    ]);
  });

  test('parameters, the timeout (µs) and the arrival time reach the repository', async () => {
    const before = repo.calls.length;
    const req = tritonHttpRequest({ inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 3, 48, 192], values: images(1, 2) }], timeoutUs: 250_000 });
    await request(`${gw.url}/v2/models/cls/infer`, { body: req.body, headers: req.headers });
    const call = repo.calls[before]!;
    expect(call.model).toBe('cls');
    expect(call.version).toBeUndefined();
    expect(call.options.timeoutMs).toBe(250);
    expect(call.options.receivedAtMs).toBeGreaterThan(0);
    expect(call.request.parameters).toEqual({ timeout: 250_000 });
    expect(call.request.outputNames).toBeUndefined();
    expect(Object.keys(call.request.inputs)).toEqual(['x']);
  });
});

describe('hooks for the runtime', () => {
  test('the observer sees one event per answered request, with bounded labels', async () => {
    events.length = 0;
    await request(`${gw.url}/v2/models/nope/infer`, { body: '{}' });
    const req = tritonHttpRequest({ inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 3, 48, 192], values: images(1, 4) }] });
    await request(`${gw.url}/v2/models/cls/infer`, { body: req.body, headers: req.headers });
    expect(events).toHaveLength(2);
    expect(events[0]).toMatchObject({ route: 'infer', status: 404, code: 'TESSERA_ERR_SERVE_MODEL_NOT_FOUND' });
    expect(events[0]!.model).toBeUndefined();
    expect(events[1]).toMatchObject({ route: 'infer', model: 'cls', status: 200, binary: true, requestBytes: req.body.byteLength });
    expect(events[1]!.inferMs).toBeGreaterThanOrEqual(0);
    expect(events[1]!.durationMs).toBeGreaterThanOrEqual(events[1]!.inferMs!);
  });

  test('GET /metrics serves the plugged-in registry', async () => {
    const r = await request(`${gw.url}/metrics`);
    expect([r.status, r.body.toString(), r.headers.get('content-type')]).toEqual([200, 'tessera_test_metric 1\n', 'text/plain; version=0.0.4']);
  });

  test('an admission hook refuses before the body is read: 429 with Retry-After', async () => {
    const shedding = await startTestGateway(repo, {
      admission: ({ model }) => (model === 'cls' ? new TesseraError('TESSERA_ERR_RUNTIME_QUEUE_FULL', "'cls' queue is full", { details: { retryAfterS: 2.2 } }) : undefined),
    });
    try {
      const req = tritonHttpRequest({ inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 3, 48, 192], values: images(1, 4) }] });
      const r = await request(`${shedding.url}/v2/models/cls/infer`, { body: req.body, headers: req.headers });
      expect([r.status, r.headers.get('retry-after'), r.json()]).toEqual([429, '3', { error: "'cls' queue is full" }]);
      // The 110 KB body was refused unread: the connection is closed rather than drained.
      expect(r.headers.get('connection')).toBe('close');
      // Same connection pool, next request still served.
      const ok = await request(`${shedding.url}/v2/models/strings/infer`, { body: JSON.stringify({ inputs: [{ name: 's', shape: [1], datatype: 'BYTES', data: ['a'] }] }) });
      expect(ok.status).toBe(200);
    } finally {
      await shedding.close();
    }
  });

  test("the runtime's own refusals map to their status, and a client that leaves aborts the infer", async () => {
    let seen: AbortSignal | undefined;
    const slow: ModelRepository = {
      listModels: () => repo.listModels(),
      modelMetadata: (n, v) => repo.modelMetadata(n, v),
      isModelReady: () => true,
      isServerReady: () => true,
      infer(name: string, version: string | undefined, req: InferenceRequest, options: InferOptions): Promise<InferenceResult> {
        if (name === 'mymodel') return Promise.reject(new TesseraError('TESSERA_ERR_RUNTIME_DEADLINE', 'cannot meet the deadline', { details: { retryAfterS: 1 } }));
        if (name === 'cls-any') return Promise.reject(new Error('boom'));
        seen = options.signal;
        return new Promise((_resolve, reject) => options.signal.addEventListener('abort', () => reject(new TesseraError('TESSERA_ERR_RUNTIME_CLOSED', 'aborted'))));
      },
    };
    const g = await startTestGateway(repo, { repository: slow });
    try {
      const refused = await request(`${g.url}/v2/models/mymodel/infer`, { body: JSON.stringify({ inputs: [{ name: 'input0', shape: [2, 2], datatype: 'UINT32', data: [1, 2, 3, 4] }, { name: 'input1', shape: [3], datatype: 'BOOL', data: [true, false, true] }] }) });
      expect([refused.status, refused.headers.get('retry-after'), refused.json()]).toEqual([503, '1', { error: 'cannot meet the deadline' }]);
      const x = JSON.stringify({ inputs: [{ name: 'x', shape: [1, 3, 2, 2], datatype: 'FP32', data: new Array(12).fill(0) }] });
      const crashed = await request(`${g.url}/v2/models/cls-any/infer`, { body: x });
      expect([crashed.status, crashed.json()]).toEqual([500, { error: 'internal error: boom' }]);
      const ac = new AbortController();
      const pending = fetch(`${g.url}/v2/models/strings/infer`, { method: 'POST', body: JSON.stringify({ inputs: [{ name: 's', shape: [1], datatype: 'BYTES', data: ['a'] }] }), signal: ac.signal });
      while (seen === undefined) await new Promise((r) => setTimeout(r, 5));
      ac.abort();
      await expect(pending).rejects.toThrow();
      while (!seen.aborted) await new Promise((r) => setTimeout(r, 5));
      expect(seen.aborted).toBe(true);
      expect((await request(`${g.url}/v2/health/live`)).status).toBe(200);
    } finally {
      await g.close();
    }
  });

  test('close() answers the requests in flight, then stops taking connections', async () => {
    let release: (() => void) | undefined;
    const held: ModelRepository = {
      listModels: () => repo.listModels(),
      modelMetadata: (n, v) => repo.modelMetadata(n, v),
      isModelReady: () => true,
      isServerReady: () => true,
      infer: (name, version, req, options) => new Promise<void>((r) => (release = r)).then(() => repo.infer(name, version, req, options)),
    };
    const g = await startTestGateway(repo, { repository: held });
    const inFlight = request(`${g.url}/v2/models/strings/infer`, { body: JSON.stringify({ inputs: [{ name: 's', shape: [1], datatype: 'BYTES', data: ['still here'] }] }) });
    while (release === undefined) await new Promise((r) => setTimeout(r, 5));
    const closed = g.close();
    release();
    const r = await inFlight;
    expect([r.status, r.headers.get('connection')]).toEqual([200, 'close']);
    expect(r.json<{ outputs: { data: string[] }[] }>().outputs[0]!.data).toEqual(['still here']);
    await closed;
    await expect(fetch(`${g.url}/v2/health/live`)).rejects.toThrow();
  });
});
