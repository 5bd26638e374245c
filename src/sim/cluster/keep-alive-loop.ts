import type { KeepAliveEvent, KeepAlivePolicy, KeepAliveStateBase, Residency } from '../../policy/index.js';
import type { EventId, SimEngine } from '../engine/engine.js';

/** What a keep-alive loop acts on: one model on one pool slice. */
export interface KeepAliveTarget {
  residency(): Residency;
  /** Starts a pre-warm load; false when it cannot start (no room). */
  prewarm(nowMs: number): boolean;
  unload(nowMs: number): void;
}

/** Decisions one `decide` call may chain (load, unload…) before it must settle; a policy bug, not an input. */
const MAX_CHAINED_DECISIONS = 100;

/**
 * Drives a keep-alive policy for one model the way the reference loop does
 * (src/policy/keep-alive/test-support/virtual-keep-alive.ts): the owner reports every event
 * (`observe`), then calls `decide`; a `wait` arms the loop's one timer, which calls `decide` again.
 * Each decision replaces the timer, as in the reference loop.
 */
export class KeepAliveLoop {
  private state: KeepAliveStateBase;
  private timerId: EventId | undefined;

  constructor(
    private readonly policy: KeepAlivePolicy,
    private readonly engine: SimEngine,
    private readonly target: KeepAliveTarget,
    /** Load + warm-up the policy must lead by, ms. */
    private readonly loadMs: number,
  ) {
    this.state = policy.initialState();
  }

  observe(kind: KeepAliveEvent['kind'], atMs: number): void {
    this.state = this.policy.observe(this.state, { kind, atMs });
  }

  decide(nowMs: number): void {
    for (let i = 0; i < MAX_CHAINED_DECISIONS; i++) {
      const residency = this.target.residency();
      const step = this.policy.decide(this.state, { nowMs, residency, loadMs: this.loadMs });
      this.state = step.state;
      const d = step.decision;
      if (d.kind === 'load' && residency === 'unloaded' && this.target.prewarm(nowMs)) continue;
      if (d.kind === 'unload' && residency === 'idle') {
        this.target.unload(nowMs);
        continue;
      }
      this.arm(d.kind === 'wait' ? d.untilMs : undefined);
      return;
    }
    throw new Error(`keep-alive policy ${this.policy.name} did not settle within ${MAX_CHAINED_DECISIONS} decisions at ${nowMs} ms`);
  }

  /** Drops the pending timer (end of the run, or the model is gone). */
  cancel(): void {
    this.arm(undefined);
  }

  private arm(untilMs: number | undefined): void {
    if (this.timerId !== undefined) this.engine.cancel(this.timerId);
    this.timerId = undefined;
    if (untilMs === undefined) return;
    const at = Math.max(untilMs, this.engine.nowMs);
    this.timerId = this.engine.at(at, (e) => {
      this.timerId = undefined;
      this.decide(e.nowMs);
    });
  }
}
