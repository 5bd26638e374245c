import { TesseraError } from '../core/index.js';
import { GPU_CATALOG } from './catalog-data.js';
import type { CpuNode, GpuType, MigProfile } from './types.js';

/**
 * Reduces a GPU name to a lookup key: upper case, no `NVIDIA` prefix, spaces and underscores as
 * dashes, a trailing `80G` read as `80GB`, and the GFD suffixes (`-MIG-1g.5gb`, `-SHARED`)
 * dropped — so `a100 80gb`, `NVIDIA A100-SXM4-80GB` and `A100-SXM4-80GB-MIG-1g.10gb` all match.
 */
export function normalizeGpuName(name: string): string {
  return name
    .trim()
    .toUpperCase()
    .replace(/[\s_]+/g, '-')
    .replace(/^NVIDIA-?/, '')
    .replace(/-MIG-.*$/, '')
    .replace(/-SHARED$/, '')
    .replace(/-+/g, '-')
    .replace(/(\d)G(?=$|-)/g, '$1GB');
}

/** Names a bare family could mean; looked up before the alias table so the error can list them. */
const AMBIGUOUS: Readonly<Record<string, readonly string[]>> = {
  A100: ['A100-40GB', 'A100-80GB'],
};

const BY_KEY: ReadonlyMap<string, GpuType> = (() => {
  const map = new Map<string, GpuType>();
  for (const gpu of GPU_CATALOG) {
    for (const name of [gpu.type, ...gpu.aliases, ...gpu.gfdProducts.map((p) => p.label)]) {
      const key = normalizeGpuName(name);
      const other = map.get(key);
      // Two types claiming one spelling would make the lookup depend on catalog order.
      if (other !== undefined && other !== gpu) throw new Error(`catalog: '${name}' names both ${other.type} and ${gpu.type}`);
      map.set(key, gpu);
    }
  }
  return map;
})();

/** Every GPU type, MIG-capable first. */
export function listGpuTypes(): readonly GpuType[] {
  return GPU_CATALOG;
}

export function knownGpuTypes(): string[] {
  return GPU_CATALOG.map((g) => g.type);
}

/** The catalog entry for a GPU name in any common spelling, or undefined. */
export function gpuTypeInfo(name: string): GpuType | undefined {
  return BY_KEY.get(normalizeGpuName(name));
}

/** The catalog entry for a GPU name; throws `TESSERA_ERR_HARDWARE_UNKNOWN_GPU` listing the known types. */
export function getGpuType(name: string): GpuType {
  const found = gpuTypeInfo(name);
  if (found !== undefined) return found;
  const candidates = AMBIGUOUS[normalizeGpuName(name)];
  const known = knownGpuTypes();
  const message =
    candidates === undefined
      ? `unknown GPU type '${name}'; known types: ${known.join(', ')}`
      : `GPU type '${name}' is ambiguous; write one of ${candidates.join(', ')}`;
  throw new TesseraError('TESSERA_ERR_HARDWARE_UNKNOWN_GPU', message, { details: { name, known, ...(candidates === undefined ? {} : { candidates }) } });
}

/** A GPU type that must have MIG; throws `TESSERA_ERR_HARDWARE_NOT_MIG` otherwise. */
export function getMigGpuType(name: string | GpuType): GpuType {
  const gpu = typeof name === 'string' ? getGpuType(name) : name;
  if (!gpu.migCapable) {
    throw new TesseraError('TESSERA_ERR_HARDWARE_NOT_MIG', `${gpu.type} has no MIG; share it by time-slicing or MPS instead (MIG GPUs: ${GPU_CATALOG.filter((g) => g.migCapable).map((g) => g.type).join(', ')})`, {
      details: { gpuType: gpu.type },
    });
  }
  return gpu;
}

/**
 * Canonical spelling of a MIG profile name: lower case, `+me` for the media extension whether
 * written `+me` or as the Kubernetes resource suffix `.me`, and no `nvidia.com/mig-` / `mig-`
 * prefix — so `nvidia.com/mig-1g.5gb.me` reads as `1g.5gb+me`.
 */
export function normalizeProfileName(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/^nvidia\.com\//, '')
    .replace(/^mig-/, '')
    .replace(/\.me$/, '+me');
}

function asGpu(gpuType: string | GpuType): GpuType | undefined {
  return typeof gpuType === 'string' ? gpuTypeInfo(gpuType) : gpuType;
}

/** A MIG profile of a GPU type by name (any spelling `normalizeProfileName` reads), or undefined. */
export function migProfileInfo(gpuType: string | GpuType, profile: string): MigProfile | undefined {
  const wanted = normalizeProfileName(profile);
  return asGpu(gpuType)?.migProfiles.find((p) => p.name === wanted);
}

/** A MIG profile by name; throws `TESSERA_ERR_HARDWARE_UNKNOWN_PROFILE` listing the type's profiles. */
export function getMigProfile(gpuType: string | GpuType, profile: string): MigProfile {
  const gpu = getMigGpuType(gpuType);
  const found = migProfileInfo(gpu, profile);
  if (found !== undefined) return found;
  const names = gpu.migProfiles.map((p) => p.name);
  throw new TesseraError('TESSERA_ERR_HARDWARE_UNKNOWN_PROFILE', `${gpu.type} has no MIG profile '${profile}'; its profiles are ${names.join(', ')}`, {
    details: { gpuType: gpu.type, profile, profiles: names },
  });
}

/** The profile that takes the whole GPU (`7g.80gb`; A30: `4g.24gb`). */
export function wholeGpuProfile(gpuType: string | GpuType): MigProfile {
  const gpu = getMigGpuType(gpuType);
  const whole = gpu.migProfiles.find((p) => p.kind === 'base' && p.computeSlices === gpu.computeSlices && p.memorySlots === gpu.memorySlots);
  if (whole === undefined) throw new TesseraError('TESSERA_ERR_CORE_INTERNAL', `catalog: ${gpu.type} has no whole-GPU profile`);
  return whole;
}

/**
 * The base profile with this many compute slices (`3` → `3g.40gb` on an A100-80GB), for tables
 * that name slices by count only (ParvaGPU's `Mig instance` column); undefined when none.
 */
export function baseProfileForComputeSlices(gpuType: string | GpuType, computeSlices: number): MigProfile | undefined {
  return asGpu(gpuType)?.migProfiles.find((p) => p.kind === 'base' && p.computeSlices === computeSlices);
}

/** A CPU node kind; throws `TESSERA_ERR_HARDWARE_CPU` for cores that are not a whole number ≥ 1. */
export function cpuNode(cores: number, memoryBytes?: number): CpuNode {
  if (!Number.isInteger(cores) || cores < 1 || (memoryBytes !== undefined && !(memoryBytes > 0))) {
    throw new TesseraError('TESSERA_ERR_HARDWARE_CPU', `a CPU node needs a whole number of cores ≥ 1 and a positive memory size (got cores=${cores}${memoryBytes === undefined ? '' : `, memoryBytes=${memoryBytes}`})`, {
      details: { cores, memoryBytes },
    });
  }
  return Object.freeze({ kind: 'cpu', cores, memoryBytes });
}
