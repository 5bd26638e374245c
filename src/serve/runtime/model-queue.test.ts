import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { ModelQueue, type QueuedRequest } from './model-queue.js';

function req(items: number, shapeKey = 'a', arrivalMs = 0, expiresAtMs = 1e9): QueuedRequest<number> {
  return { feeds: {}, items, shapeKey, arrivalMs, deadlineMs: arrivalMs + 100, expiresAtMs, resolve: () => undefined, reject: () => undefined };
}

describe('ModelQueue', () => {
  test('refuses a request that would exceed the item bound instead of growing', () => {
    const q = new ModelQueue<number>(4);
    expect(q.offer(req(3))).toBe(true);
    expect(q.offer(req(2))).toBe(false);
    expect(q.offer(req(1))).toBe(true);
    expect(q.items).toBe(4);
  });

  test('the compatible head holds the oldest request and later ones of its shape only, in order', () => {
    const q = new ModelQueue<number>(100);
    const a1 = req(1, 'a');
    const b1 = req(1, 'b');
    const a2 = req(2, 'a');
    const a3 = req(3, 'a');
    [a1, b1, a2, a3].forEach((r) => q.offer(r));
    expect(q.compatibleHead(100)).toEqual([a1, a2, a3]);
    // Stops at the first request that passes the limit: a policy needs no more.
    expect(q.compatibleHead(2)).toEqual([a1, a2]);
    q.remove([a1, a2]);
    expect(q.oldest()).toBe(b1);
    expect(q.compatibleHead(4)).toEqual([b1]);
    expect(q.items).toBe(4);
  });

  test('expired requests are removed and returned for the caller to fail', () => {
    const q = new ModelQueue<number>(100);
    const late = req(1, 'a', 0, 10);
    const fine = req(1, 'a', 0, 100);
    q.offer(late);
    q.offer(fine);
    expect(q.expire(50)).toEqual([late]);
    expect(q.items).toBe(1);
  });

  test('expiry is found whatever the order of timeouts, also after batches were taken from the front', () => {
    const q = new ModelQueue<number>(100);
    const long = req(1, 'a', 0, 1000);
    const short = req(1, 'a', 0, 20);
    const mid = req(1, 'a', 0, 40);
    [long, short, mid].forEach((r) => q.offer(r));
    expect(q.expire(10)).toEqual([]);
    expect(q.expire(20)).toEqual([short]);
    q.remove([long]);
    expect(q.expire(30)).toEqual([]);
    expect(q.expire(40)).toEqual([mid]);
    expect(q.length).toBe(0);
    const late = req(1, 'a', 50, 60);
    q.offer(late);
    expect(q.expire(60)).toEqual([late]);
  });

  test('nothing is lost: every offered request is taken, expired or drained exactly once (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom('offer', 'take', 'expire'), fc.integer({ min: 1, max: 5 }), fc.constantFrom('a', 'b', 'c'), fc.integer({ min: 0, max: 50 }))),
        (ops) => {
          const q = new ModelQueue<number>(20);
          const accepted = new Set<QueuedRequest<number>>();
          const out: QueuedRequest<number>[] = [];
          let now = 0;
          for (const [op, n, key, ttl] of ops) {
            now += 1;
            if (op === 'offer') {
              const r = req(n, key, now, now + ttl);
              if (q.offer(r)) accepted.add(r);
            } else if (op === 'take') {
              const head = q.compatibleHead(n);
              const batch = head.slice(0, Math.max(1, Math.ceil(head.length / 2)));
              expect(new Set(batch.map((r) => r.shapeKey)).size).toBeLessThanOrEqual(1);
              q.remove(batch);
              out.push(...batch);
            } else out.push(...q.expire(now));
            expect(q.items).toBeLessThanOrEqual(20);
            expect(q.items).toBe([...accepted].filter((r) => !out.includes(r)).reduce((s, r) => s + r.items, 0));
          }
          out.push(...q.drain());
          expect(out.length).toBe(accepted.size);
          expect(new Set(out)).toEqual(accepted);
        },
      ),
    );
  });
});
