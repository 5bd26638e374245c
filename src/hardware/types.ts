/**
 * Shapes of the GPU catalog and of MIG layouts. Every figure behind them comes from
 * `../shared/reference/gpu-k8s.md` §1–§3 (see docs/hardware.md); the comments say which field
 * holds what, the catalog says where each number came from.
 */

/**
 * What a MIG profile is relative to its size class:
 * - `base`: the classic profiles (A100-40GB: 1g.5gb, 2g.10gb, 3g.20gb, 4g.20gb, 7g.40gb);
 * - `media-extension`: the `+me` twin of a base profile (adds NVDEC/NVJPG/OFA; one per GPU);
 * - `double-memory`: the 1-compute-slice profile with two memory slices (ID 15: 1g.10gb on the
 *   A100-40GB, 1g.20gb on 80GB cards).
 * Enumeration counts `base` profiles unless asked otherwise (the reference's 19 layouts do).
 */
export type MigProfileKind = 'base' | 'media-extension' | 'double-memory';

/** Media engines of one instance (NVDEC / NVJPG / OFA) and its copy engines. */
export interface MigEngines {
  readonly decoders: number;
  readonly jpegDecoders: number;
  readonly opticalFlow: number;
  readonly copyEngines: number;
}

export interface MigProfile {
  /** GPU-instance profile name as nvidia-smi, mig-parted and GFD write it: `3g.40gb`, `1g.10gb+me`. */
  readonly name: string;
  readonly kind: MigProfileKind;
  /** The `nvidia-smi mig -lgip` profile ID (19, 20, 15, 14, 9, 5, 0 on A100/H100/H200). */
  readonly nvidiaSmiId: number;
  /** SM slices (of 7; A30: of 4). */
  readonly computeSlices: number;
  /** Memory slices occupied on the slot axis (8 slots; A30: 4), the `:size` of `-lgipp`. */
  readonly memorySlots: number;
  /** Usable memory of one instance, bytes (`nvidia-smi mig -lgip` GiB where captured). */
  readonly memoryBytes: number;
  /** Streaming multiprocessors of one instance (`-lgip`). */
  readonly multiprocessors: number;
  /** Valid start slots, the `{...}` of `nvidia-smi mig -lgipp`. */
  readonly starts: readonly number[];
  /** "Instances available" of the profile table. */
  readonly maxInstances: number;
  readonly engines: MigEngines;
  /** Lowest NVIDIA driver major version that offers the profile; absent when the reference names none. */
  readonly minDriver?: number;
  /** Kubernetes extended resource under the device plugin's mixed strategy: `nvidia.com/mig-1g.5gb.me`. */
  readonly resourceName: string;
  /** False where the reference marks a value unverified or where Tessera derived it; see `unverified`. */
  readonly verified: boolean;
  /** Why the entry is not fully verified (empty when it is). */
  readonly unverified: readonly string[];
}

/** A layout rule that depends on the driver: these profiles may not share a GPU below `minDriver`. */
export interface DriverCombinationRule {
  readonly profiles: readonly [string, string];
  readonly minDriver: number;
  readonly source: string;
}

/** How a whole GPU (or a MIG device, for time-slicing) can be shared between processes. */
export interface SharingModel {
  /**
   * Time-slicing: `replicas` advertised copies of one device take turns. No memory or fault
   * isolation — the planner must budget memory itself. Works on whole GPUs and on MIG devices.
   */
  readonly timeSlicing: boolean;
  /**
   * MPS: each of `replicas` clients gets 1/replicas of the memory (pinned limit) and
   * 100/replicas % of the threads. Whole GPUs only, never with MIG.
   */
  readonly mps: boolean;
  /** Most MPS clients per GPU (MIG guide's MIG/MPS table: 48). */
  readonly maxMpsClients: number;
  /** Replica counts the planner offers by default: shares of 1/2, 1/4, 1/8. */
  readonly shareReplicas: readonly number[];
}

/** A value of the GFD label `nvidia.com/gpu.product` that identifies this GPU type. */
export interface GfdProduct {
  readonly label: string;
  /** True only where the reference quotes the label itself. */
  readonly verified: boolean;
  readonly note: string;
}

/** What the MIG Manager's `mig-parted` configs need about a GPU type (reference §1.6, §3.1). */
export interface MigPartedInfo {
  /** PCI device IDs for `device-filter`; the reference gives them per family, not per card. */
  readonly deviceFilter: readonly string[];
  /** The `all-balanced` config of the default file for this family. */
  readonly balanced: Readonly<Record<string, number>>;
}

export type GpuFamily = 'ampere' | 'hopper' | 'ada' | 'turing';

export interface GpuType {
  /** Canonical name: `A100-80GB`, `H100-94GB`, `L4`. */
  readonly type: string;
  readonly family: GpuFamily;
  /** Nominal memory of the card from its name, GiB × 2^30; a MIG instance's usable memory is in its profile. */
  readonly memoryBytes: number;
  readonly migCapable: boolean;
  /** SM slices on the MIG compute axis (7; A30: 4); 0 for GPUs without MIG. */
  readonly computeSlices: number;
  /** Memory slots on the MIG placement axis (8; A30: 4); 0 for GPUs without MIG. */
  readonly memorySlots: number;
  /** Most GPU instances at once (7; A30: 4); 0 for GPUs without MIG. */
  readonly maxInstances: number;
  /** MIG profiles, smallest first; empty for GPUs without MIG. */
  readonly migProfiles: readonly MigProfile[];
  readonly driverRules: readonly DriverCombinationRule[];
  readonly sharing: SharingModel;
  readonly gfdProducts: readonly GfdProduct[];
  /** Other spellings the lookup accepts besides the canonical name and the product labels. */
  readonly aliases: readonly string[];
  readonly migParted: MigPartedInfo | undefined;
  readonly verified: boolean;
  readonly unverified: readonly string[];
  /** Where the figures come from (sections of the reference). */
  readonly sources: readonly string[];
}

/** One GPU instance of a layout: a profile at a start slot of the memory axis. */
export interface Placement {
  readonly profile: string;
  readonly start: number;
}

/** The GPU instances on one GPU. Order carries no meaning; helpers return it sorted by start. */
export type Layout = readonly Placement[];

/** Driver major version (470, 510, 535); `undefined` means a current driver (every rule met). */
export interface DriverOption {
  readonly driver?: number | undefined;
}

/** A CPU node kind as the planner sees it. */
export interface CpuNode {
  readonly kind: 'cpu';
  readonly cores: number;
  readonly memoryBytes: number | undefined;
}
