import { describe, expect, test } from 'vitest';
import { TesseraError } from '../../core/errors/index.js';
import type { Forecaster } from '../forecaster.js';
import { createKeepAlivePolicy } from './create.js';
import type { ForecastPrewarmState } from './forecast-prewarm.js';
import { binCountCv, percentileBin, type HybridHistogramState } from './hybrid-histogram.js';
import { runKeepAliveLoop } from './test-support/virtual-keep-alive.js';
import type { KeepAliveEvent, KeepAlivePolicy, KeepAlivePolicyOptions, KeepAliveStateBase } from './types.js';

const MIN = 60_000;
const HOUR = 60 * MIN;

function feed<S extends KeepAliveStateBase>(policy: KeepAlivePolicy<S>, events: readonly KeepAliveEvent[], from = policy.initialState()): S {
  return events.reduce((s, e) => policy.observe(s, e), from);
}

/** Requests `gapMs` apart, each served in 1 s: the events a loop would report, ending in an idle period. */
function periodic(count: number, gapMs: number): KeepAliveEvent[] {
  const events: KeepAliveEvent[] = [];
  for (let i = 0; i < count; i++) {
    events.push({ kind: 'request', atMs: i * gapMs }, { kind: 'idle', atMs: i * gapMs + 1_000 });
  }
  return events;
}

describe('fixed keep-alive', () => {
  test('unloads keepAliveMs after the model went idle, and never pre-warms', () => {
    const policy = createKeepAlivePolicy({ policy: 'fixed', keepAliveMs: 10 * MIN });
    const s = feed(policy, [{ kind: 'request', atMs: 0 }, { kind: 'loaded', atMs: 500 }, { kind: 'idle', atMs: 1_000 }]);
    expect(policy.decide(s, { nowMs: 1_000, residency: 'idle', loadMs: 500 }).decision).toEqual({ kind: 'wait', untilMs: 601_000 });
    expect(policy.decide(s, { nowMs: 601_000, residency: 'idle', loadMs: 500 }).decision).toEqual({ kind: 'unload' });
    expect(policy.decide(s, { nowMs: 601_000, residency: 'unloaded', loadMs: 500 }).decision).toEqual({ kind: 'idle' });
  });

  test('with Infinity it never unloads', () => {
    const policy = createKeepAlivePolicy({ policy: 'fixed', keepAliveMs: Infinity });
    const s = feed(policy, [{ kind: 'idle', atMs: 0 }]);
    expect(policy.decide(s, { nowMs: 100 * HOUR, residency: 'idle', loadMs: 1 }).decision).toEqual({ kind: 'idle' });
  });
});

