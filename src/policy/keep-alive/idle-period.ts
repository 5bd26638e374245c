import type { KeepAliveDecision, KeepAliveEvent, KeepAliveSnapshot, KeepAliveStateBase } from './types.js';

export const IDLE: KeepAliveDecision = Object.freeze({ kind: 'idle' });
export const LOAD: KeepAliveDecision = Object.freeze({ kind: 'load' });
export const UNLOAD: KeepAliveDecision = Object.freeze({ kind: 'unload' });

/** Folds an event into the idle-period fields every keep-alive state carries. */
export function trackIdlePeriod<S extends KeepAliveStateBase>(state: S, event: KeepAliveEvent): S {
  switch (event.kind) {
    case 'request':
      return state.idleSinceMs === null ? state : { ...state, idleSinceMs: null };
    case 'idle':
      return { ...state, idleSinceMs: event.atMs };
    case 'loaded':
      return { ...state, loadedAtMs: event.atMs };
    case 'unloaded':
      return state;
  }
}

/** True when the model was (re)loaded during the current idle period, i.e. by a pre-warm. */
export function prewarmedThisPeriod(state: KeepAliveStateBase): boolean {
  return state.idleSinceMs !== null && state.loadedAtMs !== null && state.loadedAtMs >= state.idleSinceMs;
}

/**
 * When the current idle stretch began: the end of the last batch or the last load, whichever is
 * later. A model seen idle with neither reported (loaded before the policy started) is anchored at
 * `nowMs`, and the anchor is written into the state so that later calls agree.
 */
export function idleAnchor<S extends KeepAliveStateBase>(state: S, nowMs: number): { anchorMs: number; state: S } {
  if (state.idleSinceMs === null && state.loadedAtMs === null) return { anchorMs: nowMs, state: { ...state, loadedAtMs: nowMs } };
  return { anchorMs: Math.max(state.idleSinceMs ?? -Infinity, state.loadedAtMs ?? -Infinity), state };
}

export interface Windows {
  /** Time after the idle period starts at which to load the model again; 0 = never unload it first. */
  readonly prewarmMs: number;
  /** Time the loaded model is kept idle: from the end of the execution, or from the pre-warm load. */
  readonly keepAliveMs: number;
}

/**
 * The pre-warm / keep-alive window semantics of "Serverless in the Wild", as its reproduction in
 * osukhoroslov/dslab runs them (crates/dslab-faas/src/host.rs `on_invocation_end`,
 * `on_container_start`; coldstart.rs): when an execution ends, a pre-warm window of 0 keeps the
 * model loaded for the keep-alive window; a positive one unloads it at once, loads it again when
 * the pre-warm window has passed, and from then keeps it for the keep-alive window.
 */
export function windowedDecision<S extends KeepAliveStateBase>(state: S, windows: Windows, snapshot: KeepAliveSnapshot): { decision: KeepAliveDecision; state: S } {
  const { nowMs, residency } = snapshot;
  if (residency === 'busy' || residency === 'loading') return { decision: IDLE, state };
  const { prewarmMs, keepAliveMs } = windows;
  if (residency === 'unloaded') {
    if (prewarmMs > 0 && state.idleSinceMs !== null && !prewarmedThisPeriod(state)) {
      const loadAtMs = state.idleSinceMs + prewarmMs;
      return { decision: nowMs >= loadAtMs ? LOAD : { kind: 'wait', untilMs: loadAtMs }, state };
    }
    return { decision: IDLE, state };
  }
  // Idle and loaded.
  if (prewarmMs > 0 && state.idleSinceMs !== null && !prewarmedThisPeriod(state)) return { decision: UNLOAD, state };
  const anchored = idleAnchor(state, nowMs);
  if (keepAliveMs === Infinity) return { decision: IDLE, state: anchored.state };
  const expiresMs = anchored.anchorMs + keepAliveMs;
  return { decision: nowMs >= expiresMs ? UNLOAD : { kind: 'wait', untilMs: expiresMs }, state: anchored.state };
}
