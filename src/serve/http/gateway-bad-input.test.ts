import { connect } from 'node:net';
import { deflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { tritonHttpRequest } from '../oip/test-support/client-requests.js';
import { createTestRepository, request, startTestGateway, type TestGateway } from './test-support/harness.js';
import type { OnnxTestRepository } from './test-support/onnx-test-repository.js';

const ITEM = 3 * 48 * 192;
const LIMIT = 512 * 1024;

let repo: OnnxTestRepository;
let gw: TestGateway;
let secured: TestGateway;

const good = () => tritonHttpRequest({ inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 3, 48, 192], values: new Float32Array(ITEM).fill(0.25) }], outputs: [{ name: 'softmax_0.tmp_0', binary: false }] });

/** After every refusal, a well-formed request must still be served. */
async function stillServes(g: TestGateway = gw, headers: Record<string, string> = {}): Promise<void> {
  const req = good();
  const r = await request(`${g.url}/v2/models/cls/infer`, { body: req.body, headers: { ...req.headers, ...headers } });
  expect(r.status).toBe(200);
}

function jsonInfer(inputs: unknown[], extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ inputs, ...extra });
}

const x = (over: Record<string, unknown> = {}) => ({ name: 'x', shape: [1, 3, 48, 192], datatype: 'FP32', data: new Array(ITEM).fill(0), ...over });

/** Sends raw bytes over a socket and returns whatever the server answers before closing. */
function raw(port: number, bytes: string | Buffer, endAfterMs = 200): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1');
    let got = '';
    s.on('data', (d) => (got += d.toString('latin1')));
    s.on('error', reject);
    s.on('close', () => resolve(got));
    s.write(bytes);
    setTimeout(() => s.end(), endAfterMs);
  });
}

beforeAll(async () => {
  repo = await createTestRepository();
  gw = await startTestGateway(repo, { bodyLimitBytes: LIMIT });
  secured = await startTestGateway(repo, { bodyLimitBytes: LIMIT, authToken: 's3cret-token' });
});

afterAll(async () => {
  await gw.close();
  await secured.close();
});

