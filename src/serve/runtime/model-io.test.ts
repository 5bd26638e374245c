import { describe, expect, test } from 'vitest';
import type { HostTensor } from './host-tensor.js';
import { buildBatchFeeds, type ModelIo } from './model-io.js';

// Silero VAD's layout: audio batched on axis 0, state on axis 1, the sample rate shared.
const IO: ModelIo = {
  inputs: [
    { name: 'input', batchAxis: 0 },
    { name: 'h', batchAxis: 1 },
    { name: 'sr', batchAxis: null },
  ],
};

function request(v: number): { feeds: Record<string, HostTensor> } {
  return {
    feeds: {
      input: { dtype: 'float32', dims: [1, 3], data: Float32Array.from([v, v, v]) },
      h: { dtype: 'float32', dims: [2, 1, 2], data: Float32Array.from([v, v, -v, -v]) },
      sr: { dtype: 'int64', dims: [], data: BigInt64Array.from([16000n]) },
    },
  };
}

describe('buildBatchFeeds', () => {
  test('never shares a buffer with a request, so the batch can be transferred and rebuilt for a retry', () => {
    for (const requests of [[request(1)], [request(1), request(2)]]) {
      const feeds = buildBatchFeeds(IO, requests);
      for (const r of requests) {
        for (const name of ['input', 'h', 'sr']) expect(feeds[name]!.data.buffer).not.toBe(r.feeds[name]!.data.buffer);
      }
      // Each batch tensor owns exactly its bytes (a whole, transferable buffer).
      for (const t of Object.values(feeds)) expect(t.data.byteLength).toBe(t.data.buffer.byteLength);
    }
  });

  test('concatenates along each input’s own axis and passes the shared input once', () => {
    const feeds = buildBatchFeeds(IO, [request(1), request(2)]);
    expect(feeds['input']!.dims).toEqual([2, 3]);
    expect(Array.from(feeds['input']!.data as Float32Array)).toEqual([1, 1, 1, 2, 2, 2]);
    expect(feeds['h']!.dims).toEqual([2, 2, 2]);
    expect(Array.from(feeds['h']!.data as Float32Array)).toEqual([1, 1, 2, 2, -1, -1, -2, -2]);
    expect(feeds['sr']).toMatchObject({ dims: [], data: BigInt64Array.from([16000n]) });
  });
});
