/**
 * The remediation rule table and the limiter that enforces each action's cooldown and rate
 * limit. Both are plain data and pure functions of the time passed in, so the simulator and the
 * runtime apply the same limits.
 */

export type AdaptAnomalyKind = 'latency-slo-breach' | 'error-rate' | 'queue-depth' | 'fragmentation';
export type RemediationAction = 'restart-worker' | 'scale-out' | 'lower-batch-size' | 'shed-load' | 'repack';
/** Actions the controller takes outside the rule table (pre-scale, lifting a shed cap, raising a lowered batch cap), counted the same way. */
export type ControllerAction = RemediationAction | 'prescale' | 'lift-shed' | 'raise-batch-size';

export const ANOMALY_KINDS: readonly AdaptAnomalyKind[] = ['latency-slo-breach', 'error-rate', 'queue-depth', 'fragmentation'];
export const REMEDIATION_ACTIONS: readonly RemediationAction[] = ['restart-worker', 'scale-out', 'lower-batch-size', 'shed-load', 'repack'];

/**
 * When a rule applies, from the service's replica bounds: scale out while there is room, and only
 * at the ceiling fall back to actions that cost quality (smaller batches, refused requests).
 */
export type RuleCondition = 'always' | 'below-max-replicas' | 'at-max-replicas';

export interface RateLimit {
  /** At most this many actions … */
  readonly max: number;
  /** … within any window of this length. */
  readonly windowMs: number;
}

export interface RemediationRule {
  readonly anomaly: AdaptAnomalyKind;
  readonly action: RemediationAction;
  /** @default 'always' */
  readonly when?: RuleCondition;
  /** No repeat of this action on the same subject sooner than this after the last one. */
  readonly cooldownMs: number;
  /** Per action and subject. */
  readonly rateLimit: RateLimit;
}

const MIN = 60_000;

/**
 * The default table (docs/adapt.md explains each line). The first rule whose anomaly and
 * condition match is the one that acts; if it is held by its cooldown or rate limit nothing else
 * is tried, or a blocked scale-out would turn into a batch cut on every tick.
 */
export const DEFAULT_RULES: readonly RemediationRule[] = Object.freeze([
  { anomaly: 'latency-slo-breach', action: 'scale-out', when: 'below-max-replicas', cooldownMs: 1 * MIN, rateLimit: { max: 3, windowMs: 10 * MIN } },
  { anomaly: 'latency-slo-breach', action: 'lower-batch-size', when: 'at-max-replicas', cooldownMs: 2 * MIN, rateLimit: { max: 3, windowMs: 30 * MIN } },
  { anomaly: 'queue-depth', action: 'scale-out', when: 'below-max-replicas', cooldownMs: 1 * MIN, rateLimit: { max: 3, windowMs: 10 * MIN } },
  { anomaly: 'queue-depth', action: 'shed-load', when: 'at-max-replicas', cooldownMs: 1 * MIN, rateLimit: { max: 3, windowMs: 10 * MIN } },
  { anomaly: 'error-rate', action: 'restart-worker', when: 'always', cooldownMs: 2 * MIN, rateLimit: { max: 2, windowMs: 10 * MIN } },
  { anomaly: 'fragmentation', action: 'repack', when: 'always', cooldownMs: 10 * MIN, rateLimit: { max: 1, windowMs: 60 * MIN } },
] satisfies RemediationRule[]);

/** Across every action and subject: a storm of anomalies must not become a storm of restarts. */
export const DEFAULT_GLOBAL_RATE_LIMIT: RateLimit = Object.freeze({ max: 10, windowMs: 1 * MIN });

export type LimitVerdict = 'ok' | 'cooldown' | 'rate-limit' | 'global-rate-limit';

export interface LimiterState {
  /** Action times per key (`action|subject`, or `*` for the global limit), oldest first. */
  readonly history: Readonly<Record<string, readonly number[]>>;
}

/**
 * Cooldowns and sliding-window rate limits keyed by action and subject. Keys are per action (not
 * per rule) so that two anomalies asking for the same scale-out share one cooldown.
 */
export class ActionLimiter {
  private history = new Map<string, number[]>();

  constructor(private readonly global: RateLimit) {}

  static key(action: ControllerAction, subject: string): string {
    return `${action}|${subject}`;
  }

  check(key: string, limits: { cooldownMs: number; rateLimit: RateLimit }, nowMs: number): LimitVerdict {
    const past = this.history.get(key) ?? [];
    const last = past.at(-1);
    if (last !== undefined && nowMs - last < limits.cooldownMs) return 'cooldown';
    if (past.filter((t) => t > nowMs - limits.rateLimit.windowMs).length >= limits.rateLimit.max) return 'rate-limit';
    const all = this.history.get('*') ?? [];
    if (all.filter((t) => t > nowMs - this.global.windowMs).length >= this.global.max) return 'global-rate-limit';
    return 'ok';
  }

  /** Whether `key` acted within the last `ms` (used to hold a pre-scale-down after a scale-out). */
  actedWithin(key: string, nowMs: number, ms: number): boolean {
    const last = this.history.get(key)?.at(-1);
    return last !== undefined && nowMs - last < ms;
  }

  record(key: string, nowMs: number, keepMs: number): void {
    for (const k of [key, '*']) {
      const keep = k === '*' ? this.global.windowMs : keepMs;
      const list = (this.history.get(k) ?? []).filter((t) => t > nowMs - keep);
      list.push(nowMs);
      this.history.set(k, list);
    }
  }

  snapshot(): LimiterState {
    return { history: Object.fromEntries([...this.history].map(([k, v]) => [k, [...v]])) };
  }
}
