import { describe, expect, test } from 'vitest';
import { RealClock, VirtualClock } from './clock.js';

describe('VirtualClock', () => {
  test('moves only when told and never backwards', () => {
    const c = new VirtualClock(100);
    expect(c.nowMs()).toBe(100);
    c.advanceBy(50);
    expect(c.nowMs()).toBe(150);
    c.advanceTo(150);
    expect(() => c.advanceTo(149)).toThrow(RangeError);
  });
});

describe('RealClock', () => {
  test('is monotonic and anchored near the Unix epoch', () => {
    const c = new RealClock();
    const a = c.nowMs();
    const b = c.nowMs();
    expect(b).toBeGreaterThanOrEqual(a);
    expect(Math.abs(a - Date.now())).toBeLessThan(5_000);
  });
});
