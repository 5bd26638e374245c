import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { convertDcgmMetrics } from './dcgm.js';
import { freeSpace, parseLayout } from '../../hardware/index.js';
import { fragmentation, freeRuns, memoryPoolFragmentation, migPoolFragmentation, slotPoolFragmentation } from './fragmentation.js';
import { renderPrometheusText } from './gpu-metrics.js';
import { deriveMigProfile, nvidiaSmiSamples, parseNvidiaSmiList, parseNvidiaSmiXml, withMigProfiles } from './nvidia-smi.js';
import { parsePrometheusText } from './prom-text.js';
import { codedError } from '../../core/test-support/coded-error.js';

const fixture = (name: string): string => readFileSync(new URL(`../../../test/fixtures/gpu/${name}`, import.meta.url), 'utf8');
const MIB = 1024 * 1024;

describe('nvidia-smi -q -x (recorded A100-SXM4-40GB with MIG)', () => {
  const report = parseNvidiaSmiXml(fixture('nvidia-smi-a100-sxm4-40gb-mig.xml'));
  const gpu = report.gpus[0]!;

  test('reads the driver and the GPU identity', () => {
    expect(report).toMatchObject({ driverVersion: '510.47.03', cudaVersion: '11.6', timestamp: 'Fri Jan 27 11:32:31 2023' });
    expect(report.gpus).toHaveLength(1);
    expect(gpu).toMatchObject({
      busId: '00000000:00:04.0',
      minorNumber: 0,
      name: 'NVIDIA A100-SXM4-40GB',
      uuid: 'GPU-27b94a00-ed54-5c24-b1fd-1054085de32a',
      architecture: 'Ampere',
      migMode: 'enabled',
    });
  });

  test('utilisation under MIG is N/A, read as null; memory, power and temperature are read with units', () => {
    expect(gpu.utilizationGpuRatio).toBeNull();
    expect(gpu.utilizationMemoryRatio).toBeNull();
    expect(gpu.memory).toEqual({ totalBytes: 40960 * MIB, usedBytes: 38 * MIB, freeBytes: 40315 * MIB, reservedBytes: 605 * MIB });
    expect(gpu.powerDrawWatts).toBe(66.92);
    expect(gpu.powerLimitWatts).toBe(400);
    expect(gpu.temperatureCelsius).toBe(36);
  });

  test('lists the MIG devices with GI/CI ids, SMs, memory and a derived profile', () => {
    expect(gpu.migDevices.map((d) => [d.index, d.gpuInstanceId, d.computeInstanceId, d.multiprocessorCount])).toEqual([
      [0, 1, 0, 42],
      [1, 2, 0, 42],
    ]);
    expect(gpu.migDevices[0]?.memory).toEqual({ totalBytes: 19968 * MIB, usedBytes: 19 * MIB, freeBytes: 19948 * MIB, reservedBytes: 0 });
    expect(gpu.migDevices.map((d) => [d.profile, d.profileSource])).toEqual([
      ['3g.20gb', 'derived'],
      ['3g.20gb', 'derived'],
    ]);
    expect(gpu.processes).toEqual([]);
  });

  test('becomes Tessera samples with GPU_I_PROFILE / GPU_I_ID on the MIG instances', () => {
    const samples = nvidiaSmiSamples(report, { hostname: 'n1' });
    const mig = samples.filter((s) => s.labels['GPU_I_ID'] === '2');
    expect(mig.map((s) => s.name).sort()).toEqual(['tessera_gpu_memory_free_bytes', 'tessera_gpu_memory_total_bytes', 'tessera_gpu_memory_used_bytes']);
    expect(mig[0]?.labels).toMatchObject({ gpu: '0', GPU_I_PROFILE: '3g.20gb', hostname: 'n1', gpu_model: 'NVIDIA A100-SXM4-40GB' });
    expect(samples.some((s) => s.name === 'tessera_gpu_utilization_ratio')).toBe(false);
    expect(samples.find((s) => s.name === 'tessera_gpu_mig_devices')?.value).toBe(2);
  });
});

