import { TesseraError } from '../core/errors/index.js';
import { FORECAST_METHODS, createForecaster, isForecastMethod, toPolicyForecaster, type ForecastMethod } from '../observe/index.js';
import { coldStartEstimate, resolvePlanOptions, type Plan, type PlanService } from '../plan/index.js';
import type { Forecaster } from '../policy/index.js';
import { sliceFromPlan, type PerformanceModel } from '../profile/index.js';
import type { PrescaleOptions, PrescaleServiceOptions } from './options.js';

export const DEFAULT_PRESCALE_UTILIZATION = 0.7;
export const DEFAULT_PRESCALE_MARGIN_MS = 30_000;
export const DEFAULT_PRESCALE_SEASON_MS = 86_400_000;
export const DEFAULT_PRESCALE_FORECASTER: ForecastMethod = 'holt-winters';
/** The controller's own defaults (src/adapt/controller.ts), stated here so the result says what it runs with. */
export const DEFAULT_PRESCALE_HISTORY_MS = 3_600_000;
export const DEFAULT_PRESCALE_STEP_MS = 60_000;

export interface PrescaleFromPlanOptions extends Pick<PrescaleOptions, 'rateWindowMs' | 'cooldownMs' | 'rateLimit' | 'holdAfterScaleOutMs'> {
  /** Share of a replica's planned capacity the target-tracking scaler aims at, in (0, 1]. @default 0.7 */
  readonly utilization?: number;
  /** Added to the measured load + warm-up to give the lead time, ms. @default 30000 */
  readonly marginMs?: number;
  /**
   * A forecaster by name (`holt-winters`, `seasonal-naive`, `seasonal-median`, built with
   * `createForecaster` and adapted with `toPolicyForecaster` at `seasonMs`), or a policy-layer
   * `Forecaster` to use as it is (a bench's last-value control). @default 'holt-winters'
   */
  readonly forecaster?: string | Forecaster;
  /** Season of a named forecaster, ms. A history shorter than the forecaster needs for it falls back to Holt's trend. @default 86400000 (1 d) */
  readonly seasonMs?: number;
  /** History read per tick. @default 3600000 (1 h) */
  readonly historyMs?: number;
  /** Step of the history and the forecast. @default 60000 */
  readonly stepMs?: number;
  /** Cold start assumed where no profile measured the load, ms (the planner's and the simulator's rule). @default the plan option's 2000 */
  readonly defaultColdStartMs?: number;
  /** Passed to every service's scaler. @default the scaler's 300000 */
  readonly scaleDownStabilizationMs?: number;
}

/** Where one service's pre-scale figures come from. */
export interface PrescaleBasis {
  /** Capacity per replica the target is a share of: the mean of the plan's replicas' capacityRps. */
  readonly capacityRps: number;
  readonly utilization: number;
  /** The slice the cold start was read for: the plan's first replica's, where a scale-out adds replicas. */
  readonly slice: string;
  /** False when no profile measured the load and `defaultColdStartMs` stands in for it. */
  readonly coldStartMeasured: boolean;
  /** loadMs + warmupMs + marginMs. */
  readonly leadMs: number;
}

export interface SkippedPrescaleService {
  readonly service: string;
  readonly reason: string;
}

/** Pre-scale options (usable as they are) plus what they were derived from. */
export interface PlannedPrescale extends PrescaleOptions {
  readonly forecaster: Forecaster;
  readonly historyMs: number;
  readonly stepMs: number;
  readonly basis: Readonly<Record<string, PrescaleBasis>>;
  /** Plan services left out, with why (a cold-pool service, no replica, no capacity figure, a slice the plan lacks). */
  readonly skipped: readonly SkippedPrescaleService[];
}

/**
 * Forecast-driven pre-scale settings for every service of a plan: the target per replica is the
 * planned replica capacity × `utilization`, the lead time the performance model's cold start of
 * the slice (by `coldStartEstimate`, the rule the planner's pools and the simulator's restarts use)
 * plus `marginMs`. What `tessera serve --adapt --prescale` and `tessera simulate --adapt --prescale`
 * run with; bad options are TESSERA_ERR_ADAPT_CONFIG, every problem at once.
 */
