/**
 * The GPU facts the performance model and the planner read, in the shape they use, taken from
 * `src/hardware` (catalog, MIG placements, layout rules and enumeration; docs/hardware.md). What
 * the catalog does not hold is kept here: each GPU type's dense FP16 tensor TFLOPS and memory
 * bandwidth (vendor data sheets), used only to *estimate* a GPU type that has no profile (flagged
 * `estimated`).
 */
import {
  enumerateFullLayouts as hwEnumerateFullLayouts,
  findPlacement as hwFindPlacement,
  gpuTypeInfo as hwGpuTypeInfo,
  isValidLayout as hwIsValidLayout,
  knownGpuTypes as hwKnownGpuTypes,
  type GpuType,
} from '../../hardware/index.js';

export interface MigProfileInfo {
  /** `3g.40gb` */
  readonly name: string;
  readonly computeSlices: number;
  /** Memory slots occupied on the 8-slot (A30: 4-slot) memory axis. */
  readonly memorySlots: number;
  /** Usable memory of an instance, bytes. */
  readonly memoryBytes: number;
  /** Valid start slots (`-lgipp`). */
  readonly starts: readonly number[];
  /** Minimum driver major version, when the profile needs a newer driver. */
  readonly minDriver?: number;
}

export interface GpuTypeInfo {
  readonly type: string;
  readonly memoryBytes: number;
  /** Compute slices a whole GPU has on the MIG axis (7; A30 4); 7 for GPUs without MIG, as a scale. */
  readonly computeSlices: number;
  readonly memorySlots: number;
  /** The profiles the planner uses (base and double-memory; never `+me`). Empty without MIG. */
  readonly migProfiles: readonly MigProfileInfo[];
  /** Dense FP16 tensor TFLOPS and memory bandwidth (GB/s): the inputs of the cross-type estimate. */
  readonly fp16Tflops: number;
  readonly memoryBandwidthGBs: number;
  /** True where the catalog marks figures unverified. */
  readonly unverified?: boolean;
}

/** Vendor data-sheet figures (dense FP16 tensor TFLOPS, memory GB/s); only the estimate reads them. */
const SPEED: Readonly<Record<string, { readonly tflops: number; readonly bandwidth: number }>> = {
  'A100-40GB': { tflops: 312, bandwidth: 1555 },
  'A100-80GB': { tflops: 312, bandwidth: 2039 },
  'H100-80GB': { tflops: 989, bandwidth: 3350 },
  'H100-94GB': { tflops: 835, bandwidth: 3900 },
  'H200-141GB': { tflops: 989, bandwidth: 4800 },
  'A30-24GB': { tflops: 165, bandwidth: 933 },
  L4: { tflops: 121, bandwidth: 300 },
  T4: { tflops: 65, bandwidth: 320 },
  A10: { tflops: 125, bandwidth: 600 },
};

/** Driver assumed when a node does not say: a current one (every rule satisfied). */
export const CURRENT_DRIVER = 999;

const driverOpt = (driver: number): { driver?: number } => (driver >= CURRENT_DRIVER ? {} : { driver });

const cache = new Map<string, GpuTypeInfo | undefined>();

function convert(g: GpuType): GpuTypeInfo {
  const speed = SPEED[g.type] ?? { tflops: 312, bandwidth: 2039 };
  return {
    type: g.type,
    memoryBytes: g.memoryBytes,
    computeSlices: g.migCapable ? g.computeSlices : 7,
    memorySlots: g.migCapable ? g.memorySlots : 8,
    migProfiles: g.migProfiles
      .filter((p) => p.kind !== 'media-extension')
      .map((p) => ({ name: p.name, computeSlices: p.computeSlices, memorySlots: p.memorySlots, memoryBytes: p.memoryBytes, starts: p.starts, ...(p.minDriver === undefined ? {} : { minDriver: p.minDriver }) })),
    fp16Tflops: speed.tflops,
    memoryBandwidthGBs: speed.bandwidth,
    ...(g.verified ? {} : { unverified: true }),
  };
}

/** Catalog entry for a GPU type name in any spelling the catalog accepts, or undefined. */
export function gpuTypeInfo(type: string): GpuTypeInfo | undefined {
  if (cache.has(type)) return cache.get(type);
  const g = hwGpuTypeInfo(type);
  const info = g === undefined ? undefined : convert(g);
  cache.set(type, info);
  return info;
}

export function knownGpuTypes(): string[] {
  return hwKnownGpuTypes();
}

/** The A100-80GB is the reference (speed 1) of the cross-type estimate. */
const REFERENCE = SPEED['A100-80GB'] as { tflops: number; bandwidth: number };

/**
 * Relative speed of a whole GPU of this type against an A100-80GB: the geometric mean of the
 * compute and memory-bandwidth ratios (small-batch inference is bandwidth-bound, large-batch is
 * compute-bound; the mean sits between). A rough estimate by design, used only when no profile.
 */
export function relativeGpuSpeed(type: string): number | undefined {
  const info = gpuTypeInfo(type);
  if (info === undefined) return undefined;
  return Math.sqrt((info.fp16Tflops / REFERENCE.tflops) * (info.memoryBandwidthGBs / REFERENCE.bandwidth));
}

export function migProfileInfo(type: string, profile: string): MigProfileInfo | undefined {
  return gpuTypeInfo(type)?.migProfiles.find((p) => p.name === profile);
}

export interface Placement {
  readonly profile: string;
  readonly start: number;
}

/** Whether a set of placements is a valid MIG layout on this GPU with this driver (src/hardware's checker). */
export function isValidLayout(type: string, placements: readonly Placement[], driver: number = CURRENT_DRIVER): boolean {
  if (gpuTypeInfo(type)?.migProfiles.length === 0) return false;
  return hwIsValidLayout(type, placements, driverOpt(driver));
}

/**
 * Every maximal valid layout (no further instance fits), placements sorted by start. With
 * `profiles` given, only those profiles are used; by default the base and double-memory ones.
 */
export function enumerateFullLayouts(type: string, driver: number = CURRENT_DRIVER, profiles?: readonly string[]): Placement[][] {
  const info = gpuTypeInfo(type);
  if (info === undefined || info.migProfiles.length === 0) return [];
  const usable = info.migProfiles.filter((p) => (profiles === undefined || profiles.includes(p.name)) && (p.minDriver === undefined || driver >= p.minDriver)).map((p) => p.name);
  if (usable.length === 0) return [];
  return hwEnumerateFullLayouts(type, { ...driverOpt(driver), profiles: usable }).map((l) => l.map((p) => ({ profile: p.profile, start: p.start })));
}

/**
 * Where to put `profile` on a GPU that already holds `existing` placements (src/hardware's rule),
 * or undefined when it does not fit.
 */
export function findPlacement(type: string, existing: readonly Placement[], profile: string, driver: number = CURRENT_DRIVER): number | undefined {
  return hwFindPlacement(type, existing, profile, driverOpt(driver));
}
