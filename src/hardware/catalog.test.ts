import { describe, expect, test } from 'vitest';
import { TesseraError } from '../core/index.js';
import { codeOf } from '../core/test-support/coded-error.js';
import {
  baseProfileForComputeSlices,
  cpuNode,
  getGpuType,
  getMigProfile,
  gpuTypeInfo,
  knownGpuTypes,
  listGpuTypes,
  migProfileInfo,
  parseDriverVersion,
  wholeGpuProfile,
} from './index.js';

const GIB = 1024 ** 3;

describe('GPU type lookup', () => {
  test.each([
    ['A100-80GB', 'A100-80GB'],
    ['a100-80gb', 'A100-80GB'],
    ['A100 80GB', 'A100-80GB'],
    ['A100_80GB', 'A100-80GB'],
    ['a100-80g', 'A100-80GB'],
    ['NVIDIA A100-SXM4-80GB', 'A100-80GB'],
    ['NVIDIA-A100-SXM4-80GB', 'A100-80GB'],
    ['A100-SXM4-40GB', 'A100-40GB'],
    ['A100-SXM4-40GB-MIG-1g.5gb', 'A100-40GB'],
    ['h100', 'H100-80GB'],
    ['NVIDIA H100 80GB HBM3', 'H100-80GB'],
    ['H100 NVL', 'H100-94GB'],
    ['NVIDIA-H100-NVL-SHARED', 'H100-94GB'],
    ['h200', 'H200-141GB'],
    ['A30', 'A30-24GB'],
    ['Tesla-T4', 'T4'],
    ['l4', 'L4'],
    ['A10', 'A10'],
  ])('reads %s as %s', (spelling, canonical) => {
    expect(getGpuType(spelling).type).toBe(canonical);
  });

  test('an unknown type throws a coded error that lists the known types', () => {
    const err = (() => {
      try {
        getGpuType('V100');
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(TesseraError);
    expect((err as TesseraError).code).toBe('TESSERA_ERR_HARDWARE_UNKNOWN_GPU');
    for (const t of knownGpuTypes()) expect((err as TesseraError).message).toContain(t);
  });

  test('a bare A100 is ambiguous (40GB or 80GB) and is refused rather than guessed', () => {
    expect(gpuTypeInfo('A100')).toBeUndefined();
    expect(() => getGpuType('a100')).toThrow(/A100-40GB, A100-80GB/);
  });

  test('every name in the catalog maps back to its own entry', () => {
    for (const g of listGpuTypes()) {
      for (const name of [g.type, ...g.aliases, ...g.gfdProducts.map((p) => p.label)]) expect(gpuTypeInfo(name)?.type, name).toBe(g.type);
    }
  });
});

describe('the catalog', () => {
  test('holds the six MIG GPUs of the reference and L4, T4, A10 without MIG', () => {
    expect(listGpuTypes().filter((g) => g.migCapable).map((g) => g.type)).toEqual(['A100-40GB', 'A100-80GB', 'H100-80GB', 'H100-94GB', 'H200-141GB', 'A30-24GB']);
    expect(listGpuTypes().filter((g) => !g.migCapable).map((g) => g.type)).toEqual(['L4', 'T4', 'A10']);
  });

  test('every placement of every profile stays on the GPU and the whole-GPU profile takes every slot', () => {
    for (const g of listGpuTypes().filter((x) => x.migCapable)) {
      for (const p of g.migProfiles) for (const s of p.starts) expect(s + p.memorySlots, `${g.type} ${p.name}@${s}`).toBeLessThanOrEqual(g.memorySlots);
      const whole = wholeGpuProfile(g);
      expect([whole.computeSlices, whole.memorySlots]).toEqual([g.computeSlices, g.memorySlots]);
    }
  });

  test('A100-40GB profiles match the guide: IDs, slots, starts, memory and SMs', () => {
    const rows = getGpuType('A100-40GB').migProfiles.map((p) => [p.name, p.nvidiaSmiId, p.computeSlices, p.memorySlots, p.starts.join(''), p.memoryBytes / GIB, p.multiprocessors, p.maxInstances]);
    expect(rows).toEqual([
      ['1g.5gb', 19, 1, 1, '0123456', 4.75, 14, 7],
      ['1g.5gb+me', 20, 1, 1, '0123456', 4.75, 14, 1],
      ['1g.10gb', 15, 1, 2, '0246', 9.62, 14, 4],
      ['2g.10gb', 14, 2, 2, '024', 9.62, 28, 3],
      ['3g.20gb', 9, 3, 4, '04', 19.5, 42, 2],
      ['4g.20gb', 5, 4, 4, '0', 19.5, 56, 1],
      ['7g.40gb', 0, 7, 8, '0', 39.25, 98, 1],
    ].map((r) => r.map((v) => (typeof v === 'number' && !Number.isInteger(v) ? expect.closeTo(v, 6) : v))));
  });

  test('A30 has four slots with its own IDs and starts', () => {
    const a30 = getGpuType('A30-24GB');
    expect([a30.computeSlices, a30.memorySlots, a30.maxInstances]).toEqual([4, 4, 4]);
    expect(a30.migProfiles.map((p) => `${p.name}#${p.nvidiaSmiId}:{${p.starts.join(',')}}:${p.memorySlots}`)).toEqual([
      '1g.6gb#14:{0,1,2,3}:1',
      '1g.6gb+me#21:{0,1,2,3}:1',
      '2g.12gb#5:{0,2}:2',
      '2g.12gb+me#6:{0,2}:2',
      '4g.24gb#0:{0}:4',
    ]);
  });

  test('driver minimums are the ones the profile page states', () => {
    expect(getMigProfile('A100-40GB', '1g.5gb+me').minDriver).toBe(470);
    expect(getMigProfile('A100-40GB', '1g.10gb').minDriver).toBe(525);
    expect(getMigProfile('A30-24GB', '1g.6gb+me').minDriver).toBe(470);
    expect(getMigProfile('A30-24GB', '2g.12gb+me').minDriver).toBe(525);
    expect(getMigProfile('H100-80GB', '1g.10gb+me').minDriver).toBeUndefined();
  });

  test('entries the reference marks unverified say so, with a reason', () => {
    for (const t of ['A100-80GB', 'H200-141GB', 'L4', 'T4', 'A10']) {
      const g = getGpuType(t);
      expect(g.verified, t).toBe(false);
      expect(g.unverified.length, t).toBeGreaterThan(0);
    }
    for (const t of ['H100-80GB', 'H100-94GB', 'A30-24GB', 'A100-40GB']) expect(getGpuType(t).verified, t).toBe(true);
    expect(getMigProfile('A100-80GB', '1g.20gb').unverified.join(' ')).toMatch(/UNVERIFIED/);
    for (const p of ['1g.35gb', '3g.71gb', '4g.71gb']) expect(getMigProfile('H200-141GB', p).unverified.join(' '), p).toMatch(/inferred from H100/);
    expect(getMigProfile('H100-80GB', '3g.40gb').verified).toBe(true);
    for (const g of listGpuTypes()) for (const p of g.migProfiles) expect(p.verified).toBe(p.unverified.length === 0);
  });

  test('each GPU carries GFD product labels; T4 and the A100-40GB ones quoted by the reference are verified', () => {
    expect(getGpuType('T4').gfdProducts).toContainEqual(expect.objectContaining({ label: 'Tesla-T4', verified: true }));
    expect(getGpuType('A100-40GB').gfdProducts).toContainEqual(expect.objectContaining({ label: 'A100-SXM4-40GB', verified: true }));
    expect(getGpuType('A100-80GB').gfdProducts.map((p) => p.label)).toContain('NVIDIA-A100-SXM4-80GB');
    for (const g of listGpuTypes()) expect(g.gfdProducts.length, g.type).toBeGreaterThan(0);
  });

  test('mig-parted facts: device filters and all-balanced per family', () => {
    expect(getGpuType('A100-40GB').migParted?.deviceFilter).toEqual(['0x20B010DE', '0x20B110DE', '0x20F110DE', '0x20F610DE']);
    expect(getGpuType('H200').migParted?.balanced).toEqual({ '1g.18gb': 2, '2g.35gb': 1, '3g.71gb': 1 });
    expect(getGpuType('L4').migParted).toBeUndefined();
  });

  test('the catalog is frozen: callers cannot change shared facts', () => {
    const g = getGpuType('A100-40GB');
    expect(Object.isFrozen(g)).toBe(true);
    expect(Object.isFrozen(g.migProfiles[0]?.starts)).toBe(true);
  });
});

describe('MIG profile lookup', () => {
  test('accepts +me, the Kubernetes .me suffix and the resource name', () => {
    expect(getMigProfile('A100-40GB', '1g.5gb.me').name).toBe('1g.5gb+me');
    expect(getMigProfile('A100-40GB', 'nvidia.com/mig-1g.5gb.me').name).toBe('1g.5gb+me');
    expect(getMigProfile('A100-40GB', '3G.20GB').name).toBe('3g.20gb');
    expect(getMigProfile('A100-40GB', '1g.5gb+me').resourceName).toBe('nvidia.com/mig-1g.5gb.me');
  });

  test('a profile of another card is refused with the profiles the card has', () => {
    expect(migProfileInfo('A100-80GB', '3g.20gb')).toBeUndefined();
    expect(codeOf(() => getMigProfile('A100-80GB', '3g.20gb'))).toBe('TESSERA_ERR_HARDWARE_UNKNOWN_PROFILE');
    expect(() => getMigProfile('A100-80GB', '3g.20gb')).toThrow(/3g\.40gb/);
  });

  test('a MIG question about a GPU without MIG is a coded error', () => {
    expect(codeOf(() => getMigProfile('L4', '1g.5gb'))).toBe('TESSERA_ERR_HARDWARE_NOT_MIG');
    expect(codeOf(() => wholeGpuProfile('T4'))).toBe('TESSERA_ERR_HARDWARE_NOT_MIG');
  });

  test('maps a compute-slice count to the base profile (for tables that give only the count)', () => {
    expect([1, 2, 3, 4, 7].map((n) => baseProfileForComputeSlices('A100-80GB', n)?.name)).toEqual(['1g.10gb', '2g.20gb', '3g.40gb', '4g.40gb', '7g.80gb']);
    expect(baseProfileForComputeSlices('A100-80GB', 5)).toBeUndefined();
    expect(wholeGpuProfile('A30').name).toBe('4g.24gb');
  });
});

describe('driver versions and CPU nodes', () => {
  test.each([
    ['470', 470],
    ['R510', 510],
    ['r525', 525],
    ['535.104.05', 535],
    [550, 550],
  ] as const)('reads driver %s as %i', (text, major) => {
    expect(parseDriverVersion(text)).toBe(major);
  });

  test('an unreadable driver is a coded error', () => {
    expect(codeOf(() => parseDriverVersion('latest'))).toBe('TESSERA_ERR_HARDWARE_DRIVER');
  });

  test('a CPU node is described by whole cores', () => {
    expect(cpuNode(16)).toEqual({ kind: 'cpu', cores: 16, memoryBytes: undefined });
    expect(codeOf(() => cpuNode(0))).toBe('TESSERA_ERR_HARDWARE_CPU');
    expect(codeOf(() => cpuNode(2.5))).toBe('TESSERA_ERR_HARDWARE_CPU');
  });
});
