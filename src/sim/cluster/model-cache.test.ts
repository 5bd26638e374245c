import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { ModelCache, type CacheEntry } from './model-cache.js';

interface Entry extends CacheEntry {
  readonly name: string;
  busy: boolean;
}

const entry = (name: string, bytes: number): Entry => ({ name, bytes, state: 'unloaded', lastUsedMs: Number.NEGATIVE_INFINITY, busy: false });

describe('ModelCache (LRU memory of a cold pool)', () => {
  test('evicts the least recently used idle model, and only as many as the load needs', () => {
    const cache = new ModelCache<Entry>(3);
    const [a, b, c, d] = [entry('a', 1), entry('b', 1), entry('c', 1), entry('d', 1)];
    for (const e of [a, b, c, d]) cache.add(e);
    for (const [e, t] of [[a, 10], [b, 5], [c, 20]] as const) {
      e.lastUsedMs = t;
      cache.reserve(e);
      cache.loaded(e);
    }
    expect(cache.victimsFor(d, (e) => e.busy)).toEqual([b]);
    b.busy = true;
    expect(cache.victimsFor(d, (e) => e.busy)).toEqual([a]);
  });

  test('never evicts a busy or loading model; when nothing idle can make room it evicts nothing', () => {
    const cache = new ModelCache<Entry>(2);
    const [a, b, c] = [entry('a', 1), entry('b', 1), entry('c', 2)];
    for (const e of [a, b, c]) cache.add(e);
    cache.reserve(a);
    cache.loaded(a);
    cache.reserve(b); // still loading
    a.busy = true;
    expect(cache.victimsFor(c, (e) => e.busy)).toBeUndefined();
    a.busy = false;
    // a alone (1 byte) is not enough for c (2 bytes) while b loads: nothing is evicted in vain.
    expect(cache.victimsFor(c, (e) => e.busy)).toBeUndefined();
  });

  test('property: under any sequence of requests, loads, finishes and unloads, memory stays within the budget and victims are idle, resident and least recently used', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('request' as const), model: fc.nat(5) }),
      fc.record({ kind: fc.constant('loaded' as const), model: fc.nat(5) }),
      fc.record({ kind: fc.constant('busy' as const), model: fc.nat(5), on: fc.boolean() }),
      fc.record({ kind: fc.constant('unload' as const), model: fc.nat(5) }),
    );
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 6, maxLength: 6 }), fc.integer({ min: 5, max: 12 }), fc.array(op, { maxLength: 200 }), (sizes, memory, ops) => {
        const cache = new ModelCache<Entry>(memory);
        const entries = sizes.map((s, i) => entry(`m${i}`, s));
        for (const e of entries) cache.add(e);
        let t = 0;
        for (const o of ops) {
          t += 1;
          const e = entries[o.model] as Entry;
          if (o.kind === 'request') {
            e.lastUsedMs = t;
            if (e.state !== 'unloaded') continue;
            const victims = cache.victimsFor(e, (x) => x.busy);
            if (victims === undefined) continue;
            const spared = entries.filter((x) => x !== e && x.state === 'resident' && !x.busy && !victims.includes(x));
            for (const v of victims) {
              expect(v.state).toBe('resident');
              expect(v.busy).toBe(false);
              for (const s of spared) expect(v.lastUsedMs).toBeLessThanOrEqual(s.lastUsedMs);
              cache.release(v);
            }
            cache.reserve(e);
          } else if (o.kind === 'loaded') {
            if (e.state === 'loading') cache.loaded(e);
          } else if (o.kind === 'busy') {
            // Only a resident model runs batches.
            e.busy = o.on && e.state === 'resident';
          } else if (e.state === 'resident' && !e.busy) cache.release(e);
          const held = entries.filter((x) => x.state !== 'unloaded').reduce((n, x) => n + x.bytes, 0);
          expect(cache.usedBytes).toBe(held);
          expect(held).toBeLessThanOrEqual(memory);
        }
        expect(cache.peakUsedBytes).toBeLessThanOrEqual(memory);
      }),
      { numRuns: 300, seed: 20240501 },
    );
  });
});