describe('hybrid histogram (Serverless in the Wild)', () => {
  const hybrid = (extra: Partial<Extract<KeepAlivePolicyOptions, { policy: 'hybrid-histogram' }>> = {}) =>
    createKeepAlivePolicy({ policy: 'hybrid-histogram', ...extra }) as KeepAlivePolicy<HybridHistogramState>;

  test('with no pattern yet it keeps the model for the whole 4 h range and does not pre-warm', () => {
    const policy = hybrid();
    const s = feed(policy, [{ kind: 'idle', atMs: 0 }]);
    expect(s).toMatchObject({ pattern: 'uncertain', prewarmMs: 0, keepAliveMs: 4 * HOUR });
    expect(policy.decide(s, { nowMs: 0, residency: 'idle', loadMs: 1 }).decision).toEqual({ kind: 'wait', untilMs: 4 * HOUR });
  });

  test('a concentrated idle-time histogram sets pre-warm from the 5th and keep-alive from the 99th percentile, with 10 % margins', () => {
    const policy = hybrid();
    // Idle times of 29 min 59 s: every one lands in bin 29.
    const s = feed(policy, periodic(20, 30 * MIN));
    expect(s.inBounds).toBe(19);
    expect(s.bins[29]).toBe(19);
    expect(s.cv).toBeGreaterThan(2);
    expect(s.pattern).toBe('histogram');
    expect(s.prewarmMs).toBeCloseTo(29 * MIN * 0.9, 6);
    expect(s.keepAliveMs).toBeCloseTo(30 * MIN * 1.1, 6);
  });

  test('with a pre-warm window it unloads at once, reloads when the window ends, and keeps it for keep-alive from the load', () => {
    const policy = hybrid();
    let s = feed(policy, periodic(20, 30 * MIN));
    const idleAt = 19 * 30 * MIN + 1_000;
    expect(policy.decide(s, { nowMs: idleAt, residency: 'idle', loadMs: 2_000 }).decision).toEqual({ kind: 'unload' });
    s = policy.observe(s, { kind: 'unloaded', atMs: idleAt });
    const loadAt = idleAt + 29 * MIN * 0.9;
    expect(policy.decide(s, { nowMs: idleAt, residency: 'unloaded', loadMs: 2_000 }).decision).toEqual({ kind: 'wait', untilMs: loadAt });
    expect(policy.decide(s, { nowMs: loadAt, residency: 'unloaded', loadMs: 2_000 }).decision).toEqual({ kind: 'load' });
    s = policy.observe(s, { kind: 'loaded', atMs: loadAt + 2_000 });
    expect(policy.decide(s, { nowMs: loadAt + 2_000, residency: 'idle', loadMs: 2_000 }).decision).toEqual({ kind: 'wait', untilMs: loadAt + 2_000 + 33 * MIN });
    // Once that keep-alive ran out and the model was unloaded, it waits for the next request.
    expect(policy.decide(s, { nowMs: loadAt + 40 * MIN, residency: 'unloaded', loadMs: 2_000 }).decision).toEqual({ kind: 'idle' });
  });

  test('when most idle times fall out of range it forecasts the next one: pre-warm IT·0.85, keep-alive 2·0.15·IT', () => {
    const stub: Forecaster = { name: 'stub', forecast: () => [6 * HOUR] };
    const policy = createKeepAlivePolicy({ policy: 'hybrid-histogram' }, { forecaster: stub }) as KeepAlivePolicy<HybridHistogramState>;
    const s = feed(policy, periodic(4, 6 * HOUR));
    expect(s.outOfBounds).toBe(3);
    expect(s).toMatchObject({ pattern: 'out-of-bounds' });
    expect(s.prewarmMs).toBeCloseTo(6 * HOUR * 0.85, 6);
    expect(s.keepAliveMs).toBeCloseTo(6 * HOUR * 0.3, 6);
  });

  test('the out-of-bounds fallback can be a fixed keep-alive instead', () => {
    const policy = hybrid({ oobFallback: 'fixed', oobKeepAliveMs: 7 * MIN });
    expect(feed(policy, periodic(4, 6 * HOUR))).toMatchObject({ pattern: 'out-of-bounds', prewarmMs: 0, keepAliveMs: 7 * MIN });
  });

  test('percentile and CV follow dslab: first bin reaching the share; sample std over bins ÷ mean count', () => {
    expect(percentileBin([0, 5, 0, 95], 100, 0.05)).toBe(1);
    expect(percentileBin([0, 5, 0, 95], 100, 0.99)).toBe(3);
    expect(binCountCv([1, 1, 1, 1], 4)).toBe(0);
    expect(binCountCv([4, 0, 0, 0], 4)).toBeCloseTo(2, 12);
  });

  test('on a periodic app it avoids most cold starts of a 10-minute keep-alive while holding memory far less than a 4-hour one', () => {
    const times = Array.from({ length: 48 }, (_, i) => i * 30 * MIN);
    const opts = { loadMs: 2_000, serviceMs: 1_000, untilMs: 25 * HOUR };
    const fixed10 = runKeepAliveLoop(createKeepAlivePolicy({ policy: 'fixed' }), times, opts);
    const fixed4h = runKeepAliveLoop(createKeepAlivePolicy({ policy: 'fixed', keepAliveMs: 4 * HOUR }), times, opts);
    const hh = runKeepAliveLoop(createKeepAlivePolicy({ policy: 'hybrid-histogram' }), times, opts);
    expect(fixed10.coldStarts).toBe(48);
    expect(hh.coldStarts).toBeLessThanOrEqual(3);
    expect(hh.prewarms).toBeGreaterThan(40);
    expect(hh.idleResidentMs).toBeLessThan(fixed4h.idleResidentMs / 2);
  });
});

