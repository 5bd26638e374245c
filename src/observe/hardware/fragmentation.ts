import { freeSpace, getMigProfile, type GpuType, type Layout } from '../../hardware/index.js';

/**
 * Memory fragmentation of a GPU or a pool of GPUs / MIG slots (docs/metrics.md, "Hardware"):
 *
 *     fragmentation = 1 − largest free block / total free
 *
 * 0 when all free capacity is one block (anything that fits in the free total fits somewhere),
 * approaching 1 when the free capacity is scattered in many small blocks; 0 also when nothing is
 * free (full is not fragmented). A block is whatever one placement cannot span: a run of free MIG
 * memory slices on one GPU, or the free memory of one shared GPU.
 */
export function fragmentation(freeBlocks: readonly number[]): number {
  let total = 0;
  let largest = 0;
  for (const b of freeBlocks) {
    if (!(b > 0) || !Number.isFinite(b)) continue;
    total += b;
    if (b > largest) largest = b;
  }
  return total === 0 ? 0 : 1 - largest / total;
}

export interface SlotPlacement {
  /** First occupied slot (MIG placement `start`, on the memory-slice axis). */
  readonly start: number;
  /** Slots occupied (MIG placement `size`). */
  readonly size: number;
}

/** Lengths of the runs of free slots on one GPU's slot axis (8 memory slices on A100/H100, 4 on A30). */
export function freeRuns(slotCount: number, occupied: readonly SlotPlacement[]): number[] {
  const used = new Array<boolean>(slotCount).fill(false);
  for (const p of occupied) for (let s = Math.max(0, p.start); s < Math.min(slotCount, p.start + p.size); s++) used[s] = true;
  const runs: number[] = [];
  let run = 0;
  for (let s = 0; s < slotCount; s++) {
    if (used[s]) {
      if (run > 0) runs.push(run);
      run = 0;
    } else run++;
  }
  if (run > 0) runs.push(run);
  return runs;
}

export interface SlotGpu {
  readonly slotCount: number;
  readonly occupied: readonly SlotPlacement[];
}

/**
 * Fragmentation of a MIG slot pool: free runs of every GPU together (an instance cannot span GPUs
 * or jump over an occupied slice). Ignores placement alignment rules (a 4g profile must start at
 * slice 0): it measures scattering, not which profiles still fit.
 */
export function slotPoolFragmentation(gpus: readonly SlotGpu[]): number {
  return fragmentation(gpus.flatMap((g) => freeRuns(g.slotCount, g.occupied)));
}

/** Fragmentation of a pool of shared (non-MIG) GPUs from each one's free memory. */
export function memoryPoolFragmentation(freeBytesPerGpu: readonly number[]): number {
  return fragmentation(freeBytesPerGpu);
}

export interface MigGpuLayout {
  /** Catalog GPU type (`A100-40GB`) or its entry. */
  readonly gpuType: string | GpuType;
  /** Its GPU instances (`parseLayout('A100-40GB', '1g.5gb@0')`). */
  readonly layout: Layout;
  /** NVIDIA driver major version, for the profiles it allows. */
  readonly driver?: number;
}

/**
 * Placement-aware fragmentation of a pool of MIG GPUs: 1 − (compute slices of the largest profile
 * that still fits on any one GPU) / (free compute slices in the pool). The "largest free block" is
 * what src/hardware's `freeSpace` says can still be created there — alignment rules included (a
 * 4g must start at slice 0) — so for a single GPU this equals `freeSpace(...).fragmentation`.
 */
export function migPoolFragmentation(gpus: readonly MigGpuLayout[]): number {
  let freeCompute = 0;
  let largest = 0;
  for (const g of gpus) {
    const room = freeSpace(g.gpuType, g.layout, g.driver === undefined ? {} : { driver: g.driver });
    freeCompute += Math.max(0, room.freeComputeSlices);
    if (room.largestFit !== undefined) largest = Math.max(largest, getMigProfile(g.gpuType, room.largestFit).computeSlices);
  }
  return freeCompute <= 0 ? 0 : 1 - Math.min(largest, freeCompute) / freeCompute;
}
