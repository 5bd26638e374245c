import type { ModelProfile } from '../profile-types.js';
import { curvesOf, execAt, resolveSliceExec, type ConcurrencyCurve, type ExecSource, type SliceExec } from './exec-curves.js';
import { batchQueue, nexusWorstCaseMs } from './queueing.js';
import { DEFAULT_CPU_ALPHA, fitAlpha, type AlphaTable } from './scaling.js';
import { sliceKey, type SliceRef } from './slice.js';

export interface PerformanceModelOptions {
  /** p99 = mean × this for tables that give only a mean. Default 1.05. */
  readonly meanOnlyTailFactor?: number;
  /** Exponent for CPU thread scaling when no pair of thread counts is profiled. Default 0.7. */
  readonly cpuAlpha?: number;
  /** Resident memory of one instance by model (from the spec) when profiles do not measure it. */
  readonly modelMemoryBytes?: Readonly<Record<string, number>>;
}

/** Latency and throughput of one operating point of a model on a slice. */
export interface ExecEstimate {
  readonly model: string;
  readonly slice: string;
  readonly batchSize: number;
  readonly concurrency: number;
  /** Time for one batch on one instance while `concurrency` instances run. */
  readonly latencyMs: { readonly p50: number; readonly p99: number; readonly mean: number };
  /** Items per second across all instances. */
  readonly throughputPerS: number;
  readonly source: ExecSource;
  readonly estimated: boolean;
  readonly basis: string;
}

/** How a p99 is predicted: the queueing model (default) or the Nexus worst-case rule. */
export type LatencyRule = 'queueing' | 'nexus';

export interface OperatingPointQuery {
  readonly model: string;
  readonly slice: SliceRef;
  readonly sloP99Ms: number;
  /** Squared coefficient of variation of inter-arrival times: 1 Poisson (default), cv² for bursty, 0 constant. */
  readonly arrivalScv?: number;
  /** Cap from the model/spec (`maxBatchSize`). */
  readonly maxBatchSize?: number;
  /** Fixed by the spec (`batching.maxQueueDelayMs`) instead of chosen. */
  readonly maxQueueDelayMs?: number;
  /** Fixed number of instances instead of chosen. */
  readonly instances?: number;
  /** Exec times are multiplied by this (CPU cores shared with other replicas). Default 1. */
  readonly execInflation?: number;
  readonly rule?: LatencyRule;
}

export interface OperatingPoint {
  readonly batchSize: number;
  readonly maxQueueDelayMs: number;
  readonly instances: number;
  /** Predicted p99 at `rateRps`. */
  readonly predictedP99Ms: number;
  /** The rate the prediction is for. */
  readonly rateRps: number;
  /** Highest rate these settings sustain with p99 ≤ SLO. */
  readonly capacityRps: number;
  /** rateRps / capacityRps. */
  readonly utilization: number;
  /** Expected requests per dispatched batch at rateRps. */
  readonly meanBatch: number;
  readonly execMeanMs: number;
  readonly execP99Ms: number;
  readonly source: ExecSource;
  readonly estimated: boolean;
  readonly basis: string;
  readonly rule: LatencyRule;
}

interface Candidate {
  readonly curve: ConcurrencyCurve;
  readonly b: number;
  readonly exec: (n: number) => number;
  readonly p99Full: number;
  readonly scv: number;
  /** Upper bound on the rate: every instance busy with full batches. */
  readonly bound: number;
}

const BISECT_STEPS = 28;

/**
 * The one performance model the planner, the simulator and the runtime read: latency and
 * throughput of a model on a slice, from profiles (interpolated between batch sizes) or estimated
 * from another slice, and the batching operating points under a p99 SLO (docs/planner.md).
 */
export class PerformanceModel {
  private readonly profiles: readonly ModelProfile[];
  private readonly alpha: AlphaTable;
  private readonly tail: number;
  private readonly cpuAlpha: number;
  private readonly memory: Readonly<Record<string, number>>;
  private readonly execCache = new Map<string, SliceExec | null>();
  private readonly rateCache = new Map<string, OperatingPoint | null>();

