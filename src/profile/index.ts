/**
 * Public surface of the profile layer. Importing it does not load onnxruntime: the native
 * runtime is imported on the first session (`loadRuntime`), so profile readers stay light.
 */
export type { ModelProfile, ProfilePoint, ProfileDevice, ProfileRuntime, LatencySummaryMs, DeviceKind, ProfileInputSignature } from './profile-types.js';
export { modelProfileSchema, parseProfilesJson, type ProfileParseResult } from './profile-schema.js';

export { resolveModelFile, sourceSha256, sha256File, DEFAULT_MODEL_CACHE_DIR, type ResolveModelOptions } from './model-source.js';
export { buildFraudMlp, writeFraudMlp, FRAUD_MLP_FILE, FRAUD_MLP_INPUT, FRAUD_MLP_OUTPUT, FRAUD_MLP_LAYERS } from './models/fraud-mlp.js';

export type { InputTensor, TensorData } from './tensor.js';
export { elementCount } from './tensor.js';
export {
  planInputs,
  buildBatch,
  checkBatchSize,
  batchSizesFor,
  batchSizesUpTo,
  inputSignature,
  type InputPlan,
  type ResolvedInput,
  type InputMetadataLike,
  type InputSpecLike,
  type PlanInputsOptions,
} from './inputs.js';
export {
  loadRuntime,
  onnxruntimeVersion,
  openModelSession,
  inputMetadataOf,
  readModelInputs,
  toOrtFeeds,
  cudaAvailable,
  type ExecutionProvider,
  type SessionSettings,
  type LoadedRuntime,
  type OpenedSession,
  type OrtModule,
} from './ort-session.js';

export { cpuDevice, threadsForFleet, availableCores } from './device.js';
export { DEFAULT_STABILITY_RULE, summarize, stopDecision, halfDrift, quantileSorted, type StabilityRule, type StopDecision } from './stats.js';
export { profileModel, type ProfileModelOptions, type ProfileProgress } from './profiler.js';
export { profileTargets, targetsFromFleet, type ProfileTarget, type ProfileRunOptions, type ProfileOutcome } from './profile-run.js';
export { ProfileStore, DEFAULT_PROFILE_STORE_DIR, inputsKey, storeKeyOf, type ProfileStoreKey, type StoredProfile } from './store.js';

export { importProfiles, parseProfileJsonFile, type ImportProfilesOptions } from './import/import-profiles.js';
export { importMigCsv, parseMigCsv, migRowsToProfiles, MIG_CSV_HEADER, type MigCsvRow, type MigImportOptions } from './import/mig-csv.js';
export { migProfileName, canonicalGpuType, gpuTypeFromPath, MIG_GPU_TYPES } from './import/mig-slices.js';
export { loadProfilesForFleet, type FleetProfilesOptions } from './fleet-profiles.js';
export { parseInputFlag, parseInputFlags } from './input-flag.js';
// The performance model (model API only; its hardware adapter stays internal to avoid clashing with src/hardware).
export {
  PerformanceModel,
  type PerformanceModelOptions,
  type ExecEstimate,
  type OperatingPoint,
  type OperatingPointQuery,
  type LatencyRule,
  type SliceRef,
  type PerfSliceKind,
  migSlice,
  wholeGpuSlice,
  gpuShareSlice,
  cpuSlice,
  sliceKey,
  sliceFromPlan,
  erlangC,
  batchQueue,
  nexusWorstCaseMs,
} from './perf/index.js';
