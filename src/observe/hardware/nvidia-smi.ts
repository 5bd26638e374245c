import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { TesseraError } from '../../core/errors/index.js';
import { GPU_METRICS, type MetricSample } from './gpu-metrics.js';

const MIB = 1024 * 1024;

export interface GpuMemory {
  readonly totalBytes: number | null;
  readonly usedBytes: number | null;
  readonly freeBytes: number | null;
  readonly reservedBytes: number | null;
}

export type MigProfileSource = 'nvidia-smi -L' | 'derived';

export interface MigDeviceInfo {
  readonly index: number;
  readonly gpuInstanceId: number;
  readonly computeInstanceId: number;
  readonly multiprocessorCount: number | null;
  readonly memory: GpuMemory;
  /** e.g. `3g.20gb`. `-q -x` does not print it: it comes from `nvidia-smi -L` or is derived from SMs and memory. */
  readonly profile: string | null;
  readonly profileSource: MigProfileSource | null;
  readonly uuid: string | null;
}

export interface GpuProcessInfo {
  readonly pid: number;
  readonly name: string | null;
  readonly usedMemoryBytes: number | null;
  readonly gpuInstanceId: number | null;
  readonly computeInstanceId: number | null;
}

export interface GpuInfo {
  /** PCI bus id, the `id` attribute of `<gpu>`. */
  readonly busId: string;
  readonly minorNumber: number | null;
  readonly name: string | null;
  readonly uuid: string | null;
  readonly architecture: string | null;
  /** `unsupported` when the GPU has no MIG (`N/A`). */
  readonly migMode: 'enabled' | 'disabled' | 'unsupported';
  /** Fractions in [0, 1]; null when NVML reports N/A (always, under MIG). */
  readonly utilizationGpuRatio: number | null;
  readonly utilizationMemoryRatio: number | null;
  readonly memory: GpuMemory;
  readonly powerDrawWatts: number | null;
  readonly powerLimitWatts: number | null;
  readonly temperatureCelsius: number | null;
  readonly migDevices: readonly MigDeviceInfo[];
  readonly processes: readonly GpuProcessInfo[];
}

export interface NvidiaSmiReport {
  readonly timestamp: string | null;
  readonly driverVersion: string | null;
  readonly cudaVersion: string | null;
  readonly gpus: readonly GpuInfo[];
}

type XmlNode = Record<string, unknown>;

function child(node: unknown, ...path: string[]): unknown {
  let cur: unknown = node;
  for (const key of path) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as XmlNode)[key];
  }
  return cur;
}

/** Text of a leaf, trimmed; null for missing, empty, `N/A` and other "not available" spellings. */
function text(node: unknown, ...path: string[]): string | null {
  const v = child(node, ...path);
  if (typeof v !== 'string' && typeof v !== 'number') return null;
  const t = String(v).trim();
  if (t === '' || /^(n\/a|\[n\/a\]|not supported|\[not supported\]|unknown error|\[unknown error\]|none)$/i.test(t)) return null;
  return t;
}

/** The number at the front of a value that carries its unit as text: `40448 MiB`, `38 C`, `66.92 W`, `100 %`. */
function leadingNumber(node: unknown, ...path: string[]): number | null {
  const t = text(node, ...path);
  if (t === null) return null;
  const m = /^[+-]?\d+(?:\.\d+)?/.exec(t);
  return m ? Number(m[0]) : null;
}

function mibBytes(node: unknown, ...path: string[]): number | null {
  const v = leadingNumber(node, ...path);
  if (v === null) return null;
  const t = text(node, ...path) as string;
  // nvidia-smi writes MiB; accept GiB/KiB too rather than silently mis-scaling.
  const unit = /([KMG])i?B\s*$/i.exec(t)?.[1]?.toUpperCase() ?? 'M';
  const factor = unit === 'G' ? 1024 * MIB : unit === 'K' ? 1024 : MIB;
  return v * factor;
}

function intOrNull(node: unknown, ...path: string[]): number | null {
  const v = leadingNumber(node, ...path);
  return v === null ? null : Math.trunc(v);
}

function memoryOf(node: unknown): GpuMemory {
  return {
    totalBytes: mibBytes(node, 'fb_memory_usage', 'total'),
    usedBytes: mibBytes(node, 'fb_memory_usage', 'used'),
    freeBytes: mibBytes(node, 'fb_memory_usage', 'free'),
    reservedBytes: mibBytes(node, 'fb_memory_usage', 'reserved'),
  };
}

function asArray(v: unknown): unknown[] {
  if (v === undefined || v === null || typeof v === 'string') return [];
  return Array.isArray(v) ? v : [v];
}

// SMs of the 1g…7g compute slices (MIG user guide tables; Hopper is not linear: 3g has 60 SMs).
const SLICES_BY_SMS: readonly { family: RegExp; slices: ReadonlyMap<number, number> }[] = [
  { family: /A100|A800|A30\b/i, slices: new Map([[14, 1], [28, 2], [42, 3], [56, 4], [98, 7]]) },
  { family: /H100|H800|H200|H20\b|GH200/i, slices: new Map([[16, 1], [26, 1], [32, 2], [60, 3], [64, 4], [132, 7]]) },
];

