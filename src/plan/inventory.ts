import type { Fleet, NodeSpec } from '../core/index.js';
import { CURRENT_DRIVER, enumerateFullLayouts, gpuTypeInfo, type Placement } from '../profile/perf/index.js';

/** One physical GPU of the inventory. */
export interface GpuUnit {
  /** `<node>/gpu<k>` */
  readonly id: string;
  readonly node: string;
  readonly index: number;
}

/** A GPU layout as the optimizer sees it: a multiset of slice profiles with one valid placement. */
export interface LayoutOption {
  /** Profiles joined by `+`, largest first: `3g.40gb+2g.20gb+1g.10gb+1g.10gb`. */
  readonly id: string;
  readonly placements: readonly Placement[];
  readonly counts: ReadonlyMap<string, number>;
  /** Compute slices in use (≤ the GPU's total). */
  readonly computeSlices: number;
}

/**
 * Interchangeable GPUs: same type, driver and price, and not told apart by any pin or forbid. The
 * optimizer counts layouts per group instead of deciding per GPU, which removes the symmetry of
 * identical GPUs (a 64-GPU fleet is one group, not 64 sets of variables).
 */
export interface GpuGroup {
  readonly kind: 'gpu';
  readonly key: string;
  readonly type: string;
  readonly driver: number;
  readonly mig: boolean;
  /** Compute slices of a whole GPU (7; A30 4). */
  readonly totalComputeSlices: number;
  readonly memoryBytesPerGpu: number;
  /** $/h per GPU as the objective counts it (a stand-in when the spec gives no price). */
  readonly objectivePricePerGpu: number;
  /** $/h per GPU from the spec (0 when not priced). */
  readonly pricePerGpu: number;
  readonly priced: boolean;
  readonly gpus: readonly GpuUnit[];
  /** Node instance names and spec node names in the group. */
  readonly nodes: readonly string[];
  readonly nodeSpecs: readonly string[];
  /** Slice profiles the layouts are built from. */
  readonly sliceProfiles: readonly string[];
  readonly layouts: readonly LayoutOption[];
}

/** Interchangeable CPU-only nodes. */
export interface CpuGroup {
  readonly kind: 'cpu';
  readonly key: string;
  readonly coresPerNode: number;
  readonly memoryBytesPerNode: number | undefined;
  readonly objectivePricePerNode: number;
  readonly pricePerNode: number;
  readonly priced: boolean;
  readonly nodes: readonly string[];
  readonly nodeSpecs: readonly string[];
}

export interface Inventory {
  readonly gpuGroups: readonly GpuGroup[];
  readonly cpuGroups: readonly CpuGroup[];
  /** Node instance name → its spec. */
  readonly nodes: ReadonlyMap<string, NodeSpec>;
  /** GPU types named in the spec that the catalog does not know. */
  readonly unknownGpuTypes: readonly string[];
}

/** Node instance names: the spec name, plus `-<index>` when `count` > 1. */
export function nodeInstances(node: NodeSpec): string[] {
  const count = node.count ?? 1;
  return count === 1 ? [node.name] : Array.from({ length: count }, (_, i) => `${node.name}-${i}`);
}

/** Fractions a GPU without MIG is shared in (time-slicing / MPS), as layouts. */
const SHARE_LAYOUTS: readonly (readonly number[])[] = [[1], [0.5, 0.5], [0.5, 0.25, 0.25], [0.25, 0.25, 0.25, 0.25]];

export function shareProfile(fraction: number): string {
  return fraction === 1 ? 'gpu' : `share-${fraction}`;
}

function layoutId(profiles: readonly string[], computeOf: (p: string) => number): string {
  return [...profiles].sort((a, b) => computeOf(b) - computeOf(a) || a.localeCompare(b)).join('+');
}

/**
 * Layouts for a GPU type: every maximal MIG layout (deduplicated to one placement per multiset),
 * or the time-slicing shares for GPUs without MIG.
 */
export function layoutsFor(type: string, driver: number, profiles?: readonly string[]): { layouts: LayoutOption[]; sliceProfiles: string[]; mig: boolean } {
  const info = gpuTypeInfo(type);
  if (info === undefined) return { layouts: [], sliceProfiles: [], mig: false };
  if (info.migProfiles.length === 0) {
    const layouts = SHARE_LAYOUTS.map((fracs) => {
      const names = fracs.map(shareProfile);
      const counts = new Map<string, number>();
      for (const n of names) counts.set(n, (counts.get(n) ?? 0) + 1);
      return { id: names.join('+'), placements: names.map((profile, start) => ({ profile, start })), counts, computeSlices: info.computeSlices };
    });
    return { layouts, sliceProfiles: ['gpu', 'share-0.5', 'share-0.25'], mig: false };
  }
  const computeOf = (p: string): number => info.migProfiles.find((m) => m.name === p)?.computeSlices ?? 0;
  const seen = new Map<string, LayoutOption>();
  for (const placements of enumerateFullLayouts(type, driver, profiles)) {
    const names = placements.map((p) => p.profile);
    const id = layoutId(names, computeOf);
    if (seen.has(id)) continue;
    const counts = new Map<string, number>();
    for (const n of names) counts.set(n, (counts.get(n) ?? 0) + 1);
    seen.set(id, { id, placements, counts, computeSlices: names.reduce((s, n) => s + computeOf(n), 0) });
  }
  const layouts = [...seen.values()];
  const sliceProfiles = [...new Set(layouts.flatMap((l) => [...l.counts.keys()]))].sort((a, b) => computeOf(a) - computeOf(b) || a.localeCompare(b));
  return { layouts, sliceProfiles, mig: true };
}

