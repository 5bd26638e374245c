import type { Layout } from './types.js';

const NAME = /^(\d+)g\.(\d+)gb(\+me)?$/;

/**
 * Orders profile names bigger first: compute slices, then memory, then the plain profile before
 * its `+me` twin. Read from the name so it needs no GPU type (`3g.40gb` → 3 slices, 40 GB).
 */
export function compareProfileNames(a: string, b: string): number {
  const ma = NAME.exec(a);
  const mb = NAME.exec(b);
  if (ma === null || mb === null) return a < b ? -1 : a > b ? 1 : 0;
  return Number(mb[1]) - Number(ma[1]) || Number(mb[2]) - Number(ma[2]) || (ma[3] === undefined ? 0 : 1) - (mb[3] === undefined ? 0 : 1);
}

/** Profile → instances of a layout, bigger profiles first: the `mig-devices` map of a mig-parted config. */
export function profileCounts(layout: Layout): Record<string, number> {
  const counts = new Map<string, number>();
  for (const p of layout) counts.set(p.profile, (counts.get(p.profile) ?? 0) + 1);
  return Object.fromEntries([...counts.entries()].sort(([a], [b]) => compareProfileNames(a, b)));
}
