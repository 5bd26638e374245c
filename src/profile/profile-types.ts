/**
 * The one profile type that measured (onnxruntime here) and imported (CSV tables, JSON) profiles
 * share, and that the performance model and the planner read. docs/profiles.md documents it.
 */

export type DeviceKind = 'cpu' | 'gpu' | 'mig';

export interface ProfileDevice {
  kind: DeviceKind;
  /** Human name: `cpu`, `A100-80GB`, ... */
  name: string;
  /** GPU type from the hardware catalog for `gpu` and `mig` devices (e.g. `A100-80GB`). */
  gpuType?: string;
  /** MIG profile for `mig` devices, e.g. `3g.40gb`. */
  slice?: string;
  /** Compute slices of the MIG instance (1..7) or the whole GPU (7). */
  computeSlices?: number;
  /** Intra-op threads the session used (CPU). */
  threads?: number;
  /** Stable identity of the measuring device: CPU model + cores, or GPU UUID class; part of the store key. */
  fingerprint: string;
}

export interface LatencySummaryMs {
  p50: number;
  p90: number;
  p99: number;
  mean: number;
}

/** One operating point: `concurrency` model instances each running batches of `batchSize`. */
export interface ProfilePoint {
  batchSize: number;
  /** Concurrent model instances (MPS processes / Triton instance count). 1 when measured here. */
  concurrency: number;
  /** Time for one batch on one instance. */
  latencyMs: LatencySummaryMs;
  /** Items per second across all `concurrency` instances. */
  throughputPerS: number;
  /** Timed runs behind the figures (0 for imported tables that give a single mean). */
  samples: number;
  /** Peak resident memory added by this point over the loaded model, when measured. */
  memoryAddedBytes?: number;
  /** Whether the stability rule was met before the run cap (docs/profiles.md); absent for imports. */
  stable?: boolean;
}

/** How one input was fed while measuring: per-item shape (batch axis left out), dtype, batch axis. */
export interface ProfileInputSignature {
  shape: number[];
  dtype: string;
  /** `null` for an input that is not batched. */
  batchAxis: number | null;
}

export interface ProfileRuntime {
  name: string;
  version: string;
  /** Execution provider (`cpu`, `cuda`) for measured profiles. */
  executionProvider?: string;
}

export interface ModelProfile {
  schemaVersion: 1;
  model: string;
  /** sha256 of the ONNX file; absent for imported profiles of models with no file here. */
  modelSha256?: string;
  origin: 'measured' | 'imported';
  /** Where imported figures came from (file path or a citation). */
  source?: string;
  device: ProfileDevice;
  runtime: ProfileRuntime;
  /** Session create time (framework init + model load), ms. */
  loadMs?: number;
  /** First inference after load (model-level warm-up), ms. */
  firstInferenceMs?: number;
  /** Loading the runtime itself (once per process, before any model), ms; part of a cold start. */
  frameworkInitMs?: number;
  /** The inputs the figures were measured with (a different input shape is a different profile). */
  inputs?: Record<string, ProfileInputSignature>;
  /** Hash of the input description the profile was keyed by in the store. */
  inputsKey?: string;
  /** Resident memory added by loading the model, bytes. */
  memoryBytes?: number;
  /** Memory the runtime arena reports, when it does. */
  arenaBytes?: number;
  points: ProfilePoint[];
  /** ISO-8601. */
  measuredAt: string;
  /** True when the latency percentiles are copies of a single mean (imported tables). */
  latencyFromMean?: boolean;
}
