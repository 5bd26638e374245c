import type { DriverCombinationRule, GfdProduct, GpuType, MigEngines, MigProfile, MigProfileKind, SharingModel } from './types.js';

/*
 * The GPU catalog. Every MIG figure is from ../shared/reference/gpu-k8s.md §1 (profile tables
 * §1.2, `-lgipp` placements §1.3, driver notes §1.1, mig-parted device filters and
 * `all-balanced` §1.6); sharing from §2.3; GFD labels from §3.3. Where the reference marks a
 * value [UNVERIFIED], or gives none and Tessera derives one, the entry says so in `unverified`
 * (docs/hardware.md lists them all). Nothing here was measured on hardware.
 */

const GIB = 1024 ** 3;
/** `-lgip` prints GiB with two decimals; bytes are rounded from that. */
const gib = (n: number): number => Math.round(n * GIB);

const REF = '../shared/reference/gpu-k8s.md';

/** Placements of the 7-compute / 8-memory-slot scheme (A100, H100, H200), verbatim `-lgipp` (§1.3). */
const STARTS_8 = {
  one: [0, 1, 2, 3, 4, 5, 6],
  oneDouble: [0, 2, 4, 6],
  two: [0, 2, 4],
  three: [0, 4],
  four: [0],
  seven: [0],
} as const;

const SHARING: SharingModel = {
  timeSlicing: true,
  mps: true,
  maxMpsClients: 48,
  shareReplicas: [2, 4, 8],
};

interface ProfileRow {
  name: string;
  kind: MigProfileKind;
  id: number;
  compute: number;
  slots: number;
  gib: number;
  sms: number;
  starts: readonly number[];
  max: number;
  engines: readonly [decoders: number, jpeg: number, ofa: number, copy: number];
  minDriver?: number;
  unverified?: readonly string[];
}

function profile(row: ProfileRow): MigProfile {
  const engines: MigEngines = { decoders: row.engines[0], jpegDecoders: row.engines[1], opticalFlow: row.engines[2], copyEngines: row.engines[3] };
  const unverified = row.unverified ?? [];
  return {
    name: row.name,
    kind: row.kind,
    nvidiaSmiId: row.id,
    computeSlices: row.compute,
    memorySlots: row.slots,
    memoryBytes: gib(row.gib),
    multiprocessors: row.sms,
    starts: row.starts,
    maxInstances: row.max,
    engines,
    ...(row.minDriver === undefined ? {} : { minDriver: row.minDriver }),
    // Mixed strategy: "mig-" + profile with `+` replaced by `.` (§2.2).
    resourceName: `nvidia.com/mig-${row.name.replace(/\+/g, '.')}`,
    verified: unverified.length === 0,
    unverified,
  };
}

/** Names of one 8-slot family's seven profiles. */
interface Names8 {
  one: string;
  oneMe: string;
  oneDouble: string;
  two: string;
  three: string;
  four: string;
  seven: string;
}

/** Per-profile figures of one 8-slot family: [GiB, SMs] and optional extras. */
interface Figures8 {
  one: readonly [number, number];
  oneMe: readonly [number, number];
  oneDouble: readonly [number, number];
  two: readonly [number, number];
  three: readonly [number, number];
  four: readonly [number, number];
  seven: readonly [number, number];
}

type EngineSet = Record<keyof Names8, readonly [number, number, number, number]>;

/** A100 engines (§1.2 A100-SXM4-40GB table; the 80GB card has "same geometry"). */
const AMPERE_ENGINES: EngineSet = {
  one: [0, 0, 0, 1],
  oneMe: [1, 1, 1, 1],
  oneDouble: [1, 0, 0, 1],
  two: [1, 0, 0, 2],
  three: [2, 0, 0, 3],
  four: [2, 0, 0, 4],
  seven: [5, 1, 1, 7],
};

/** H100 engines (§1.2 H100 80GB table; H100 94GB and H200 "same engines"). */
const HOPPER_ENGINES: EngineSet = {
  one: [1, 1, 0, 1],
  oneMe: [1, 1, 1, 1],
  oneDouble: [1, 1, 0, 1],
  two: [2, 2, 0, 2],
  three: [3, 3, 0, 3],
  four: [4, 4, 0, 4],
  seven: [7, 7, 1, 8],
};

