import { GPU_METRICS, type MetricFamily, type MetricSample } from './gpu-metrics.js';
import { parsePrometheusText } from './prom-text.js';

/** How one DCGM field becomes a Tessera metric: its family and the factor to Tessera's unit. */
interface Mapping {
  readonly family: MetricFamily;
  readonly scale: number;
}

const MIB = 1024 * 1024;

/**
 * DCGM exporter fields (etc/default-counters.csv and the DCP profiling set) re-exported by Tessera.
 * Units become base units: % → ratio, MiB → bytes, MHz → Hz, mJ → J. Fields with no Tessera
 * meaning (vGPU licence, NVLink counter sums) are reported as unmapped rather than guessed at.
 */
export const DCGM_FIELD_MAP: Readonly<Record<string, Mapping>> = {
  DCGM_FI_DEV_GPU_UTIL: { family: GPU_METRICS.utilization, scale: 0.01 },
  DCGM_FI_DEV_MEM_COPY_UTIL: { family: GPU_METRICS.memoryCopyUtilization, scale: 0.01 },
  DCGM_FI_DEV_ENC_UTIL: { family: GPU_METRICS.encoderUtilization, scale: 0.01 },
  DCGM_FI_DEV_DEC_UTIL: { family: GPU_METRICS.decoderUtilization, scale: 0.01 },
  DCGM_FI_PROF_GR_ENGINE_ACTIVE: { family: GPU_METRICS.engineActive, scale: 1 },
  DCGM_FI_PROF_PIPE_TENSOR_ACTIVE: { family: GPU_METRICS.tensorActive, scale: 1 },
  DCGM_FI_PROF_DRAM_ACTIVE: { family: GPU_METRICS.dramActive, scale: 1 },
  DCGM_FI_DEV_FB_TOTAL: { family: GPU_METRICS.memoryTotal, scale: MIB },
  DCGM_FI_DEV_FB_USED: { family: GPU_METRICS.memoryUsed, scale: MIB },
  DCGM_FI_DEV_FB_FREE: { family: GPU_METRICS.memoryFree, scale: MIB },
  DCGM_FI_DEV_FB_RESERVED: { family: GPU_METRICS.memoryReserved, scale: MIB },
  DCGM_FI_DEV_POWER_USAGE: { family: GPU_METRICS.power, scale: 1 },
  DCGM_FI_DEV_POWER_MGMT_LIMIT: { family: GPU_METRICS.powerLimit, scale: 1 },
  DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION: { family: GPU_METRICS.energy, scale: 0.001 },
  DCGM_FI_DEV_GPU_TEMP: { family: GPU_METRICS.temperature, scale: 1 },
  DCGM_FI_DEV_MEMORY_TEMP: { family: GPU_METRICS.memoryTemperature, scale: 1 },
  DCGM_FI_DEV_SM_CLOCK: { family: GPU_METRICS.smClock, scale: 1e6 },
  DCGM_FI_DEV_MEM_CLOCK: { family: GPU_METRICS.memoryClock, scale: 1e6 },
  DCGM_FI_PROF_PCIE_TX_BYTES: { family: GPU_METRICS.pcieTransmit, scale: 1 },
  DCGM_FI_PROF_PCIE_RX_BYTES: { family: GPU_METRICS.pcieReceive, scale: 1 },
  DCGM_FI_DEV_PCIE_REPLAY_COUNTER: { family: GPU_METRICS.pcieReplays, scale: 1 },
  DCGM_FI_DEV_XID_ERRORS: { family: GPU_METRICS.lastXidError, scale: 1 },
};

/**
 * Labels carried over, renamed to Tessera's spelling. `GPU_I_PROFILE` and `GPU_I_ID` keep their
 * DCGM names on purpose: they are what MIG dashboards and KEDA/HPA queries already select on.
 * Driver-version and process-name labels are dropped (unbounded or constant per node).
 */
const LABEL_MAP: Readonly<Record<string, string>> = {
  gpu: 'gpu',
  UUID: 'uuid',
  device: 'device',
  modelName: 'gpu_model',
  Hostname: 'hostname',
  hostname: 'hostname',
  pci_bus_id: 'pci_bus_id',
  GPU_I_PROFILE: 'GPU_I_PROFILE',
  GPU_I_ID: 'GPU_I_ID',
  pod: 'pod',
  namespace: 'namespace',
  container: 'container',
  pod_name: 'pod',
  pod_namespace: 'namespace',
  container_name: 'container',
};

/**
 * DCGM writes "blank" (no data / not supported) as sentinels near the top of the int64 and fp64
 * ranges (DCGM_INT64_BLANK = 0x7ffffffffffffff0, DCGM_FP64_BLANK = 2^47); the exporter passes them
 * through as huge numbers (the NVIDIA docs' own sample shows 9223372036854775794 for a memory
 * temperature). Anything at or above 2^47 is read as "no value".
 */
const DCGM_BLANK_THRESHOLD = 140737488355328;

export interface DcgmConversion {
  readonly samples: readonly MetricSample[];
  /** DCGM metric names present in the body with no Tessera mapping. */
  readonly unmapped: readonly string[];
  /** Samples dropped because DCGM reported a blank sentinel. */
  readonly blanks: number;
}

/**
 * Reads a DCGM exporter `/metrics` body and re-exports it under Tessera names (docs/metrics.md,
 * "Hardware"), converting units and keeping the MIG labels `GPU_I_PROFILE`/`GPU_I_ID`.
 */
export function convertDcgmMetrics(body: string, extraLabels: Readonly<Record<string, string>> = {}): DcgmConversion {
  const parsed = parsePrometheusText(body);
  const samples: MetricSample[] = [];
  const unmapped = new Set<string>();
  let blanks = 0;
  for (const s of parsed.samples) {
    const mapping = DCGM_FIELD_MAP[s.name];
    if (!mapping) {
      if (s.name.startsWith('DCGM_')) unmapped.add(s.name);
      continue;
    }
    if (Math.abs(s.value) >= DCGM_BLANK_THRESHOLD || Number.isNaN(s.value)) {
      blanks++;
      continue;
    }
    const labels: Record<string, string> = { ...extraLabels };
    for (const [k, v] of Object.entries(s.labels)) {
      const to = LABEL_MAP[k];
      // Kubernetes attribution labels are empty on series no pod owns; an empty label is no label.
      if (to !== undefined && v !== '') labels[to] = v;
    }
    samples.push({ name: mapping.family.name, labels, value: s.value * mapping.scale });
  }
  return { samples, unmapped: [...unmapped].sort(), blanks };
}