/** The MIG profiles that double another's memory at the same compute (1g.20gb next to 1g.10gb). */
export function doubleMemoryProfiles(type: string): string[] {
  const info = gpuTypeInfo(type);
  if (info === undefined) return [];
  return info.migProfiles.filter((p) => info.migProfiles.some((q) => q !== p && q.computeSlices === p.computeSlices && q.memorySlots < p.memorySlots)).map((p) => p.name);
}

function median(xs: number[]): number | undefined {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

export interface InventoryOptions {
  /** Node names (spec or instance) that a pin or forbid names: their nodes are not merged with others. */
  readonly referencedNodes?: ReadonlySet<string>;
  /** MIG profiles to leave out of the layouts, by GPU type (e.g. double-memory 1g no model needs). */
  readonly excludeProfiles?: (type: string) => readonly string[];
}

/** Expands the spec's node kinds into instances, GPUs and groups. */
export function buildInventory(fleet: Fleet, options: InventoryOptions = {}): Inventory {
  const referenced = options.referencedNodes ?? new Set<string>();
  const nodes = new Map<string, NodeSpec>();
  const gpuPrices = fleet.inventory.nodes.filter((n) => n.gpus && n.pricePerHour !== undefined).map((n) => (n.pricePerHour as number) / (n.gpus?.count ?? 1));
  const fallbackGpuPrice = median(gpuPrices) ?? 1;
  const gpuAcc = new Map<string, { type: string; driver: number; price: number; priced: boolean; gpus: GpuUnit[]; nodes: string[]; nodeSpecs: Set<string> }>();
  const cpuAcc = new Map<string, { cores: number; mem: number | undefined; price: number; priced: boolean; nodes: string[]; nodeSpecs: Set<string> }>();
  const unknown = new Set<string>();
  for (const spec of fleet.inventory.nodes) {
    const instances = nodeInstances(spec);
    const splitInstances = instances.length > 1 && instances.some((i) => referenced.has(i));
    for (const inst of instances) nodes.set(inst, spec);
    if (spec.gpus) {
      const info = gpuTypeInfo(spec.gpus.type);
      if (info === undefined) {
        unknown.add(spec.gpus.type);
        continue;
      }
      const driver = spec.gpus.driver ?? CURRENT_DRIVER;
      const priced = spec.pricePerHour !== undefined;
      const price = priced ? (spec.pricePerHour as number) / spec.gpus.count : 0;
      for (const inst of instances) {
        const tag = splitInstances ? `|${inst}` : referenced.has(spec.name) ? `|${spec.name}` : '';
        const key = `${info.type}|d${driver}|$${price}${tag}`;
        const acc = gpuAcc.get(key) ?? { type: info.type, driver, price, priced, gpus: [], nodes: [], nodeSpecs: new Set<string>() };
        acc.nodes.push(inst);
        acc.nodeSpecs.add(spec.name);
        for (let g = 0; g < spec.gpus.count; g++) acc.gpus.push({ id: `${inst}/gpu${g}`, node: inst, index: g });
        gpuAcc.set(key, acc);
      }
    } else if (spec.cpu) {
      const priced = spec.pricePerHour !== undefined;
      for (const inst of instances) {
        const tag = splitInstances ? `|${inst}` : referenced.has(spec.name) ? `|${spec.name}` : '';
        const key = `cpu${spec.cpu.cores}|$${spec.pricePerHour ?? 0}|m${spec.memoryBytes ?? ''}${tag}`;
        const acc = cpuAcc.get(key) ?? { cores: spec.cpu.cores, mem: spec.memoryBytes, price: spec.pricePerHour ?? 0, priced, nodes: [], nodeSpecs: new Set<string>() };
        acc.nodes.push(inst);
        acc.nodeSpecs.add(spec.name);
        cpuAcc.set(key, acc);
      }
    }
  }
  const gpuGroups: GpuGroup[] = [...gpuAcc.entries()].map(([key, a]) => {
    const info = gpuTypeInfo(a.type);
    const exclude = new Set(options.excludeProfiles?.(a.type) ?? []);
    const profiles = info?.migProfiles.map((p) => p.name).filter((p) => !exclude.has(p));
    const { layouts, sliceProfiles, mig } = layoutsFor(a.type, a.driver, profiles);
    return {
      kind: 'gpu',
      key,
      type: a.type,
      driver: a.driver,
      mig,
      totalComputeSlices: info?.computeSlices ?? 7,
      memoryBytesPerGpu: info?.memoryBytes ?? 0,
      objectivePricePerGpu: a.priced ? a.price : fallbackGpuPrice,
      pricePerGpu: a.price,
      priced: a.priced,
      gpus: a.gpus,
      nodes: a.nodes,
      nodeSpecs: [...a.nodeSpecs],
      sliceProfiles,
      layouts,
    };
  });
  const cpuGroups: CpuGroup[] = [...cpuAcc.entries()].map(([key, a]) => ({
    kind: 'cpu',
    key,
    coresPerNode: a.cores,
    memoryBytesPerNode: a.mem,
    objectivePricePerNode: a.price,
    pricePerNode: a.price,
    priced: a.priced,
    nodes: a.nodes,
    nodeSpecs: [...a.nodeSpecs],
  }));
  return { gpuGroups, cpuGroups, nodes, unknownGpuTypes: [...unknown] };
}
