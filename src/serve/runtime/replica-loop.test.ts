import { afterEach, describe, expect, test } from 'vitest';
import { TesseraError, VirtualClock } from '../../core/index.js';
import { createBatchPolicy, type BatchPolicy, type BatchSnapshot } from '../../policy/index.js';
import { copyTensor } from './batch-tensors.js';
import type { HostTensor } from './host-tensor.js';
import type { ModelIo } from './model-io.js';
import { ModelQueue } from './model-queue.js';
import { ReplicaLoop, type InferOutputs } from './replica-loop.js';
import type { RunResult } from './session-worker-handle.js';
import type { BatchRunner, BatchSource } from './worker-pool.js';

/** A worker pool whose batches finish when the test says so; outputs echo the inputs (`y` = `x`). */
class ManualPool implements BatchRunner {
  readonly maxBatchesPerWorker = 2;
  readonly calls: Array<{ feeds: Record<string, HostTensor>; builds: number; finish: () => void; fail: (err: unknown) => void }> = [];

  constructor(public size = 1) {}

  run(source: BatchSource): Promise<RunResult> {
    const build = typeof source === 'function' ? source : () => ({ ...source });
    const feeds = build();
    return new Promise((resolve, reject) => {
      this.calls.push({ feeds, builds: 1, finish: () => resolve({ outputs: { y: copyTensor(feeds['x'] as HostTensor) }, computeMs: 1 }), fail: reject });
    });
  }

  /** Batch sizes (items) of every run so far, in dispatch order. */
  get batchItems(): number[] {
    return this.calls.map((c) => (c.feeds['x'] as HostTensor).dims[0] as number);
  }
}

const IO: ModelIo = { inputs: [{ name: 'x', batchAxis: 0 }] };
const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

interface Harness {
  loop: ReplicaLoop;
  pool: ManualPool;
  queue: ModelQueue<InferOutputs>;
  snapshots: BatchSnapshot[];
  /** Queues one 1-item request whose row is [v, v + 0.5]; resolves with its output row. */
  submit(v: number): Promise<number[]>;
}

const loops: ReplicaLoop[] = [];
afterEach(() => {
  for (const l of loops.splice(0)) l.stop();
});

function harness(policy: BatchPolicy, instances = 1): Harness {
  const clock = new VirtualClock(1000);
  const queue = new ModelQueue<InferOutputs>(1000);
  const pool = new ManualPool(instances);
  const snapshots: BatchSnapshot[] = [];
  // Records what the loop shows the policy, and otherwise is the policy.
  const spy: BatchPolicy = {
    name: policy.name,
    config: policy.config,
    maxQueueDelayBoundMs: policy.maxQueueDelayBoundMs,
    initialState: () => policy.initialState(),
    decide: (state, snapshot) => {
      snapshots.push({ ...snapshot, head: [...snapshot.head] });
      return policy.decide(state, snapshot);
    },
    observe: (state, feedback) => policy.observe(state, feedback),
  };
  const loop = new ReplicaLoop({ service: 'm', queue, pool, policy: spy, io: IO, clock });
  loops.push(loop);
  const submit = (v: number): Promise<number[]> =>
    new Promise<InferOutputs>((resolve, reject) => {
      const now = clock.nowMs();
      queue.offer({
        feeds: { x: { dtype: 'float32', dims: [1, 2], data: Float32Array.from([v, v + 0.5]) } },
        items: 1,
        shapeKey: 'k',
        arrivalMs: now,
        deadlineMs: now + 100,
        expiresAtMs: now + 60_000,
        resolve,
        reject,
      });
      loop.pump();
    }).then((out) => Array.from((out['y'] as HostTensor).data as Float32Array));
  return { loop, pool, queue, snapshots, submit };
}

// A long queue delay: a batch is dispatched when it is full, never by the timer, so every step is the test's.
const triton = (maxBatchSize: number): BatchPolicy => createBatchPolicy({ policy: 'triton', maxBatchSize, maxQueueDelayMs: 60_000 });

