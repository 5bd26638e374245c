import { getMigProfile } from './catalog.js';
import { driverMeets } from './driver.js';
import { add, canAdd, candidatesOf, resolveMigGpu, selectProfiles, slotMask, sortPlacements, stateOf, type Candidate, type PackState, type ProfileSelection } from './geometry.js';
import { checkLayout, type LayoutViolation } from './layout-check.js';
import { compareProfileNames } from './profile-counts.js';
import type { DriverOption, GpuType, Layout, MigProfile, Placement } from './types.js';

/** Why a set of profiles cannot be placed, the first reason that applies in this order. */
export type PlaceFailure = 'existing-invalid' | 'driver' | 'compute' | 'memory' | 'instances' | 'media-extension' | 'geometry';

export type PlaceResult =
  | {
      readonly ok: true;
      /** Existing and new placements together, sorted by start. */
      readonly layout: Layout;
      /** Just the new placements, sorted by start. */
      readonly added: Layout;
    }
  | {
      readonly ok: false;
      readonly reason: PlaceFailure;
      readonly message: string;
      /** For `existing-invalid`: what is wrong with the existing layout. */
      readonly violations?: readonly LayoutViolation[];
    };

export interface PlaceOptions extends DriverOption {
  /** Instances already on the GPU; they stay where they are. */
  readonly existing?: Layout;
}

/** Free room on a partly used GPU. */
export interface FreeSpace {
  readonly freeMemorySlots: readonly number[];
  readonly freeComputeSlices: number;
  /** Every selected profile that can still be added, with the starts where it fits. */
  readonly fits: readonly { readonly profile: string; readonly starts: readonly number[] }[];
  /** The biggest profile (compute, then memory) that still fits; undefined when none does. */
  readonly largestFit: string | undefined;
  /**
   * Share of the free compute slices that the largest fitting profile cannot use: 0 when the
   * free room is one usable block (or there is none), towards 1 when it is scattered. E.g.
   * 1g.5gb@0 on an A100-40GB: 6 free slices, largest fit 3g@4 → 0.5.
   */
  readonly fragmentation: number;
}

export interface FreeSpaceOptions extends DriverOption {
  /** Which profiles count as fitting; `base` by default. */
  readonly profiles?: ProfileSelection;
}

function bigger(a: MigProfile, b: MigProfile): boolean {
  return a.computeSlices > b.computeSlices || (a.computeSlices === b.computeSlices && a.memorySlots > b.memorySlots);
}

/** The room left after `state`: what fits where, and the fragmentation score. */
function roomOf(gpu: GpuType, state: PackState, candidates: readonly Candidate[], driver: number | undefined): FreeSpace {
  const fitting = candidates.filter((c) => canAdd(gpu, state, c, driver));
  const byProfile = new Map<MigProfile, number[]>();
  for (const c of fitting) byProfile.set(c.profile, [...(byProfile.get(c.profile) ?? []), c.start]);
  let largest: MigProfile | undefined;
  for (const p of byProfile.keys()) if (largest === undefined || bigger(p, largest)) largest = p;
  const freeCompute = gpu.computeSlices - state.computeSlices;
  const freeSlots = Array.from({ length: gpu.memorySlots }, (_, i) => i).filter((i) => (state.mask & (1 << i)) === 0);
  return {
    freeMemorySlots: freeSlots,
    freeComputeSlices: freeCompute,
    fits: [...byProfile.entries()].sort(([a], [b]) => compareProfileNames(a.name, b.name)).map(([p, starts]) => ({ profile: p.name, starts })),
    largestFit: largest?.name,
    fragmentation: freeCompute <= 0 ? 0 : 1 - Math.min(freeCompute, largest?.computeSlices ?? 0) / freeCompute,
  };
}

/** How much a finished placement leaves usable: bigger largest fit first, then more fitting spots. */
function score(room: FreeSpace): readonly [number, number, number] {
  const fits = room.fits.reduce((n, f) => n + f.starts.length, 0);
  return [1 - room.fragmentation, room.freeMemorySlots.length, fits];
}

function better(a: readonly number[], b: readonly number[]): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return (a[i] ?? 0) > (b[i] ?? 0);
  return false;
}

/**
 * Finds start slots for a multiset of profiles on one GPU (next to `existing`, which stays put).
 * Searches every placement — there are few — and keeps the one that leaves the free room least
 * fragmented (biggest profile still placeable), so small instances go to the high slots and the
 * low ones stay free for a 4g or 7g. Deterministic. Not fitting is a returned `{ ok: false }`
 * with the reason; unknown profile names throw `TESSERA_ERR_HARDWARE_UNKNOWN_PROFILE`.
 */