/**
 * Best-effort MIG profile name from a device's SM count and memory when `nvidia-smi -L` is not at
 * hand: compute slices from the SM table of the GPU family, memory as ⌈MiB / 1024⌉ GB. Right for
 * A100 40/80 GB, A30 and H100 80 GB; H100 94 GB and H200 profiles are named by marketing sizes
 * this cannot recover (e.g. 1g.18gb on 16 GiB), so prefer `withMigProfiles` there.
 */
export function deriveMigProfile(productName: string | null, multiprocessorCount: number | null, totalBytes: number | null): string | null {
  if (productName === null || multiprocessorCount === null || totalBytes === null) return null;
  const fam = SLICES_BY_SMS.find((f) => f.family.test(productName));
  const g = fam?.slices.get(multiprocessorCount);
  if (g === undefined) return null;
  return `${g}g.${Math.ceil(totalBytes / MIB / 1024)}gb`;
}

function migModeOf(gpu: unknown): GpuInfo['migMode'] {
  const m = text(gpu, 'mig_mode', 'current_mig');
  if (m === null) return 'unsupported';
  return /^enabled$/i.test(m) ? 'enabled' : 'disabled';
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  // Keep every value as text: units and N/A are handled field by field.
  parseTagValue: false,
  trimValues: true,
  isArray: (name) => name === 'gpu' || name === 'mig_device' || name === 'process_info',
});

/**
 * Parses `nvidia-smi -q -x`: per GPU its identity, MIG mode, utilisation, framebuffer memory,
 * power and temperature, its MIG devices (GPU/compute instance ids, SMs, memory) and processes.
 * Fields the driver reports as N/A (utilisation under MIG, power on some boards) are null, and
 * unknown or missing elements are ignored, so captures from old and new drivers both read.
 */
export function parseNvidiaSmiXml(xml: string): NvidiaSmiReport {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    throw new TesseraError('TESSERA_ERR_OBSERVE_GPU_XML', `nvidia-smi output is not well-formed XML (line ${valid.err.line}: ${valid.err.msg}); run 'nvidia-smi -q -x' by hand`, {
      details: { line: valid.err.line, column: valid.err.col },
    });
  }
  const doc = parser.parse(xml) as XmlNode;
  const log = doc['nvidia_smi_log'];
  if (typeof log !== 'object' || log === null) {
    throw new TesseraError('TESSERA_ERR_OBSERVE_GPU_XML', "the XML has no <nvidia_smi_log> root; is this 'nvidia-smi -q -x' output?");
  }
  const gpus = asArray(child(log, 'gpu')).map((gpu): GpuInfo => {
    const name = text(gpu, 'product_name');
    const migDevices = asArray(child(gpu, 'mig_devices', 'mig_device')).map((d): MigDeviceInfo => {
      const memory = memoryOf(d);
      const sms = intOrNull(d, 'device_attributes', 'shared', 'multiprocessor_count');
      const profile = deriveMigProfile(name, sms, memory.totalBytes);
      return {
        index: intOrNull(d, 'index') ?? 0,
        gpuInstanceId: intOrNull(d, 'gpu_instance_id') ?? 0,
        computeInstanceId: intOrNull(d, 'compute_instance_id') ?? 0,
        multiprocessorCount: sms,
        memory,
        profile,
        profileSource: profile === null ? null : 'derived',
        uuid: null,
      };
    });
    const processes = asArray(child(gpu, 'processes', 'process_info')).map(
      (p): GpuProcessInfo => ({
        pid: intOrNull(p, 'pid') ?? 0,
        name: text(p, 'process_name'),
        usedMemoryBytes: mibBytes(p, 'used_memory'),
        gpuInstanceId: intOrNull(p, 'gpu_instance_id'),
        computeInstanceId: intOrNull(p, 'compute_instance_id'),
      }),
    );
    const util = (field: string): number | null => {
      const v = leadingNumber(gpu, 'utilization', field);
      return v === null ? null : v / 100;
    };
    // Power moved from <power_readings> to <gpu_power_readings> (R530+), and the draw to <instant_power_draw> (R535+).
    const powerDraw =
      leadingNumber(gpu, 'gpu_power_readings', 'power_draw') ??
      leadingNumber(gpu, 'gpu_power_readings', 'instant_power_draw') ??
      leadingNumber(gpu, 'power_readings', 'power_draw');
    const powerLimit =
      leadingNumber(gpu, 'gpu_power_readings', 'current_power_limit') ??
      leadingNumber(gpu, 'power_readings', 'enforced_power_limit') ??
      leadingNumber(gpu, 'power_readings', 'power_limit');
    return {
      busId: String(child(gpu, '@_id') ?? text(gpu, 'pci', 'pci_bus_id') ?? ''),
      minorNumber: intOrNull(gpu, 'minor_number'),
      name,
      uuid: text(gpu, 'uuid'),
      architecture: text(gpu, 'product_architecture'),
      migMode: migModeOf(gpu),
      utilizationGpuRatio: util('gpu_util'),
      utilizationMemoryRatio: util('memory_util'),
      memory: memoryOf(gpu),
      powerDrawWatts: powerDraw,
      powerLimitWatts: powerLimit,
      temperatureCelsius: leadingNumber(gpu, 'temperature', 'gpu_temp'),
      migDevices,
      processes,
    };
  });
  return { timestamp: text(log, 'timestamp'), driverVersion: text(log, 'driver_version'), cudaVersion: text(log, 'cuda_version'), gpus };
}

