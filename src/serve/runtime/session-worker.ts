/**
 * Worker-thread entry: owns one onnxruntime InferenceSession. Runs in its own thread so a batch
 * never blocks the gateway's event loop, and so a replica's intra-op thread budget is its own.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { InferenceSession, Tensor } from 'onnxruntime-node';
import type { HostTensor } from './host-tensor.js';
import type { TensorMetadata, WorkerInit, WorkerRequest, WorkerResponse } from './worker-protocol.js';

if (!parentPort) throw new Error('session-worker must run in a worker thread');
const port = parentPort;
const init = workerData as WorkerInit;

function send(msg: WorkerResponse, transfer: ArrayBuffer[] = []): void {
  port.postMessage(msg, transfer);
}

const frameworkStart = performance.now();
const ort = await import('onnxruntime-node');
// Framework level: the runtime and its environment initialised before any model is loaded.
ort.env.logLevel = 'error';
const frameworkInitMs = performance.now() - frameworkStart;

let session: InferenceSession;
try {
  const t0 = performance.now();
  session = await ort.InferenceSession.create(init.modelPath, {
    intraOpNumThreads: init.intraOpNumThreads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  const sessionCreateMs = performance.now() - t0;
  send({
    type: 'loaded',
    frameworkInitMs,
    sessionCreateMs,
    inputNames: [...session.inputNames],
    outputNames: [...session.outputNames],
    inputMetadata: session.inputMetadata.map(plainMetadata),
    outputMetadata: session.outputMetadata.map(plainMetadata),
  });
} catch (err) {
  send({ type: 'load-failed', message: err instanceof Error ? err.message : String(err) });
  process.exit(1);
}

function plainMetadata(m: InferenceSession.ValueMetadata): TensorMetadata {
  return m.isTensor ? { name: m.name, isTensor: true, type: m.type, shape: [...m.shape] } : { name: m.name, isTensor: false };
}

port.on('message', (msg: WorkerRequest) => {
  if (msg.type === 'run') void run(msg.id, msg.feeds, msg.outputNames);
  else if (msg.type === 'crash') {
    // Fault injection for tests and chaos drills: die the way a native fault would, mid-batch.
    process.exit(70);
  }
});

async function run(id: number, feeds: Record<string, HostTensor>, outputNames: string[] | undefined): Promise<void> {
  try {
    const ortFeeds: Record<string, Tensor> = {};
    for (const [name, t] of Object.entries(feeds)) ortFeeds[name] = new ort.Tensor(t.dtype, t.data, t.dims);
    const t0 = performance.now();
    const results = outputNames === undefined ? await session.run(ortFeeds) : await session.run(ortFeeds, outputNames);
    const computeMs = performance.now() - t0;
    const outputs: Record<string, HostTensor> = {};
    const transfer: ArrayBuffer[] = [];
    for (const [name, t] of Object.entries(results)) {
      const data = t.data as HostTensor['data'];
      outputs[name] = { dtype: t.type as HostTensor['dtype'], dims: [...t.dims], data };
      if (data.buffer instanceof ArrayBuffer && !transfer.includes(data.buffer)) transfer.push(data.buffer);
    }
    send({ type: 'result', id, outputs, computeMs }, transfer);
  } catch (err) {
    send({ type: 'run-failed', id, message: err instanceof Error ? err.message : String(err) });
  }
}