  constructor(profiles: readonly ModelProfile[] | ReadonlyMap<string, readonly ModelProfile[]>, options: PerformanceModelOptions = {}) {
    this.profiles = Array.isArray(profiles) ? [...(profiles as readonly ModelProfile[])] : [...(profiles as ReadonlyMap<string, readonly ModelProfile[]>).values()].flat();
    this.alpha = fitAlpha(this.profiles);
    this.tail = options.meanOnlyTailFactor ?? 1.05;
    this.cpuAlpha = options.cpuAlpha ?? DEFAULT_CPU_ALPHA;
    this.memory = options.modelMemoryBytes ?? {};
  }

  /** The profiles of one model. */
  profilesOf(model: string): readonly ModelProfile[] {
    return this.profiles.filter((p) => p.model === model);
  }

  /** Models with at least one profile. */
  models(): string[] {
    return [...new Set(this.profiles.map((p) => p.model))].sort();
  }

  /** Whether the model has any GPU (or, with `cpu`, CPU) profile to measure or estimate from. */
  hasProfiles(model: string, family: 'gpu' | 'cpu'): boolean {
    return this.profiles.some((p) => p.model === model && (p.device.kind === 'cpu') === (family === 'cpu'));
  }

  /** The α(b) table the estimates use (fitted on the loaded profiles where they allow). */
  alphaTable(): AlphaTable {
    return this.alpha;
  }

  /** Figures for (model, slice) with their origin, or undefined when nothing applies. */
  sliceExec(model: string, slice: SliceRef): SliceExec | undefined {
    const key = `${model}\u0000${sliceKey(slice)}\u0000${slice.memoryBytes ?? ''}`;
    const hit = this.execCache.get(key);
    if (hit !== undefined) return hit ?? undefined;
    const r = resolveSliceExec(model, slice, this.profiles, {
      meanOnlyTailFactor: this.tail,
      alpha: this.alpha,
      cpuAlpha: this.cpuAlpha,
      modelMemoryBytes: (m) => this.memory[m],
    });
    this.execCache.set(key, r ?? null);
    return r;
  }

  /** Resident memory of one loaded instance: profile, else spec, else undefined. */
  modelMemoryBytes(model: string): number | undefined {
    const measured = this.profiles.find((p) => p.model === model && p.memoryBytes !== undefined)?.memoryBytes;
    return measured ?? this.memory[model];
  }

  /** Concurrencies (instances) with figures on this slice. */
  concurrencies(model: string, slice: SliceRef): number[] {
    return (this.sliceExec(model, slice)?.curves ?? []).map((c) => c.concurrency);
  }

  /** Largest batch with figures at this concurrency (no extrapolation above it). */
  maxBatchSize(model: string, slice: SliceRef, concurrency = 1): number | undefined {
    const curve = this.sliceExec(model, slice)?.curves.find((c) => c.concurrency === concurrency);
    const last = curve?.points[curve.points.length - 1];
    return last?.batchSize;
  }

  /**
   * Latency and throughput of batches of `batchSize` with `concurrency` instances on the slice,
   * interpolated between measured batch sizes; undefined beyond the largest measured batch, at an
   * unmeasured concurrency, or with no profile to measure or estimate from.
   */
  exec(model: string, slice: SliceRef, batchSize: number, concurrency = 1): ExecEstimate | undefined {
    const se = this.sliceExec(model, slice);
    const curve = se?.curves.find((c) => c.concurrency === concurrency);
    if (se === undefined || curve === undefined) return undefined;
    const e = execAt(curve, batchSize);
    if (e === undefined) return undefined;
    return {
      model,
      slice: sliceKey(slice),
      batchSize,
      concurrency,
      latencyMs: { p50: e.p50Ms, p99: e.p99Ms, mean: e.meanMs },
      throughputPerS: (1000 * batchSize * concurrency) / e.meanMs,
      source: se.source,
      estimated: se.estimated,
      basis: se.basis,
    };
  }

