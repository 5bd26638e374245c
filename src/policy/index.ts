/**
 * Pure policies shared by the simulator (virtual clock) and the serving runtime (real clock):
 * batching, keep-alive / pre-warm, autoscaling. Each is a stateless object with frozen config;
 * what it learns is plain JSON state the caller threads through `decide` / `observe`. docs/policies.md
 * says how a loop drives them. Conformance suites for new implementations live in
 * `batching/test-support/conformance.ts` and `keep-alive/test-support/conformance.ts` (tests only).
 */

// Batching
export type {
  AdaptiveOptions,
  AimdOptions,
  BatchDecision,
  BatchFeedback,
  BatchPolicy,
  BatchPolicyName,
  BatchPolicyOptions,
  BatchPolicyStateBase,
  BatchSnapshot,
  BatchStep,
  LinearServiceTime,
  QueuedRequest,
  ResolvedAdaptiveConfig,
  ResolvedAimdConfig,
  ResolvedBatchPolicyConfig,
  ResolvedNoneConfig,
  ResolvedSloAwareConfig,
  ResolvedTritonConfig,
  SloAwareOptions,
} from './batching/types.js';
export {
  BATCH_DEFAULTS,
  BATCH_POLICY_NAMES,
  batchPolicyOptionsFromSpec,
  bentomlInitialServiceTime,
  createBatchPolicy,
  isBatchPolicyName,
  resolveBatchPolicyConfig,
  type SpecContext,
} from './batching/create.js';
export { queueHead, takePrefix, type Prefix } from './batching/queue-head.js';
export { fitLinearServiceTime, nexusSaturatingThroughputPerS, predictMs } from './batching/linear-fit.js';
export { TritonBatchPolicy, type TritonState } from './batching/triton.js';
export { NoBatchPolicy, type NoneState } from './batching/none.js';
export { AdaptiveBatchPolicy, type AdaptiveState } from './batching/adaptive.js';
export { AimdBatchPolicy, type AimdState, type LatencyPoint } from './batching/aimd.js';
export { SloAwareBatchPolicy, type SloAwareState } from './batching/slo-aware.js';

// Forecasting port (implemented in src/observe)
export { createSmoothingForecaster, type Forecaster, type ForecastRequest } from './forecaster.js';

// Keep-alive / pre-warm
export type {
  FixedKeepAliveOptions,
  ForecastPrewarmOptions,
  HybridHistogramOptions,
  KeepAliveDecision,
  KeepAliveEvent,
  KeepAlivePolicy,
  KeepAlivePolicyName,
  KeepAlivePolicyOptions,
  KeepAliveSnapshot,
  KeepAliveStateBase,
  KeepAliveStep,
  ResolvedFixedKeepAliveConfig,
  ResolvedForecastPrewarmConfig,
  ResolvedHybridHistogramConfig,
  ResolvedKeepAliveConfig,
  Residency,
} from './keep-alive/types.js';
export { KEEP_ALIVE_POLICY_NAMES, createKeepAlivePolicy, resolveKeepAliveConfig, type KeepAlivePorts } from './keep-alive/create.js';
export { FixedKeepAlivePolicy, type FixedKeepAliveState } from './keep-alive/fixed.js';
export { HybridHistogramPolicy, type HybridHistogramState, type IdlePattern } from './keep-alive/hybrid-histogram.js';
export { ForecastPrewarmPolicy, type ForecastPrewarmState } from './keep-alive/forecast-prewarm.js';

// Autoscaling
export {
  TargetTrackingScaler,
  createTargetTrackingScaler,
  type AutoscaleDecision,
  type AutoscaleSnapshot,
  type ResolvedTargetTrackingConfig,
  type TargetTrackingOptions,
  type TargetTrackingState,
} from './autoscale/target-tracking.js';