interface Family8 {
  names: Names8;
  figures: Figures8;
  engines: EngineSet;
  minDriver?: Partial<Record<keyof Names8, number>>;
  unverified?: Partial<Record<keyof Names8, readonly string[]>>;
}

function sevenSliceProfiles(f: Family8): MigProfile[] {
  const row = (key: keyof Names8, kind: MigProfileKind, id: number, compute: number, slots: number, starts: readonly number[], max: number): MigProfile => {
    const [mem, sms] = f.figures[key];
    const minDriver = f.minDriver?.[key];
    const unverified = f.unverified?.[key];
    return profile({
      name: f.names[key],
      kind,
      id,
      compute,
      slots,
      gib: mem,
      sms,
      starts,
      max,
      engines: f.engines[key],
      ...(minDriver === undefined ? {} : { minDriver }),
      ...(unverified === undefined ? {} : { unverified }),
    });
  };
  return [
    row('one', 'base', 19, 1, 1, STARTS_8.one, 7),
    row('oneMe', 'media-extension', 20, 1, 1, STARTS_8.one, 1),
    row('oneDouble', 'double-memory', 15, 1, 2, STARTS_8.oneDouble, 4),
    row('two', 'base', 14, 2, 2, STARTS_8.two, 3),
    row('three', 'base', 9, 3, 4, STARTS_8.three, 2),
    row('four', 'base', 5, 4, 4, STARTS_8.four, 1),
    row('seven', 'base', 0, 7, 8, STARTS_8.seven, 1),
  ];
}

/**
 * "Prior to NVIDIA driver release R510, the combination of a (4 memory, 4 compute) and a
 * (4 memory, 3 compute) profile was not supported" (§1.1). The guide states it for the profile
 * shapes, not for one card, so it is applied to every 8-slot GPU.
 */
const r510 = (four: string, three: string): DriverCombinationRule[] => [
  { profiles: [four, three], minDriver: 510, source: `${REF} §1.1 (MIG guide concepts: 4g+3g needs R510+)` },
];

const product = (label: string, verified: boolean, note: string): GfdProduct => ({ label, verified, note });
const NVML_NAME = 'GFD writes the NVML product name with spaces as dashes';

const A100_40: GpuType = {
  type: 'A100-40GB',
  family: 'ampere',
  memoryBytes: gib(40),
  migCapable: true,
  computeSlices: 7,
  memorySlots: 8,
  maxInstances: 7,
  migProfiles: sevenSliceProfiles({
    names: { one: '1g.5gb', oneMe: '1g.5gb+me', oneDouble: '1g.10gb', two: '2g.10gb', three: '3g.20gb', four: '4g.20gb', seven: '7g.40gb' },
    figures: { one: [4.75, 14], oneMe: [4.75, 14], oneDouble: [9.62, 14], two: [9.62, 28], three: [19.5, 42], four: [19.5, 56], seven: [39.25, 98] },
    engines: AMPERE_ENGINES,
    minDriver: { oneMe: 470, oneDouble: 525 },
    unverified: {
      // Kept as unverified-by-inconsistency: the guide's table says 1/8 memory, its -lgipp says 2 slots.
      oneDouble: ['the guide lists 1g.10gb as 1/8 of memory but its -lgipp places it on 2 memory slots; 2 slots are used [DERIVED from -lgipp]'],
    },
  }),
  driverRules: r510('4g.20gb', '3g.20gb'),
  sharing: SHARING,
  gfdProducts: [
    product('A100-SXM4-40GB', true, 'GFD example label in the reference (§3.3)'),
    product('NVIDIA-A100-SXM4-40GB', false, `${NVML_NAME}; newer drivers prefix "NVIDIA"`),
    product('NVIDIA-A100-PCIE-40GB', false, NVML_NAME),
  ],
  aliases: ['A100-40G', 'A100-SXM4-40GB', 'A100-PCIE-40GB', 'A100-40GB-PCIE'],
  migParted: {
    deviceFilter: ['0x20B010DE', '0x20B110DE', '0x20F110DE', '0x20F610DE'],
    balanced: { '1g.5gb': 2, '2g.10gb': 1, '3g.20gb': 1 },
  },
  verified: true,
  unverified: [],
  sources: [`${REF} §1.2 (A100-SXM4-40GB table, guide's -lgip sample)`, `${REF} §1.3 (-lgipp verbatim from the MIG guide)`, `${REF} §1.4 (19/18 full layouts, derived)`],
};

