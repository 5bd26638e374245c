import { checkStateTag } from '../policy-errors.js';
import { trackIdlePeriod, windowedDecision, type Windows } from './idle-period.js';
import type { KeepAliveEvent, KeepAlivePolicy, KeepAliveSnapshot, KeepAliveStateBase, KeepAliveStep, ResolvedFixedKeepAliveConfig } from './types.js';

export interface FixedKeepAliveState extends KeepAliveStateBase {
  readonly policy: 'fixed';
}

/**
 * The state of the practice "Serverless in the Wild" measured: keep a model loaded for a fixed
 * time after its last request (10 min on AWS Lambda, 20 min on Azure Functions), never pre-warm.
 */
export class FixedKeepAlivePolicy implements KeepAlivePolicy<FixedKeepAliveState> {
  readonly name = 'fixed' as const;
  private readonly windows: Windows;

  constructor(readonly config: ResolvedFixedKeepAliveConfig) {
    this.windows = { prewarmMs: 0, keepAliveMs: config.keepAliveMs };
  }

  initialState(): FixedKeepAliveState {
    return { policy: 'fixed', idleSinceMs: null, loadedAtMs: null };
  }

  decide(state: FixedKeepAliveState, snapshot: KeepAliveSnapshot): KeepAliveStep<FixedKeepAliveState> {
    checkStateTag(state, this.name);
    return windowedDecision(state, this.windows, snapshot);
  }

  observe(state: FixedKeepAliveState, event: KeepAliveEvent): FixedKeepAliveState {
    checkStateTag(state, this.name);
    return trackIdlePeriod(state, event);
  }
}
