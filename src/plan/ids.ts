/** Stable ids of plan objects (docs/planner.md, "Ids"). */

export function migSliceId(gpuId: string, profile: string, start: number): string {
  return `${gpuId}/mig-${profile}@${start}`;
}

export function wholeGpuSliceId(gpuId: string): string {
  return `${gpuId}/gpu`;
}

export function shareSliceId(gpuId: string, profile: string, position: number): string {
  return `${gpuId}/${profile}@${position}`;
}

export function cpuSliceId(node: string, cores: number, position: number): string {
  return `${node}/cpu-${cores}@${position}`;
}

/** Rounds for JSON: plans are compared as golden files, so noise in far digits is cut. */
export function round(x: number, digits = 3): number {
  if (!Number.isFinite(x)) return x;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** Natural order for ids with numbers in them (`gpu2` before `gpu10`). */
export function compareIds(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}