const A100_80: GpuType = {
  type: 'A100-80GB',
  family: 'ampere',
  memoryBytes: gib(80),
  migCapable: true,
  computeSlices: 7,
  memorySlots: 8,
  maxInstances: 7,
  migProfiles: sevenSliceProfiles({
    names: { one: '1g.10gb', oneMe: '1g.10gb+me', oneDouble: '1g.20gb', two: '2g.20gb', three: '3g.40gb', four: '4g.40gb', seven: '7g.80gb' },
    // 1g.20gb: memory not captured; every captured family gives the double-memory 1g the 2g's
    // memory, so 2g.20gb's 19.50 GiB is used. SM counts of +me and 1g.20gb follow the 40GB card.
    figures: { one: [9.5, 14], oneMe: [9.5, 14], oneDouble: [19.5, 14], two: [19.5, 28], three: [39.25, 42], four: [39.25, 56], seven: [79, 98] },
    engines: AMPERE_ENGINES,
    minDriver: { oneMe: 470, oneDouble: 525 },
    unverified: {
      oneMe: ['SM count not in the captured -lgip; taken from 1g.10gb (14)', 'R470+ minimum stated for the A100 1g.5gb+me; assumed for the 80GB twin'],
      oneDouble: [
        'memory value [UNVERIFIED] in the reference; 19.50 GiB taken from 2g.20gb (the double-memory 1g equals the 2g on every captured card)',
        'SM count not captured; 14 as on the 40GB card',
        'R525+ minimum stated for the 40GB card\'s 1g.10gb; assumed for the 80GB card\'s 1g.20gb',
      ],
    },
  }),
  driverRules: r510('4g.40gb', '3g.40gb'),
  sharing: SHARING,
  gfdProducts: [
    product('NVIDIA-A100-SXM4-80GB', false, NVML_NAME),
    product('A100-SXM4-80GB', false, 'older drivers print the name without "NVIDIA"'),
    product('NVIDIA-A100-80GB-PCIe', false, NVML_NAME),
  ],
  aliases: ['A100-80G', 'A100-SXM4-80GB', 'A100-80GB-PCIE', 'A100-PCIE-80GB'],
  migParted: {
    // §1.6 lists one filter for the whole 80GB class (H100-80GB/H800-80GB/A100-80GB/A800-80GB).
    deviceFilter: ['0x233010DE', '0x233110DE', '0x232210DE', '0x20B210DE', '0x20B510DE', '0x20F310DE', '0x20F510DE', '0x232410DE'],
    balanced: { '1g.10gb': 2, '2g.20gb': 1, '3g.40gb': 1 },
  },
  verified: false,
  unverified: ['-lgipp placements not captured for the A100 80GB [UNVERIFIED, expected identical to A100-40GB] (§1.3)'],
  sources: [`${REF} §1.2 (A100-SXM4-80GB: guide note + third-party -lgip)`, `${REF} §1.3 (placements assumed as A100-40GB)`],
};

const H100_80: GpuType = {
  type: 'H100-80GB',
  family: 'hopper',
  memoryBytes: gib(80),
  migCapable: true,
  computeSlices: 7,
  memorySlots: 8,
  maxInstances: 7,
  migProfiles: sevenSliceProfiles({
    names: { one: '1g.10gb', oneMe: '1g.10gb+me', oneDouble: '1g.20gb', two: '2g.20gb', three: '3g.40gb', four: '4g.40gb', seven: '7g.80gb' },
    figures: { one: [9.75, 16], oneMe: [9.75, 16], oneDouble: [19.62, 26], two: [19.62, 32], three: [39.5, 60], four: [39.5, 64], seven: [79.25, 132] },
    engines: HOPPER_ENGINES,
  }),
  driverRules: r510('4g.40gb', '3g.40gb'),
  sharing: SHARING,
  gfdProducts: [
    product('NVIDIA-H100-80GB-HBM3', false, `${NVML_NAME}; the reference's nvidia-smi name is "NVIDIA H100 80GB HBM3"`),
    product('NVIDIA-H100-PCIe', false, NVML_NAME),
  ],
  aliases: ['H100', 'H100-80G', 'H100-SXM5-80GB', 'H100-80GB-HBM3', 'H100-PCIE', 'H100-PCIE-80GB'],
  migParted: {
    deviceFilter: ['0x233010DE', '0x233110DE', '0x232210DE', '0x20B210DE', '0x20B510DE', '0x20F310DE', '0x20F510DE', '0x232410DE'],
    balanced: { '1g.10gb': 2, '2g.20gb': 1, '3g.40gb': 1 },
  },
  verified: true,
  unverified: [],
  sources: [`${REF} §1.2 (H100 80GB table, real -lgip)`, `${REF} §1.3 (-lgipp byte-identical in several real captures)`],
};

