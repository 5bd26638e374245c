import type { Forecaster } from '../forecaster.js';
import { checkStateTag } from '../policy-errors.js';
import { trackIdlePeriod, windowedDecision, type Windows } from './idle-period.js';
import type {
  KeepAliveEvent,
  KeepAlivePolicy,
  KeepAliveSnapshot,
  KeepAliveStateBase,
  KeepAliveStep,
  ResolvedHybridHistogramConfig,
} from './types.js';

/** Which branch of the hybrid policy set the current windows. */
export type IdlePattern = 'uncertain' | 'histogram' | 'out-of-bounds';

export interface HybridHistogramState extends KeepAliveStateBase {
  readonly policy: 'hybrid-histogram';
  /** Idle-time counts per bin (bin i holds [i·binMs, (i+1)·binMs)). */
  readonly bins: readonly number[];
  readonly inBounds: number;
  readonly outOfBounds: number;
  /** Coefficient of variation of the bin counts, updated on in-bound idle times (as dslab does). */
  readonly cv: number;
  /** The most recent idle times, ms, oldest first (the forecaster's series). */
  readonly recentIdleMs: readonly number[];
  /** Windows chosen when the current idle period began. */
  readonly pattern: IdlePattern;
  readonly prewarmMs: number;
  readonly keepAliveMs: number;
}

/**
 * The hybrid histogram policy of Shahrad et al., "Serverless in the Wild: Characterizing and
 * Optimizing the Serverless Workload at a Large Cloud Provider", USENIX ATC 2020 (§4), with the
 * constants and branch order of its reproduction in osukhoroslov/dslab
 * (crates/dslab-faas-extra/src/hybrid_histogram.rs):
 *
 * - An idle time (IT) is the gap from the end of an execution to the next request. ITs go into a
 *   histogram of 1-minute bins over a 4-hour range; longer ones count as out of bounds (OOB).
 * - OOB share ≥ 50 % → the histogram cannot describe the app: predict the next IT with a
 *   time-series model (the paper's ARIMA; here the `Forecaster` port) and use
 *   pre-warm = IT·(1 − 0.15), keep-alive = 2·0.15·IT.
 * - Otherwise, CV of the bin counts < 2 → the histogram is not representative yet: no pre-warm,
 *   keep alive for the whole range (conservative, as the paper says).
 * - Otherwise → pre-warm = 5th-percentile bin·binMs·(1 − 0.10),
 *   keep-alive = (99th-percentile bin + 1)·binMs·(1 + 0.10).
 *
 * Windows are computed when an idle period begins and applied with dslab's semantics
 * (idle-period.ts). One choice of ours: only the first request after an idle period records an
 * IT — requests that arrive while the model is busy are not idle times of a loaded model — so a
 * busy model's histogram is not flooded with zeros.
 */
export class HybridHistogramPolicy implements KeepAlivePolicy<HybridHistogramState> {
  readonly name = 'hybrid-histogram' as const;

  constructor(
    readonly config: ResolvedHybridHistogramConfig,
    private readonly forecaster: Forecaster,
  ) {}

  initialState(): HybridHistogramState {
    const base = {
      policy: 'hybrid-histogram' as const,
      idleSinceMs: null,
      loadedAtMs: null,
      bins: Array.from({ length: this.config.bins }, () => 0),
      inBounds: 0,
      outOfBounds: 0,
      cv: 0,
      recentIdleMs: [],
    };
    return { ...base, ...this.windowsFor(base) };
  }

  decide(state: HybridHistogramState, snapshot: KeepAliveSnapshot): KeepAliveStep<HybridHistogramState> {
    checkStateTag(state, this.name);
    const windows: Windows = { prewarmMs: state.prewarmMs, keepAliveMs: state.keepAliveMs };
    return windowedDecision(state, windows, snapshot);
  }

  observe(state: HybridHistogramState, event: KeepAliveEvent): HybridHistogramState {
    checkStateTag(state, this.name);
    let next = state;
    if (event.kind === 'request' && state.idleSinceMs !== null) next = this.record(state, Math.max(0, event.atMs - state.idleSinceMs));
    next = trackIdlePeriod(next, event);
    if (event.kind === 'idle') next = { ...next, ...this.windowsFor(next) };
    return next;
  }

  /** dslab `ApplicationData::update`: one IT into the histogram (or the OOB count) and the raw series. */
  private record(state: HybridHistogramState, idleMs: number): HybridHistogramState {
    const recentIdleMs = [...state.recentIdleMs.slice(state.recentIdleMs.length >= this.config.forecastHistory ? 1 : 0), idleMs];
    const bin = Math.floor(idleMs / this.config.binMs);
    if (bin >= this.config.bins) return { ...state, recentIdleMs, outOfBounds: state.outOfBounds + 1 };
    const bins = state.bins.slice();
    bins[bin] = (bins[bin] ?? 0) + 1;
    const inBounds = state.inBounds + 1;
    return { ...state, recentIdleMs, bins, inBounds, cv: binCountCv(bins, inBounds) };
  }

  private windowsFor(state: Omit<HybridHistogramState, 'pattern' | 'prewarmMs' | 'keepAliveMs'>): { pattern: IdlePattern } & Windows {
    const c = this.config;
    const total = state.inBounds + state.outOfBounds;
    const oobRate = total === 0 ? 0 : state.outOfBounds / total;
    if (oobRate >= c.oobThreshold) {
      if (c.oobFallback === 'fixed') return { pattern: 'out-of-bounds', prewarmMs: 0, keepAliveMs: c.oobKeepAliveMs };
      const predicted = this.predictIdleMs(state.recentIdleMs);
      return { pattern: 'out-of-bounds', prewarmMs: predicted * (1 - c.forecastMargin), keepAliveMs: predicted * c.forecastMargin * 2 };
    }
    if (state.cv < c.cvThreshold) return { pattern: 'uncertain', prewarmMs: 0, keepAliveMs: c.rangeMs };
    const head = percentileBin(state.bins, state.inBounds, c.headPercentile);
    const tail = percentileBin(state.bins, state.inBounds, c.tailPercentile);
    return {
      pattern: 'histogram',
      prewarmMs: head * c.binMs * (1 - c.histogramMargin),
      keepAliveMs: (tail + 1) * c.binMs * (1 + c.histogramMargin),
    };
  }

  /** dslab returns the only IT when there is one; otherwise the model's one-step forecast. */
  private predictIdleMs(series: readonly number[]): number {
    const last = series[series.length - 1] ?? 0;
    if (series.length <= 1) return last;
    const predicted = this.forecaster.forecast({ history: series, horizon: 1 })[0];
    return predicted !== undefined && Number.isFinite(predicted) && predicted >= 0 ? predicted : last;
  }
}

/** First bin at which the cumulative share reaches `p` (dslab `get_percentile`). */
export function percentileBin(bins: readonly number[], total: number, p: number): number {
  let prefix = 0;
  for (let i = 0; i < bins.length; i++) {
    prefix += bins[i] as number;
    if (total > 0 && prefix / total >= p) return i;
  }
  return bins.length - 1;
}

/**
 * CV of the bin counts: sample std (n − 1) over bins divided by the mean count per bin — dslab's
 * definition, where a histogram concentrated in few bins has a high CV and counts as representative.
 */
export function binCountCv(bins: readonly number[], total: number): number {
  const n = bins.length;
  if (n < 2 || total === 0) return 0;
  const mean = total / n;
  let sq = 0;
  for (const b of bins) sq += (b - mean) * (b - mean);
  return Math.sqrt(sq / (n - 1)) / mean;
}
