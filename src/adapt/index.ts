/**
 * Adapt: the controller tick loop (anomaly detection → remediation rule table → forecast-driven
 * pre-scale, batch-cap recovery) and the ports it acts and reads through — `Cluster` and
 * `MetricsSource` — with two implementations of the latter: the Prometheus HTTP API, and an
 * in-memory store with PromQL semantics that `RegistrySampler` fills from a prom-client registry. docs/adapt.md describes the whole loop.
 */
export type { Cluster, RepackScope, ReplicaState, ServiceState } from './cluster.js';
export type { LabelMatcher, LabelMatchOp, MetricPoint, MetricQuery, MetricReduction, MetricSample, MetricSeries, MetricsSource, RangeWindow } from './metrics-source.js';
export { toPromQL, promDuration } from './promql.js';
export { PrometheusMetricsSource, type PrometheusMetricsSourceOptions } from './prometheus-source.js';
export { MemoryMetricsSource, bucketQuantile, type MemoryMetricsSourceOptions, type MemoryMetricsStats } from './memory-metrics-source.js';
export { RegistrySampler, type RegistrySamplerOptions } from './registry-sampler.js';
export {
  ActionLimiter,
  ANOMALY_KINDS,
  DEFAULT_GLOBAL_RATE_LIMIT,
  DEFAULT_RULES,
  REMEDIATION_ACTIONS,
  type AdaptAnomalyKind,
  type ControllerAction,
  type LimitVerdict,
  type LimiterState,
  type RateLimit,
  type RemediationAction,
  type RemediationRule,
  type RuleCondition,
} from './rules.js';
export { checkAdaptLoopOptions, resolveControllerConfig, type AdaptLoopOptionsBase, type BatchRecoveryOptions, type ResolvedBatchRecovery, type ControllerConfigInput, type DetectionOptions, type PrescaleOptions, type PrescaleServiceOptions, type ResolvedControllerConfig } from './options.js';
export { ControllerMetrics } from './controller-metrics.js';
export {
  Controller,
  alignHistory,
  type ActionRecord,
  type AdaptAnomaly,
  type ControllerOptions,
  type ControllerStep,
  type PrescaleDecisionRecord,
  type ServiceSignals,
  type SuppressedAction,
  type TickReport,
} from './controller.js';
export { startControllerLoop, type ControllerLoop, type ControllerLoopOptions } from './driver.js';
export {
  prescaleFromPlan,
  DEFAULT_PRESCALE_FORECASTER,
  DEFAULT_PRESCALE_HISTORY_MS,
  DEFAULT_PRESCALE_MARGIN_MS,
  DEFAULT_PRESCALE_SEASON_MS,
  DEFAULT_PRESCALE_STEP_MS,
  DEFAULT_PRESCALE_UTILIZATION,
  type PlannedPrescale,
  type PrescaleBasis,
  type PrescaleFromPlanOptions,
  type SkippedPrescaleService,
} from './prescale-from-plan.js';
