import { TesseraError } from '../core/index.js';
import { getGpuType, getMigProfile } from './catalog.js';
import type { GpuType } from './types.js';

/**
 * Sharing one device between processes without MIG (reference §2.3, NVIDIA k8s-device-plugin):
 * - `time-slicing`: the device plugin advertises `replicas` copies of the device; they take
 *   turns on the whole GPU. No memory limit and no fault isolation between them. Whole GPUs
 *   and (mixed strategy) MIG devices can be time-sliced.
 * - `mps`: the MPS control daemon gives each of `replicas` clients a pinned-memory limit of
 *   total/replicas and an active-thread percentage of 100/replicas. Whole GPUs only.
 * The device plugin applies one sharing config to every GPU of a node, so a node's GPUs are
 * shared alike; the planner has to keep that per node.
 */
export type ShareMode = 'time-slicing' | 'mps';

export interface GpuShare {
  readonly gpuType: string;
  /** The MIG profile being time-sliced, or undefined for a whole GPU. */
  readonly profile: string | undefined;
  readonly mode: ShareMode;
  readonly replicas: number;
  /** 1 / replicas: the share of the device one replica stands for. */
  readonly fraction: number;
  /**
   * Memory one replica may use, bytes: enforced under MPS (total/replicas, rounded down);
   * under time-slicing only a budget the planner keeps, since nothing enforces it.
   */
  readonly memoryBytes: number;
  readonly memoryIsolated: boolean;
  /** MPS `set_default_active_thread_percentage` (100/replicas, rounded down); undefined under time-slicing. */
  readonly activeThreadPercentage: number | undefined;
  /** The resource each replica requests (1 of): `nvidia.com/gpu`, or the MIG resource being time-sliced. */
  readonly resourceName: string;
}

export interface ShareRequest {
  readonly mode: ShareMode;
  readonly replicas: number;
  /** Time-slice one MIG device of this profile instead of the whole GPU. */
  readonly profile?: string;
}

/** One replica's share of a GPU (or MIG device). Throws `TESSERA_ERR_HARDWARE_SHARE` for impossible shares. */
export function gpuShare(gpuType: string | GpuType, request: ShareRequest): GpuShare {
  const gpu = typeof gpuType === 'string' ? getGpuType(gpuType) : gpuType;
  const { mode, replicas } = request;
  const fail = (why: string): never => {
    throw new TesseraError('TESSERA_ERR_HARDWARE_SHARE', `cannot share ${gpu.type}${request.profile === undefined ? '' : ` ${request.profile}`} ${replicas} ways by ${mode}: ${why}`, {
      details: { gpuType: gpu.type, mode, replicas, profile: request.profile },
    });
  };
  if (!Number.isInteger(replicas) || replicas < 1) fail('replicas must be a whole number of at least 1');
  if (mode === 'mps' && request.profile !== undefined) fail('MPS sharing is not supported on MIG devices; time-slice the MIG device or use MPS on a whole GPU');
  if (mode === 'mps' && replicas > gpu.sharing.maxMpsClients) fail(`MPS allows at most ${gpu.sharing.maxMpsClients} clients per GPU`);
  if ((mode === 'mps' && !gpu.sharing.mps) || (mode === 'time-slicing' && !gpu.sharing.timeSlicing)) fail(`${gpu.type} does not support ${mode}`);
  const mig = request.profile === undefined ? undefined : getMigProfile(gpu, request.profile);
  const total = mig?.memoryBytes ?? gpu.memoryBytes;
  return Object.freeze({
    gpuType: gpu.type,
    profile: mig?.name,
    mode,
    replicas,
    fraction: 1 / replicas,
    memoryBytes: Math.floor(total / replicas),
    memoryIsolated: mode === 'mps',
    activeThreadPercentage: mode === 'mps' ? Math.floor(100 / replicas) : undefined,
    resourceName: mig?.resourceName ?? 'nvidia.com/gpu',
  });
}

/** The shares the planner considers by default for a whole GPU: each mode at 1/2, 1/4, 1/8. */
export function defaultShares(gpuType: string | GpuType): GpuShare[] {
  const gpu = typeof gpuType === 'string' ? getGpuType(gpuType) : gpuType;
  const modes: ShareMode[] = [...(gpu.sharing.timeSlicing ? (['time-slicing'] as const) : []), ...(gpu.sharing.mps ? (['mps'] as const) : [])];
  return modes.flatMap((mode) => gpu.sharing.shareReplicas.map((replicas) => gpuShare(gpu, { mode, replicas })));
}
