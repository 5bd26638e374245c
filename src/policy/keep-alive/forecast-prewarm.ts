import type { Forecaster } from '../forecaster.js';
import { checkStateTag } from '../policy-errors.js';
import { IDLE, LOAD, UNLOAD, idleAnchor, trackIdlePeriod } from './idle-period.js';
import type {
  KeepAliveEvent,
  KeepAlivePolicy,
  KeepAliveSnapshot,
  KeepAliveStateBase,
  KeepAliveStep,
  ResolvedForecastPrewarmConfig,
} from './types.js';

export interface ForecastPrewarmState extends KeepAliveStateBase {
  readonly policy: 'forecast';
  /** Start of the bucket now being counted (aligned to multiples of bucketMs); null before any call. */
  readonly bucketStartMs: number | null;
  readonly bucketCount: number;
  /** Requests per closed bucket, oldest first, at most historyBuckets. */
  readonly history: readonly number[];
  /** The forecast made when the current bucket opened: values[k] is for the bucket k steps from it. */
  readonly forecast: { readonly forBucketStartMs: number; readonly values: readonly number[] } | null;
}

/**
 * Forecast-driven pre-warm: count requests per bucket, ask the `Forecaster` port for the coming
 * buckets, and keep the model warm for predicted demand with a lead time of load + warm-up
 * (the snapshot's loadMs) + marginMs — the MArk / Dynamo-planner idea of hiding provisioning time
 * behind a prediction.
 *
 * - Unloaded: if some bucket k in the horizon is predicted to bring ≥ demandThreshold requests,
 *   load at its start − lead time (now, if that has passed); otherwise check again when the next
 *   bucket closes (new data, new forecast).
 * - Idle: keep at least minKeepAliveMs after the last request finished; after that, unload unless
 *   demand is predicted before a reload could finish (within the lead time), re-checking at each
 *   bucket boundary.
 *
 * The forecast is made once per bucket and kept in the state, so `decide` stays cheap and the
 * state alone replays the decisions.
 */
export class ForecastPrewarmPolicy implements KeepAlivePolicy<ForecastPrewarmState> {
  readonly name = 'forecast' as const;
  private readonly horizonBuckets: number;

  constructor(
    readonly config: ResolvedForecastPrewarmConfig,
    private readonly forecaster: Forecaster,
  ) {
    this.horizonBuckets = Math.max(1, Math.ceil(config.horizonMs / config.bucketMs));
  }

  initialState(): ForecastPrewarmState {
    return { policy: 'forecast', idleSinceMs: null, loadedAtMs: null, bucketStartMs: null, bucketCount: 0, history: [], forecast: null };
  }

  decide(state: ForecastPrewarmState, snapshot: KeepAliveSnapshot): KeepAliveStep<ForecastPrewarmState> {
    checkStateTag(state, this.name);
    const { nowMs, residency } = snapshot;
    let next = this.withForecast(this.advance(state, nowMs));
    if (residency === 'busy' || residency === 'loading') return { decision: IDLE, state: next };
    const bucketStartMs = next.bucketStartMs as number;
    const nextBoundaryMs = bucketStartMs + this.config.bucketMs;
    const leadMs = Math.max(0, snapshot.loadMs) + this.config.marginMs;
    const values = next.forecast?.values ?? [];

    if (residency === 'unloaded') {
      const k = values.findIndex((v) => v >= this.config.demandThreshold);
      if (k < 0) return { decision: { kind: 'wait', untilMs: nextBoundaryMs }, state: next };
      const loadAtMs = bucketStartMs + k * this.config.bucketMs - leadMs;
      if (nowMs >= loadAtMs) return { decision: LOAD, state: next };
      return { decision: { kind: 'wait', untilMs: Math.min(loadAtMs, nextBoundaryMs) }, state: next };
    }

    const anchored = idleAnchor(next, nowMs);
    next = anchored.state;
    const keepUntilMs = anchored.anchorMs + this.config.minKeepAliveMs;
    if (nowMs < keepUntilMs) return { decision: { kind: 'wait', untilMs: keepUntilMs }, state: next };
    // Demand in any bucket that starts before a reload could finish keeps the model loaded.
    const soonBuckets = Math.ceil((nowMs + leadMs - bucketStartMs) / this.config.bucketMs);
    for (let k = 0; k < Math.min(soonBuckets, values.length); k++) {
      if ((values[k] as number) >= this.config.demandThreshold) return { decision: { kind: 'wait', untilMs: nextBoundaryMs }, state: next };
    }
    return { decision: UNLOAD, state: next };
  }

  observe(state: ForecastPrewarmState, event: KeepAliveEvent): ForecastPrewarmState {
    checkStateTag(state, this.name);
    let next = trackIdlePeriod(this.advance(state, event.atMs), event);
    if (event.kind === 'request') next = { ...next, bucketCount: next.bucketCount + 1 };
    return next;
  }

  /** Closes every bucket that ended by `nowMs` (empty ones count 0). Events from the past count in the open bucket. */
  private advance(state: ForecastPrewarmState, nowMs: number): ForecastPrewarmState {
    const { bucketMs, historyBuckets } = this.config;
    if (state.bucketStartMs === null) return { ...state, bucketStartMs: Math.floor(nowMs / bucketMs) * bucketMs };
    const closed = Math.floor((nowMs - state.bucketStartMs) / bucketMs);
    if (closed < 1) return state;
    // Beyond the history length every extra empty bucket would be dropped again, so stop there.
    const zeros = Math.min(closed - 1, historyBuckets);
    const history = [...state.history, state.bucketCount, ...Array.from({ length: zeros }, () => 0)];
    return {
      ...state,
      bucketStartMs: state.bucketStartMs + closed * bucketMs,
      bucketCount: 0,
      history: history.length > historyBuckets ? history.slice(history.length - historyBuckets) : history,
    };
  }

  private withForecast(state: ForecastPrewarmState): ForecastPrewarmState {
    const start = state.bucketStartMs as number;
    if (state.forecast !== null && state.forecast.forBucketStartMs === start) return state;
    const raw = this.forecaster.forecast({ history: state.history, stepMs: this.config.bucketMs, endMs: start, horizon: this.horizonBuckets });
    const values = Array.from({ length: this.horizonBuckets }, (_, i) => {
      const v = raw[i];
      return v !== undefined && Number.isFinite(v) && v > 0 ? v : 0;
    });
    return { ...state, forecast: { forBucketStartMs: start, values } };
  }
}