describe('forecast-driven pre-warm', () => {
  /** Predicts `rate` requests per bucket for buckets starting at or after `fromMs`, none before. */
  const stepForecaster = (fromMs: number, rate: number): Forecaster => ({
    name: 'step',
    forecast: ({ endMs = 0, stepMs = MIN, horizon }) => Array.from({ length: horizon }, (_, k) => (endMs + k * stepMs >= fromMs ? rate : 0)),
  });

  test('loads ahead of predicted demand by load time + margin', () => {
    const policy = createKeepAlivePolicy({ policy: 'forecast', marginMs: 30_000 }, { forecaster: stepForecaster(20 * MIN, 5) }) as KeepAlivePolicy<ForecastPrewarmState>;
    const s = policy.initialState();
    // Lead = 90 s load + 30 s margin = 2 min: load at 18 min; until then re-check at each bucket boundary.
    expect(policy.decide(s, { nowMs: 0, residency: 'unloaded', loadMs: 90_000 }).decision).toEqual({ kind: 'wait', untilMs: MIN });
    expect(policy.decide(s, { nowMs: 17 * MIN + 10, residency: 'unloaded', loadMs: 90_000 }).decision).toEqual({ kind: 'wait', untilMs: 18 * MIN });
    expect(policy.decide(s, { nowMs: 18 * MIN, residency: 'unloaded', loadMs: 90_000 }).decision).toEqual({ kind: 'load' });
  });

  test('unloads an idle model after minKeepAliveMs when no demand is predicted within the lead time', () => {
    const policy = createKeepAlivePolicy({ policy: 'forecast', minKeepAliveMs: 2 * MIN }, { forecaster: stepForecaster(10 * HOUR, 5) });
    const s = feed(policy, [{ kind: 'request', atMs: 0 }, { kind: 'idle', atMs: 1_000 }]);
    expect(policy.decide(s, { nowMs: 1_000, residency: 'idle', loadMs: 1_000 }).decision).toEqual({ kind: 'wait', untilMs: 121_000 });
    expect(policy.decide(s, { nowMs: 121_000, residency: 'idle', loadMs: 1_000 }).decision).toEqual({ kind: 'unload' });
  });

  test('keeps an idle model when demand is predicted before a reload could finish', () => {
    const policy = createKeepAlivePolicy({ policy: 'forecast', minKeepAliveMs: 0, marginMs: 0 }, { forecaster: stepForecaster(4 * MIN, 5) });
    const s = feed(policy, [{ kind: 'request', atMs: 0 }, { kind: 'idle', atMs: 1_000 }]);
    // Reload takes 5 min; demand from minute 4 ⇒ keep, re-checking at the next boundary.
    expect(policy.decide(s, { nowMs: 30_000, residency: 'idle', loadMs: 5 * MIN }).decision).toEqual({ kind: 'wait', untilMs: MIN });
    // A 1 s reload could wait: unload.
    expect(policy.decide(s, { nowMs: 30_000, residency: 'idle', loadMs: 1_000 }).decision).toEqual({ kind: 'unload' });
  });

  test('counts requests per bucket and hands the forecaster the closed buckets, aligned to the clock', () => {
    const seen: { history: readonly number[]; endMs: number | undefined }[] = [];
    const spy: Forecaster = { name: 'spy', forecast: (r) => (seen.push({ history: [...r.history], endMs: r.endMs }), [0]) };
    const policy = createKeepAlivePolicy({ policy: 'forecast', horizonMs: MIN }, { forecaster: spy });
    const s = feed(policy, [
      { kind: 'request', atMs: 10_000 },
      { kind: 'request', atMs: 20_000 },
      { kind: 'request', atMs: 3 * MIN + 5 },
    ]);
    policy.decide(s, { nowMs: 3 * MIN + 10, residency: 'unloaded', loadMs: 0 });
    expect(seen).toEqual([{ history: [2, 0, 0], endMs: 3 * MIN }]);
  });
});

describe('createKeepAlivePolicy', () => {
  test('an unknown name is TESSERA_ERR_POLICY_UNKNOWN; bad values are listed together', () => {
    expect(() => createKeepAlivePolicy({ policy: 'lru' } as unknown as KeepAlivePolicyOptions)).toThrow(TesseraError);
    let caught: unknown;
    try {
      createKeepAlivePolicy({ policy: 'hybrid-histogram', binMs: 0, oobThreshold: 2 });
    } catch (err) {
      caught = err;
    }
    expect(caught instanceof TesseraError && caught.code).toBe('TESSERA_ERR_POLICY_CONFIG');
    expect((caught as TesseraError).details?.['problems']).toHaveLength(2);
  });
});
