import { createSmoothingForecaster, type Forecaster } from '../forecaster.js';
import { ProblemList, unknownPolicyError } from '../policy-errors.js';
import { FixedKeepAlivePolicy } from './fixed.js';
import { ForecastPrewarmPolicy } from './forecast-prewarm.js';
import { HybridHistogramPolicy } from './hybrid-histogram.js';
import type {
  KeepAlivePolicy,
  KeepAlivePolicyName,
  KeepAlivePolicyOptions,
  ResolvedForecastPrewarmConfig,
  ResolvedHybridHistogramConfig,
  ResolvedKeepAliveConfig,
} from './types.js';

export const KEEP_ALIVE_POLICY_NAMES: readonly KeepAlivePolicyName[] = ['fixed', 'hybrid-histogram', 'forecast'];

export interface KeepAlivePorts {
  /** Used by `hybrid-histogram` (out-of-bound idle times) and `forecast`. @default simple exponential smoothing */
  forecaster?: Forecaster;
}

/**
 * Makes the named keep-alive / pre-warm policy with defaults filled in; every problem in the
 * options is reported at once (TESSERA_ERR_POLICY_CONFIG), an unknown name is
 * TESSERA_ERR_POLICY_UNKNOWN.
 */
export function createKeepAlivePolicy(options: KeepAlivePolicyOptions, ports: KeepAlivePorts = {}): KeepAlivePolicy {
  const config = resolveKeepAliveConfig(options);
  const forecaster = ports.forecaster ?? createSmoothingForecaster();
  switch (config.policy) {
    case 'fixed':
      return new FixedKeepAlivePolicy(config);
    case 'hybrid-histogram':
      return new HybridHistogramPolicy(config, forecaster);
    case 'forecast':
      return new ForecastPrewarmPolicy(config, forecaster);
  }
}

export function resolveKeepAliveConfig(options: KeepAlivePolicyOptions): ResolvedKeepAliveConfig {
  const name: unknown = options.policy;
  const problems = new ProblemList();
  let config: ResolvedKeepAliveConfig;
  switch (options.policy) {
    case 'fixed': {
      const keepAliveMs = options.keepAliveMs ?? 600_000;
      if (keepAliveMs !== Infinity) problems.number('keepAliveMs', keepAliveMs, 0);
      config = { policy: 'fixed', keepAliveMs };
      break;
    }
    case 'hybrid-histogram':
      config = resolveHybrid(options, problems);
      break;
    case 'forecast':
      config = resolveForecast(options, problems);
      break;
    default:
      throw unknownPolicyError('keep-alive', name, KEEP_ALIVE_POLICY_NAMES);
  }
  problems.throwIfAny(options.policy);
  return Object.freeze(config);
}

function resolveHybrid(o: Extract<KeepAlivePolicyOptions, { policy: 'hybrid-histogram' }>, problems: ProblemList): ResolvedHybridHistogramConfig {
  const rangeMs = o.rangeMs ?? 4 * 3_600_000;
  const binMs = o.binMs ?? 60_000;
  const config: ResolvedHybridHistogramConfig = {
    policy: 'hybrid-histogram',
    rangeMs,
    binMs,
    // dslab: n_bins = round(range / bin_len).
    bins: Math.max(1, Math.round(rangeMs / binMs)),
    cvThreshold: o.cvThreshold ?? 2,
    oobThreshold: o.oobThreshold ?? 0.5,
    histogramMargin: o.histogramMargin ?? 0.1,
    forecastMargin: o.forecastMargin ?? 0.15,
    headPercentile: o.headPercentile ?? 0.05,
    tailPercentile: o.tailPercentile ?? 0.99,
    oobFallback: o.oobFallback ?? 'forecast',
    oobKeepAliveMs: o.oobKeepAliveMs ?? 600_000,
    forecastHistory: o.forecastHistory ?? 64,
  };
  problems.number('rangeMs', rangeMs, 0, true);
  if (problems.number('binMs', binMs, 0, true) && binMs > rangeMs) problems.add('binMs', `${binMs} is wider than rangeMs ${rangeMs}`);
  problems.number('cvThreshold', config.cvThreshold, 0);
  problems.fraction('oobThreshold', config.oobThreshold, 0, 1);
  if (!(config.histogramMargin >= 0 && config.histogramMargin < 1)) problems.add('histogramMargin', `must lie in [0, 1) (got ${config.histogramMargin})`);
  if (!(config.forecastMargin >= 0 && config.forecastMargin < 1)) problems.add('forecastMargin', `must lie in [0, 1) (got ${config.forecastMargin})`);
  problems.fraction('headPercentile', config.headPercentile, 0, 1);
  problems.fraction('tailPercentile', config.tailPercentile, 0, 1);
  if (config.headPercentile > config.tailPercentile) problems.add('headPercentile', 'must not exceed tailPercentile');
  if (config.oobFallback !== 'forecast' && config.oobFallback !== 'fixed') problems.add('oobFallback', `must be 'forecast' or 'fixed' (got ${String(config.oobFallback)})`);
  problems.number('oobKeepAliveMs', config.oobKeepAliveMs, 0);
  problems.integer('forecastHistory', config.forecastHistory, 1);
  return config;
}

function resolveForecast(o: Extract<KeepAlivePolicyOptions, { policy: 'forecast' }>, problems: ProblemList): ResolvedForecastPrewarmConfig {
  const config: ResolvedForecastPrewarmConfig = {
    policy: 'forecast',
    bucketMs: o.bucketMs ?? 60_000,
    historyBuckets: o.historyBuckets ?? 1440,
    horizonMs: o.horizonMs ?? 3_600_000,
    marginMs: o.marginMs ?? 30_000,
    demandThreshold: o.demandThreshold ?? 0.5,
    minKeepAliveMs: o.minKeepAliveMs ?? 60_000,
  };
  if (problems.number('bucketMs', config.bucketMs, 0, true) && config.horizonMs < config.bucketMs) {
    problems.add('horizonMs', `must be at least one bucket (${config.bucketMs} ms)`);
  }
  problems.integer('historyBuckets', config.historyBuckets, 1);
  problems.number('horizonMs', config.horizonMs, 0, true);
  problems.number('marginMs', config.marginMs, 0);
  problems.number('demandThreshold', config.demandThreshold, 0, true);
  problems.number('minKeepAliveMs', config.minKeepAliveMs, 0);
  return config;
}
