/**
 * Tessera's names for hardware metrics, whichever source they come from (nvidia-smi XML or a DCGM
 * exporter), so dashboards, alerts and the controller read one vocabulary. docs/metrics.md
 * ("Hardware") lists them with their sources.
 */

export type MetricType = 'gauge' | 'counter';

export interface MetricFamily {
  readonly name: string;
  readonly type: MetricType;
  readonly help: string;
}

export interface MetricSample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

function family(name: string, type: MetricType, help: string): MetricFamily {
  return { name, type, help };
}

export const GPU_METRICS = {
  utilization: family('tessera_gpu_utilization_ratio', 'gauge', 'Fraction of the sample period a kernel ran on the GPU (NVML; not reported per MIG device).'),
  memoryCopyUtilization: family('tessera_gpu_memory_copy_utilization_ratio', 'gauge', 'Fraction of the sample period device memory was read or written (NVML).'),
  encoderUtilization: family('tessera_gpu_encoder_utilization_ratio', 'gauge', 'Fraction of time the video encoder was busy.'),
  decoderUtilization: family('tessera_gpu_decoder_utilization_ratio', 'gauge', 'Fraction of time the video decoder was busy.'),
  engineActive: family('tessera_gpu_engine_active_ratio', 'gauge', 'Fraction of time the graphics/compute engine was active (DCGM profiling; per MIG instance too).'),
  tensorActive: family('tessera_gpu_tensor_active_ratio', 'gauge', 'Fraction of cycles the tensor pipes were active (DCGM profiling).'),
  dramActive: family('tessera_gpu_dram_active_ratio', 'gauge', 'Fraction of cycles the memory interface was busy (DCGM profiling).'),
  memoryTotal: family('tessera_gpu_memory_total_bytes', 'gauge', 'Framebuffer memory of the GPU or MIG instance.'),
  memoryUsed: family('tessera_gpu_memory_used_bytes', 'gauge', 'Framebuffer memory in use.'),
  memoryFree: family('tessera_gpu_memory_free_bytes', 'gauge', 'Framebuffer memory free.'),
  memoryReserved: family('tessera_gpu_memory_reserved_bytes', 'gauge', 'Framebuffer memory reserved by the driver.'),
  power: family('tessera_gpu_power_watts', 'gauge', 'Power draw.'),
  powerLimit: family('tessera_gpu_power_limit_watts', 'gauge', 'Enforced power limit.'),
  energy: family('tessera_gpu_energy_joules_total', 'counter', 'Energy consumed since the driver loaded.'),
  temperature: family('tessera_gpu_temperature_celsius', 'gauge', 'GPU die temperature.'),
  memoryTemperature: family('tessera_gpu_memory_temperature_celsius', 'gauge', 'Memory (HBM) temperature.'),
  smClock: family('tessera_gpu_sm_clock_hertz', 'gauge', 'SM clock.'),
  memoryClock: family('tessera_gpu_memory_clock_hertz', 'gauge', 'Memory clock.'),
  pcieTransmit: family('tessera_gpu_pcie_transmit_bytes_per_second', 'gauge', 'PCIe transmit rate, headers included (DCGM profiling).'),
  pcieReceive: family('tessera_gpu_pcie_receive_bytes_per_second', 'gauge', 'PCIe receive rate, headers included (DCGM profiling).'),
  pcieReplays: family('tessera_gpu_pcie_replays_total', 'counter', 'PCIe retries.'),
  lastXidError: family('tessera_gpu_last_xid_error', 'gauge', 'Code of the last XID error (0 = none).'),
  migDevices: family('tessera_gpu_mig_devices', 'gauge', 'MIG devices (GPU instance × compute instance) configured on the GPU.'),
  memoryFragmentation: family('tessera_gpu_memory_fragmentation_ratio', 'gauge', '1 − largest free block / total free, over a GPU or slice pool (docs/metrics.md).'),
} as const satisfies Record<string, MetricFamily>;

const FAMILIES_BY_NAME = new Map<string, MetricFamily>(Object.values(GPU_METRICS).map((f) => [f.name, f]));

export function gpuMetricFamily(name: string): MetricFamily | undefined {
  return FAMILIES_BY_NAME.get(name);
}

function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Number.POSITIVE_INFINITY) return '+Inf';
  if (v === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(v);
}

/**
 * Prometheus text exposition (0.0.4) of samples, grouped by metric with `# HELP`/`# TYPE` from
 * the catalogue above (metrics it does not know are written as untyped). Labels are written in a
 * stable order so the output can be compared in tests and diffed by people.
 */
export function renderPrometheusText(samples: readonly MetricSample[]): string {
  const byName = new Map<string, MetricSample[]>();
  for (const s of samples) {
    const list = byName.get(s.name);
    if (list) list.push(s);
    else byName.set(s.name, [s]);
  }
  const lines: string[] = [];
  for (const [name, list] of byName) {
    const fam = gpuMetricFamily(name);
    if (fam) {
      lines.push(`# HELP ${name} ${fam.help}`);
      lines.push(`# TYPE ${name} ${fam.type}`);
    }
    for (const s of list) {
      const keys = Object.keys(s.labels).sort();
      const labels = keys.length === 0 ? '' : `{${keys.map((k) => `${k}="${escapeLabelValue(s.labels[k] as string)}"`).join(',')}}`;
      lines.push(`${name}${labels} ${formatValue(s.value)}`);
    }
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}
