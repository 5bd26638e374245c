import { add, canAdd, candidatesOf, EMPTY_STATE, resolveMigGpu, selectProfiles, sortPlacements, type Candidate, type PackState, type ProfileSelection } from './geometry.js';
import { profileCounts } from './profile-counts.js';
import type { DriverOption, GpuType, Layout, Placement } from './types.js';

export interface EnumerateOptions extends DriverOption {
  /**
   * Profiles the layouts may use. `base` (default) is the classic set the reference's counts use
   * (A100-40GB: 1g.5gb, 2g.10gb, 3g.20gb, 4g.20gb, 7g.40gb); `all` adds the `+me` and the
   * double-memory 1g profiles; a list names them. Profiles the driver lacks are left out.
   */
  readonly profiles?: ProfileSelection;
}

/*
 * "Full" layout, precisely: a valid layout (checkLayout finds nothing) made of the selected
 * profiles, to which no further instance of a selected profile can be added at any valid start
 * without breaking a rule — a maximal element of the valid layouts under inclusion. This is
 * the reference's §1.4 definition ("maximal placement layouts"): 19 on the A100-40GB with a
 * current driver, 18 before R510. Maximality is relative to the selection: `7 × 1g.5gb` is full
 * among base profiles, and still full with `+me` allowed (no slot or compute slice is left).
 */

const cache = new Map<string, readonly Layout[]>();

function cacheKey(kind: string, gpu: GpuType, options: EnumerateOptions): string {
  const sel = options.profiles ?? 'base';
  return `${kind}|${gpu.type}|${options.driver ?? 'current'}|${typeof sel === 'string' ? sel : [...sel].sort().join(',')}`;
}

/**
 * Orders layouts bigger-instances-first (7g, then 4g+3g, 4g+2g+1g, ...), then by start slots:
 * a stable, readable order for output and for the planner's variable indices.
 */
function sortLayouts(gpu: GpuType, layouts: Layout[]): Layout[] {
  const size = new Map(gpu.migProfiles.map((p) => [p.name, [p.computeSlices, p.memorySlots] as const]));
  const keyed = layouts.map((layout) => ({
    layout,
    shape: layout.map((p) => size.get(p.profile) ?? ([0, 0] as const)).sort((x, y) => y[0] - x[0] || y[1] - x[1]),
    where: layout.map((p) => `${p.start}:${p.profile}`).join(','),
  }));
  keyed.sort((a, b) => {
    for (let i = 0; i < Math.min(a.shape.length, b.shape.length); i++) {
      const [ca, ma] = a.shape[i] ?? [0, 0];
      const [cb, mb] = b.shape[i] ?? [0, 0];
      if (ca !== cb || ma !== mb) return cb - ca || mb - ma;
    }
    return a.shape.length - b.shape.length || (a.where < b.where ? -1 : a.where > b.where ? 1 : 0);
  });
  return keyed.map((k) => k.layout);
}

function freeze(layouts: Layout[]): readonly Layout[] {
  return Object.freeze(layouts.map((l) => Object.freeze(l.map((p) => Object.freeze({ ...p })))));
}

/**
 * Depth-first over the candidate placements in a fixed order, each added only after the ones
 * before it, so every set is visited once. `visit` sees each valid non-empty set with a flag
 * saying whether any candidate at all (not only later ones) could still be added.
 */
function walk(gpu: GpuType, candidates: readonly Candidate[], driver: number | undefined, visit: (layout: Placement[], maximal: boolean) => void): void {
  const go = (from: number, state: PackState, current: Placement[]): void => {
    for (let i = from; i < candidates.length; i++) {
      const c = candidates[i]!;
      if (canAdd(gpu, state, c, driver)) go(i + 1, add(state, c), [...current, { profile: c.profile.name, start: c.start }]);
    }
    if (current.length > 0) visit(current, !candidates.some((c) => canAdd(gpu, state, c, driver)));
  };
  go(0, EMPTY_STATE, []);
}

function enumerate(kind: 'full' | 'all', gpuType: string | GpuType, options: EnumerateOptions): readonly Layout[] {
  const gpu = resolveMigGpu(gpuType);
  const key = cacheKey(kind, gpu, options);
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const candidates = candidatesOf(selectProfiles(gpu, options.profiles ?? 'base', options.driver));
  const out: Layout[] = [];
  walk(gpu, candidates, options.driver, (layout, maximal) => {
    if (kind === 'all' || maximal) out.push(sortPlacements(layout));
  });
  const result = freeze(sortLayouts(gpu, out));
  cache.set(key, result);
  return result;
}

/**
 * Every full (maximal) valid layout of a MIG GPU: A100-40GB gives 19 with a current driver,
 * 18 with a driver before R510. Throws `TESSERA_ERR_HARDWARE_NOT_MIG` for GPUs without MIG.
 * The result is cached and frozen; do not mutate it.
 */
export function enumerateFullLayouts(gpuType: string | GpuType, options: EnumerateOptions = {}): readonly Layout[] {
  return enumerate('full', gpuType, options);
}

/** Every valid non-empty layout (full or not) — partial layouts for a planner that leaves room. */
export function enumerateLayouts(gpuType: string | GpuType, options: EnumerateOptions = {}): readonly Layout[] {
  return enumerate('all', gpuType, options);
}

/** A profile multiset and one layout that realises it. */
export interface LayoutMultiset {
  /** Profile → instances, bigger profiles first. */
  readonly counts: Readonly<Record<string, number>>;
  /** One placement of the multiset (the first in enumeration order). */
  readonly layout: Layout;
  /** How many distinct placements realise it. */
  readonly placements: number;
}

function multisets(layouts: readonly Layout[]): LayoutMultiset[] {
  const byKey = new Map<string, { counts: Record<string, number>; layout: Layout; placements: number }>();
  for (const layout of layouts) {
    const counts = profileCounts(layout);
    const key = JSON.stringify(counts);
    const seen = byKey.get(key);
    if (seen === undefined) byKey.set(key, { counts, layout, placements: 1 });
    else seen.placements += 1;
  }
  return [...byKey.values()];
}

/**
 * The distinct profile multisets of the full layouts (A100-40GB: 14 from 19 layouts). A
 * mig-parted config names counts, not places, so this is what a node's config can ask for.
 */
export function fullLayoutMultisets(gpuType: string | GpuType, options: EnumerateOptions = {}): readonly LayoutMultiset[] {
  return multisets(enumerateFullLayouts(gpuType, options));
}

/** The distinct profile multisets of all valid layouts: the sets `placeProfiles` can place. */
export function layoutMultisets(gpuType: string | GpuType, options: EnumerateOptions = {}): readonly LayoutMultiset[] {
  return multisets(enumerateLayouts(gpuType, options));
}
