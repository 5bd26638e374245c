/**
 * Public surface of the performance model (src/profile/perf): latency and throughput of a model on
 * a slice from profiles, estimates for unprofiled slices, and batching operating points under a
 * p99 SLO. The planner, the simulator and the runtime all read this one model.
 */
export {
  PerformanceModel,
  type PerformanceModelOptions,
  type ExecEstimate,
  type OperatingPoint,
  type OperatingPointQuery,
  type LatencyRule,
} from './performance-model.js';
export { type SliceRef, type PerfSliceKind, migSlice, wholeGpuSlice, gpuShareSlice, cpuSlice, sliceKey, gpuFractionOf, sliceFromPlan } from './slice.js';
export { type SliceExec, type ExecSource, type ExecPoint, type ConcurrencyCurve, execAt } from './exec-curves.js';
export { erlangC, batchQueue, nexusWorstCaseMs, type BatchQueueInputs, type BatchQueueResult } from './queueing.js';
export { fitAlpha, alphaAt, A100_FITTED_ALPHA, DEFAULT_CPU_ALPHA, type AlphaTable } from './scaling.js';
// GPU facts in the shape the model uses (read from src/hardware; speed figures kept here).
export {
  gpuTypeInfo,
  knownGpuTypes,
  relativeGpuSpeed,
  migProfileInfo,
  isValidLayout,
  enumerateFullLayouts,
  findPlacement,
  CURRENT_DRIVER,
  type GpuTypeInfo,
  type MigProfileInfo,
  type Placement,
} from './hardware-adapter.js';
