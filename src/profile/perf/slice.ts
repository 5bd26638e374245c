import { gpuTypeInfo, migProfileInfo } from './hardware-adapter.js';

/** Same strings as the Plan's `SliceKind` (src/plan/plan-types.ts), which this layer may not import. */
export type PerfSliceKind = 'mig' | 'gpu' | 'gpu-share' | 'cpu';

/**
 * A kind of hardware slice a replica can run on, as the performance model sees it: a MIG instance
 * profile of a GPU type, a whole GPU, a time-sliced/MPS share of a GPU, or N cores of a CPU node.
 */
export interface SliceRef {
  readonly kind: PerfSliceKind;
  /** GPU type for GPU kinds (`A100-80GB`). */
  readonly gpuType?: string;
  /** `3g.40gb`, `gpu`, `share-0.5`, `cpu-2`. */
  readonly profile: string;
  /** Compute slices of a MIG instance; the GPU's total for `gpu`. */
  readonly computeSlices?: number;
  /** Share of the GPU for `gpu-share`, 0..1. */
  readonly fraction?: number;
  /** Cores (intra-op threads) for `cpu`. */
  readonly cores?: number;
  /** Memory a replica on the slice may use. */
  readonly memoryBytes?: number;
}

export function migSlice(gpuType: string, profile: string): SliceRef {
  const info = migProfileInfo(gpuType, profile);
  return { kind: 'mig', gpuType, profile, ...(info ? { computeSlices: info.computeSlices, memoryBytes: info.memoryBytes } : {}) };
}

export function wholeGpuSlice(gpuType: string): SliceRef {
  const info = gpuTypeInfo(gpuType);
  return { kind: 'gpu', gpuType, profile: 'gpu', computeSlices: info?.computeSlices ?? 7, ...(info ? { memoryBytes: info.memoryBytes } : {}) };
}

export function gpuShareSlice(gpuType: string, fraction: number): SliceRef {
  const info = gpuTypeInfo(gpuType);
  return { kind: 'gpu-share', gpuType, profile: `share-${fraction}`, fraction, ...(info ? { memoryBytes: Math.floor(info.memoryBytes * fraction) } : {}) };
}

export function cpuSlice(cores: number, memoryBytes?: number): SliceRef {
  return { kind: 'cpu', profile: `cpu-${cores}`, cores, ...(memoryBytes === undefined ? {} : { memoryBytes }) };
}

/** Stable key of a slice kind: `A100-80GB/3g.40gb`, `L4/share-0.5`, `cpu/cpu-2`. */
export function sliceKey(slice: SliceRef): string {
  return slice.kind === 'cpu' ? `cpu/${slice.profile}` : `${slice.gpuType ?? '?'}/${slice.profile}`;
}

/**
 * Compute capability of a slice relative to a whole A100-80GB (= 1): compute-slice fraction ×
 * the GPU type's relative speed for GPU slices. CPU slices are not on this scale (undefined).
 */
export function gpuFractionOf(slice: SliceRef): number | undefined {
  if (slice.kind === 'cpu' || slice.gpuType === undefined) return undefined;
  const info = gpuTypeInfo(slice.gpuType);
  const total = info?.computeSlices ?? 7;
  if (slice.kind === 'gpu-share') return slice.fraction ?? 1;
  if (slice.kind === 'gpu') return 1;
  return (slice.computeSlices ?? total) / total;
}

/**
 * The slice a Plan's slice stands for (a structural match of `PlanSlice`, which this layer may not
 * import), with the GPU type from the plan's GPU: what the simulator and the runtime pass to
 * `serviceTimeMs` / `exec` for a replica.
 */
export function sliceFromPlan(slice: { readonly kind: PerfSliceKind; readonly profile: string; readonly computeSlices?: number; readonly cores?: number; readonly memoryBytes?: number }, gpuType?: string): SliceRef {
  if (slice.kind === 'cpu') return cpuSlice(slice.cores ?? (Number(slice.profile.replace('cpu-', '')) || 1), slice.memoryBytes || undefined);
  const type = gpuType ?? '';
  if (slice.kind === 'gpu') return wholeGpuSlice(type);
  if (slice.kind === 'gpu-share') return gpuShareSlice(type, Number(slice.profile.replace('share-', '')) || 1);
  return migSlice(type, slice.profile);
}