  /** Mean service time (ms) of one batch: what the simulator's backend sleeps and the runtime expects. */
  serviceTimeMs(model: string, slice: SliceRef, batchSize: number, concurrency = 1): number | undefined {
    return this.exec(model, slice, batchSize, concurrency)?.latencyMs.mean;
  }

  /** Cold-start figures (session load and first inference), when profiled. */
  coldStart(model: string, slice: SliceRef): { loadMs?: number; firstInferenceMs?: number; frameworkInitMs?: number } {
    const se = this.sliceExec(model, slice) ?? this.anyExec(model);
    return {
      ...(se?.loadMs === undefined ? {} : { loadMs: se.loadMs }),
      ...(se?.firstInferenceMs === undefined ? {} : { firstInferenceMs: se.firstInferenceMs }),
      ...(se?.frameworkInitMs === undefined ? {} : { frameworkInitMs: se.frameworkInitMs }),
    };
  }

  private anyExec(model: string): SliceExec | undefined {
    const p = this.profiles.find((x) => x.model === model && (x.loadMs !== undefined || x.firstInferenceMs !== undefined));
    if (p === undefined) return undefined;
    return { model, slice: { kind: 'cpu', profile: 'any' }, source: 'measured', estimated: false, basis: '', curves: curvesOf(p, this.tail), ...(p.loadMs === undefined ? {} : { loadMs: p.loadMs }), ...(p.firstInferenceMs === undefined ? {} : { firstInferenceMs: p.firstInferenceMs }) };
  }

  private candidates(q: OperatingPointQuery): { se: SliceExec; list: Candidate[] } | undefined {
    const se = this.sliceExec(q.model, q.slice);
    if (se === undefined) return undefined;
    const inflation = q.execInflation ?? 1;
    const cap = q.maxBatchSize ?? Number.POSITIVE_INFINITY;
    const list: Candidate[] = [];
    for (const curve of se.curves) {
      if (q.instances !== undefined && curve.concurrency !== q.instances) continue;
      if (q.rule === 'nexus' && curve.concurrency !== 1) continue;
      const measured = curve.points.map((p) => p.batchSize).filter((b) => b <= cap);
      const sizes = new Set<number>(measured);
      // Between measured sizes, the geometric midpoint (e.g. 3, 6, 12, 24): interpolation makes
      // any size available; these keep the search small while missing little.
      for (let i = 1; i < measured.length; i++) {
        const lo = measured[i - 1] as number;
        const hi = measured[i] as number;
        const mid = Math.round(Math.sqrt(lo * hi));
        if (mid > lo && mid < hi) sizes.add(mid);
      }
      const top = curve.points[curve.points.length - 1]?.batchSize ?? 0;
      if (Number.isFinite(cap) && cap < top && cap >= 1) sizes.add(Math.floor(cap));
      for (const b of [...sizes].sort((x, y) => x - y)) {
        const full = execAt(curve, b);
        if (full === undefined) continue;
        const meanFull = full.meanMs * inflation;
        const p99Full = (q.rule === 'nexus' ? full.meanMs + Math.max(0, full.p99Ms - full.p50Ms) / 2.326 : full.p99Ms) * inflation;
        const sigma = Math.max(0, full.p99Ms - full.p50Ms) / 2.326;
        const scv = full.meanMs > 0 ? (sigma / full.meanMs) ** 2 : 0;
        list.push({
          curve,
          b,
          exec: (n: number) => (execAt(curve, n)?.meanMs ?? meanFull / inflation) * inflation,
          p99Full,
          scv,
          bound: (1000 * b * curve.concurrency) / meanFull,
        });
      }
    }
    return { se, list };
  }

  /** Predicted p99 of settings (b, c, D) at a rate under the chosen rule. */
  private p99(c: Candidate, rate: number, delayMs: number, q: OperatingPointQuery): { p99: number; meanBatch: number } {
    if (q.rule === 'nexus') {
      // Nexus: saturated instance at batch b; feasible while the rate stays within b / l(b).
      if (rate > c.bound) return { p99: Number.POSITIVE_INFINITY, meanBatch: c.b };
      return { p99: nexusWorstCaseMs(c.p99Full), meanBatch: c.b };
    }
    const r = batchQueue({
      rateRps: rate,
      batchSize: c.b,
      instances: c.curve.concurrency,
      maxQueueDelayMs: delayMs,
      execMeanMs: c.exec,
      execP99FullMs: c.p99Full,
      arrivalScv: q.arrivalScv ?? 1,
      execScv: c.scv,
    });
    return { p99: r.p99Ms, meanBatch: r.meanBatch };
  }