const H100_94: GpuType = {
  type: 'H100-94GB',
  family: 'hopper',
  memoryBytes: gib(94),
  migCapable: true,
  computeSlices: 7,
  memorySlots: 8,
  maxInstances: 7,
  migProfiles: sevenSliceProfiles({
    names: { one: '1g.12gb', oneMe: '1g.12gb+me', oneDouble: '1g.24gb', two: '2g.24gb', three: '3g.47gb', four: '4g.47gb', seven: '7g.94gb' },
    figures: { one: [10.75, 16], oneMe: [10.75, 16], oneDouble: [21.62, 26], two: [21.62, 32], three: [46.38, 60], four: [46.38, 64], seven: [93.12, 132] },
    engines: HOPPER_ENGINES,
  }),
  driverRules: r510('4g.47gb', '3g.47gb'),
  sharing: SHARING,
  gfdProducts: [product('NVIDIA-H100-NVL', false, `${NVML_NAME}; the reference's nvidia-smi name is "NVIDIA H100 NVL"`)],
  aliases: ['H100-94G', 'H100-NVL', 'H100-NVL-94GB', 'H100-94GB-NVL'],
  migParted: {
    deviceFilter: ['0x232110DE', '0x233A10DE'],
    balanced: { '1g.12gb': 2, '2g.24gb': 1, '3g.47gb': 1 },
  },
  verified: true,
  unverified: [],
  sources: [`${REF} §1.2 (H100 94GB official table, real H100 NVL -lgip)`, `${REF} §1.3 (H100 NVL -lgipp real captures)`],
};

const H200_DERIVED_3G = '≈0.498 × 7g (the 3g/7g memory ratio of both captured H100 cards) × 140.00 GiB = 69.7, rounded down to 69.50 GiB';

const H200: GpuType = {
  type: 'H200-141GB',
  family: 'hopper',
  memoryBytes: gib(141),
  migCapable: true,
  computeSlices: 7,
  memorySlots: 8,
  maxInstances: 7,
  migProfiles: sevenSliceProfiles({
    names: { one: '1g.18gb', oneMe: '1g.18gb+me', oneDouble: '1g.35gb', two: '2g.35gb', three: '3g.71gb', four: '4g.71gb', seven: '7g.141gb' },
    figures: { one: [16, 16], oneMe: [16, 16], oneDouble: [32.5, 26], two: [32.5, 32], three: [69.5, 60], four: [69.5, 64], seven: [140, 132] },
    engines: HOPPER_ENGINES,
    unverified: {
      oneMe: ['memory and SMs not in the partial -lgip capture; taken equal to 1g.18gb (as on every captured card)'],
      oneDouble: ['profile ID 15 [UNVERIFIED — inferred from H100]', 'memory not captured: 32.50 GiB taken from 2g.35gb', 'SMs not captured: 26 as on H100'],
      three: ['profile ID 9 [UNVERIFIED — inferred from H100]', `memory not captured: ${H200_DERIVED_3G}`, 'SMs not captured: 60 as on H100'],
      four: ['profile ID 5 [UNVERIFIED — inferred from H100]', `memory not captured: ${H200_DERIVED_3G}`, 'SMs not captured: 64 as on H100'],
    },
  }),
  driverRules: r510('4g.71gb', '3g.71gb'),
  sharing: SHARING,
  gfdProducts: [product('NVIDIA-H200', false, NVML_NAME), product('NVIDIA-H200-NVL', false, NVML_NAME)],
  aliases: ['H200', 'H200-141G', 'H200-SXM5', 'H200-SXM5-141GB', 'H200-NVL', 'H200-NVL-141GB'],
  migParted: {
    deviceFilter: ['0x233510DE', '0x233B10DE'],
    balanced: { '1g.18gb': 2, '2g.35gb': 1, '3g.71gb': 1 },
  },
  verified: false,
  unverified: ['-lgipp placements not captured for the H200 [UNVERIFIED, expected identical: same GH100 die, same 7-slice/8-slot scheme] (§1.3)'],
  sources: [`${REF} §1.2 (H200 141GB official table, partial real -lgip)`, `${REF} §1.3 (placements assumed as H100)`],
};

