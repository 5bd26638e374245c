import { describe, expect, test } from 'vitest';
import { defaultShares, gpuShare } from './index.js';

describe('GPU sharing without MIG', () => {
  test('MPS gives each replica 1/N of the memory and 100/N % of the threads', () => {
    const s = gpuShare('L4', { mode: 'mps', replicas: 4 });
    expect(s).toMatchObject({ gpuType: 'L4', fraction: 0.25, memoryIsolated: true, activeThreadPercentage: 25, resourceName: 'nvidia.com/gpu' });
    expect(s.memoryBytes).toBe(Math.floor((24 * 1024 ** 3) / 4));
    expect(gpuShare('T4', { mode: 'mps', replicas: 3 }).activeThreadPercentage).toBe(33);
  });

  test('time-slicing shares turns, not memory: the per-replica memory is only a budget', () => {
    const s = gpuShare('A10', { mode: 'time-slicing', replicas: 2 });
    expect(s).toMatchObject({ fraction: 0.5, memoryIsolated: false, activeThreadPercentage: undefined });
  });

  test('a MIG device can be time-sliced but not shared by MPS', () => {
    const s = gpuShare('A100-40GB', { mode: 'time-slicing', replicas: 2, profile: '1g.5gb' });
    expect(s).toMatchObject({ profile: '1g.5gb', resourceName: 'nvidia.com/mig-1g.5gb' });
    expect(() => gpuShare('A100-40GB', { mode: 'mps', replicas: 2, profile: '1g.5gb' })).toThrow(expect.objectContaining({ code: 'TESSERA_ERR_HARDWARE_SHARE' }));
  });

  test('impossible shares are coded errors', () => {
    expect(() => gpuShare('L4', { mode: 'mps', replicas: 49 })).toThrow(expect.objectContaining({ code: 'TESSERA_ERR_HARDWARE_SHARE' }));
    expect(() => gpuShare('L4', { mode: 'time-slicing', replicas: 0 })).toThrow(expect.objectContaining({ code: 'TESSERA_ERR_HARDWARE_SHARE' }));
    expect(() => gpuShare('L4', { mode: 'time-slicing', replicas: 1.5 })).toThrow(expect.objectContaining({ code: 'TESSERA_ERR_HARDWARE_SHARE' }));
  });

  test('the default shares are halves, quarters and eighths in both modes', () => {
    expect(defaultShares('T4').map((s) => `${s.mode}/${s.replicas}`)).toEqual(['time-slicing/2', 'time-slicing/4', 'time-slicing/8', 'mps/2', 'mps/4', 'mps/8']);
  });
});
