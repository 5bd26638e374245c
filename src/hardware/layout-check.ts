import { getGpuType, migProfileInfo } from './catalog.js';
import { driverMeets } from './driver.js';
import type { DriverOption, GpuType, Layout, MigProfile } from './types.js';

/**
 * The rules a MIG layout on one GPU must keep (reference §1.1, §1.3; docs/hardware.md):
 * - `not-mig`: the GPU has no MIG, so it can hold no GPU instances;
 * - `unknown-profile`: the profile does not exist on this GPU type;
 * - `bad-start`: the start slot is not one `nvidia-smi mig -lgipp` lists for the profile;
 * - `overlap`: two instances share a memory slot (placements are on the memory-slot axis;
 *   compute slices are not positioned, so their limit is the sum below);
 * - `compute-exceeded`: more compute slices than the GPU has (7; A30: 4);
 * - `too-many-instances`: more instances than the GPU allows (7; A30: 4);
 * - `profile-instances`: more instances of one profile than its "instances available";
 * - `media-extension-limit`: more than one `+me` instance on the GPU;
 * - `driver-profile`: the driver is older than the profile needs (e.g. A100 1g.10gb: R525);
 * - `driver-combination`: two profiles that may not share a GPU with this driver (4g+3g before R510).
 */
export type LayoutRule =
  | 'not-mig'
  | 'unknown-profile'
  | 'bad-start'
  | 'overlap'
  | 'compute-exceeded'
  | 'too-many-instances'
  | 'profile-instances'
  | 'media-extension-limit'
  | 'driver-profile'
  | 'driver-combination';

export interface LayoutViolation {
  readonly rule: LayoutRule;
  readonly message: string;
  /** Indices into the checked layout of the placements involved (empty for whole-GPU rules). */
  readonly placements: readonly number[];
}

const at = (p: { profile: string; start: number }): string => `${p.profile}@${p.start}`;

/**
 * Every rule the layout breaks on this GPU type with this driver; empty means valid. A layout
 * being invalid is an answer, not an error: only an unknown GPU type throws
 * (`TESSERA_ERR_HARDWARE_UNKNOWN_GPU`).
 */
export function checkLayout(gpuType: string | GpuType, layout: Layout, options: DriverOption = {}): LayoutViolation[] {
  const gpu = typeof gpuType === 'string' ? getGpuType(gpuType) : gpuType;
  const { driver } = options;
  const out: LayoutViolation[] = [];
  if (!gpu.migCapable) {
    if (layout.length > 0) out.push({ rule: 'not-mig', message: `${gpu.type} has no MIG; it cannot hold GPU instances`, placements: layout.map((_, i) => i) });
    return out;
  }

  const resolved: (MigProfile | undefined)[] = layout.map((p) => migProfileInfo(gpu, p.profile));
  const placed: { index: number; profile: MigProfile; start: number }[] = [];
  layout.forEach((p, i) => {
    const profile = resolved[i];
    if (profile === undefined) {
      out.push({ rule: 'unknown-profile', message: `${gpu.type} has no MIG profile '${p.profile}' (profiles: ${gpu.migProfiles.map((m) => m.name).join(', ')})`, placements: [i] });
      return;
    }
    if (!profile.starts.includes(p.start)) {
      out.push({ rule: 'bad-start', message: `${profile.name} cannot start at slot ${p.start}; valid starts are ${profile.starts.join(', ')}`, placements: [i] });
    } else {
      placed.push({ index: i, profile, start: p.start });
    }
    if (!driverMeets(driver, profile.minDriver)) {
      out.push({ rule: 'driver-profile', message: `${profile.name} needs driver R${profile.minDriver}+ (node has R${driver})`, placements: [i] });
    }
  });

  // Overlap is judged only among placements at valid starts: a bad start is already reported.
  for (let a = 0; a < placed.length; a++) {
    for (let b = a + 1; b < placed.length; b++) {
      const pa = placed[a]!;
      const pb = placed[b]!;
      const lo = Math.max(pa.start, pb.start);
      const hi = Math.min(pa.start + pa.profile.memorySlots, pb.start + pb.profile.memorySlots);
      if (lo < hi) {
        const slots = Array.from({ length: hi - lo }, (_, k) => lo + k).join(', ');
        out.push({ rule: 'overlap', message: `${at(layout[pa.index]!)} and ${at(layout[pb.index]!)} both use memory slot(s) ${slots}`, placements: [pa.index, pb.index] });
      }
    }
  }

  const known = layout.map((_, i) => i).filter((i) => resolved[i] !== undefined);
  const compute = known.reduce((sum, i) => sum + resolved[i]!.computeSlices, 0);
  if (compute > gpu.computeSlices) {
    out.push({ rule: 'compute-exceeded', message: `the layout uses ${compute} compute slices; ${gpu.type} has ${gpu.computeSlices}`, placements: known });
  }
  if (layout.length > gpu.maxInstances) {
    out.push({ rule: 'too-many-instances', message: `${layout.length} GPU instances; ${gpu.type} allows at most ${gpu.maxInstances}`, placements: layout.map((_, i) => i) });
  }

  for (const profile of gpu.migProfiles) {
    const uses = known.filter((i) => resolved[i] === profile);
    // The one-`+me`-per-GPU rule below covers the media-extension profiles; one message is enough.
    if (profile.kind !== 'media-extension' && uses.length > profile.maxInstances) {
      out.push({ rule: 'profile-instances', message: `${uses.length} × ${profile.name}; at most ${profile.maxInstances} fit on ${gpu.type}`, placements: uses });
    }
  }
  const media = known.filter((i) => resolved[i]!.kind === 'media-extension');
  if (media.length > 1) {
    out.push({ rule: 'media-extension-limit', message: `${media.length} media-extension (+me) instances; a GPU can hold only one`, placements: media });
  }

  for (const rule of gpu.driverRules) {
    if (driverMeets(driver, rule.minDriver)) continue;
    const [a, b] = rule.profiles;
    const withA = known.filter((i) => resolved[i]!.name === a);
    const withB = known.filter((i) => resolved[i]!.name === b);
    if (withA.length > 0 && withB.length > 0) {
      out.push({
        rule: 'driver-combination',
        message: `${a} and ${b} may share a GPU only with driver R${rule.minDriver}+ (node has R${driver}); use 4g with smaller instances, or two 3g`,
        placements: [...withA, ...withB].sort((x, y) => x - y),
      });
    }
  }
  return out;
}

export function isValidLayout(gpuType: string | GpuType, layout: Layout, options: DriverOption = {}): boolean {
  return checkLayout(gpuType, layout, options).length === 0;
}
