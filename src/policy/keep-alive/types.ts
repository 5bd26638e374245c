/**
 * The keep-alive / pre-warm contract: when to unload an idle model and when to load it ahead of
 * the next request. Same shape as the batching contract — a stateless policy object, plain JSON
 * state threaded through by the caller, no clock or timers inside:
 *
 *     state = policy.observe(state, { kind: 'request' | 'idle' | 'loaded' | 'unloaded', atMs });
 *     ({ decision, state } = policy.decide(state, { nowMs, residency, loadMs }));
 *
 * The loop (one per model on a slice, in the simulator or the runtime) reports every event, then
 * calls `decide`, and calls it again when a `wait` runs out. Cold starts on demand (a request for
 * an unloaded model) are the loop's own doing; the policy decides only the speculative actions.
 */

export type KeepAlivePolicyName = 'fixed' | 'hybrid-histogram' | 'forecast';

/**
 * Where the model is: `busy` while it has a batch running or requests queued, `idle` when loaded
 * with nothing to do, `loading` while a load (cold start or pre-warm) is under way.
 */
export type Residency = 'unloaded' | 'loading' | 'idle' | 'busy';

/**
 * - `request`: a request for the model arrived (whatever the residency).
 * - `idle`: the last running batch finished and nothing is queued — an idle period starts.
 * - `loaded`: a load finished (the model is now resident); `unloaded`: it was unloaded or evicted.
 */
export interface KeepAliveEvent {
  readonly kind: 'request' | 'idle' | 'loaded' | 'unloaded';
  readonly atMs: number;
}

export interface KeepAliveSnapshot {
  readonly nowMs: number;
  readonly residency: Residency;
  /** Expected time from a load decision to a warm model: load + first-inference warm-up, ms. */
  readonly loadMs: number;
}

/**
 * - `load`: start loading now (only ever answered while unloaded).
 * - `unload`: unload now (only ever answered while idle).
 * - `wait`: nothing now; ask again at `untilMs` (> nowMs) or at the next event.
 * - `idle`: nothing until the next event.
 */
export type KeepAliveDecision =
  | { readonly kind: 'load' }
  | { readonly kind: 'unload' }
  | { readonly kind: 'wait'; readonly untilMs: number }
  | { readonly kind: 'idle' };

export interface KeepAliveStep<S> {
  readonly decision: KeepAliveDecision;
  readonly state: S;
}

/** Fields every keep-alive state carries: what the loop has reported about the current idle period. */
export interface KeepAliveStateBase {
  readonly policy: KeepAlivePolicyName;
  /** Start of the current idle period; null while busy or before the first one. */
  readonly idleSinceMs: number | null;
  /** When the last load finished; null if none was reported. */
  readonly loadedAtMs: number | null;
}

export interface KeepAlivePolicy<S extends KeepAliveStateBase = KeepAliveStateBase> {
  readonly name: KeepAlivePolicyName;
  readonly config: ResolvedKeepAliveConfig;
  initialState(): S;
  decide(state: S, snapshot: KeepAliveSnapshot): KeepAliveStep<S>;
  observe(state: S, event: KeepAliveEvent): S;
}

export interface FixedKeepAliveOptions {
  policy: 'fixed';
  /** Time a model stays loaded after its last request finished, ms; Infinity = never unload. @default 600000 (10 min, AWS Lambda's) */
  keepAliveMs?: number;
}

export interface HybridHistogramOptions {
  policy: 'hybrid-histogram';
  /** Histogram range, ms: idle times beyond it are out of bounds. @default 14400000 (4 h) */
  rangeMs?: number;
  /** Bin width, ms. @default 60000 (1 min) */
  binMs?: number;
  /** Below this coefficient of variation of the bin counts the histogram is not representative. @default 2 */
  cvThreshold?: number;
  /** Share of out-of-bound idle times at which the time-series forecast takes over. @default 0.5 */
  oobThreshold?: number;
  /** Margin of the histogram windows (pre-warm shrunk, keep-alive grown by it). @default 0.1 */
  histogramMargin?: number;
  /** Margin of the forecast windows. @default 0.15 */
  forecastMargin?: number;
  /** Percentiles of the idle-time distribution that set the pre-warm and keep-alive windows. @default 0.05, 0.99 */
  headPercentile?: number;
  tailPercentile?: number;
  /** Out-of-bound pattern: `forecast` the next idle time (the paper's ARIMA) or keep alive for `oobKeepAliveMs`. @default 'forecast' */
  oobFallback?: 'forecast' | 'fixed';
  /** Keep-alive for out-of-bound apps under `oobFallback: 'fixed'`, ms. @default 600000 */
  oobKeepAliveMs?: number;
  /** Idle times kept for the forecaster. @default 64 */
  forecastHistory?: number;
}

export interface ForecastPrewarmOptions {
  policy: 'forecast';
  /** Width of a demand bucket (the forecast's step), ms. @default 60000 */
  bucketMs?: number;
  /** Buckets of history handed to the forecaster. @default 1440 (one day of minutes) */
  historyBuckets?: number;
  /** How far ahead the policy looks for demand, ms; must exceed load time + margin. @default 3600000 */
  horizonMs?: number;
  /** Added to the snapshot's loadMs: lead time = loadMs + marginMs. @default 30000 */
  marginMs?: number;
  /** Predicted requests in a bucket that count as demand. @default 0.5 */
  demandThreshold?: number;
  /** An idle model is kept at least this long before a forecast may unload it, ms. @default 60000 */
  minKeepAliveMs?: number;
}

export type KeepAlivePolicyOptions = FixedKeepAliveOptions | HybridHistogramOptions | ForecastPrewarmOptions;

export interface ResolvedFixedKeepAliveConfig {
  readonly policy: 'fixed';
  readonly keepAliveMs: number;
}

export interface ResolvedHybridHistogramConfig {
  readonly policy: 'hybrid-histogram';
  readonly rangeMs: number;
  readonly binMs: number;
  readonly bins: number;
  readonly cvThreshold: number;
  readonly oobThreshold: number;
  readonly histogramMargin: number;
  readonly forecastMargin: number;
  readonly headPercentile: number;
  readonly tailPercentile: number;
  readonly oobFallback: 'forecast' | 'fixed';
  readonly oobKeepAliveMs: number;
  readonly forecastHistory: number;
}

export interface ResolvedForecastPrewarmConfig {
  readonly policy: 'forecast';
  readonly bucketMs: number;
  readonly historyBuckets: number;
  readonly horizonMs: number;
  readonly marginMs: number;
  readonly demandThreshold: number;
  readonly minKeepAliveMs: number;
}

export type ResolvedKeepAliveConfig = ResolvedFixedKeepAliveConfig | ResolvedHybridHistogramConfig | ResolvedForecastPrewarmConfig;
