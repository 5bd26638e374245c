import type { ModelProfile, ProfilePoint } from '../profile-types.js';
import { gpuTypeInfo, migProfileInfo, relativeGpuSpeed } from './hardware-adapter.js';
import { alphaAt, DEFAULT_CPU_ALPHA, type AlphaTable } from './scaling.js';
import { gpuFractionOf, sliceKey, type SliceRef } from './slice.js';

/** Batch execution time on one instance while `concurrency` instances run, ms. */
export interface ExecPoint {
  readonly batchSize: number;
  readonly meanMs: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

export interface ConcurrencyCurve {
  readonly concurrency: number;
  /** Sorted by batch size; interpolation happens between these. */
  readonly points: readonly ExecPoint[];
}

/** Where the figures for a (model, slice) came from. */
export type ExecSource = 'measured' | 'proxy' | 'estimated';

export interface SliceExec {
  readonly model: string;
  readonly slice: SliceRef;
  readonly source: ExecSource;
  /** True when scaled from another slice (never for measured or proxy figures). */
  readonly estimated: boolean;
  /** Human-readable origin: the profile used, and the scaling applied. */
  readonly basis: string;
  readonly curves: readonly ConcurrencyCurve[];
  readonly loadMs?: number;
  readonly firstInferenceMs?: number;
  readonly frameworkInitMs?: number;
  readonly memoryBytes?: number;
}

export interface CurveOptions {
  /**
   * Tables that give only a mean (`latencyFromMean`) say nothing about the tail; their p99 is taken
   * as mean × this factor (DNN execution is near-deterministic: Clockwork, OSDI'20).
   */
  readonly meanOnlyTailFactor: number;
  readonly alpha: AlphaTable;
  readonly cpuAlpha: number;
  /** Resident memory of one model instance, when known (profile or spec), by model. */
  readonly modelMemoryBytes: (model: string) => number | undefined;
}

function pointToExec(p: ProfilePoint, meanOnly: boolean, tail: number): ExecPoint | undefined {
  if (!(p.throughputPerS > 0) && !(p.latencyMs.mean > 0)) return undefined;
  // Imported tables round latency to whole ms; their throughput is exact, and for one instance
  // cycling batches back to back, batch time = batch · instances / total throughput.
  const meanMs = meanOnly && p.throughputPerS > 0 ? (1000 * p.batchSize * p.concurrency) / p.throughputPerS : p.latencyMs.mean;
  if (!(meanMs > 0)) return undefined;
  if (meanOnly) return { batchSize: p.batchSize, meanMs, p50Ms: meanMs, p99Ms: meanMs * tail };
  return { batchSize: p.batchSize, meanMs, p50Ms: Math.min(p.latencyMs.p50, meanMs) || meanMs, p99Ms: Math.max(p.latencyMs.p99, meanMs) };
}

export function curvesOf(profile: ModelProfile, tail: number): ConcurrencyCurve[] {
  const meanOnly = profile.latencyFromMean === true;
  const byC = new Map<number, ExecPoint[]>();
  for (const p of profile.points) {
    const e = pointToExec(p, meanOnly, tail);
    if (e === undefined) continue;
    const list = byC.get(p.concurrency) ?? [];
    const same = list.findIndex((q) => q.batchSize === e.batchSize);
    if (same >= 0) list[same] = e;
    else list.push(e);
    byC.set(p.concurrency, list);
  }
  return [...byC.entries()]
    .sort(([a], [b]) => a - b)
    .map(([concurrency, points]) => ({ concurrency, points: points.sort((a, b) => a.batchSize - b.batchSize) }));
}

/**
 * Execution time at batch size `b` (any real ≥ 1): linear interpolation between measured batch
 * sizes (batch time is close to affine in b); below the smallest measured batch the smallest one's
 * time (a smaller batch is not assumed faster than measured); above the largest, undefined (it may
 * not fit in memory).
 */
export function execAt(curve: ConcurrencyCurve, b: number): ExecPoint | undefined {
  const pts = curve.points;
  const first = pts[0];
  if (first === undefined) return undefined;
  if (b <= first.batchSize) return { ...first, batchSize: b };
  for (let i = 1; i < pts.length; i++) {
    const hi = pts[i] as ExecPoint;
    if (b <= hi.batchSize) {
      const lo = pts[i - 1] as ExecPoint;
      const t = (b - lo.batchSize) / (hi.batchSize - lo.batchSize);
      const mix = (x: number, y: number): number => x + (y - x) * t;
      return { batchSize: b, meanMs: mix(lo.meanMs, hi.meanMs), p50Ms: mix(lo.p50Ms, hi.p50Ms), p99Ms: mix(lo.p99Ms, hi.p99Ms) };
    }
  }
  return undefined;
}

/** Compute capability on one scale per family: GPU slices relative to an A100-80GB, CPU in cores. */
function capability(slice: SliceRef): number | undefined {
  if (slice.kind === 'cpu') return slice.cores;
  const frac = gpuFractionOf(slice);
  const speed = slice.gpuType === undefined ? undefined : relativeGpuSpeed(slice.gpuType);
  return frac === undefined || speed === undefined ? undefined : frac * speed;
}

function sliceOfProfile(p: ModelProfile): SliceRef | undefined {
  const d = p.device;
  if (d.kind === 'cpu') return { kind: 'cpu', profile: `cpu-${d.threads ?? 1}`, cores: d.threads ?? 1 };
  if (d.gpuType === undefined) return undefined;
  if (d.kind === 'gpu') {
    const info = gpuTypeInfo(d.gpuType);
    return { kind: 'gpu', gpuType: d.gpuType, profile: 'gpu', computeSlices: info?.computeSlices ?? 7, ...(info ? { memoryBytes: info.memoryBytes } : {}) };
  }
  if (d.slice === undefined) return undefined;
  const mig = migProfileInfo(d.gpuType, d.slice);
  return { kind: 'mig', gpuType: d.gpuType, profile: d.slice, computeSlices: d.computeSlices ?? mig?.computeSlices ?? 1, ...(mig ? { memoryBytes: mig.memoryBytes } : {}) };
}

function sameFamily(a: SliceRef, b: SliceRef): boolean {
  return (a.kind === 'cpu') === (b.kind === 'cpu');
}

/** Exact device match: same MIG profile of the same GPU type, the same whole GPU, or the same thread count. */
function exactMatch(source: SliceRef, target: SliceRef): boolean {
  if (target.kind === 'cpu') return source.kind === 'cpu' && source.cores === target.cores;
  if (source.gpuType !== target.gpuType || source.kind !== target.kind) return false;
  return source.profile === target.profile;
}

/**
 * A profile of another slice that cannot be faster than the target: same GPU type and compute
 * slices, at least as much memory (1g.20gb from 1g.10gb), or a whole GPU from its 7g instance
 * (same silicon with every SM; the 7g instance has fewer). Used as-is, not flagged estimated.
 */
function proxyMatch(source: SliceRef, target: SliceRef): boolean {
  if (source.kind !== 'mig' || target.kind === 'cpu' || target.kind === 'gpu-share') return false;
  if (source.gpuType !== target.gpuType) return false;
  const total = gpuTypeInfo(target.gpuType ?? '')?.computeSlices ?? 7;
  if (target.kind === 'gpu') return source.computeSlices === total;
  return source.computeSlices === target.computeSlices && (target.memoryBytes ?? 0) >= (source.memoryBytes ?? 0);
}

function newestFirst(a: ModelProfile, b: ModelProfile): number {
  return b.measuredAt.localeCompare(a.measuredAt) || a.device.fingerprint.localeCompare(b.device.fingerprint);
}

function withCosts(p: ModelProfile): Pick<SliceExec, 'loadMs' | 'firstInferenceMs' | 'frameworkInitMs' | 'memoryBytes'> {
  return {
    ...(p.loadMs === undefined ? {} : { loadMs: p.loadMs }),
    ...(p.firstInferenceMs === undefined ? {} : { firstInferenceMs: p.firstInferenceMs }),
    ...(p.frameworkInitMs === undefined ? {} : { frameworkInitMs: p.frameworkInitMs }),
    ...(p.memoryBytes === undefined ? {} : { memoryBytes: p.memoryBytes }),
  };
}

/**
 * Figures for a model on a slice: a profile of that slice, else a proxy, else an estimate scaled
 * from the closest profiled slice of the same family (GPU from GPU, CPU from CPU). Undefined when
 * the model has no profile of that family at all.
 */
export function resolveSliceExec(model: string, slice: SliceRef, profiles: readonly ModelProfile[], opts: CurveOptions): SliceExec | undefined {
  const tail = opts.meanOnlyTailFactor;
  const sources = profiles
    .filter((p) => p.model === model)
    .map((p) => ({ p, s: sliceOfProfile(p) }))
    .filter((x): x is { p: ModelProfile; s: SliceRef } => x.s !== undefined && sameFamily(x.s, slice) && x.p.points.length > 0);
  const exact = sources.filter((x) => exactMatch(x.s, slice)).sort((a, b) => newestFirst(a.p, b.p))[0];
  if (exact) {
    return { model, slice, source: 'measured', estimated: false, basis: `${exact.p.origin} profile ${sliceKey(exact.s)}`, curves: curvesOf(exact.p, tail), ...withCosts(exact.p) };
  }
  const proxy = sources.filter((x) => proxyMatch(x.s, slice)).sort((a, b) => newestFirst(a.p, b.p))[0];
  if (proxy) {
    return { model, slice, source: 'proxy', estimated: false, basis: `${proxy.p.origin} profile ${sliceKey(proxy.s)} (same compute, no more memory)`, curves: curvesOf(proxy.p, tail), ...withCosts(proxy.p) };
  }
  const capT = capability(slice);
  if (capT === undefined) return undefined;
  // Closest capability in log terms, preferring the same GPU type (its quirks carry over).
  const ranked = sources
    .map((x) => ({ ...x, cap: capability(x.s) }))
    .filter((x): x is typeof x & { cap: number } => x.cap !== undefined && x.cap > 0)
    .map((x) => ({ ...x, dist: Math.abs(Math.log(capT / x.cap)) + (x.s.gpuType === slice.gpuType ? 0 : 10) }))
    .sort((a, b) => a.dist - b.dist || newestFirst(a.p, b.p));
  const best = ranked[0];
  if (best === undefined) return undefined;
  const ratio = capT / best.cap;
  const curves = curvesOf(best.p, tail);
  const memRatio = slice.memoryBytes !== undefined && best.s.memoryBytes !== undefined ? slice.memoryBytes / best.s.memoryBytes : 1;
  const modelMem = best.p.memoryBytes ?? opts.modelMemoryBytes(model);
  const maxC = Math.max(...curves.map((c) => c.concurrency));
  const scaled: ConcurrencyCurve[] = [];
  for (const curve of curves) {
    // Memory: with a known model size, instances must fit; otherwise shrink what fits in
    // proportion to the memory ratio (the source's measured points are what fitted there).
    if (memRatio < 1) {
      if (modelMem !== undefined && slice.memoryBytes !== undefined) {
        if (curve.concurrency * modelMem > slice.memoryBytes) continue;
      } else if (curve.concurrency > Math.max(1, Math.floor(maxC * memRatio))) continue;
    }
    const maxB = memRatio < 1 && modelMem === undefined ? Math.max(1, Math.max(...curve.points.map((p) => p.batchSize)) * memRatio) : Number.POSITIVE_INFINITY;
    const points = curve.points
      .filter((p) => p.batchSize <= maxB)
      .map((p) => {
        const alpha = slice.kind === 'cpu' ? opts.cpuAlpha : alphaAt(opts.alpha, p.batchSize);
        const f = Math.pow(ratio, -alpha);
        return { batchSize: p.batchSize, meanMs: p.meanMs * f, p50Ms: p.p50Ms * f, p99Ms: p.p99Ms * f };
      });
    if (points.length > 0) scaled.push({ concurrency: curve.concurrency, points });
  }
  if (scaled.length === 0) return undefined;
  const rule = slice.kind === 'cpu' ? `(cores ratio ${ratio.toFixed(2)})^${opts.cpuAlpha}` : `(capability ratio ${ratio.toFixed(3)})^α(b)`;
  return { model, slice, source: 'estimated', estimated: true, basis: `estimated from ${best.p.origin} profile ${sliceKey(best.s)} by ${rule}`, curves: scaled, ...withCosts(best.p) };
}

export { DEFAULT_CPU_ALPHA };
