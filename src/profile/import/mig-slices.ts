/**
 * MIG profile names by GPU and compute-slice count, for reading tables that give only the slice
 * count. Kept here until src/hardware has its GPU catalog; then this should read from it.
 */
const MIG_PROFILES: Readonly<Record<string, Readonly<Record<number, string>>>> = {
  'A100-80GB': { 1: '1g.10gb', 2: '2g.20gb', 3: '3g.40gb', 4: '4g.40gb', 7: '7g.80gb' },
  'A100-40GB': { 1: '1g.5gb', 2: '2g.10gb', 3: '3g.20gb', 4: '4g.20gb', 7: '7g.40gb' },
  'H100-80GB': { 1: '1g.10gb', 2: '2g.20gb', 3: '3g.40gb', 4: '4g.40gb', 7: '7g.80gb' },
};

export const MIG_GPU_TYPES: readonly string[] = Object.keys(MIG_PROFILES);

/** `A100-80GB` for `a100-80gb`, `A100_80GB`, ...; undefined when not a MIG-capable GPU we know. */
export function canonicalGpuType(name: string): string | undefined {
  const norm = name.trim().toUpperCase().replace(/_/g, '-');
  return MIG_GPU_TYPES.find((t) => t === norm);
}

export function migProfileName(gpuType: string, computeSlices: number): string | undefined {
  return MIG_PROFILES[gpuType]?.[computeSlices];
}

/** A GPU type named anywhere in a path (`.../a100-80gb-mig/resnet50.csv` → `A100-80GB`). */
export function gpuTypeFromPath(p: string): string | undefined {
  const norm = p.toUpperCase().replace(/_/g, '-');
  return MIG_GPU_TYPES.find((t) => norm.includes(t));
}