describe('nvidia-smi -q -x (recorded Tesla P100, no MIG)', () => {
  const gpu = parseNvidiaSmiXml(fixture('nvidia-smi-tesla-p100.xml')).gpus[0]!;

  test('reads utilisation as a ratio and MIG as unsupported with no devices', () => {
    expect(gpu).toMatchObject({ name: 'Tesla P100-PCIE-16GB', migMode: 'unsupported', utilizationGpuRatio: 0, utilizationMemoryRatio: 0 });
    expect(gpu.migDevices).toEqual([]);
    expect(gpu.memory.totalBytes).toBe(16384 * MIB);
    expect(gpu.powerDrawWatts).toBe(26.16);
  });
});

describe('nvidia-smi -L (recorded A100-SXM4-80GB, seven 1g.10gb)', () => {
  const listing = parseNvidiaSmiList(fixture('nvidia-smi-L-a100-80gb-mig.txt'));

  test('names each MIG device’s profile and UUID', () => {
    expect(listing).toHaveLength(1);
    expect(listing[0]).toMatchObject({ index: 0, name: 'NVIDIA A100-SXM4-80GB', uuid: 'GPU-7fdaf0a5-179b-f636-d15d-daf243e3ff16' });
    expect(listing[0]?.migDevices).toHaveLength(7);
    expect(listing[0]?.migDevices[6]).toEqual({ index: 6, profile: '1g.10gb', uuid: 'MIG-1aae4990-b962-574e-8375-119d6d9b9687' });
  });

  test('withMigProfiles prefers the listed names over derived ones, matching the GPU by UUID', () => {
    const report = parseNvidiaSmiXml(fixture('nvidia-smi-a100-sxm4-40gb-mig.xml'));
    const listed = [{ index: 0, name: 'x', uuid: 'GPU-27b94a00-ed54-5c24-b1fd-1054085de32a', migDevices: [{ index: 1, profile: '3g.20gb', uuid: 'MIG-abc' }] }];
    const named = withMigProfiles(report, listed).gpus[0]!.migDevices;
    expect(named[1]).toMatchObject({ profile: '3g.20gb', profileSource: 'nvidia-smi -L', uuid: 'MIG-abc' });
    expect(named[0]?.profileSource).toBe('derived');
  });
});

describe('nvidia-smi parsing of newer and broken output', () => {
  test('reads R535+ power fields and a gpu_power_readings block', () => {
    const xml = `<?xml version="1.0" ?><nvidia_smi_log><gpu id="00000000:01:00.0"><product_name>NVIDIA H100 80GB HBM3</product_name>
      <mig_mode><current_mig>Disabled</current_mig></mig_mode><utilization><gpu_util>37 %</gpu_util></utilization>
      <gpu_power_readings><power_draw>N/A</power_draw><instant_power_draw>112.45 W</instant_power_draw><current_power_limit>700.00 W</current_power_limit></gpu_power_readings>
      <processes><process_info><gpu_instance_id>N/A</gpu_instance_id><compute_instance_id>N/A</compute_instance_id><pid>4242</pid><process_name>python</process_name><used_memory>1024 MiB</used_memory></process_info></processes>
      </gpu></nvidia_smi_log>`;
    const gpu = parseNvidiaSmiXml(xml).gpus[0]!;
    expect(gpu).toMatchObject({ migMode: 'disabled', utilizationGpuRatio: 0.37, powerDrawWatts: 112.45, powerLimitWatts: 700 });
    expect(gpu.processes).toEqual([{ pid: 4242, name: 'python', usedMemoryBytes: 1024 * MIB, gpuInstanceId: null, computeInstanceId: null }]);
  });

  test('malformed XML and a non-nvidia-smi document are coded errors', () => {
    expect(codedError(() => parseNvidiaSmiXml('<nvidia_smi_log><gpu></nvidia_smi_log>')).code).toBe('TESSERA_ERR_OBSERVE_GPU_XML');
    expect(codedError(() => parseNvidiaSmiXml('<html><body>error</body></html>')).code).toBe('TESSERA_ERR_OBSERVE_GPU_XML');
    expect(codedError(() => parseNvidiaSmiXml('NVIDIA-SMI has failed because it couldn’t communicate with the NVIDIA driver.')).code).toBe('TESSERA_ERR_OBSERVE_GPU_XML');
  });

  test('derives Hopper profiles from its non-linear SM table', () => {
    expect(deriveMigProfile('NVIDIA H100 80GB HBM3', 60, 40448 * MIB)).toBe('3g.40gb');
    expect(deriveMigProfile('NVIDIA H100 80GB HBM3', 16, 9984 * MIB)).toBe('1g.10gb');
    expect(deriveMigProfile('Tesla T4', 40, 15360 * MIB)).toBeNull();
  });
});

