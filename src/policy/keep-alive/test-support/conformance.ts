import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { isTesseraError } from '../../../core/errors/index.js';
import type { KeepAliveDecision, KeepAlivePolicy, KeepAliveSnapshot, KeepAliveStateBase } from '../types.js';
import { runKeepAliveLoop } from './virtual-keep-alive.js';

/** The contract every keep-alive / pre-warm policy keeps, registered as vitest tests for one factory. */
export interface KeepAliveConformanceOptions {
  /** @default 25 */
  readonly runs?: number;
  /** The policy may leave a loaded, idle model without a timer (it never unloads, e.g. fixed with Infinity). */
  readonly mayKeepForever?: boolean;
}

const MINUTE = 60_000;

function roundTrip<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

export function keepAliveViolations(snapshot: KeepAliveSnapshot, decision: KeepAliveDecision, mayKeepForever: boolean): string[] {
  const out: string[] = [];
  const { residency, nowMs } = snapshot;
  if (decision.kind === 'load' && residency !== 'unloaded') out.push(`asked to load while ${residency}`);
  if (decision.kind === 'unload' && residency !== 'idle') out.push(`asked to unload while ${residency}`);
  if (decision.kind === 'wait' && !(decision.untilMs > nowMs && Number.isFinite(decision.untilMs))) out.push(`asked to wait until ${decision.untilMs} at ${nowMs}`);
  if ((residency === 'busy' || residency === 'loading') && decision.kind !== 'idle') out.push(`acted (${decision.kind}) while ${residency}`);
  if (residency === 'idle' && decision.kind === 'idle' && !mayKeepForever) out.push('left an idle model loaded with no timer: it would never be unloaded');
  return out;
}

export function describeKeepAliveConformance(label: string, make: () => KeepAlivePolicy, options: KeepAliveConformanceOptions = {}): void {
  const runs = options.runs ?? 25;
  const mayKeepForever = options.mayKeepForever ?? false;

  describe(`keep-alive conformance: ${label}`, () => {
    test('does nothing while the model is busy or loading', () => {
      const policy = make();
      for (const residency of ['busy', 'loading'] as const) {
        expect(policy.decide(policy.initialState(), { nowMs: 10, residency, loadMs: 500 }).decision).toEqual({ kind: 'idle' });
      }
    });

    test('its initial state survives JSON unchanged', () => {
      const s = make().initialState();
      expect(roundTrip(s)).toEqual(s);
    });

    test('state made by another policy is refused with TESSERA_ERR_POLICY_STATE', () => {
      const policy = make();
      const alien = { policy: policy.name === 'fixed' ? 'forecast' : 'fixed', idleSinceMs: null, loadedAtMs: null } as KeepAliveStateBase;
      let caught: unknown;
      try {
        policy.observe(alien, { kind: 'idle', atMs: 0 });
      } catch (err) {
        caught = err;
      }
      expect(isTesseraError(caught) && caught.code).toBe('TESSERA_ERR_POLICY_STATE');
    });

    test('decide and observe leave their inputs untouched (frozen inputs would throw if written)', () => {
      const policy = make();
      let s = deepFreeze(policy.initialState());
      for (const [kind, atMs] of [['request', 0], ['loaded', 500], ['idle', 600], ['request', 5 * MINUTE], ['idle', 5 * MINUTE + 100]] as const) {
        s = deepFreeze(policy.observe(s, deepFreeze({ kind, atMs })));
      }
      policy.decide(s, deepFreeze({ nowMs: 6 * MINUTE, residency: 'idle', loadMs: 500 }));
      policy.decide(s, deepFreeze({ nowMs: 6 * MINUTE, residency: 'unloaded', loadMs: 500 }));
    });

    test('property: every decision keeps the contract, state round-trips through JSON, runs are deterministic', () => {
      fc.assert(
        fc.property(
          fc.array(fc.oneof(fc.integer({ min: 0, max: 5 * MINUTE }), fc.integer({ min: 20 * MINUTE, max: 40 * MINUTE }), fc.integer({ min: 0, max: 6 * 60 * MINUTE })), {
            minLength: 1,
            maxLength: 30,
          }),
          fc.integer({ min: 1, max: 90_000 }),
          fc.integer({ min: 1, max: 5_000 }),
          fc.boolean(),
          (gaps, loadMs, serviceMs, startLoaded) => {
            let t = 0;
            const times = gaps.map((g) => (t += g));
            const problems: string[] = [];
            const policy = make();
            const run = () =>
              runKeepAliveLoop(policy, times, {
                loadMs,
                serviceMs,
                startLoaded,
                untilMs: t + 5 * 60 * MINUTE,
                onDecide: (snapshot, before, decision, next) => {
                  problems.push(...keepAliveViolations(snapshot, decision, mayKeepForever));
                  const again = policy.decide(roundTrip(before), snapshot);
                  if (JSON.stringify(again.decision) !== JSON.stringify(decision)) problems.push('decision changed after a JSON round trip of state');
                  if (JSON.stringify(again.state) !== JSON.stringify(next)) problems.push('next state changed after a JSON round trip of state');
                },
                onObserve: (event, before, next) => {
                  if (JSON.stringify(policy.observe(roundTrip(before), event)) !== JSON.stringify(next)) problems.push('observe changed after a JSON round trip');
                },
              });
            const a = run();
            expect(problems.slice(0, 5)).toEqual([]);
            const b = run();
            expect(b.decisions).toEqual(a.decisions);
            expect(JSON.stringify(b.finalState)).toBe(JSON.stringify(a.finalState));
          },
        ),
        { numRuns: runs, seed: 42 },
      );
    });
  });
}