describe('ReplicaLoop prepared batches', () => {
  test('a second batch goes to the busy instance only once a full batch is queued, and at most one', async () => {
    const h = harness(triton(4));
    const results = Array.from({ length: 4 }, (_, i) => h.submit(i));
    expect(h.pool.batchItems).toEqual([4]);
    expect(h.loop.inflightBatches).toBe(1);

    // Below a full batch the busy instance gets nothing more: the requests wait, as before.
    for (let i = 4; i < 7; i++) results.push(h.submit(i));
    expect(h.pool.batchItems).toEqual([4]);
    expect(h.queue.length).toBe(3);

    // The fourth makes a full batch: it is posted behind the running one (once every replica of
    // the service has had its look, a microtask later).
    results.push(h.submit(7));
    await settle();
    expect(h.pool.batchItems).toEqual([4, 4]);
    expect(h.queue.length).toBe(0);

    // One prepared batch per instance: another full batch waits in the queue.
    for (let i = 8; i < 12; i++) results.push(h.submit(i));
    await settle();
    expect(h.pool.batchItems).toEqual([4, 4]);
    expect(h.loop.inflightBatches).toBe(2);

    // The first batch finishes: the queued full batch becomes the new prepared one.
    h.pool.calls[0]!.finish();
    await settle();
    expect(h.pool.batchItems).toEqual([4, 4, 4]);
    h.pool.calls[1]!.finish();
    h.pool.calls[2]!.finish();

    // Every request got its own row back, in order, across the pipelined batches.
    const rows = await Promise.all(results);
    rows.forEach((row, i) => expect(row).toEqual([i, i + 0.5]));
    await settle();
    expect(h.loop.inflightBatches).toBe(0);
  });

  test('below saturation the policy sees exactly the free instances it saw before', async () => {
    const h = harness(triton(4));
    const results = [0, 1, 2, 3].map((i) => h.submit(i));
    for (let i = 4; i < 7; i++) results.push(h.submit(i));
    // Free instance while the first batch filled; busy afterwards with three queued: the policy was
    // only ever shown the true free count (the dispatch re-check, then one per arrival).
    expect(h.snapshots.slice(0, 4).map((s) => s.freeInstances)).toEqual([1, 1, 1, 1]);
    expect(h.snapshots.slice(4).map((s) => s.freeInstances)).toEqual([0, 0, 0, 0]);
    h.pool.calls[0]!.finish();
    await settle();
    // Freed, the policy gets the three with one free instance and (long delay) waits for a fourth.
    expect(h.snapshots.at(-1)).toMatchObject({ freeInstances: 1 });
    expect(h.snapshots.at(-1)!.head).toHaveLength(3);
    expect(h.pool.batchItems).toEqual([4]);
    results.push(h.submit(7));
    expect(h.pool.batchItems).toEqual([4, 4]);
    await settle();
    expect(h.pool.batchItems).toEqual([4, 4]);
    h.pool.calls[1]!.finish();
    await Promise.all(results);
  });

  test('the prepared slot is asked about only with a full batch queued, as one hypothetical free instance', async () => {
    const h = harness(triton(4));
    [0, 1, 2, 3].forEach((i) => void h.submit(i));
    await settle();
    const before = h.snapshots.length;
    [4, 5, 6, 7].forEach((i) => void h.submit(i));
    await settle();
    const asked = h.snapshots.slice(before);
    // Four arrivals, one decision each with the true free count (none). The fourth makes a full
    // batch: a microtask later the loop looks again (none free), asks about the prepared slot
    // (one), and re-checks after dispatching it.
    expect(asked.map((s) => s.freeInstances)).toEqual([0, 0, 0, 0, 0, 1, 0]);
    expect(asked[5]!.head).toHaveLength(4);
    for (const c of h.pool.calls) c.finish();
  });

  test('with policy none a busy instance gets the next single request prepared; batches stay one request', async () => {
    const h = harness(createBatchPolicy({ policy: 'none', maxBatchSize: 1 }));
    const results = [0, 1, 2].map((i) => h.submit(i));
    await settle();
    expect(h.pool.batchItems).toEqual([1, 1]);
    h.pool.calls[0]!.finish();
    await settle();
    expect(h.pool.batchItems).toEqual([1, 1, 1]);
    h.pool.calls[1]!.finish();
    h.pool.calls[2]!.finish();
    expect(await Promise.all(results)).toEqual([
      [0, 0.5],
      [1, 1.5],
      [2, 2.5],
    ]);
  });

  test('two instances: both start a batch before either gets a prepared one', async () => {
    const h = harness(triton(2), 2);
    [0, 1, 2, 3].forEach((i) => void h.submit(i));
    expect(h.pool.batchItems).toEqual([2, 2]);
    // Both busy: a full batch queued is prepared (up to one per instance).
    [4, 5, 6, 7, 8, 9].forEach((i) => void h.submit(i));
    await settle();
    expect(h.pool.batchItems).toEqual([2, 2, 2, 2]);
    expect(h.queue.length).toBe(2);
    for (const c of h.pool.calls) c.finish();
  });

  test('a crash failing both batches in flight rejects each of their requests once, and the loop serves on', async () => {
    const h = harness(triton(2));
    const codeOf = (e: unknown): string => (e as TesseraError).code;
    const first = [0, 1, 2, 3].map((i) => h.submit(i).then(() => 'ok', codeOf));
    await settle();
    expect(h.pool.batchItems).toEqual([2, 2]);
    const crashed = new TesseraError('TESSERA_ERR_RUNTIME_WORKER_CRASHED', 'worker died twice');
    h.pool.calls[0]!.fail(crashed);
    h.pool.calls[1]!.fail(crashed);
    expect(await Promise.all(first)).toEqual(Array(4).fill('TESSERA_ERR_RUNTIME_WORKER_CRASHED'));
    await settle();
    expect(h.loop.inflightBatches).toBe(0);
    const later = [10, 11].map((i) => h.submit(i));
    h.pool.calls[2]!.finish();
    expect(await Promise.all(later)).toEqual([
      [10, 10.5],
      [11, 11.5],
    ]);
  });

  test('the batch is built afresh from the requests, never sharing their buffers', () => {
    const h = harness(createBatchPolicy({ policy: 'none', maxBatchSize: 1 }));
    const queued = new Float32Array([1, 2]);
    h.queue.offer({ feeds: { x: { dtype: 'float32', dims: [1, 2], data: queued } }, items: 1, shapeKey: 'k', arrivalMs: 0, deadlineMs: 1e9, expiresAtMs: 1e9, resolve: () => undefined, reject: () => undefined });
    h.loop.pump();
    const sent = h.pool.calls[0]!.feeds['x']!.data as Float32Array;
    expect(Array.from(sent)).toEqual([1, 2]);
    expect(sent.buffer).not.toBe(queued.buffer);
    h.pool.calls[0]!.finish();
  });

  test('with two replicas on one queue, a free replica starts a full batch rather than a busy one preparing it', async () => {
    const clock = new VirtualClock(0);
    const queue = new ModelQueue<InferOutputs>(1000);
    const pools = [new ManualPool(1), new ManualPool(1)];
    const replicas: ReplicaLoop[] = [];
    const pumpAll = (): void => replicas.forEach((l) => l.pump());
    for (const pool of pools) replicas.push(new ReplicaLoop({ service: 'm', queue, pool, policy: triton(2), io: IO, clock, onFreed: pumpAll }));
    loops.push(...replicas);
    const submit = (v: number): void => {
      queue.offer({ feeds: { x: { dtype: 'float32', dims: [1, 2], data: Float32Array.from([v, v]) } }, items: 1, shapeKey: 'k', arrivalMs: 0, deadlineMs: 1e9, expiresAtMs: 1e9, resolve: () => undefined, reject: () => undefined });
      pumpAll();
    };
    [0, 1].forEach(submit);
    expect(pools.map((p) => p.calls.length)).toEqual([1, 0]);
    // The first replica is busy and is pumped first, but the second has a free instance: it takes the batch.
    [2, 3].forEach(submit);
    await settle();
    expect(pools.map((p) => p.calls.length)).toEqual([1, 1]);
    // Both busy now: the next full batch is prepared on the first replica pumped.
    [4, 5].forEach(submit);
    await settle();
    expect(pools.map((p) => p.calls.length)).toEqual([2, 1]);
    for (const p of pools) for (const c of p.calls) c.finish();
  });
});