export function prescaleFromPlan(plan: Plan, perf: PerformanceModel, options: PrescaleFromPlanOptions = {}): PlannedPrescale {
  const utilization = options.utilization ?? DEFAULT_PRESCALE_UTILIZATION;
  const marginMs = options.marginMs ?? DEFAULT_PRESCALE_MARGIN_MS;
  const seasonMs = options.seasonMs ?? DEFAULT_PRESCALE_SEASON_MS;
  const historyMs = options.historyMs ?? DEFAULT_PRESCALE_HISTORY_MS;
  const stepMs = options.stepMs ?? DEFAULT_PRESCALE_STEP_MS;
  const defaultColdStartMs = options.defaultColdStartMs ?? resolvePlanOptions().defaultColdStartMs;
  const chosen = options.forecaster ?? DEFAULT_PRESCALE_FORECASTER;

  const problems: string[] = [];
  if (!(utilization > 0 && utilization <= 1)) problems.push(`utilization: must lie in (0, 1], got ${utilization}`);
  const nonNeg = (name: string, v: number): void => {
    if (!(Number.isFinite(v) && v >= 0)) problems.push(`${name}: must be a finite number ≥ 0, got ${v}`);
  };
  const positive = (name: string, v: number): void => {
    if (!(Number.isFinite(v) && v > 0)) problems.push(`${name}: must be a finite number > 0, got ${v}`);
  };
  nonNeg('marginMs', marginMs);
  positive('seasonMs', seasonMs);
  positive('historyMs', historyMs);
  positive('stepMs', stepMs);
  nonNeg('defaultColdStartMs', defaultColdStartMs);
  if (options.scaleDownStabilizationMs !== undefined) nonNeg('scaleDownStabilizationMs', options.scaleDownStabilizationMs);
  if (typeof chosen === 'string' && !isForecastMethod(chosen)) problems.push(`forecaster: '${chosen}' is not one of ${FORECAST_METHODS.join(', ')}`);
  if (problems.length > 0) {
    throw new TesseraError('TESSERA_ERR_ADAPT_CONFIG', `pre-scale options have ${problems.length} problem(s):\n  ${problems.join('\n  ')}`, { details: { problems } });
  }

  const forecaster = typeof chosen === 'string' ? toPolicyForecaster(createForecaster(chosen), { seasonMs }) : chosen;
  const slices = new Map(plan.slices.map((s) => [s.id, s]));
  const gpuTypes = new Map(plan.gpus.map((g) => [g.id, g.type]));
  const services: Record<string, PrescaleServiceOptions> = {};
  const basis: Record<string, PrescaleBasis> = {};
  const skipped: SkippedPrescaleService[] = [];
  for (const svc of plan.services) {
    // A cold-pool service shares a pool slice and loads on demand: the keep-alive / pre-warm
    // policy decides when it is resident, and a replica count has nothing to say about it.
    if (svc.pool === 'cold') {
      skipped.push({ service: svc.name, reason: 'a cold-pool service: it loads on demand on a shared pool slice, which the keep-alive policy governs, not a replica count' });
      continue;
    }
    const capacityRps = meanCapacity(svc);
    const first = svc.replicas[0];
    if (first === undefined) {
      skipped.push({ service: svc.name, reason: 'the plan gives it no replica' });
      continue;
    }
    if (capacityRps === undefined) {
      skipped.push({ service: svc.name, reason: 'no capacity figure (capacityRps) on its replicas' });
      continue;
    }
    const slice = slices.get(first.slice);
    if (slice === undefined) {
      skipped.push({ service: svc.name, reason: `its first replica's slice '${first.slice}' is not in the plan's slices` });
      continue;
    }
    // Scale-outs (ServeCluster, the simulator) add copies of the first replica on its slice, so
    // that slice's cold start is how long a new replica takes to serve.
    const cold = coldStartEstimate(perf, svc.model, sliceFromPlan(slice, slice.gpu === undefined ? undefined : gpuTypes.get(slice.gpu)), { defaultColdStartMs });
    services[svc.name] = {
      targetRpsPerReplica: capacityRps * utilization,
      loadMs: cold.loadMs,
      warmupMs: cold.warmupMs,
      marginMs,
      ...(options.scaleDownStabilizationMs === undefined ? {} : { scaleDownStabilizationMs: options.scaleDownStabilizationMs }),
    };
    basis[svc.name] = { capacityRps, utilization, slice: slice.id, coldStartMeasured: cold.measured, leadMs: cold.loadMs + cold.warmupMs + marginMs };
  }

  return {
    services,
    forecaster,
    historyMs,
    stepMs,
    ...(options.rateWindowMs === undefined ? {} : { rateWindowMs: options.rateWindowMs }),
    ...(options.cooldownMs === undefined ? {} : { cooldownMs: options.cooldownMs }),
    ...(options.rateLimit === undefined ? {} : { rateLimit: options.rateLimit }),
    ...(options.holdAfterScaleOutMs === undefined ? {} : { holdAfterScaleOutMs: options.holdAfterScaleOutMs }),
    basis,
    skipped,
  };
}

/**
 * The replicas' mean capacity, or undefined when any lacks a usable figure. The mean, not the
 * first replica's, because the scaler turns the service's whole load into a replica count, and at
 * the plan's count the replicas running are the plan's (identical in the usual homogeneous plan).
 */
function meanCapacity(svc: PlanService): number | undefined {
  if (svc.replicas.length === 0) return undefined;
  let sum = 0;
  for (const r of svc.replicas) {
    const c = (r as { capacityRps?: unknown }).capacityRps;
    // A plan read from JSON is not checked field by field, so a missing or broken figure is possible.
    if (typeof c !== 'number' || !(Number.isFinite(c) && c > 0)) return undefined;
    sum += c;
  }
  return sum / svc.replicas.length;
}
