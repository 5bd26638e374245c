import { TesseraError, isTesseraError } from '../core/errors/index.js';
import type { DetectorOptions } from '../observe/index.js';
import type { Forecaster } from '../policy/index.js';
import { ANOMALY_KINDS, DEFAULT_GLOBAL_RATE_LIMIT, DEFAULT_RULES, REMEDIATION_ACTIONS, type RateLimit, type RemediationRule } from './rules.js';

export interface DetectionOptions {
  /** Label that names the service on tessera_serve_* metrics (the runtime labels by service as `model`). @default 'model' */
  readonly serviceLabel?: string;
  /** Window of the rate and quantile queries. @default 60000 */
  readonly windowMs?: number;
  /** Detector run on each service signal (p99, error rate, queue depth). @default { detector: 'ewma-mad' } */
  readonly detector?: DetectorOptions;
  /** A detector alarm on p99 counts only above this share of the SLO (a jump from 2 to 6 ms is no problem at a 100 ms SLO). @default 0.8 */
  readonly latencyWatchRatio?: number;
  /** Share of failed requests that is an anomaly whatever the detector says. @default 0.05 */
  readonly maxErrorRate?: number;
  /** A detector alarm on the error rate counts only above this share. @default 0.01 */
  readonly errorRateFloor?: number;
  /** Below this many requests/s the error rate is too noisy to act on. @default 0.1 */
  readonly minRpsForErrorRate?: number;
  /** Queue depth that is an anomaly whatever the detector says. @default 64 */
  readonly maxQueueDepth?: number;
  /** A detector alarm on queue depth counts only above this depth. @default 8 */
  readonly queueDepthFloor?: number;
  /** GPU memory fragmentation (tessera_gpu_memory_fragmentation_ratio) that asks for a re-pack; undefined turns the check off. @default 0.5 */
  readonly fragmentationThreshold?: number | undefined;
}

export interface PrescaleServiceOptions {
  /** Requests/s one replica should carry (the target-tracking target). */
  readonly targetRpsPerReplica: number;
  /** Measured model load time on the slice, ms. */
  readonly loadMs: number;
  /** Measured warm-up (first inferences) time, ms. */
  readonly warmupMs: number;
  /** Safety margin added to the lead time, ms. */
  readonly marginMs: number;
  /** Scale-down stabilisation of the scaler. @default 300000 */
  readonly scaleDownStabilizationMs?: number;
}

export interface PrescaleOptions {
  readonly services: Readonly<Record<string, PrescaleServiceOptions>>;
  /** Default: Holt-Winters with a daily season through `toPolicyForecaster`. */
  readonly forecaster?: Forecaster;
  /** History read per tick. @default 3600000 (1 h) */
  readonly historyMs?: number;
  /** Step of the history and the forecast. @default 60000 */
  readonly stepMs?: number;
  /** Window of the rate() behind each history point. @default 2 × stepMs */
  readonly rateWindowMs?: number;
  /** @default 60000 */
  readonly cooldownMs?: number;
  /** @default { max: 6, windowMs: 600000 } */
  readonly rateLimit?: RateLimit;
  /** A pre-scale never scales a service down this soon after a remediation scale-out. @default 600000 */
  readonly holdAfterScaleOutMs?: number;
}

/**
 * The batch step: a batch cap that `lower-batch-size` cut is raised back towards the plan's batch
 * size once p99 has stayed under `latencyWatchRatio` × SLO for `calmTicks` ticks in a row.
 */
export interface BatchRecoveryOptions {
  /** Consecutive calm ticks before a raise (and again after each raise). @default 3 */
  readonly calmTicks?: number;
  /** The new cap is max(cap + step, ⌈cap × factor⌉), never above the planned batch size. @default 2 */
  readonly factor?: number;
  /** @default 1 */
  readonly step?: number;
  /** No raise sooner than this after the last `lower-batch-size` on the service. @default 300000 */
  readonly holdAfterLowerMs?: number;
  /** @default 60000 */
  readonly cooldownMs?: number;
  /** @default { max: 10, windowMs: 1800000 } */
  readonly rateLimit?: RateLimit;
}

export interface ResolvedBatchRecovery {
  readonly calmTicks: number;
  readonly factor: number;
  readonly step: number;
  readonly holdAfterLowerMs: number;
  readonly cooldownMs: number;
  readonly rateLimit: RateLimit;
}

export interface ResolvedControllerConfig {
  readonly dryRun: boolean;
  readonly rules: readonly RemediationRule[];
  readonly globalRateLimit: RateLimit;
  readonly detection: Required<Omit<DetectionOptions, 'fragmentationThreshold'>> & { readonly fragmentationThreshold: number | undefined };
  /** Keep a shed cap at least this long after the last shed; lift it once no queue or latency anomaly remains. @default 120000 */
  readonly shedReleaseMs: number;
  /** The admission cap a shed sets, as a share of the successful request rate now. @default 0.9 */
  readonly shedFactor: number;
  /** The batch step's settings; undefined when it is turned off (`batchRecovery: false`). */
  readonly batchRecovery: ResolvedBatchRecovery | undefined;
}

