/**
 * Test fixtures only: reads the ParvaGPU A100-80GB MIG tables into ModelProfiles without the
 * profile importer (the performance model may not depend on it), and builds synthetic profiles.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import type { ModelProfile, ProfilePoint } from '../../profile-types.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
/** ../shared/data/profiles/a100-80gb-mig seen from the repository root. */
export const PARVAGPU_DIR = path.resolve(HERE, '../../../../../shared/data/profiles/a100-80gb-mig');
export const PARVAGPU_MODELS = ['bert', 'densenet121', 'densenet169', 'densenet201', 'inceptionv3', 'mobilenetv2', 'resnet101', 'resnet152', 'resnet50', 'vgg16', 'vgg19'] as const;

const SLICE_NAMES: Readonly<Record<number, string>> = { 1: '1g.10gb', 2: '2g.20gb', 3: '3g.40gb', 4: '4g.40gb', 7: '7g.80gb' };

export function loadParvaGpuModel(model: string, name: string = model): ModelProfile[] {
  const text = readFileSync(path.join(PARVAGPU_DIR, `${model}.csv`), 'utf8');
  const bySlice = new Map<number, ProfilePoint[]>();
  for (const line of text.split(/\r?\n/).slice(1)) {
    if (line.trim() === '') continue;
    const [k, b, c, thr, lat] = line.split(',').map(Number) as [number, number, number, number, number];
    if (!(thr > 0) || !(lat > 0)) continue;
    const ms = lat * 1000;
    const list = bySlice.get(k) ?? [];
    list.push({ batchSize: b, concurrency: c, latencyMs: { p50: ms, p90: ms, p99: ms, mean: ms }, throughputPerS: thr * c, samples: 0 });
    bySlice.set(k, list);
  }
  return [...bySlice.entries()].map(([k, points]) => ({
    schemaVersion: 1,
    model: name,
    origin: 'imported',
    source: `${model}.csv`,
    device: { kind: 'mig', name: `A100-80GB ${SLICE_NAMES[k]}`, gpuType: 'A100-80GB', slice: SLICE_NAMES[k] as string, computeSlices: k, fingerprint: `mig/A100-80GB/${SLICE_NAMES[k]}` },
    runtime: { name: 'external', version: 'unknown' },
    points,
    measuredAt: '2024-01-01T00:00:00.000Z',
    latencyFromMean: true,
  }));
}

export function loadParvaGpu(models: readonly string[] = PARVAGPU_MODELS): ModelProfile[] {
  return models.flatMap((m) => loadParvaGpuModel(m));
}

/**
 * A synthetic profile with affine batch latency l(b) = baseMs + perItemMs·b at concurrency 1,
 * on a MIG slice or CPU threads: figures a test can compute by hand.
 */
export function affineProfile(opts: {
  model: string;
  device: ModelProfile['device'];
  baseMs: number;
  perItemMs: number;
  batchSizes?: readonly number[];
  p99Factor?: number;
  loadMs?: number;
  firstInferenceMs?: number;
  memoryBytes?: number;
}): ModelProfile {
  const sizes = opts.batchSizes ?? [1, 2, 4, 8, 16, 32];
  const f = opts.p99Factor ?? 1;
  return {
    schemaVersion: 1,
    model: opts.model,
    origin: 'measured',
    device: opts.device,
    runtime: { name: 'test', version: '0' },
    points: sizes.map((b) => {
      const mean = opts.baseMs + opts.perItemMs * b;
      return { batchSize: b, concurrency: 1, latencyMs: { p50: mean, p90: mean, p99: mean * f, mean }, throughputPerS: (1000 * b) / mean, samples: 100 };
    }),
    measuredAt: '2024-01-01T00:00:00.000Z',
    ...(opts.loadMs === undefined ? {} : { loadMs: opts.loadMs }),
    ...(opts.firstInferenceMs === undefined ? {} : { firstInferenceMs: opts.firstInferenceMs }),
    ...(opts.memoryBytes === undefined ? {} : { memoryBytes: opts.memoryBytes }),
  };
}
