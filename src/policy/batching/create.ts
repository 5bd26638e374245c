import { BATCH_POLICIES, type BatchingSpec } from '../../core/spec/schema.js';
import { ProblemList, unknownPolicyError } from '../policy-errors.js';
import { AdaptiveBatchPolicy } from './adaptive.js';
import { AimdBatchPolicy } from './aimd.js';
import { nexusSaturatingThroughputPerS } from './linear-fit.js';
import { NoBatchPolicy } from './none.js';
import { SloAwareBatchPolicy } from './slo-aware.js';
import { TritonBatchPolicy } from './triton.js';
import type {
  BatchPolicy,
  BatchPolicyName,
  BatchPolicyOptions,
  LinearServiceTime,
  ResolvedAdaptiveConfig,
  ResolvedAimdConfig,
  ResolvedBatchPolicyConfig,
  ResolvedSloAwareConfig,
  ResolvedTritonConfig,
} from './types.js';

export const BATCH_POLICY_NAMES: readonly BatchPolicyName[] = BATCH_POLICIES;

/** Defaults that are not obvious from the source they follow; docs/policies.md lists them all. */
export const BATCH_DEFAULTS = Object.freeze({
  /** Triton's own default: 0, "will not delay". */
  tritonMaxQueueDelayMs: 0,
  /** The adaptive controller needs some wait, or its target size is never reached. */
  adaptiveMaxQueueDelayMs: 5,
  alpha: 0.15,
  controlIntervalMs: 1000,
});

export function isBatchPolicyName(name: unknown): name is BatchPolicyName {
  return typeof name === 'string' && (BATCH_POLICY_NAMES as readonly string[]).includes(name);
}

/**
 * Makes the named batching policy from options, with defaults filled in and every problem reported
 * at once (TESSERA_ERR_POLICY_CONFIG); an unknown name is TESSERA_ERR_POLICY_UNKNOWN.
 */
export function createBatchPolicy(options: BatchPolicyOptions): BatchPolicy {
  const config = resolveBatchPolicyConfig(options);
  switch (config.policy) {
    case 'triton':
      return new TritonBatchPolicy(config);
    case 'none':
      return new NoBatchPolicy(config);
    case 'adaptive':
      return new AdaptiveBatchPolicy(config);
    case 'aimd':
      return new AimdBatchPolicy(config);
    case 'slo-aware':
      return new SloAwareBatchPolicy(config);
  }
}

export interface SpecContext {
  /** The model's `maxBatchSize` (what its export accepts), items. */
  readonly modelMaxBatchSize: number;
  /** The service's `slo.p99Ms`. */
  readonly sloMs: number;
  /** From the performance model, e.g. `fitLinearServiceTime(profile points)`. */
  readonly serviceTimePrior?: LinearServiceTime | undefined;
  /** A policy named on the command line (`--batch-policy`) wins over the spec's; checked by createBatchPolicy. */
  readonly policyOverride?: string | undefined;
}

/**
 * Options for a service's batch policy from its fleet-spec `batching` block: the spec's policy
 * (default `triton`, as in the schema), its batch size capped by what the model accepts, its delay
 * and preferred sizes, plus the service SLO and the profile's batch-time line.
 */
export function batchPolicyOptionsFromSpec(spec: BatchingSpec | undefined, context: SpecContext): BatchPolicyOptions {
  const options: BatchPolicyOptions = {
    policy: (context.policyOverride ?? spec?.policy ?? 'triton') as BatchPolicyName,
    maxBatchSize: Math.min(spec?.maxBatchSize ?? context.modelMaxBatchSize, context.modelMaxBatchSize),
    sloMs: context.sloMs,
  };
  if (spec?.maxQueueDelayMs !== undefined) options.maxQueueDelayMs = spec.maxQueueDelayMs;
  if (spec?.preferredBatchSizes !== undefined) options.preferredBatchSizes = spec.preferredBatchSizes;
  if (context.serviceTimePrior !== undefined) options.serviceTimePrior = context.serviceTimePrior;
  return options;
}

