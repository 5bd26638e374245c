import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { isTesseraError } from '../../../core/errors/index.js';
import type { BatchDecision, BatchPolicy, BatchPolicyStateBase, BatchSnapshot, QueuedRequest } from '../types.js';
import { runVirtualLoop, type LoopArrival } from './virtual-loop.js';

/**
 * The contract every batching policy keeps, registered as vitest tests for one policy factory.
 * Each policy's test file calls it; a new policy gets the whole suite by adding one line.
 */
export interface BatchConformanceOptions {
  /** Property-test runs; each drives a virtual loop through up to ~60 arrivals. @default 40 */
  readonly runs?: number;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

function roundTrip<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** Violations of the per-decision contract for one (snapshot, decision) pair; empty when it holds. */
export function decisionViolations(policy: BatchPolicy, snapshot: BatchSnapshot, decision: BatchDecision): string[] {
  const out: string[] = [];
  const { head, nowMs, freeInstances } = snapshot;
  const max = policy.config.maxBatchSize;
  if (decision.kind === 'dispatch') {
    if (!Number.isInteger(decision.requests) || decision.requests < 1) out.push(`dispatched ${decision.requests} requests`);
    if (decision.requests > head.length) out.push(`dispatched ${decision.requests} requests with ${head.length} queued`);
    if (freeInstances < 1) out.push('dispatched with no free instance');
    const items = head.slice(0, decision.requests).reduce((s, r) => s + Math.max(1, r.items), 0);
    if (items !== decision.items) out.push(`items ${decision.items} but the requests hold ${items}`);
    if (decision.items > max && decision.requests > 1) out.push(`dispatched ${decision.items} items over maxBatchSize ${max}`);
  } else if (decision.kind === 'wait') {
    if (!(decision.untilMs > nowMs)) out.push(`asked to wait until ${decision.untilMs} at ${nowMs}`);
    if (!Number.isFinite(decision.untilMs)) out.push('asked to wait forever');
    if (head.length === 0) out.push('waited with an empty queue (idle is the answer)');
  } else if (head.length > 0 && freeInstances > 0) {
    out.push('idled with requests queued and an instance free: they would never be served');
  }
  const oldest = head[0];
  const bound = policy.maxQueueDelayBoundMs;
  if (bound !== undefined && oldest !== undefined && freeInstances > 0) {
    const dueMs = oldest.arrivalMs + bound;
    if (decision.kind === 'wait' && decision.untilMs > dueMs) out.push(`waits until ${decision.untilMs}, past the max queue delay (${dueMs})`);
    if (nowMs >= dueMs && decision.kind !== 'dispatch') out.push(`oldest has waited ${nowMs - oldest.arrivalMs} ms ≥ ${bound} ms and was not dispatched`);
  }
  return out;
}

const arrivalsArb = (maxItems: number) =>
  fc.array(
    fc.record({
      gapMs: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 30 }), fc.double({ min: 0, max: 40, noNaN: true })),
      items: fc.integer({ min: 1, max: Math.min(4, maxItems) }),
      slackMs: fc.option(fc.integer({ min: 1, max: 300 }), { nil: undefined }),
    }),
    { minLength: 1, maxLength: 60 },
  );

function toArrivals(gen: readonly { gapMs: number; items: number; slackMs: number | undefined }[]): LoopArrival[] {
  let t = 0;
  return gen.map((g) => {
    t += g.gapMs;
    return g.slackMs === undefined ? { atMs: t, items: g.items } : { atMs: t, items: g.items, deadlineMs: t + g.slackMs };
  });
}