const A30: GpuType = {
  type: 'A30-24GB',
  family: 'ampere',
  memoryBytes: gib(24),
  migCapable: true,
  computeSlices: 4,
  memorySlots: 4,
  maxInstances: 4,
  migProfiles: [
    profile({ name: '1g.6gb', kind: 'base', id: 14, compute: 1, slots: 1, gib: 5.81, sms: 14, starts: [0, 1, 2, 3], max: 4, engines: [0, 0, 0, 1] }),
    profile({ name: '1g.6gb+me', kind: 'media-extension', id: 21, compute: 1, slots: 1, gib: 5.81, sms: 14, starts: [0, 1, 2, 3], max: 1, engines: [1, 1, 1, 1], minDriver: 470 }),
    profile({ name: '2g.12gb', kind: 'base', id: 5, compute: 2, slots: 2, gib: 11.69, sms: 28, starts: [0, 2], max: 2, engines: [2, 0, 0, 2] }),
    profile({ name: '2g.12gb+me', kind: 'media-extension', id: 6, compute: 2, slots: 2, gib: 11.69, sms: 28, starts: [0, 2], max: 1, engines: [2, 1, 1, 2], minDriver: 525 }),
    // Captures show 23.44–23.50 GiB; the lower figure keeps the planner on the safe side.
    profile({ name: '4g.24gb', kind: 'base', id: 0, compute: 4, slots: 4, gib: 23.44, sms: 56, starts: [0], max: 1, engines: [4, 1, 1, 4] }),
  ],
  driverRules: [],
  sharing: SHARING,
  gfdProducts: [product('NVIDIA-A30', false, NVML_NAME)],
  aliases: ['A30', 'A30-24G'],
  migParted: { deviceFilter: ['0x20B710DE'], balanced: { '1g.6gb': 2, '2g.12gb': 1 } },
  verified: true,
  unverified: [],
  sources: [`${REF} §1.2 (A30-24GB table, real -lgip)`, `${REF} §1.3 (A30 -lgipp real capture)`],
};

const NOT_IN_REFERENCE = 'memory size is not in the reference: the vendor\'s nominal figure';

function sharedGpu(type: string, family: GpuType['family'], memoryGiB: number, gfd: readonly GfdProduct[], aliases: readonly string[]): GpuType {
  return {
    type,
    family,
    memoryBytes: gib(memoryGiB),
    migCapable: false,
    computeSlices: 0,
    memorySlots: 0,
    maxInstances: 0,
    migProfiles: [],
    driverRules: [],
    sharing: SHARING,
    gfdProducts: gfd,
    aliases,
    migParted: undefined,
    verified: false,
    unverified: [NOT_IN_REFERENCE],
    sources: [`${REF} §2.3 (time-slicing and MPS sharing)`],
  };
}

/** The catalog, MIG GPUs first. Frozen deep: callers share these objects. */
export const GPU_CATALOG: readonly GpuType[] = deepFreeze([
  A100_40,
  A100_80,
  H100_80,
  H100_94,
  H200,
  A30,
  sharedGpu('L4', 'ada', 24, [product('NVIDIA-L4', false, NVML_NAME)], ['L4-24GB', 'L4-24G']),
  sharedGpu('T4', 'turing', 16, [product('Tesla-T4', true, 'GFD example label in the reference (§3.3)')], ['T4-16GB', 'T4-16G', 'TESLA-T4']),
  sharedGpu('A10', 'ampere', 24, [product('NVIDIA-A10', false, NVML_NAME)], ['A10-24GB', 'A10-24G']),
]);

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as object)) deepFreeze(v);
  }
  return value;
}