describe('bad requests get a 4xx with a clear {"error"} and the server keeps serving', () => {
  const cases: [string, string, () => { body?: string | Buffer; headers?: Record<string, string>; method?: string }, number, RegExp][] = [
    ['unknown model', '/v2/models/nope/infer', () => ({ body: jsonInfer([x()]) }), 404, /^model 'nope' is not served here$/],
    ['unknown version', '/v2/models/cls/versions/9/infer', () => ({ body: jsonInfer([x()]) }), 404, /^model 'cls' has no version '9'$/],
    ['unknown version (metadata)', '/v2/models/cls/versions/9', () => ({}), 404, /no version '9'/],
    ['unknown model (ready)', '/v2/models/nope/ready', () => ({}), 404, /'nope' is not served/],
    ['wrong tensor name', '/v2/models/cls/infer', () => ({ body: jsonInfer([x({ name: 'image' })]) }), 400, /model 'cls' has no input 'image'; its inputs are 'x'/],
    ['wrong shape', '/v2/models/cls/infer', () => ({ body: jsonInfer([x({ shape: [1, 3, 32, 100], data: new Array(9600).fill(0) })]) }), 400, /takes shape \[-1,3,48,192\] \(-1 = any\), not \[1,3,32,100\]/],
    ['wrong datatype', '/v2/models/cls/infer', () => ({ body: jsonInfer([x({ datatype: 'INT32' })]) }), 400, /input 'x' of model 'cls' is FP32, not INT32/],
    ['data length not matching the shape', '/v2/models/cls/infer', () => ({ body: jsonInfer([x({ data: [1, 2, 3] })]) }), 400, /shape \[1,3,48,192\] holds 27648 element\(s\) but 'data' has 3/],
    ['NaN where not allowed', '/v2/models/cls/infer', () => ({ body: jsonInfer([x()]).replace('"data":[0,', '"data":[NaN,') }), 400, /element 0 is NaN; this input does not accept NaN or Infinity/],
    ['malformed JSON', '/v2/models/cls/infer', () => ({ body: '{"inputs": [{"name": "x",' }), 400, /^the request body is not valid JSON: unexpected end of JSON at offset 25$/],
    ['empty body', '/v2/models/cls/infer', () => ({ body: '' }), 400, /not valid JSON/],
    ['a batch larger than the model takes', '/v2/models/cls/infer', () => ({ body: jsonInfer([x({ shape: [9, 3, 48, 192], data: new Array(9 * ITEM).fill(0) })]) }), 400, /a request may carry 1 to 8 items/],
    [
      'truncated binary body',
      '/v2/models/cls/infer',
      () => {
        const req = good();
        return { body: req.body.subarray(0, req.body.byteLength - 100), headers: req.headers };
      },
      400,
      /declare 110592 bytes of binary data but the body has 110492 .*\(truncated body\?\)/,
    ],
    [
      'header length larger than the body',
      '/v2/models/cls/infer',
      () => {
        const req = good();
        return { body: req.body.subarray(0, 50), headers: req.headers };
      },
      400,
      /Inference-Header-Content-Length is \d+ but the body has only 50 bytes/,
    ],
    ['body over the limit', '/v2/models/cls/infer', () => ({ body: Buffer.alloc(LIMIT + 1, 0x20) }), 413, /^the request body \(524289 bytes\) is over the 524288-byte limit$/],
    ['gzip body that inflates past the limit', '/v2/models/cls/infer', () => ({ body: deflateSync(Buffer.alloc(LIMIT * 4, 0x20)), headers: { 'content-encoding': 'deflate' } }), 413, /inflates past the 524288-byte limit/],
    ['an unknown content encoding', '/v2/models/cls/infer', () => ({ body: '{}', headers: { 'content-encoding': 'br' } }), 415, /Content-Encoding 'br' is not supported/],
    ['a body that is not gzip', '/v2/models/cls/infer', () => ({ body: '{}', headers: { 'content-encoding': 'gzip' } }), 400, /not valid gzip data/],
    ['unknown route', '/v2/repository/index', () => ({ body: '{}' }), 404, /^no endpoint POST \/v2\/repository\/index; the OIP endpoints are under \/v2$/],
    ['wrong method', '/v2/models/cls/infer', () => ({ method: 'GET' }), 405, /^GET is not allowed here; use POST$/],
    ['bad percent-encoding', '/v2/models/%E0%A4%A/ready', () => ({}), 400, /not valid percent-encoding/],
  ];

  test.each(cases)('%s', async (_what, path, make, status, message) => {
    const init = make();
    const r = await request(`${gw.url}${path}`, init);
    expect(r.status).toBe(status);
    expect(r.headers.get('content-type')).toBe('application/json');
    const body = r.json<{ error: string }>();
    expect(Object.keys(body)).toEqual(['error']);
    expect(body.error).toMatch(message);
    await stillServes();
  });

  test('405 names the allowed method', async () => {
    const r = await request(`${gw.url}/v2/health/live`, { method: 'POST', body: '{}' });
    expect([r.status, r.headers.get('allow')]).toEqual([405, 'GET, HEAD']);
  });

  test('a chunked body over the limit is cut off with 413 and the connection closed', async () => {
    const res = await raw(gw.port, `POST /v2/models/cls/infer HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n${(LIMIT + 10).toString(16)}\r\n${' '.repeat(LIMIT + 10)}\r\n0\r\n\r\n`);
    expect(res).toMatch(/^HTTP\/1\.1 413 /);
    expect(res).toMatch(/connection: close/i);
    expect(res).toContain('{"error":"the request body is over the 524288-byte limit"}');
    await stillServes();
  });

  test('a body shorter than its Content-Length, then a half-close: 400 truncated, and others are served', async () => {
    const res = await raw(gw.port, 'POST /v2/models/cls/infer HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{"inputs":', 50);
    expect(res).toMatch(/^HTTP\/1\.1 400 Bad Request/);
    expect(res).toContain('{"error":"bad HTTP request: the connection ended before the body was complete (truncated body?)"}');
    await stillServes();
  });

  test('a client that resets mid-body gets nothing, and others are served', async () => {
    await new Promise<void>((resolve) => {
      const s = connect(gw.port, '127.0.0.1', () => {
        s.write('POST /v2/models/cls/infer HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n{"inputs":[');
        setTimeout(() => {
          s.resetAndDestroy();
          resolve();
        }, 30);
      });
    });
    await stillServes();
  });

  test('garbage that is not HTTP gets 400 from the parser, and the server keeps serving', async () => {
    const res = await raw(gw.port, 'HELLO\r\n\r\n');
    expect(res).toMatch(/^HTTP\/1\.1 400 Bad Request/);
    expect(res).toContain('{"error":"bad HTTP request:');
    await stillServes();
  });
});

describe('bearer token', () => {
  test('a missing or wrong token is 401 with WWW-Authenticate; the right one is served', async () => {
    const req = good();
    const none = await request(`${secured.url}/v2/models/cls/infer`, { body: req.body, headers: req.headers });
    expect([none.status, none.headers.get('www-authenticate'), none.json()]).toEqual([401, 'Bearer', { error: 'a valid bearer token is required (Authorization: Bearer <token>)' }]);
    const wrong = await request(`${secured.url}/v2/models/cls/infer`, { body: req.body, headers: { ...req.headers, authorization: 'Bearer s3cret-tokeN' } });
    expect(wrong.status).toBe(401);
    const basic = await request(`${secured.url}/v2`, { headers: { authorization: 'Basic czNjcmV0LXRva2Vu' } });
    expect(basic.status).toBe(401);
    // Model metadata is protected too: model names are not leaked to anonymous callers.
    expect((await request(`${secured.url}/v2/models/cls`)).status).toBe(401);
    expect((await request(`${secured.url}/v2/models/nope`)).status).toBe(401);
    await stillServes(secured, { authorization: 'Bearer s3cret-token' });
  });

  test('health probes need no token (Kubernetes probes carry none)', async () => {
    expect((await request(`${secured.url}/v2/health/live`)).status).toBe(200);
    expect((await request(`${secured.url}/v2/health/ready`)).status).toBe(200);
  });
});
