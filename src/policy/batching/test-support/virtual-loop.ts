import { queueHead } from '../queue-head.js';
import type { BatchDecision, BatchFeedback, BatchPolicy, BatchPolicyStateBase, BatchSnapshot, QueuedRequest } from '../types.js';

/**
 * A reference batch loop on virtual time, for tests: the smallest driver that honours the contract
 * in types.ts (decide after every change, re-decide after each dispatch, one timer replaced on every
 * call, observe on completion). The simulator and the runtime drive policies the same way.
 */
export interface LoopArrival {
  readonly atMs: number;
  readonly items: number;
  readonly deadlineMs?: number;
}

export interface LoopOptions {
  readonly instances: number;
  /** Service time of a batch of `items`; `batchIndex` counts dispatches from 0. */
  readonly serviceMs: (items: number, batchIndex: number) => number;
  /** Called on every decision with the snapshot it answered and the state it was given. */
  readonly onDecide?: (snapshot: BatchSnapshot, state: BatchPolicyStateBase, decision: BatchDecision, next: BatchPolicyStateBase) => void;
  readonly onObserve?: (feedback: BatchFeedback, state: BatchPolicyStateBase, next: BatchPolicyStateBase) => void;
  /** Stop after this virtual time even if work remains. */
  readonly untilMs?: number;
  readonly maxSteps?: number;
}

export interface LoopResult {
  readonly decisions: BatchDecision[];
  readonly batches: { startMs: number; items: number; requests: number; serviceMs: number }[];
  /** Per arrival (in input order): when its batch completed, or undefined if never served. */
  readonly completedAtMs: (number | undefined)[];
  readonly left: number;
  readonly finalState: BatchPolicyStateBase;
}

interface Pending extends QueuedRequest {
  readonly index: number;
}

interface Running {
  readonly doneMs: number;
  readonly members: readonly Pending[];
  readonly items: number;
  readonly serviceMs: number;
}

export function runVirtualLoop(policy: BatchPolicy, arrivals: readonly LoopArrival[], options: LoopOptions): LoopResult {
  const sorted = arrivals.map((a, index) => ({ ...a, index })).sort((x, y) => x.atMs - y.atMs || x.index - y.index);
  const queue: Pending[] = [];
  const running: Running[] = [];
  const completedAtMs: (number | undefined)[] = arrivals.map(() => undefined);
  const decisions: BatchDecision[] = [];
  const batches: LoopResult['batches'] = [];
  let state = policy.initialState();
  let free = options.instances;
  let timerMs: number | undefined;
  let nextArrival = 0;
  let steps = 0;
  const maxSteps = options.maxSteps ?? 1_000_000;

  const consult = (nowMs: number): void => {
    for (;;) {
      if (++steps > maxSteps) throw new Error(`policy ${policy.name} did not settle within ${maxSteps} decisions`);
      const snapshot: BatchSnapshot = { nowMs, head: queueHead(queue, policy.config.maxBatchSize), freeInstances: free };
      const before = state;
      const step = policy.decide(state, snapshot);
      state = step.state;
      decisions.push(step.decision);
      options.onDecide?.(snapshot, before, step.decision, state);
      const d = step.decision;
      if (d.kind === 'dispatch') {
        const members = queue.splice(0, d.requests);
        free -= 1;
        const serviceMs = options.serviceMs(d.items, batches.length);
        batches.push({ startMs: nowMs, items: d.items, requests: d.requests, serviceMs });
        running.push({ doneMs: nowMs + serviceMs, members, items: d.items, serviceMs });
        running.sort((a, b) => a.doneMs - b.doneMs);
        // Ask again at the same instant: the contract allows several batches to start at once.
        continue;
      }
      timerMs = d.kind === 'wait' ? d.untilMs : undefined;
      return;
    }
  };

  for (;;) {
    const tArrival = sorted[nextArrival]?.atMs ?? Infinity;
    const tDone = running[0]?.doneMs ?? Infinity;
    const tTimer = timerMs ?? Infinity;
    const nowMs = Math.min(tArrival, tDone, tTimer);
    if (nowMs === Infinity || (options.untilMs !== undefined && nowMs > options.untilMs)) break;
    while (running[0] !== undefined && running[0].doneMs <= nowMs) {
      const done = running.shift() as Running;
      free += 1;
      let met = 0;
      let missed = 0;
      for (const m of done.members) {
        completedAtMs[m.index] = done.doneMs;
        if (m.deadlineMs !== undefined) {
          if (done.doneMs <= m.deadlineMs) met += 1;
          else missed += 1;
        }
      }
      const feedback: BatchFeedback = {
        items: done.items,
        requests: done.members.length,
        serviceMs: done.serviceMs,
        completedAtMs: done.doneMs,
        deadlineMet: met,
        deadlineMissed: missed,
      };
      const before = state;
      state = policy.observe(state, feedback);
      options.onObserve?.(feedback, before, state);
    }
    for (let a = sorted[nextArrival]; a !== undefined && a.atMs <= nowMs; a = sorted[nextArrival]) {
      queue.push({ arrivalMs: a.atMs, items: a.items, deadlineMs: a.deadlineMs, index: a.index });
      nextArrival += 1;
    }
    if (timerMs !== undefined && timerMs <= nowMs) timerMs = undefined;
    consult(nowMs);
  }
  return { decisions, batches, completedAtMs, left: queue.length, finalState: state };
}
