import { checkStateTag } from '../policy-errors.js';
import { IDLE, dispatchOf, takePrefix } from './queue-head.js';
import type { BatchPolicy, BatchSnapshot, BatchStep, ResolvedNoneConfig } from './types.js';

export interface NoneState {
  readonly policy: 'none';
}

const STATE: NoneState = Object.freeze({ policy: 'none' });

/**
 * No batching: one request per batch, dispatched as soon as an instance is free. The baseline every
 * other policy is compared with, and the M/D/1 / Erlang-C fidelity check of the simulator.
 */
export class NoBatchPolicy implements BatchPolicy<NoneState> {
  readonly name = 'none' as const;
  readonly maxQueueDelayBoundMs = 0;

  constructor(readonly config: ResolvedNoneConfig) {}

  initialState(): NoneState {
    return STATE;
  }

  decide(state: NoneState, snapshot: BatchSnapshot): BatchStep<NoneState> {
    checkStateTag(state, this.name);
    if (snapshot.head.length === 0 || snapshot.freeInstances < 1) return { decision: IDLE, state };
    return { decision: dispatchOf(takePrefix(snapshot.head, 1)), state };
  }

  observe(state: NoneState): NoneState {
    checkStateTag(state, this.name);
    return state;
  }
}