export interface ControllerConfigInput {
  readonly dryRun?: boolean;
  readonly rules?: readonly RemediationRule[];
  readonly globalRateLimit?: RateLimit;
  readonly detection?: DetectionOptions;
  readonly shedReleaseMs?: number;
  readonly shedFactor?: number;
  readonly prescale?: PrescaleOptions;
  /** The batch step (raise a lowered batch cap back once latency is calm); `false` turns it off. @default {} */
  readonly batchRecovery?: BatchRecoveryOptions | false;
}

/** Options checked once, every problem listed together (the project's spec-error rule). */
export function resolveControllerConfig(input: ControllerConfigInput): ResolvedControllerConfig {
  const problems: string[] = [];
  const nonNeg = (path: string, v: number): void => {
    if (!(Number.isFinite(v) && v >= 0)) problems.push(`${path}: must be a finite number ≥ 0, got ${v}`);
  };
  const positive = (path: string, v: number): void => {
    if (!(Number.isFinite(v) && v > 0)) problems.push(`${path}: must be a finite number > 0, got ${v}`);
  };
  const share = (path: string, v: number): void => {
    if (!(v > 0 && v <= 1)) problems.push(`${path}: must lie in (0, 1], got ${v}`);
  };
  const rate = (path: string, r: RateLimit): void => {
    if (!(Number.isInteger(r.max) && r.max >= 1)) problems.push(`${path}.max: must be a whole number ≥ 1, got ${r.max}`);
    positive(`${path}.windowMs`, r.windowMs);
  };

  const rules = input.rules ?? DEFAULT_RULES;
  rules.forEach((r, i) => {
    if (!ANOMALY_KINDS.includes(r.anomaly)) problems.push(`rules[${i}].anomaly: '${r.anomaly}' is not one of ${ANOMALY_KINDS.join(', ')}`);
    if (!REMEDIATION_ACTIONS.includes(r.action)) problems.push(`rules[${i}].action: '${r.action}' is not one of ${REMEDIATION_ACTIONS.join(', ')}`);
    nonNeg(`rules[${i}].cooldownMs`, r.cooldownMs);
    rate(`rules[${i}].rateLimit`, r.rateLimit);
  });
  const globalRateLimit = input.globalRateLimit ?? DEFAULT_GLOBAL_RATE_LIMIT;
  rate('globalRateLimit', globalRateLimit);

  const d = input.detection ?? {};
  const detection = {
    serviceLabel: d.serviceLabel ?? 'model',
    windowMs: d.windowMs ?? 60_000,
    detector: d.detector ?? { detector: 'ewma-mad' as const },
    latencyWatchRatio: d.latencyWatchRatio ?? 0.8,
    maxErrorRate: d.maxErrorRate ?? 0.05,
    errorRateFloor: d.errorRateFloor ?? 0.01,
    minRpsForErrorRate: d.minRpsForErrorRate ?? 0.1,
    maxQueueDepth: d.maxQueueDepth ?? 64,
    queueDepthFloor: d.queueDepthFloor ?? 8,
    fragmentationThreshold: 'fragmentationThreshold' in d ? d.fragmentationThreshold : 0.5,
  };
  positive('detection.windowMs', detection.windowMs);
  share('detection.latencyWatchRatio', detection.latencyWatchRatio);
  share('detection.maxErrorRate', detection.maxErrorRate);
  share('detection.errorRateFloor', detection.errorRateFloor);
  nonNeg('detection.minRpsForErrorRate', detection.minRpsForErrorRate);
  positive('detection.maxQueueDepth', detection.maxQueueDepth);
  nonNeg('detection.queueDepthFloor', detection.queueDepthFloor);
  if (detection.fragmentationThreshold !== undefined) share('detection.fragmentationThreshold', detection.fragmentationThreshold);

  const shedReleaseMs = input.shedReleaseMs ?? 120_000;
  const shedFactor = input.shedFactor ?? 0.9;
  nonNeg('shedReleaseMs', shedReleaseMs);
  share('shedFactor', shedFactor);

  const p = input.prescale;
  if (p !== undefined) {
    for (const [name, s] of Object.entries(p.services)) {
      positive(`prescale.services.${name}.targetRpsPerReplica`, s.targetRpsPerReplica);
      nonNeg(`prescale.services.${name}.loadMs`, s.loadMs);
      nonNeg(`prescale.services.${name}.warmupMs`, s.warmupMs);
      nonNeg(`prescale.services.${name}.marginMs`, s.marginMs);
      if (s.scaleDownStabilizationMs !== undefined) nonNeg(`prescale.services.${name}.scaleDownStabilizationMs`, s.scaleDownStabilizationMs);
    }
    if (p.historyMs !== undefined) positive('prescale.historyMs', p.historyMs);
    if (p.stepMs !== undefined) positive('prescale.stepMs', p.stepMs);
    if (p.rateWindowMs !== undefined) positive('prescale.rateWindowMs', p.rateWindowMs);
    if (p.cooldownMs !== undefined) nonNeg('prescale.cooldownMs', p.cooldownMs);
    if (p.rateLimit !== undefined) rate('prescale.rateLimit', p.rateLimit);
    if (p.holdAfterScaleOutMs !== undefined) nonNeg('prescale.holdAfterScaleOutMs', p.holdAfterScaleOutMs);
  }

  let batchRecovery: ResolvedBatchRecovery | undefined;
  if (input.batchRecovery !== false) {
    const b = input.batchRecovery ?? {};
    batchRecovery = Object.freeze({
      calmTicks: b.calmTicks ?? 3,
      factor: b.factor ?? 2,
      step: b.step ?? 1,
      holdAfterLowerMs: b.holdAfterLowerMs ?? 300_000,
      cooldownMs: b.cooldownMs ?? 60_000,
      rateLimit: b.rateLimit ?? { max: 10, windowMs: 1_800_000 },
    });
    if (!(Number.isInteger(batchRecovery.calmTicks) && batchRecovery.calmTicks >= 1)) problems.push(`batchRecovery.calmTicks: must be a whole number ≥ 1, got ${batchRecovery.calmTicks}`);
    if (!(Number.isFinite(batchRecovery.factor) && batchRecovery.factor >= 1)) problems.push(`batchRecovery.factor: must be a finite number ≥ 1, got ${batchRecovery.factor}`);
    if (!(Number.isInteger(batchRecovery.step) && batchRecovery.step >= 0)) problems.push(`batchRecovery.step: must be a whole number ≥ 0, got ${batchRecovery.step}`);
    if (batchRecovery.factor === 1 && batchRecovery.step === 0) problems.push('batchRecovery: factor 1 with step 0 would never raise the cap; give factor > 1 or step ≥ 1');
    nonNeg('batchRecovery.holdAfterLowerMs', batchRecovery.holdAfterLowerMs);
    nonNeg('batchRecovery.cooldownMs', batchRecovery.cooldownMs);
    rate('batchRecovery.rateLimit', batchRecovery.rateLimit);
  }

  if (problems.length > 0) {
    throw new TesseraError('TESSERA_ERR_ADAPT_CONFIG', `controller options have ${problems.length} problem(s):\n  ${problems.join('\n  ')}`, { details: { problems } });
  }
  return Object.freeze({ dryRun: input.dryRun ?? false, rules: Object.freeze([...rules]), globalRateLimit, detection: Object.freeze(detection), shedReleaseMs, shedFactor, batchRecovery });
}

