import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { VirtualClock } from '../../core/clock.js';
import { SimEngine, type SimHandler } from './engine.js';
import { EventQueue } from './event-queue.js';

class Log implements SimHandler {
  readonly seen: [number, number, number][] = [];
  onEvent(kind: number, arg: number, engine: SimEngine): void {
    this.seen.push([engine.nowMs, kind, arg]);
  }
}

describe('SimEngine', () => {
  test('runs events in time order and breaks ties by scheduling order', () => {
    const engine = new SimEngine();
    const log = new Log();
    engine.schedule(5, log, 1, 0);
    engine.schedule(1, log, 2, 0);
    engine.schedule(5, log, 3, 0);
    engine.schedule(3, log, 4, 0);
    engine.schedule(5, log, 5, 0);
    engine.run();
    expect(log.seen.map(([t, k]) => [t, k])).toEqual([
      [1, 2],
      [3, 4],
      [5, 1],
      [5, 3],
      [5, 5],
    ]);
  });

  test('drives the virtual clock that policies read', () => {
    const clock = new VirtualClock(100);
    const engine = new SimEngine({ clock });
    const seen: number[] = [];
    engine.at(150, () => seen.push(clock.nowMs()));
    engine.at(120, () => seen.push(clock.nowMs()));
    engine.run();
    expect(seen).toEqual([120, 150]);
    expect(clock.nowMs()).toBe(150);
  });

  test('run(until) handles events up to and including until, then stands at until', () => {
    const engine = new SimEngine();
    const log = new Log();
    for (const t of [1, 2, 3, 4]) engine.schedule(t, log, 0, t);
    const r = engine.run(3);
    expect(r).toEqual({ events: 3, nowMs: 3, reason: 'until' });
    expect(engine.pending).toBe(1);
    const r2 = engine.run(10);
    expect(r2).toEqual({ events: 1, nowMs: 10, reason: 'empty' });
    expect(engine.nowMs).toBe(10);
  });

  test('cancel removes a pending event; a fired or stale id cancels nothing', () => {
    const engine = new SimEngine();
    const log = new Log();
    const a = engine.schedule(1, log, 1, 0);
    const b = engine.schedule(2, log, 2, 0);
    expect(engine.scheduledTimeOf(b)).toBe(2);
    expect(engine.cancel(b)).toBe(true);
    expect(engine.cancel(b)).toBe(false);
    expect(engine.scheduledTimeOf(b)).toBeUndefined();
    engine.run();
    expect(engine.cancel(a)).toBe(false);
    // The freed slot is reused: the old id must not reach the new event.
    const c = engine.schedule(3, log, 3, 0);
    expect(engine.cancel(a)).toBe(false);
    expect(engine.cancel(b)).toBe(false);
    engine.run();
    expect(log.seen.map(([, k]) => k)).toEqual([1, 3]);
    expect(engine.cancel(c)).toBe(false);
  });

  test('handlers schedule and cancel while running; stop() returns after the current event', () => {
    const engine = new SimEngine();
    const order: string[] = [];
    let timer = -1;
    engine.at(1, (e) => {
      order.push('a');
      timer = e.at(10, () => order.push('timer'));
      e.at(e.nowMs, () => order.push('same-instant'));
    });
    engine.at(2, (e) => {
      order.push('b');
      e.cancel(timer);
      e.stop();
    });
    engine.at(3, () => order.push('c'));
    expect(engine.run().reason).toBe('stopped');
    expect(order).toEqual(['a', 'same-instant', 'b']);
    expect(engine.nowMs).toBe(2);
    engine.run();
    expect(order).toEqual(['a', 'same-instant', 'b', 'c']);
  });

  test('step handles exactly one event', () => {
    const engine = new SimEngine();
    const log = new Log();
    engine.schedule(1, log, 1, 0);
    engine.schedule(1, log, 2, 0);
    expect(engine.step()).toBe(true);
    expect(log.seen).toHaveLength(1);
    expect(engine.step()).toBe(true);
    expect(engine.step()).toBe(false);
  });

  test('scheduling in the past is refused', () => {
    const engine = new SimEngine({ startMs: 10 });
    expect(() => engine.at(9, () => {})).toThrow(RangeError);
    expect(() => engine.schedule(Number.NaN, new Log())).toThrow(RangeError);
  });

  test('run is not re-entrant', () => {
    const engine = new SimEngine();
    engine.at(1, (e) => e.run());
    expect(() => engine.run()).toThrow(/not re-entrant/);
  });
});

describe('EventQueue', () => {
  test('pops in (time, insertion) order under any mix of pushes, pops and cancels', () => {
    const op = fc.oneof(
      fc.record({ op: fc.constant('push' as const), t: fc.integer({ min: 0, max: 50 }) }),
      fc.record({ op: fc.constant('pop' as const) }),
      fc.record({ op: fc.constant('cancel' as const), pick: fc.nat() }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
        const q = new EventQueue<string>(16);
        // Reference: a list kept sorted by (time, seq).
        let ref: { t: number; seq: number; id: number }[] = [];
        let seq = 0;
        for (const o of ops) {
          if (o.op === 'push') {
            const id = q.push(o.t, 'h', 0, seq);
            ref.push({ t: o.t, seq: seq++, id });
          } else if (o.op === 'pop') {
            ref.sort((a, b) => a.t - b.t || a.seq - b.seq);
            const want = ref.shift();
            const t = q.pop();
            if (want === undefined) expect(t).toBe(Number.POSITIVE_INFINITY);
            else {
              expect(t).toBe(want.t);
              expect(q.poppedArg).toBe(want.seq);
            }
          } else if (ref.length > 0) {
            const victim = ref[o.pick % ref.length]!;
            expect(q.cancel(victim.id)).toBe(true);
            ref = ref.filter((r) => r !== victim);
          }
          expect(q.size).toBe(ref.length);
        }
        ref.sort((a, b) => a.t - b.t || a.seq - b.seq);
        for (const want of ref) {
          expect(q.pop()).toBe(want.t);
          expect(q.poppedArg).toBe(want.seq);
        }
        expect(q.size).toBe(0);
      }),
      { numRuns: 200 },
    );
  });

  test('grows past its initial capacity', () => {
    const q = new EventQueue<number>(16);
    for (let i = 0; i < 10_000; i++) q.push((i * 7919) % 10_007, i, 0, 0);
    let last = -1;
    for (let i = 0; i < 10_000; i++) {
      const t = q.pop();
      expect(t).toBeGreaterThanOrEqual(last);
      last = t;
    }
  });
});
