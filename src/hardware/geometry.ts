import { getMigGpuType, getMigProfile } from './catalog.js';
import { driverMeets } from './driver.js';
import type { GpuType, Layout, MigProfile, Placement } from './types.js';

/*
 * The incremental form of the layout rules, for the search in enumeration and placement: a
 * packing state that a candidate placement is added to only when the result stays valid. It
 * must agree with `checkLayout` (layout-check.ts), which states the same rules one by one for
 * people; the tests hold the two to each other.
 */

/** Which profiles a search may use: the base profiles (default), all of them, or a named list. */
export type ProfileSelection = 'base' | 'all' | readonly string[];

export interface Candidate {
  readonly profile: MigProfile;
  readonly start: number;
  /** Bit i set = memory slot i used. */
  readonly mask: number;
}

export function slotMask(profile: MigProfile, start: number): number {
  return ((1 << profile.memorySlots) - 1) << start;
}

/** Profiles a search may use on this GPU with this driver (those the driver does not offer are left out). */
export function selectProfiles(gpu: GpuType, selection: ProfileSelection, driver: number | undefined): MigProfile[] {
  const chosen =
    selection === 'all'
      ? gpu.migProfiles
      : selection === 'base'
        ? gpu.migProfiles.filter((p) => p.kind === 'base')
        : [...new Set(selection.map((name) => getMigProfile(gpu, name)))];
  return chosen.filter((p) => driverMeets(driver, p.minDriver));
}

export function candidatesOf(profiles: readonly MigProfile[]): Candidate[] {
  return profiles.flatMap((profile) => profile.starts.map((start) => ({ profile, start, mask: slotMask(profile, start) })));
}

export interface PackState {
  readonly mask: number;
  readonly computeSlices: number;
  readonly instances: number;
  readonly mediaExtensions: number;
  /** Instances per profile name. */
  readonly counts: ReadonlyMap<string, number>;
}

export const EMPTY_STATE: PackState = { mask: 0, computeSlices: 0, instances: 0, mediaExtensions: 0, counts: new Map() };

/** Whether `c` can join `state` on `gpu` with `driver`; `c`'s own driver minimum is the caller's filter. */
export function canAdd(gpu: GpuType, state: PackState, c: Candidate, driver: number | undefined): boolean {
  if ((state.mask & c.mask) !== 0) return false;
  if (c.start + c.profile.memorySlots > gpu.memorySlots) return false;
  if (state.computeSlices + c.profile.computeSlices > gpu.computeSlices) return false;
  if (state.instances + 1 > gpu.maxInstances) return false;
  if ((state.counts.get(c.profile.name) ?? 0) + 1 > c.profile.maxInstances) return false;
  if (c.profile.kind === 'media-extension' && state.mediaExtensions >= 1) return false;
  for (const rule of gpu.driverRules) {
    if (driverMeets(driver, rule.minDriver)) continue;
    const [a, b] = rule.profiles;
    if ((c.profile.name === a && (state.counts.get(b) ?? 0) > 0) || (c.profile.name === b && (state.counts.get(a) ?? 0) > 0)) return false;
  }
  return true;
}

export function add(state: PackState, c: Candidate): PackState {
  const counts = new Map(state.counts);
  counts.set(c.profile.name, (counts.get(c.profile.name) ?? 0) + 1);
  return {
    mask: state.mask | c.mask,
    computeSlices: state.computeSlices + c.profile.computeSlices,
    instances: state.instances + 1,
    mediaExtensions: state.mediaExtensions + (c.profile.kind === 'media-extension' ? 1 : 0),
    counts,
  };
}

/** The state of an existing layout, without judging it (occupied slots are just occupied). */
export function stateOf(gpu: GpuType, layout: Layout): PackState {
  let state = EMPTY_STATE;
  for (const p of layout) {
    const profile = getMigProfile(gpu, p.profile);
    state = add(state, { profile, start: p.start, mask: slotMask(profile, p.start) & ((1 << gpu.memorySlots) - 1) });
  }
  return state;
}

/** Placements sorted by start slot, then by name: the order every helper returns. */
export function sortPlacements(layout: Layout): Placement[] {
  return [...layout].sort((a, b) => a.start - b.start || a.profile.localeCompare(b.profile));
}

export function resolveMigGpu(gpuType: string | GpuType): GpuType {
  return getMigGpuType(gpuType);
}