export function placeProfiles(gpuType: string | GpuType, profiles: readonly string[], options: PlaceOptions = {}): PlaceResult {
  const gpu = resolveMigGpu(gpuType);
  const { driver } = options;
  const existing = (options.existing ?? []).map((p) => ({ profile: getMigProfile(gpu, p.profile).name, start: p.start }));
  const wanted = profiles.map((name) => getMigProfile(gpu, name)).sort((a, b) => compareProfileNames(a.name, b.name));

  const problems = checkLayout(gpu, existing, options);
  if (problems.length > 0) {
    return { ok: false, reason: 'existing-invalid', message: `the existing layout is invalid: ${problems.map((v) => v.message).join('; ')}`, violations: problems };
  }
  const early = quickReject(gpu, existing, wanted, driver);
  if (early !== undefined) return early;

  const base = stateOf(gpu, existing);
  const roomCandidates = candidatesOf(selectProfiles(gpu, 'base', driver));
  let best: { added: Placement[]; score: readonly number[] } | undefined;
  const go = (i: number, state: PackState, added: Placement[]): void => {
    if (i === wanted.length) {
      const s = score(roomOf(gpu, state, roomCandidates, driver));
      if (best === undefined || better(s, best.score)) best = { added, score: s };
      return;
    }
    const profile = wanted[i]!;
    // Identical profiles take increasing starts so each placement is searched once.
    const previous = i > 0 && wanted[i - 1] === profile ? (added[added.length - 1]?.start ?? -1) : -1;
    for (const start of profile.starts) {
      if (start <= previous) continue;
      const c: Candidate = { profile, start, mask: slotMask(profile, start) };
      if (canAdd(gpu, state, c, driver)) go(i + 1, add(state, c), [...added, { profile: profile.name, start }]);
    }
  };
  go(0, base, []);

  if (best === undefined) {
    const list = wanted.map((p) => p.name).join(', ');
    return { ok: false, reason: 'geometry', message: `${list} cannot be placed on ${gpu.type}${existing.length > 0 ? ' next to the existing instances' : ''}: the valid start slots always overlap` };
  }
  return { ok: true, layout: sortPlacements([...existing, ...best.added]), added: sortPlacements(best.added) };
}

/** Counting reasons, cheaper and clearer than a failed search. */
function quickReject(gpu: GpuType, existing: Layout, wanted: readonly MigProfile[], driver: number | undefined): PlaceResult | undefined {
  const fail = (reason: PlaceFailure, message: string): PlaceResult => ({ ok: false, reason, message });
  const old = existing.map((p) => getMigProfile(gpu, p.profile));
  const all = [...old, ...wanted];
  const tooNew = wanted.find((p) => !driverMeets(driver, p.minDriver));
  if (tooNew !== undefined) return fail('driver', `${tooNew.name} needs driver R${tooNew.minDriver}+ (node has R${driver})`);
  for (const rule of gpu.driverRules) {
    if (driverMeets(driver, rule.minDriver)) continue;
    const [a, b] = rule.profiles;
    if (all.some((p) => p.name === a) && all.some((p) => p.name === b)) return fail('driver', `${a} and ${b} may share a GPU only with driver R${rule.minDriver}+ (node has R${driver})`);
  }
  const compute = all.reduce((n, p) => n + p.computeSlices, 0);
  if (compute > gpu.computeSlices) return fail('compute', `${compute} compute slices asked; ${gpu.type} has ${gpu.computeSlices}`);
  const slots = all.reduce((n, p) => n + p.memorySlots, 0);
  if (slots > gpu.memorySlots) return fail('memory', `${slots} memory slots asked; ${gpu.type} has ${gpu.memorySlots}`);
  if (all.length > gpu.maxInstances) return fail('instances', `${all.length} instances asked; ${gpu.type} allows ${gpu.maxInstances}`);
  const media = all.filter((p) => p.kind === 'media-extension').length;
  if (media > 1) return fail('media-extension', `${media} +me instances asked; a GPU holds one`);
  for (const p of new Set(all)) {
    const n = all.filter((q) => q === p).length;
    if (n > p.maxInstances) return fail('instances', `${n} × ${p.name} asked; at most ${p.maxInstances} fit`);
  }
  return undefined;
}

/**
 * Where to put one more `profile` next to `existing`: the start `placeProfiles` picks, or
 * undefined when it does not fit.
 */
export function findPlacement(gpuType: string | GpuType, existing: Layout, profile: string, options: DriverOption = {}): number | undefined {
  const result = placeProfiles(gpuType, [profile], { ...options, existing });
  return result.ok ? result.added[0]?.start : undefined;
}

/**
 * The free room of a partly used GPU: free slots and compute, which profiles still fit where,
 * the largest that fits, and a fragmentation score. The used layout is taken as given (slots it
 * occupies count as used even if it breaks rules; check it with `checkLayout` first).
 */
export function freeSpace(gpuType: string | GpuType, used: Layout, options: FreeSpaceOptions = {}): FreeSpace {
  const gpu = resolveMigGpu(gpuType);
  return roomOf(gpu, stateOf(gpu, used), candidatesOf(selectProfiles(gpu, options.profiles ?? 'base', options.driver)), options.driver);
}

/**
 * How many instances of one profile fit on an empty GPU: what mig-parted's `all-<profile>`
 * means (`all-1g.10gb` is 7 instances on 80GB cards but 4 on the A100-40GB, where 1g.10gb is
 * the double-memory profile; reference §1.6).
 */
export function maxInstancesThatFit(gpuType: string | GpuType, profile: string, options: DriverOption = {}): number {
  const gpu = resolveMigGpu(gpuType);
  const p = getMigProfile(gpu, profile);
  for (let n = p.maxInstances; n > 0; n--) {
    if (placeProfiles(gpu, Array.from({ length: n }, () => p.name), options).ok) return n;
  }
  return 0;
}
