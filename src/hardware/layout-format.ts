import { TesseraError } from '../core/index.js';
import { getMigProfile } from './catalog.js';
import { resolveMigGpu, sortPlacements } from './geometry.js';
import { maxInstancesThatFit } from './placement.js';
import { compareProfileNames, profileCounts } from './profile-counts.js';
import type { GpuType, Layout, Placement } from './types.js';

/** `4g.20gb@0,2g.10gb@4,1g.5gb@6`: the layout with its places, sorted by start. Inverse of `parseLayout`. */
export function layoutToString(layout: Layout): string {
  return sortPlacements(layout)
    .map((p) => `${p.profile}@${p.start}`)
    .join(',');
}

/**
 * Reads `profile@start` items separated by commas or spaces (`4g.20gb@0, 3g.20gb@4`); profile
 * names in any spelling `normalizeProfileName` takes (`1g.5gb.me`). Throws
 * `TESSERA_ERR_HARDWARE_LAYOUT_SYNTAX` or `..._UNKNOWN_PROFILE`; it does not judge validity.
 */
export function parseLayout(gpuType: string | GpuType, text: string): Placement[] {
  const gpu = resolveMigGpu(gpuType);
  const items = text.split(/[\s,]+/).filter((s) => s.length > 0);
  return items.map((item) => {
    const m = /^([^@]+)@(\d+)$/.exec(item);
    if (m === null) {
      throw new TesseraError('TESSERA_ERR_HARDWARE_LAYOUT_SYNTAX', `cannot read '${item}' in layout '${text}'; write profile@start items separated by commas, e.g. 4g.20gb@0,2g.10gb@4,1g.5gb@6`, {
        details: { layout: text, item },
      });
    }
    return { profile: getMigProfile(gpu, m[1] as string).name, start: Number(m[2]) };
  });
}

/** Kubernetes label values allow 63 characters; mig-parted config names end up in `nvidia.com/mig.config`. */
const LABEL_VALUE_MAX = 63;

/** FNV-1a, 32 bit: a short stable suffix when a name would not fit a label value. */
function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

/**
 * A mig-parted config name for the layout, usable as the node label `nvidia.com/mig.config`:
 * - `all-<profile>` when the layout is as many of one profile as fit (mig-parted's own meaning);
 * - `all-balanced` when it is the family's balanced config of the default file (§1.6);
 * - else `tessera-` and the counts, bigger profiles first: `tessera-3g.20gb-2g.10gb-2x1g.5gb`.
 * `+` becomes `.` (label values cannot hold `+`). The name depends on the profile counts only:
 * a mig-parted config lists counts and the MIG manager chooses the places.
 */
export function migPartedConfigName(gpuType: string | GpuType, layout: Layout): string {
  const gpu = resolveMigGpu(gpuType);
  const counts = profileCounts(layout.map((p) => ({ profile: getMigProfile(gpu, p.profile).name, start: p.start })));
  const entries = Object.entries(counts);
  const label = (profile: string): string => profile.replace(/\+/g, '.');
  if (entries.length === 0) return 'tessera-empty';
  if (entries.length === 1) {
    const [profile, n] = entries[0] as [string, number];
    if (n === maxInstancesThatFit(gpu, profile)) return `all-${label(profile)}`;
  }
  const balanced = gpu.migParted?.balanced;
  if (balanced !== undefined && sameCounts(counts, balanced)) return 'all-balanced';
  const name = `tessera-${entries.map(([p, n]) => (n > 1 ? `${n}x${label(p)}` : label(p))).join('-')}`;
  return name.length <= LABEL_VALUE_MAX ? name : `tessera-${fnv1a(name)}`;
}

function sameCounts(a: Readonly<Record<string, number>>, b: Readonly<Record<string, number>>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}

/**
 * The order to create the instances in: bigger first. The MIG guide's known issue — on an
 * A100 a 3-2-1-1 geometry fails with `Insufficient Resources` unless the 3g.20gb is created
 * first — is avoided by creating the largest instances before the small ones fill their slots.
 */
export function creationOrder(layout: Layout): Placement[] {
  return [...layout].sort((a, b) => compareProfileNames(a.profile, b.profile) || a.start - b.start);
}

/** What a planner or a table shows about one layout. */
export interface LayoutSummary {
  readonly placements: Layout;
  /** `4g.20gb@0,3g.20gb@4` */
  readonly key: string;
  readonly counts: Readonly<Record<string, number>>;
  readonly computeSlices: number;
  readonly memorySlots: number;
  /** Sum of the instances' usable memory. */
  readonly memoryBytes: number;
  readonly configName: string;
}

export function describeLayout(gpuType: string | GpuType, layout: Layout): LayoutSummary {
  const gpu = resolveMigGpu(gpuType);
  const resolved = layout.map((p) => ({ profile: getMigProfile(gpu, p.profile), start: p.start }));
  const profiles = resolved.map((r) => r.profile);
  const placements = sortPlacements(resolved.map((r) => ({ profile: r.profile.name, start: r.start })));
  return {
    placements,
    key: layoutToString(placements),
    counts: profileCounts(placements),
    computeSlices: profiles.reduce((n, p) => n + p.computeSlices, 0),
    memorySlots: profiles.reduce((n, p) => n + p.memorySlots, 0),
    memoryBytes: profiles.reduce((n, p) => n + p.memoryBytes, 0),
    configName: migPartedConfigName(gpu, placements),
  };
}