  /** Queue delays worth trying at a rate: the times to gather 1..b requests, within the SLO slack. */
  private delays(c: Candidate, rate: number, q: OperatingPointQuery): number[] {
    if (q.maxQueueDelayMs !== undefined) return [q.maxQueueDelayMs];
    if (c.b <= 1 || q.rule === 'nexus') return [0];
    const slack = q.sloP99Ms - c.p99Full;
    if (slack <= 0) return [];
    const steps = Math.min(c.b - 1, 12);
    // Delays in whole hundredths of a ms (how plans write them): the p99 predicted is then the
    // p99 of the setting as written, which matters near capacity where p99 is steep in the delay.
    const up = (x: number): number => Math.ceil(x * 100 - 1e-9) / 100;
    const cap = Math.floor(slack * 100 + 1e-9) / 100;
    const out = [0];
    for (let k = 1; k <= steps; k++) {
      const n = 1 + ((c.b - 1) * k) / steps;
      const d = up(((n - 1) * 1000) / rate);
      if (d >= cap) {
        if (cap > 0 && cap !== out[out.length - 1]) out.push(cap);
        break;
      }
      if (d !== out[out.length - 1]) out.push(d);
    }
    return out;
  }

  private bestAt(c: Candidate, rate: number, q: OperatingPointQuery): { p99: number; delay: number; meanBatch: number } {
    let best = { p99: Number.POSITIVE_INFINITY, delay: 0, meanBatch: 0 };
    for (const d of this.delays(c, rate, q)) {
      const r = this.p99(c, rate, d, q);
      if (r.p99 < best.p99) best = { p99: r.p99, delay: d, meanBatch: r.meanBatch };
    }
    return best;
  }

  /** Largest rate with p99 ≤ SLO for a candidate; with `delayMs` the queue delay is held fixed. */
  private capacity(c: Candidate, q: OperatingPointQuery, delayMs?: number): number {
    const feasible = (rate: number): boolean =>
      (delayMs === undefined ? this.bestAt(c, rate, q).p99 : this.p99(c, rate, delayMs, q).p99) <= q.sloP99Ms;
    let lo = 0;
    let hi = c.bound;
    if (!feasible(hi * 1e-6)) return 0;
    lo = hi * 1e-6;
    if (feasible(hi * 0.999999)) return hi * 0.999999;
    for (let i = 0; i < BISECT_STEPS; i++) {
      const mid = (lo + hi) / 2;
      if (feasible(mid)) lo = mid;
      else hi = mid;
    }
    return lo;
  }

  private toPoint(se: SliceExec, c: Candidate, rate: number, delay: number, q: OperatingPointQuery, capacity: number): OperatingPoint {
    const at = this.p99(c, rate, delay, q);
    return {
      batchSize: c.b,
      maxQueueDelayMs: delay,
      instances: c.curve.concurrency,
      predictedP99Ms: at.p99,
      rateRps: rate,
      capacityRps: capacity,
      utilization: capacity > 0 ? rate / capacity : 1,
      meanBatch: at.meanBatch,
      execMeanMs: c.exec(c.b),
      execP99Ms: c.p99Full,
      source: se.source,
      estimated: se.estimated,
      basis: se.basis,
      rule: q.rule ?? 'queueing',
    };
  }