export function describeBatchPolicyConformance(label: string, make: () => BatchPolicy, options: BatchConformanceOptions = {}): void {
  const runs = options.runs ?? 40;

  describe(`batching conformance: ${label}`, () => {
    test('with an empty queue it idles, whether or not an instance is free', () => {
      const policy = make();
      for (const freeInstances of [0, 1, 3]) {
        const { decision } = policy.decide(policy.initialState(), { nowMs: 5, head: [], freeInstances });
        expect(decision).toEqual({ kind: 'idle' });
      }
    });

    test('with no free instance it idles: the loop asks again when one frees', () => {
      const policy = make();
      const head: QueuedRequest[] = [{ arrivalMs: 0, items: 1, deadlineMs: 1_000 }];
      expect(policy.decide(policy.initialState(), { nowMs: 1, head, freeInstances: 0 }).decision).toEqual({ kind: 'idle' });
    });

    test('a full queue is dispatched in batches of at most maxBatchSize, never 0', () => {
      const policy = make();
      const max = policy.config.maxBatchSize;
      const head: QueuedRequest[] = Array.from({ length: max * 3 }, (_, i) => ({ arrivalMs: i * 0.01, items: 1, deadlineMs: 10_000 }));
      const { decision } = policy.decide(policy.initialState(), { nowMs: 1, head, freeInstances: 1 });
      expect(decisionViolations(policy, { nowMs: 1, head, freeInstances: 1 }, decision)).toEqual([]);
      if (decision.kind === 'dispatch') expect(decision.items).toBeLessThanOrEqual(max);
    });

    test('a request larger than maxBatchSize at the head goes alone (the loop splits or refuses those)', () => {
      const policy = make();
      const max = policy.config.maxBatchSize;
      const head: QueuedRequest[] = [
        { arrivalMs: 0, items: max + 1, deadlineMs: 1 },
        { arrivalMs: 0, items: 1, deadlineMs: 1 },
      ];
      const snapshot = { nowMs: 10, head, freeInstances: 1 };
      const { decision } = policy.decide(policy.initialState(), snapshot);
      expect(decisionViolations(policy, snapshot, decision)).toEqual([]);
      if (decision.kind === 'dispatch') expect(decision.requests).toBe(1);
    });

    test('its initial state survives JSON unchanged', () => {
      const policy = make();
      const s = policy.initialState();
      expect(roundTrip(s)).toEqual(s);
    });

    test('state made by another policy is refused with TESSERA_ERR_POLICY_STATE', () => {
      const policy = make();
      const alien = { policy: policy.name === 'none' ? 'triton' : 'none' } as BatchPolicyStateBase;
      let caught: unknown;
      try {
        policy.decide(alien, { nowMs: 0, head: [], freeInstances: 1 });
      } catch (err) {
        caught = err;
      }
      expect(isTesseraError(caught) && caught.code).toBe('TESSERA_ERR_POLICY_STATE');
    });

    test('property: every decision keeps the contract, state round-trips through JSON, and every request is served', () => {
      const policy = make();
      fc.assert(
        fc.property(
          arrivalsArb(policy.config.maxBatchSize),
          fc.integer({ min: 1, max: 3 }),
          fc.double({ min: 0.2, max: 20, noNaN: true }),
          fc.double({ min: 0, max: 3, noNaN: true }),
          (gen, instances, baseMs, perItemMs) => {
            const arrivals = toArrivals(gen);
            const problems: string[] = [];
            const result = runVirtualLoop(policy, arrivals, {
              instances,
              serviceMs: (items) => baseMs + perItemMs * items,
              maxSteps: 20_000,
              onDecide: (snapshot, before, decision, next) => {
                problems.push(...decisionViolations(policy, snapshot, decision));
                // Same decision and same next state from a JSON copy of the state: nothing hides in it.
                const again = policy.decide(roundTrip(before), snapshot);
                if (JSON.stringify(again.decision) !== JSON.stringify(decision)) problems.push('decision changed after a JSON round trip of state');
                if (JSON.stringify(again.state) !== JSON.stringify(next)) problems.push('next state changed after a JSON round trip of state');
              },
              onObserve: (feedback, before, next) => {
                if (JSON.stringify(policy.observe(roundTrip(before), feedback)) !== JSON.stringify(next)) {
                  problems.push('observe gave a different state after a JSON round trip');
                }
              },
            });
            expect(problems.slice(0, 5)).toEqual([]);
            expect(result.left).toBe(0);
            expect(result.completedAtMs.every((t) => t !== undefined)).toBe(true);
          },
        ),
        { numRuns: runs, seed: 20240611 },
      );
    });

    test('deterministic: the same arrivals give the same decisions and the same final state', () => {
      const arrivals: LoopArrival[] = Array.from({ length: 200 }, (_, i) => ({
        atMs: i * 1.7 + (i % 7) * 0.9,
        items: 1 + (i % 3),
        deadlineMs: i * 1.7 + 80,
      }));
      const run = () =>
        runVirtualLoop(make(), arrivals, { instances: 2, serviceMs: (items, k) => 2 + 0.5 * items + (k % 5) * 0.3 });
      const a = run();
      const b = run();
      expect(b.decisions).toEqual(a.decisions);
      expect(JSON.stringify(b.finalState)).toBe(JSON.stringify(a.finalState));
    });

    test('decide and observe leave their inputs untouched (frozen inputs would throw if written)', () => {
      const policy = make();
      const s0 = deepFreeze(policy.initialState());
      const snapshot = deepFreeze({ nowMs: 3, head: [{ arrivalMs: 0, items: 2, deadlineMs: 50 }], freeInstances: 1 });
      const { state: s1 } = policy.decide(s0, snapshot);
      const s2 = policy.observe(deepFreeze(s1), deepFreeze({ items: 2, requests: 1, serviceMs: 4, completedAtMs: 7, deadlineMet: 1, deadlineMissed: 0 }));
      policy.decide(deepFreeze(s2), deepFreeze({ ...snapshot, nowMs: 2_000 }));
    });
  });
}