export interface ListedGpu {
  readonly index: number;
  readonly name: string;
  readonly uuid: string;
  readonly migDevices: readonly { readonly index: number; readonly profile: string; readonly uuid: string }[];
}

/**
 * Parses `nvidia-smi -L`, the one place nvidia-smi names MIG profiles:
 * `GPU 0: NVIDIA A100-SXM4-80GB (UUID: GPU-…)` then `  MIG 1g.10gb Device 0: (UUID: MIG-…)`.
 */
export function parseNvidiaSmiList(listing: string): ListedGpu[] {
  const gpus: { index: number; name: string; uuid: string; migDevices: { index: number; profile: string; uuid: string }[] }[] = [];
  for (const raw of listing.split(/\r?\n/)) {
    const line = raw.trim();
    const g = /^GPU (\d+): (.*?) \(UUID: ([^)]+)\)$/.exec(line);
    if (g) {
      gpus.push({ index: Number(g[1]), name: g[2] as string, uuid: g[3] as string, migDevices: [] });
      continue;
    }
    const m = /^MIG (\S+)\s+Device\s+(\d+): \(UUID: ([^)]+)\)$/.exec(line);
    const last = gpus[gpus.length - 1];
    if (m && last) last.migDevices.push({ index: Number(m[2]), profile: m[1] as string, uuid: m[3] as string });
  }
  return gpus;
}

/** Fills MIG profile names (and MIG UUIDs) from `nvidia-smi -L`, matching GPUs by UUID and devices by index. */
export function withMigProfiles(report: NvidiaSmiReport, listing: readonly ListedGpu[]): NvidiaSmiReport {
  return {
    ...report,
    gpus: report.gpus.map((gpu) => {
      const listed = listing.find((l) => l.uuid === gpu.uuid);
      if (!listed) return gpu;
      return {
        ...gpu,
        migDevices: gpu.migDevices.map((d) => {
          const named = listed.migDevices.find((m) => m.index === d.index);
          return named ? { ...d, profile: named.profile, profileSource: 'nvidia-smi -L' as const, uuid: named.uuid } : d;
        }),
      };
    }),
  };
}

/**
 * The report as Tessera hardware samples (docs/metrics.md, "Hardware"). MIG instances carry
 * `GPU_I_PROFILE` and `GPU_I_ID` like a DCGM exporter's series, so both sources line up; a GPU
 * instance split into several compute instances is reported once (they share its memory).
 */
export function nvidiaSmiSamples(report: NvidiaSmiReport, extraLabels: Readonly<Record<string, string>> = {}): MetricSample[] {
  const out: MetricSample[] = [];
  const push = (name: string, labels: Record<string, string>, value: number | null): void => {
    if (value !== null && Number.isFinite(value)) out.push({ name, labels: { ...extraLabels, ...labels }, value });
  };
  report.gpus.forEach((gpu, i) => {
    const base: Record<string, string> = { gpu: String(gpu.minorNumber ?? i) };
    if (gpu.uuid !== null) base['uuid'] = gpu.uuid;
    if (gpu.name !== null) base['gpu_model'] = gpu.name;
    push(GPU_METRICS.utilization.name, base, gpu.utilizationGpuRatio);
    push(GPU_METRICS.memoryCopyUtilization.name, base, gpu.utilizationMemoryRatio);
    push(GPU_METRICS.memoryTotal.name, base, gpu.memory.totalBytes);
    push(GPU_METRICS.memoryUsed.name, base, gpu.memory.usedBytes);
    push(GPU_METRICS.memoryFree.name, base, gpu.memory.freeBytes);
    push(GPU_METRICS.memoryReserved.name, base, gpu.memory.reservedBytes);
    push(GPU_METRICS.power.name, base, gpu.powerDrawWatts);
    push(GPU_METRICS.powerLimit.name, base, gpu.powerLimitWatts);
    push(GPU_METRICS.temperature.name, base, gpu.temperatureCelsius);
    if (gpu.migMode === 'enabled') push(GPU_METRICS.migDevices.name, base, gpu.migDevices.length);
    const seen = new Set<number>();
    for (const d of gpu.migDevices) {
      if (seen.has(d.gpuInstanceId)) continue;
      seen.add(d.gpuInstanceId);
      const labels = { ...base, GPU_I_PROFILE: d.profile ?? '', GPU_I_ID: String(d.gpuInstanceId) };
      push(GPU_METRICS.memoryTotal.name, labels, d.memory.totalBytes);
      push(GPU_METRICS.memoryUsed.name, labels, d.memory.usedBytes);
      push(GPU_METRICS.memoryFree.name, labels, d.memory.freeBytes);
    }
  });
  return out;
}
