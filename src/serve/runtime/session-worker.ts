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

/**
 * Batches run one at a time, in the order they arrived. The parent may post the next batch while
 * this one computes (the replica loop's prepared slot, at saturation): it waits here, in this
 * thread, and starts the moment the current one's result is posted — no trip through the parent's
 * event loop in between. Running them one after another here, rather than letting every message
 * start its own `session.run`, is also what keeps `computeMs` the batch's own run time: a batch
 * that waited behind another does not count the wait as compute.
 */
type RunRequest = Extract<WorkerRequest, { type: 'run' }>;

const waiting: RunRequest[] = [];
let running = false;

port.on('message', (msg: WorkerRequest) => {
  if (msg.type === 'run') {
    waiting.push(msg);
    if (!running) void runAll();
  } else if (msg.type === 'crash') {
    // Fault injection for tests and chaos drills: die the way a native fault would, mid-batch.
    process.exit(70);
  }
});

async function runAll(): Promise<void> {
  running = true;
  for (let next = waiting.shift(); next !== undefined; next = waiting.shift()) await run(next);
  running = false;
}

async function run({ id, feeds, outputNames }: RunRequest): Promise<void> {
  try {
    const ortFeeds: Record<string, Tensor> = {};
    for (const name in feeds) {
      const t = feeds[name] as HostTensor;
      ortFeeds[name] = new ort.Tensor(t.dtype, t.data, t.dims);
    }
    const t0 = performance.now();
    const results = outputNames === undefined ? await session.run(ortFeeds) : await session.run(ortFeeds, outputNames);
    const computeMs = performance.now() - t0;
    const outputs: Record<string, HostTensor> = {};
    const transfer: ArrayBuffer[] = [];
    for (const name in results) {
      const t = results[name] as Tensor;
      const data = t.data as HostTensor['data'];
      outputs[name] = { dtype: t.type as HostTensor['dtype'], dims: [...t.dims], data };
      // The outputs are this thread's own fresh arrays: hand their buffers over instead of copying.
      if (data.buffer instanceof ArrayBuffer && !transfer.includes(data.buffer)) transfer.push(data.buffer);
    }
    send({ type: 'result', id, outputs, computeMs }, transfer);
  } catch (err) {
    send({ type: 'run-failed', id, message: err instanceof Error ? err.message : String(err) });
  }
}