  /**
   * The maximum sustainable rate of one replica on the slice with p99 within the SLO, and the
   * settings (batch size, queue delay, instances) that reach it. Undefined when no setting meets
   * the SLO even at a vanishing rate (or no profile applies).
   */
  maxSustainableRate(q: OperatingPointQuery): OperatingPoint | undefined {
    const key = `max\u0000${q.model}\u0000${sliceKey(q.slice)}\u0000${q.slice.memoryBytes ?? ''}\u0000${q.sloP99Ms}\u0000${q.arrivalScv ?? 1}\u0000${q.maxBatchSize ?? ''}\u0000${q.maxQueueDelayMs ?? ''}\u0000${q.instances ?? ''}\u0000${q.execInflation ?? 1}\u0000${q.rule ?? 'queueing'}`;
    const hit = this.rateCache.get(key);
    if (hit !== undefined) return hit ?? undefined;
    const found = this.candidates(q);
    let best: { c: Candidate; rate: number } | undefined;
    if (found !== undefined) {
      // Highest bound first, so most candidates are skipped once one comes close to its bound.
      const order = [...found.list].sort((a, b) => b.bound - a.bound || a.curve.concurrency - b.curve.concurrency || a.b - b.b);
      for (const c of order) {
        if (best !== undefined && c.bound <= best.rate) continue;
        const rate = this.capacity(c, q);
        if (rate > 0 && (best === undefined || rate > best.rate * (1 + 1e-9))) best = { c, rate };
      }
    }
    let out: OperatingPoint | undefined;
    if (found !== undefined && best !== undefined) {
      const at = this.bestAt(best.c, best.rate, q);
      out = this.toPoint(found.se, best.c, best.rate, at.delay, q, best.rate);
    }
    this.rateCache.set(key, out ?? null);
    return out;
  }

  /**
   * The best settings for carrying `rateRps` on one replica: the lowest predicted p99 among
   * settings whose p99 at that rate is within the SLO (ties: fewer instances, smaller batch).
   * Undefined when the rate cannot be carried within the SLO.
   */
  operatingPoint(q: OperatingPointQuery & { readonly rateRps: number }): OperatingPoint | undefined {
    const found = this.candidates(q);
    if (found === undefined) return undefined;
    let best: { c: Candidate; p99: number; delay: number } | undefined;
    for (const c of found.list) {
      if (c.bound <= q.rateRps) continue;
      const at = this.bestAt(c, q.rateRps, q);
      if (!(at.p99 <= q.sloP99Ms)) continue;
      if (best === undefined || at.p99 < best.p99 - 1e-9) best = { c, p99: at.p99, delay: at.delay };
    }
    if (best === undefined) return undefined;
    const capacity = this.capacity(best.c, q, best.delay);
    return this.toPoint(found.se, best.c, q.rateRps, best.delay, q, Math.max(capacity, q.rateRps));
  }

  /** Predicted p99 of given settings at a rate (Infinity when unstable); undefined without figures. */
  predictP99Ms(q: OperatingPointQuery & { readonly rateRps: number; readonly batchSize: number; readonly instances: number; readonly maxQueueDelayMs: number }): number | undefined {
    const found = this.candidates({ ...q, maxBatchSize: q.batchSize });
    const c = found?.list.find((x) => x.b === q.batchSize && x.curve.concurrency === q.instances);
    if (c === undefined) return undefined;
    return this.p99(c, q.rateRps, q.maxQueueDelayMs, q).p99;
  }

  /**
   * The smallest SLO (ms, rounded up to 0.1) under which one replica on the slice carries
   * `rateRps` (a vanishing rate when 0): the fix to name when an SLO is too tight.
   */
  minFeasibleSloMs(q: Omit<OperatingPointQuery, 'sloP99Ms'> & { readonly rateRps?: number }): number | undefined {
    const rate = q.rateRps ?? 0;
    const ok = (slo: number): boolean => {
      const r = this.maxSustainableRate({ ...q, sloP99Ms: slo });
      return r !== undefined && r.capacityRps >= Math.max(rate, 1e-9);
    };
    let hi = 1;
    while (!ok(hi)) {
      hi *= 2;
      if (hi > 3_600_000) return undefined;
    }
    let lo = hi / 2;
    if (hi === 1) lo = 0;
    for (let i = 0; i < 30 && hi - lo > 0.01; i++) {
      const mid = (lo + hi) / 2;
      if (ok(mid)) hi = mid;
      else lo = mid;
    }
    return Math.ceil(hi * 10) / 10;
  }
}
