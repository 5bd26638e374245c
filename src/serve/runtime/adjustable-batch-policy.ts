import { createBatchPolicy, type BatchFeedback, type BatchPolicy, type BatchPolicyOptions, type BatchPolicyStateBase, type BatchSnapshot, type BatchStep, type ResolvedBatchPolicyConfig } from '../../policy/index.js';

/** The wrapper's state: the inner policy's, tagged with the generation of the inner policy that made it. */
interface AdjustableState extends BatchPolicyStateBase {
  readonly generation: number;
  readonly inner: BatchPolicyStateBase;
}

function isAdjustableState(s: BatchPolicyStateBase): s is AdjustableState {
  return 'generation' in s && 'inner' in s;
}

const IDLE = Object.freeze({ kind: 'idle' as const });

/**
 * A batching policy whose batch-size cap can change while a replica loop runs, and which can be
 * retired so its loop stops starting batches. The loop keeps the policy object it was built with
 * and threads the state through it, so the cap cannot be changed by swapping the loop's policy;
 * instead this wrapper rebuilds its inner policy with the new cap and bumps a generation, and a
 * state from an older generation is replaced by the new policy's initial state on the next
 * `decide` (what an adaptive policy had learned about the old size no longer applies).
 *
 * Retiring makes `decide` answer `idle`: the loop then dispatches nothing more from the shared
 * queue, its in-flight batches finish (and `observe` still passes through), and the other
 * replicas take the queue. That is how a replica is removed without touching the loop itself.
 */
export class AdjustableBatchPolicy implements BatchPolicy<BatchPolicyStateBase> {
  private policy: BatchPolicy;
  private generation = 0;
  private cap: number | undefined;
  private retiredFlag = false;

  constructor(private readonly options: BatchPolicyOptions) {
    this.policy = createBatchPolicy(options);
  }

  get name(): BatchPolicy['name'] {
    return this.policy.name;
  }

  get config(): ResolvedBatchPolicyConfig {
    return this.policy.config;
  }

  get maxQueueDelayBoundMs(): number | undefined {
    return this.policy.maxQueueDelayBoundMs;
  }

  /** The batch size the options (the plan) give this replica. */
  get plannedMaxBatchSize(): number {
    return this.options.maxBatchSize;
  }

  /** The cap in force now (the planned size when none was set). */
  get maxBatchSize(): number {
    return this.policy.config.maxBatchSize;
  }

  get retired(): boolean {
    return this.retiredFlag;
  }

  /**
   * Caps the batch size at `cap` (clamped to [1, planned]); undefined restores the planned size.
   * Preferred sizes above the cap are dropped, since a batch can no longer reach them.
   */
  setCap(cap: number | undefined): void {
    const next = cap === undefined ? undefined : Math.max(1, Math.min(Math.floor(cap), this.options.maxBatchSize));
    if (next === this.cap || (next === this.options.maxBatchSize && this.cap === undefined)) return;
    this.cap = next === this.options.maxBatchSize ? undefined : next;
    const max = this.cap ?? this.options.maxBatchSize;
    const options: BatchPolicyOptions = { ...this.options, maxBatchSize: max };
    const preferred = this.options.preferredBatchSizes?.filter((b) => b <= max);
    if (preferred !== undefined && preferred.length > 0) options.preferredBatchSizes = preferred;
    else delete options.preferredBatchSizes;
    this.policy = createBatchPolicy(options);
    this.generation++;
  }

  /** From now on `decide` starts nothing; the loop only finishes what it has in flight. */
  retire(): void {
    this.retiredFlag = true;
  }

  initialState(): BatchPolicyStateBase {
    return this.wrap(this.policy.initialState());
  }

  decide(state: BatchPolicyStateBase, snapshot: BatchSnapshot): BatchStep<BatchPolicyStateBase> {
    const inner = this.current(state);
    if (this.retiredFlag) return { decision: IDLE, state: this.wrap(inner) };
    const step = this.policy.decide(inner, snapshot);
    return { decision: step.decision, state: this.wrap(step.state) };
  }

  observe(state: BatchPolicyStateBase, feedback: BatchFeedback): BatchPolicyStateBase {
    return this.wrap(this.policy.observe(this.current(state), feedback));
  }

  private wrap(inner: BatchPolicyStateBase): AdjustableState {
    return { policy: inner.policy, generation: this.generation, inner };
  }

  /**
   * The inner state to use: this generation's as it is, an older generation's replaced by a fresh
   * one. Anything else goes to the inner policy unchanged, which refuses a state it did not make
   * (TESSERA_ERR_POLICY_STATE) as the batching contract asks.
   */
  private current(state: BatchPolicyStateBase): BatchPolicyStateBase {
    if (!isAdjustableState(state)) return state;
    return state.generation === this.generation ? state.inner : this.policy.initialState();
  }
}
