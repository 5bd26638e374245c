import type { KeepAliveDecision, KeepAliveEvent, KeepAlivePolicy, KeepAliveSnapshot, KeepAliveStateBase, Residency } from '../types.js';

/**
 * A reference model-residency loop on virtual time, for tests: one model, one instance, FIFO
 * requests, cold start on demand, and the policy's load/unload decisions — driven the way the
 * simulator and runtime drive keep-alive policies (observe every event, then decide; one timer).
 */
export interface KeepAliveLoopOptions {
  readonly loadMs: number;
  readonly serviceMs: number;
  readonly untilMs: number;
  readonly startLoaded?: boolean;
  readonly maxSteps?: number;
  readonly onDecide?: (snapshot: KeepAliveSnapshot, state: KeepAliveStateBase, decision: KeepAliveDecision, next: KeepAliveStateBase) => void;
  readonly onObserve?: (event: KeepAliveEvent, state: KeepAliveStateBase, next: KeepAliveStateBase) => void;
}

export interface KeepAliveLoopResult {
  /** Requests that found the model unloaded or loading. */
  readonly coldStarts: number;
  readonly prewarms: number;
  readonly unloads: number;
  /** Time the model was resident (loading, idle or busy), ms. */
  readonly residentMs: number;
  /** Time it was resident with nothing to do — the memory a keep-alive policy wastes, ms. */
  readonly idleResidentMs: number;
  readonly decisions: KeepAliveDecision[];
  readonly finalState: KeepAliveStateBase;
}

export function runKeepAliveLoop(policy: KeepAlivePolicy, requestTimesMs: readonly number[], options: KeepAliveLoopOptions): KeepAliveLoopResult {
  const times = [...requestTimesMs].sort((a, b) => a - b);
  let state = policy.initialState();
  let residency: Residency = options.startLoaded === true ? 'idle' : 'unloaded';
  let queued = 0;
  let next = 0;
  let loadDoneMs: number | undefined;
  let serviceDoneMs: number | undefined;
  let timerMs: number | undefined;
  let coldStarts = 0;
  let prewarms = 0;
  let unloads = 0;
  let residentMs = 0;
  let idleResidentMs = 0;
  let lastMs = 0;
  let steps = 0;
  const decisions: KeepAliveDecision[] = [];
  const maxSteps = options.maxSteps ?? 200_000;

  const observe = (kind: KeepAliveEvent['kind'], atMs: number): void => {
    const event = { kind, atMs };
    const before = state;
    state = policy.observe(state, event);
    options.onObserve?.(event, before, state);
  };
  const startService = (nowMs: number): void => {
    residency = 'busy';
    queued -= 1;
    serviceDoneMs = nowMs + options.serviceMs;
  };

  for (;;) {
    const nowMs = Math.min(times[next] ?? Infinity, loadDoneMs ?? Infinity, serviceDoneMs ?? Infinity, timerMs ?? Infinity);
    if (nowMs === Infinity || nowMs > options.untilMs) break;
    if (residency !== 'unloaded') residentMs += nowMs - lastMs;
    if (residency === 'idle') idleResidentMs += nowMs - lastMs;
    lastMs = nowMs;

    if (loadDoneMs !== undefined && loadDoneMs <= nowMs) {
      loadDoneMs = undefined;
      residency = 'idle';
      observe('loaded', nowMs);
      if (queued > 0) startService(nowMs);
    }
    if (serviceDoneMs !== undefined && serviceDoneMs <= nowMs) {
      serviceDoneMs = undefined;
      if (queued > 0) startService(nowMs);
      else {
        residency = 'idle';
        observe('idle', nowMs);
      }
    }
    for (let t = times[next]; t !== undefined && t <= nowMs; t = times[next]) {
      next += 1;
      observe('request', nowMs);
      queued += 1;
      if (residency === 'unloaded') {
        coldStarts += 1;
        residency = 'loading';
        loadDoneMs = nowMs + options.loadMs;
      } else if (residency === 'loading') {
        coldStarts += 1;
      } else if (residency === 'idle') {
        startService(nowMs);
      }
    }
    if (timerMs !== undefined && timerMs <= nowMs) timerMs = undefined;

    for (;;) {
      if (++steps > maxSteps) throw new Error(`keep-alive policy ${policy.name} did not settle within ${maxSteps} decisions`);
      const snapshot: KeepAliveSnapshot = { nowMs, residency, loadMs: options.loadMs };
      const before = state;
      const step = policy.decide(state, snapshot);
      state = step.state;
      decisions.push(step.decision);
      options.onDecide?.(snapshot, before, step.decision, state);
      const d = step.decision;
      if (d.kind === 'load' && residency === 'unloaded') {
        prewarms += 1;
        residency = 'loading';
        loadDoneMs = nowMs + options.loadMs;
        continue;
      }
      if (d.kind === 'unload' && residency === 'idle') {
        unloads += 1;
        residency = 'unloaded';
        observe('unloaded', nowMs);
        continue;
      }
      timerMs = d.kind === 'wait' ? d.untilMs : undefined;
      break;
    }
  }
  if (residency !== 'unloaded' && options.untilMs > lastMs) {
    residentMs += options.untilMs - lastMs;
    if (residency === 'idle') idleResidentMs += options.untilMs - lastMs;
  }
  return { coldStarts, prewarms, unloads, residentMs, idleResidentMs, decisions, finalState: state };
}