export function resolveBatchPolicyConfig(options: BatchPolicyOptions): ResolvedBatchPolicyConfig {
  const name: unknown = options.policy;
  if (!isBatchPolicyName(name)) throw unknownPolicyError('batching', name, BATCH_POLICY_NAMES);
  const problems = new ProblemList();
  problems.integer('maxBatchSize', options.maxBatchSize, 1);
  if (options.maxQueueDelayMs !== undefined) problems.number('maxQueueDelayMs', options.maxQueueDelayMs, 0);
  if (options.sloMs !== undefined) problems.number('sloMs', options.sloMs, 0, true);
  if (options.serviceTimePrior !== undefined) {
    problems.number('serviceTimePrior.baseMs', options.serviceTimePrior.baseMs, 0);
    problems.number('serviceTimePrior.perItemMs', options.serviceTimePrior.perItemMs, 0);
  }
  let config: ResolvedBatchPolicyConfig;
  switch (name) {
    case 'triton':
      config = resolveTriton(options, problems);
      break;
    case 'none':
      config = { policy: 'none', maxBatchSize: options.maxBatchSize };
      break;
    case 'adaptive':
      config = resolveAdaptive(options, problems);
      break;
    case 'aimd':
      config = resolveAimd(options, problems);
      break;
    case 'slo-aware':
      config = resolveSloAware(options, problems);
      break;
  }
  problems.throwIfAny(name);
  return Object.freeze(config);
}

function resolveTriton(options: BatchPolicyOptions, problems: ProblemList): ResolvedTritonConfig {
  const given = options.preferredBatchSizes ?? [];
  given.forEach((size, i) => {
    if (problems.integer(`preferredBatchSizes[${i}]`, size, 1) && size > options.maxBatchSize) {
      problems.add(`preferredBatchSizes[${i}]`, `${size} is above maxBatchSize ${options.maxBatchSize}`);
    }
  });
  // Triton core fills in max_batch_size when no preferred size is set (model_config_utils.cc).
  const preferred = given.length > 0 ? [...new Set(given)].sort((a, b) => a - b) : [options.maxBatchSize];
  return {
    policy: 'triton',
    maxBatchSize: options.maxBatchSize,
    maxQueueDelayMs: options.maxQueueDelayMs ?? BATCH_DEFAULTS.tritonMaxQueueDelayMs,
    preferredBatchSizes: Object.freeze(preferred),
  };
}

function resolveAdaptive(options: BatchPolicyOptions, problems: ProblemList): ResolvedAdaptiveConfig {
  const a = options.adaptive ?? {};
  const alpha = a.alpha ?? BATCH_DEFAULTS.alpha;
  const controlIntervalMs = a.controlIntervalMs ?? BATCH_DEFAULTS.controlIntervalMs;
  const minBatchSize = a.minBatchSize ?? 1;
  const initialBatchSize = a.initialBatchSize ?? minBatchSize;
  problems.number('adaptive.alpha', alpha, 0, true);
  problems.number('adaptive.controlIntervalMs', controlIntervalMs, 0, true);
  if (problems.integer('adaptive.minBatchSize', minBatchSize, 1) && minBatchSize > options.maxBatchSize) {
    problems.add('adaptive.minBatchSize', `${minBatchSize} is above maxBatchSize ${options.maxBatchSize}`);
  }
  if (problems.number('adaptive.initialBatchSize', initialBatchSize, 1) && initialBatchSize > options.maxBatchSize) {
    problems.add('adaptive.initialBatchSize', `${initialBatchSize} is above maxBatchSize ${options.maxBatchSize}`);
  }
  let target = a.targetThroughputPerS;
  if (target === undefined && options.serviceTimePrior !== undefined && options.sloMs !== undefined) {
    target = nexusSaturatingThroughputPerS(options.serviceTimePrior, options.sloMs, options.maxBatchSize);
  }
  if (target === undefined) {
    problems.add(
      'adaptive.targetThroughputPerS',
      'is required (items/s the replica should reach, e.g. the plan\'s rate per replica) unless serviceTimePrior and sloMs are given to derive it',
    );
  } else {
    problems.number('adaptive.targetThroughputPerS', target, 0, true);
  }
  return {
    policy: 'adaptive',
    maxBatchSize: options.maxBatchSize,
    maxQueueDelayMs: options.maxQueueDelayMs ?? BATCH_DEFAULTS.adaptiveMaxQueueDelayMs,
    alpha,
    controlIntervalMs,
    targetThroughputPerS: target ?? 0,
    minBatchSize,
    initialBatchSize,
  };
}