/** The options every controller loop shares, whether it runs on a real clock (serve) or virtual time (simulate). */
export interface AdaptLoopOptionsBase {
  readonly intervalMs?: number | undefined;
  readonly sampleIntervalMs?: number | undefined;
  readonly retentionMs?: number | undefined;
  readonly dryRun?: boolean | undefined;
  readonly controller?: ControllerConfigInput | undefined;
}

/**
 * Checks a controller loop's options and the controller's own together and reports every problem
 * at once (TESSERA_ERR_ADAPT_CONFIG), so serve and simulate refuse bad options before they start
 * anything. `extra` are the caller's own problems, already found.
 */
export function checkAdaptLoopOptions(o: AdaptLoopOptionsBase, extra: readonly string[] = []): void {
  const problems: string[] = [];
  const positive = (name: string, v: number | undefined): void => {
    if (v !== undefined && !(Number.isFinite(v) && v > 0)) problems.push(`${name}: must be a finite number > 0, got ${v}`);
  };
  positive('intervalMs', o.intervalMs);
  positive('sampleIntervalMs', o.sampleIntervalMs);
  positive('retentionMs', o.retentionMs);
  problems.push(...extra);
  try {
    resolveControllerConfig({ ...o.controller, ...(o.dryRun !== undefined ? { dryRun: o.dryRun } : {}) });
  } catch (err) {
    const listed = isTesseraError(err) ? err.details?.['problems'] : undefined;
    if (!Array.isArray(listed)) throw err;
    for (const p of listed) problems.push(`controller.${String(p)}`);
  }
  if (problems.length > 0) throw new TesseraError('TESSERA_ERR_ADAPT_CONFIG', `adapt options have ${problems.length} problem(s):\n  ${problems.join('\n  ')}`, { details: { problems } });
}