describe('DCGM exporter /metrics', () => {
  test('re-exports the recorded A100 MIG sample under Tessera names, keeping GPU_I_PROFILE / GPU_I_ID', () => {
    const { samples, unmapped, blanks } = convertDcgmMetrics(fixture('dcgm-exporter-a100-mig.txt'));
    const migActive = samples.find((s) => s.name === 'tessera_gpu_engine_active_ratio' && s.labels['GPU_I_ID'] === '13');
    expect(migActive).toEqual({
      name: 'tessera_gpu_engine_active_ratio',
      labels: { gpu: '0', uuid: 'GPU-34319582-d595-d1c7-d1d2-179bcfa61660', device: 'nvidia0', GPU_I_PROFILE: '1g.5gb', GPU_I_ID: '13', hostname: 'ub20-a100-k8s' },
      value: 0.995687,
    });
    expect(samples.find((s) => s.name === 'tessera_gpu_memory_used_bytes')?.value).toBe(4845 * MIB);
    expect(samples.find((s) => s.name === 'tessera_gpu_sm_clock_hertz')?.value).toBe(1215e6);
    expect(samples.find((s) => s.name === 'tessera_gpu_energy_joules_total')?.value).toBeCloseTo(319159.391, 3);
    expect(unmapped).toEqual(['DCGM_FI_DEV_NVLINK_BANDWIDTH_TOTAL', 'DCGM_FI_DEV_VGPU_LICENSE_STATUS']);
    expect(blanks).toBe(0);
  });

  test('reads the recorded T4 sample with HELP/TYPE lines; % becomes a ratio, drops driver/process labels', () => {
    const { samples } = convertDcgmMetrics(fixture('dcgm-exporter-t4.txt'));
    const util = samples.find((s) => s.name === 'tessera_gpu_utilization_ratio');
    expect(util?.value).toBe(0);
    expect(util?.labels).toEqual({ gpu: '0', uuid: 'GPU-20c56d28-0da5-6d26-a36a-e7af1ce2586e', device: 'nvidia0', gpu_model: 'Tesla T4', hostname: '424773df46e0' });
    expect(samples.find((s) => s.name === 'tessera_gpu_memory_free_bytes')?.value).toBe(15109 * MIB);
    expect(samples.find((s) => s.name === 'tessera_gpu_power_watts')?.value).toBeCloseTo(8.969);
  });

  test('a DCGM blank sentinel is no value, not 9.2e18 °C', () => {
    const body = 'DCGM_FI_DEV_MEMORY_TEMP{gpu="0", UUID="GPU-604ac76c-d9cf-fef3-62e9-d92044ab6e52"} 9223372036854775794\n';
    expect(convertDcgmMetrics(body)).toEqual({ samples: [], unmapped: [], blanks: 1 });
  });

  test('an HTML page is a coded error with the line, not an empty scrape', () => {
    const err = codedError(() => convertDcgmMetrics('# HELP x y\n<html>\n'));
    expect(err.code).toBe('TESSERA_ERR_OBSERVE_DCGM_TEXT');
    expect(err.details).toMatchObject({ line: 2 });
  });

  test('the Tessera samples render to Prometheus text that parses back to the same samples', () => {
    const { samples } = convertDcgmMetrics(fixture('dcgm-exporter-a100-mig.txt'));
    const text = renderPrometheusText(samples);
    expect(text).toContain('# TYPE tessera_gpu_energy_joules_total counter');
    const back = parsePrometheusText(text).samples.map(({ name, labels, value }) => ({ name, labels, value }));
    const sortKey = (s: { name: string; labels: Readonly<Record<string, string>> }) => s.name + JSON.stringify(Object.entries(s.labels).sort());
    expect([...back].sort((a, b) => sortKey(a).localeCompare(sortKey(b)))).toEqual([...samples].sort((a, b) => sortKey(a).localeCompare(sortKey(b))));
  });

  test('property: any labelled sample survives render → parse (escapes included)', () => {
    const labelValue = fc.string({ maxLength: 12 });
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom('gpu', 'uuid', 'GPU_I_ID', 'GPU_I_PROFILE', 'pod'), labelValue), fc.double({ noNaN: true }), (labels, value) => {
        const sample = { name: 'tessera_gpu_power_watts', labels, value };
        const back = parsePrometheusText(renderPrometheusText([sample])).samples[0];
        expect(back?.labels).toEqual(labels);
        expect(Object.is(back?.value, value) || back?.value === value).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});

describe('fragmentation', () => {
  test('is 1 − largest free block / total free, and 0 when nothing or one block is free', () => {
    expect(fragmentation([4, 2, 2])).toBeCloseTo(0.5);
    expect(fragmentation([8])).toBe(0);
    expect(fragmentation([])).toBe(0);
    expect(fragmentation([0, 0])).toBe(0);
  });

  test('MIG slot runs: a 1g in the middle of an A100 splits the free slices', () => {
    expect(freeRuns(8, [{ start: 4, size: 1 }])).toEqual([4, 3]);
    expect(slotPoolFragmentation([{ slotCount: 8, occupied: [{ start: 4, size: 1 }] }])).toBeCloseTo(3 / 7);
    expect(slotPoolFragmentation([{ slotCount: 8, occupied: [{ start: 0, size: 4 }] }])).toBe(0);
    // Two GPUs with 4 free slices each: an 8-slice profile fits on neither.
    expect(slotPoolFragmentation([{ slotCount: 8, occupied: [{ start: 0, size: 4 }] }, { slotCount: 8, occupied: [{ start: 4, size: 4 }] }])).toBeCloseTo(0.5);
  });

  test('MIG pools, placement-aware: one GPU agrees with src/hardware freeSpace; a pool takes the best GPU', () => {
    const oneAt0 = parseLayout('A100-40GB', '1g.5gb@0');
    expect(migPoolFragmentation([{ gpuType: 'A100-40GB', layout: oneAt0 }])).toBeCloseTo(freeSpace('A100-40GB', oneAt0).fragmentation, 12);
    expect(migPoolFragmentation([{ gpuType: 'A100-40GB', layout: oneAt0 }])).toBeCloseTo(0.5);
    // 6 + 7 free slices; the empty GPU still takes a 7g: 1 − 7/13.
    expect(migPoolFragmentation([{ gpuType: 'A100-40GB', layout: oneAt0 }, { gpuType: 'A100-40GB', layout: [] }])).toBeCloseTo(6 / 13);
    expect(migPoolFragmentation([{ gpuType: 'A100-40GB', layout: parseLayout('A100-40GB', '7g.40gb@0') }])).toBe(0);
  });

  test('shared-GPU pools: free memory per GPU are the blocks', () => {
    expect(memoryPoolFragmentation([10 * MIB, 30 * MIB])).toBeCloseTo(0.25);
  });

  test('property: always in [0, 1)', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1e12, noNaN: true })), (blocks) => {
        const f = fragmentation(blocks);
        expect(f).toBeGreaterThanOrEqual(0);
        expect(f).toBeLessThan(1);
      }),
    );
  });
});