function requireSlo(options: BatchPolicyOptions, problems: ProblemList): number {
  if (options.sloMs === undefined) {
    problems.add('sloMs', `is required by '${options.policy}': it sets the deadline of requests that carry none (use the service's slo.p99Ms)`);
    return 0;
  }
  return options.sloMs;
}

function resolveAimd(options: BatchPolicyOptions, problems: ProblemList): ResolvedAimdConfig {
  const a = options.aimd ?? {};
  const variant = a.variant ?? 'code';
  if (variant !== 'code' && variant !== 'paper') problems.add('aimd.variant', `must be 'code' or 'paper' (got ${String(variant)})`);
  const config: ResolvedAimdConfig = {
    policy: 'aimd',
    variant,
    maxBatchSize: options.maxBatchSize,
    sloMs: requireSlo(options, problems),
    maxQueueDelayMs: options.maxQueueDelayMs ?? 0,
    budgetDecay: a.budgetDecay ?? 0.92,
    additiveExpansionThreshold: a.additiveExpansionThreshold ?? 10,
    minimumBatchSampleSize: a.minimumBatchSampleSize ?? 5,
    latencyZScore: a.latencyZScore ?? 3,
    explorationMean: a.explorationMean ?? 0.1,
    explorationStd: a.explorationStd ?? 0.05,
    ridgeLambda: a.ridgeLambda ?? 0.001,
    seed: a.seed ?? 0,
    additiveStep: a.additiveStep ?? 1,
    backoffFactor: a.backoffFactor ?? 0.9,
  };
  problems.fraction('aimd.budgetDecay', config.budgetDecay, 0, 1);
  problems.integer('aimd.additiveExpansionThreshold', config.additiveExpansionThreshold, 1);
  problems.integer('aimd.minimumBatchSampleSize', config.minimumBatchSampleSize, 1);
  problems.number('aimd.latencyZScore', config.latencyZScore, 0);
  problems.number('aimd.explorationMean', config.explorationMean, 0);
  problems.number('aimd.explorationStd', config.explorationStd, 0);
  problems.number('aimd.ridgeLambda', config.ridgeLambda, 0);
  problems.integer('aimd.seed', config.seed, 0);
  problems.number('aimd.additiveStep', config.additiveStep, 0, true);
  if (config.backoffFactor >= 1 || !(config.backoffFactor > 0)) {
    problems.add('aimd.backoffFactor', `must lie in (0, 1) (got ${String(config.backoffFactor)})`);
  }
  return config;
}

/** BentoML's Optimizer starts at o_a = min(2, 2·max_latency/30) per item and o_b = min(1, max_latency/30). */
export function bentomlInitialServiceTime(sloMs: number): LinearServiceTime {
  return { baseMs: Math.min(1, sloMs / 30), perItemMs: Math.min(2, (sloMs * 2) / 30) };
}

function resolveSloAware(options: BatchPolicyOptions, problems: ProblemList): ResolvedSloAwareConfig {
  const s = options.sloAware ?? {};
  const sloMs = requireSlo(options, problems);
  const config: ResolvedSloAwareConfig = {
    policy: 'slo-aware',
    maxBatchSize: options.maxBatchSize,
    sloMs,
    maxQueueDelayMs: options.maxQueueDelayMs,
    prior: Object.freeze({ ...(options.serviceTimePrior ?? bentomlInitialServiceTime(sloMs)) }),
    windowSize: s.windowSize ?? 50,
    warmupBatches: s.warmupBatches ?? 2,
    priorWeight: s.priorWeight ?? 1,
    safetyFactor: s.safetyFactor ?? 1.1,
  };
  problems.integer('sloAware.windowSize', config.windowSize, 1);
  problems.integer('sloAware.warmupBatches', config.warmupBatches, 0);
  problems.number('sloAware.priorWeight', config.priorWeight, 0);
  problems.number('sloAware.safetyFactor', config.safetyFactor, 0, true);
  return config;
}
