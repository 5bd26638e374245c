import type { Fleet, ServiceSpec } from '../core/index.js';
import type { ModelProfile } from '../profile/index.js';
import { cpuSlice, gpuShareSlice, gpuTypeInfo, migSlice, PerformanceModel, wholeGpuSlice, type OperatingPoint, type SliceRef } from '../profile/perf/index.js';
import { buildInventory, doubleMemoryProfiles, type CpuGroup, type GpuGroup, type Inventory } from './inventory.js';
import { minSliceVolume } from './knapsack.js';
import type { ResolvedPlanOptions } from './options.js';
import type { PlanInfeasibility } from './plan-types.js';

/** What one service asks of the plan, with the spec's defaults resolved. */
export interface ServiceDemand {
  readonly index: number;
  readonly name: string;
  readonly model: string;
  readonly spec: ServiceSpec;
  readonly sloP99Ms: number;
  /** Peak × headroom: the rate the plan must carry, requests/s. */
  readonly demandRps: number;
  /** Mean rate (for $ per 1k inferences), requests/s. */
  readonly meanRps: number;
  readonly arrivalScv: number;
  readonly maxBatchSize: number;
  readonly fixedDelayMs: number | undefined;
  readonly batchPolicy: 'triton' | 'adaptive' | 'aimd' | 'slo-aware' | 'none';
  readonly minReplicas: number;
  readonly maxReplicas: number | undefined;
  readonly availability: boolean;
  readonly pool: 'auto' | 'hot' | 'cold';
}

/** A (group, slice profile) a service's replica can take, with what one replica carries there. */
export interface SliceOption {
  /** `<group key>#<profile>`: unique per group and profile. */
  readonly key: string;
  readonly groupKey: string;
  readonly family: 'gpu' | 'cpu';
  readonly slice: SliceRef;
  readonly profile: string;
  /** Max sustainable rate of one replica with p99 ≤ SLO. */
  readonly capacityRps: number;
  /** The settings that reach it. */
  readonly point: OperatingPoint;
  readonly estimated: boolean;
  /** Objective $/h of one replica: its share of the GPU's price (CPU: 0, nodes are priced). */
  readonly unitCost: number;
  /** Share of one GPU (compute slices / total); 0 for CPU. */
  readonly gpuFraction: number;
  /** CPU only: core-seconds one request takes at the capacity settings. */
  readonly coreSecondsPerRequest: number;
  /** Predicted p99 / SLO when the service's whole demand sits on the fewest such replicas. */
  readonly latencyScore: number;
}

export interface PlanProblem {
  readonly fleet: Fleet;
  readonly options: ResolvedPlanOptions;
  readonly perf: PerformanceModel;
  readonly inventory: Inventory;
  readonly services: readonly ServiceDemand[];
  /** Options per service index (empty for services that cannot be planned). */
  readonly sliceOptions: ReadonlyMap<number, readonly SliceOption[]>;
  /** Found before solving (SLO too tight, no profile, pins that match nothing). */
  readonly infeasible: readonly PlanInfeasibility[];
  /** Service indices the solver places (feasible so far). */
  readonly plannable: readonly number[];
  /** Reference cost of the objective's cost term: the slice-volume lower bound on $/h. */
  readonly costRef: number;
  readonly explain: string[];
}

type PlacementRef = { node?: string | undefined; gpuType?: string | undefined; slice?: string | undefined };

function matches(ref: PlacementRef, group: GpuGroup | CpuGroup, profile: string): boolean {
  if (ref.node !== undefined && !group.nodes.includes(ref.node) && !group.nodeSpecs.includes(ref.node)) return false;
  if (ref.gpuType !== undefined) {
    if (group.kind !== 'gpu') return false;
    const want = gpuTypeInfo(ref.gpuType)?.type ?? ref.gpuType;
    if (want !== group.type) return false;
  }
  if (ref.slice !== undefined) {
    if (ref.slice === 'cpu') return group.kind === 'cpu';
    if (ref.slice === 'gpu') return group.kind === 'gpu' && (profile === 'gpu' || /^7g\./.test(profile) || (group.mig && profile === group.sliceProfiles[group.sliceProfiles.length - 1]));
    return profile === ref.slice;
  }
  return true;
}

export function allowedByPlacement(spec: ServiceSpec, group: GpuGroup | CpuGroup, profile: string): boolean {
  const pins = spec.placement?.pin ?? [];
  const forbids = spec.placement?.forbid ?? [];
  if (pins.length > 0 && !pins.some((p) => matches(p, group, profile))) return false;
  return !forbids.some((f) => matches(f, group, profile));
}

function arrivalScvOf(spec: ServiceSpec): number {
  const t = spec.traffic;
  if ('rps' in t) {
    if (t.arrival === 'constant') return 0;
    if (t.arrival === 'bursty') return (t.cv ?? 2) ** 2;
  }
  return 1;
}

export function demandOf(spec: ServiceSpec, index: number, fleet: Fleet): ServiceDemand | { error: string } {
  const t = spec.traffic;
  const peak = 'rps' in t ? (t.peakRps ?? t.rps) : t.peakRps;
  if (peak === undefined) return { error: 'trace-driven traffic without traffic.peakRps (the planner does not read traces)' };
  const mean = 'rps' in t ? t.rps : peak;
  const model = fleet.models.find((m) => m.name === spec.model);
  const policy = spec.batching?.policy ?? 'triton';
  const modelMax = model?.maxBatchSize ?? 32;
  const maxBatch = policy === 'none' ? 1 : Math.min(modelMax, spec.batching?.maxBatchSize ?? modelMax);
  return {
    index,
    name: spec.name,
    model: spec.model,
    spec,
    sloP99Ms: spec.slo.p99Ms,
    demandRps: peak * fleet.objectives.headroom,
    meanRps: mean,
    arrivalScv: arrivalScvOf(spec),
    maxBatchSize: maxBatch,
    fixedDelayMs: spec.batching?.maxQueueDelayMs,
    batchPolicy: policy,
    minReplicas: spec.minReplicas ?? 1,
    maxReplicas: spec.maxReplicas,
    availability: spec.availability ?? false,
    pool: spec.pool ?? 'auto',
  };
}

/** Slice refs of a GPU group's profiles. */
export function groupSlices(group: GpuGroup): { profile: string; slice: SliceRef }[] {
  return group.sliceProfiles.map((profile) => {
    if (group.mig) return { profile, slice: migSlice(group.type, profile) };
    if (profile === 'gpu') return { profile, slice: wholeGpuSlice(group.type) };
    return { profile, slice: gpuShareSlice(group.type, Number(profile.replace('share-', ''))) };
  });
}

/** CPU thread counts worth offering on a node of `cores`: powers of two up to the node, and the node. */
export function cpuThreadOptions(cores: number): number[] {
  const out = new Set<number>();
  for (let k = 1; k <= cores; k *= 2) out.add(k);
  out.add(cores);
  return [...out].sort((a, b) => a - b);
}

function fmt(ms: number): string {
  return ms >= 100 ? ms.toFixed(0) : ms.toFixed(1);
}

/** Queries the perf model for every (service, slice option) and sorts out what cannot be planned. */
export function buildProblem(fleet: Fleet, profiles: readonly ModelProfile[] | ReadonlyMap<string, readonly ModelProfile[]>, options: ResolvedPlanOptions): PlanProblem {
  const referenced = new Set<string>();
  for (const s of fleet.services) for (const r of [...(s.placement?.pin ?? []), ...(s.placement?.forbid ?? [])]) if (r.node !== undefined) referenced.add(r.node);
  const modelMemory: Record<string, number> = {};
  for (const m of fleet.models) if (m.memoryBytes !== undefined) modelMemory[m.name] = m.memoryBytes;
  const perf = new PerformanceModel(profiles, { modelMemoryBytes: modelMemory });
  // Double-memory 1g slices (1g.20gb) have the compute of a 1g.10gb: worth offering only to a
  // model that does not fit the smaller one. Decided per GPU type from the profiles.
  const exclude = (type: string): string[] => {
    const doubles = doubleMemoryProfiles(type);
    return doubles.filter((d) => {
      const twin = gpuTypeInfo(type)?.migProfiles.find((p) => p.name !== d && p.computeSlices === gpuTypeInfo(type)?.migProfiles.find((q) => q.name === d)?.computeSlices);
      if (twin === undefined) return true;
      const needed = fleet.services.some((s) => {
        const small = perf.sliceExec(s.model, migSlice(type, twin.name));
        const big = perf.sliceExec(s.model, migSlice(type, d));
        return big !== undefined && (small === undefined || small.curves.length < big.curves.length);
      });
      return !needed;
    });
  };
  const inventory = buildInventory(fleet, { referencedNodes: referenced, excludeProfiles: exclude });
  const explain: string[] = [];
  const infeasible: PlanInfeasibility[] = [];
  const services: ServiceDemand[] = [];
  const sliceOptions = new Map<number, SliceOption[]>();
  const plannable: number[] = [];
  for (const t of inventory.unknownGpuTypes) explain.push(`inventory: GPU type '${t}' is not in the catalog; its nodes are left out`);

  fleet.services.forEach((spec, index) => {
    const d = demandOf(spec, index, fleet);
    if ('error' in d) {
      infeasible.push({ service: spec.name, reason: d.error, fix: 'set traffic.peakRps to the peak rate the plan must carry' });
      return;
    }
    services.push(d);
    const hasGpu = perf.hasProfiles(d.model, 'gpu');
    const hasCpu = perf.hasProfiles(d.model, 'cpu');
    if (!hasGpu && !hasCpu) {
      infeasible.push({ service: d.name, reason: `no profile of model '${d.model}' to plan from`, fix: `run \`tessera profile -f <fleet.yaml>\` to measure it, or give the model \`profiles:\` (imported measurements)` });
      return;
    }
    const opts: SliceOption[] = [];
    const tightest: { slo: number; where: string }[] = [];
    let pinnedOut = 0;
    const consider = (group: GpuGroup | CpuGroup, profile: string, slice: SliceRef, unitCost: number, gpuFraction: number, inflation: number, threads?: number): void => {
      if (!allowedByPlacement(spec, group, profile)) {
        pinnedOut++;
        return;
      }
      const q = {
        model: d.model,
        slice,
        sloP99Ms: d.sloP99Ms,
        arrivalScv: d.arrivalScv,
        maxBatchSize: d.maxBatchSize,
        ...(d.fixedDelayMs === undefined ? {} : { maxQueueDelayMs: d.fixedDelayMs }),
        execInflation: inflation,
      };
      const raw = perf.maxSustainableRate(q);
      // Estimated figures carry a safety discount on capacity: the scaling rule is rough, and a
      // measured slice of equal merit should win.
      const point = raw === undefined || !raw.estimated ? raw : { ...raw, capacityRps: raw.capacityRps * options.estimateDiscount };
      if (point === undefined) {
        const { sloP99Ms: _slo, ...rest } = q;
        const min = perf.minFeasibleSloMs(rest);
        if (min !== undefined) tightest.push({ slo: min, where: `${group.kind === 'gpu' ? group.type + ' ' : ''}${profile}` });
        return;
      }
      const coreSeconds = threads === undefined ? 0 : (threads * point.execMeanMs) / inflation / Math.max(1, point.meanBatch) / 1000;
      // A CPU replica's cost is the share of its node's priced capacity it uses at full load.
      const cost = group.kind === 'cpu' ? (group.objectivePricePerNode * coreSeconds * point.capacityRps) / (group.coresPerNode * options.cpuUtilizationCap) : unitCost;
      opts.push({
        key: `${group.key}#${profile}`,
        groupKey: group.key,
        family: group.kind,
        slice,
        profile,
        capacityRps: point.capacityRps,
        point,
        estimated: point.estimated,
        unitCost: cost,
        gpuFraction,
        coreSecondsPerRequest: coreSeconds,
        latencyScore: 1,
      });
    };
    if (hasGpu) {
      for (const group of inventory.gpuGroups) {
        for (const { profile, slice } of groupSlices(group)) {
          const frac = group.mig ? (slice.computeSlices ?? group.totalComputeSlices) / group.totalComputeSlices : (slice.fraction ?? 1);
          consider(group, profile, slice, group.objectivePricePerGpu * frac, frac, 1);
        }
      }
    }
    if (hasCpu) {
      const inflation = 1 / (1 - options.cpuUtilizationCap);
      // Thread counts measured for the model (what `tessera profile` ran); other counts only when
      // none fits the node, and then as estimates.
      const measured = [...new Set(perf.profilesOf(d.model).filter((p) => p.device.kind === 'cpu').map((p) => p.device.threads ?? 1))];
      for (const group of inventory.cpuGroups) {
        const fits = measured.filter((k) => k <= group.coresPerNode).sort((a, b) => a - b);
        for (const k of fits.length > 0 ? fits : cpuThreadOptions(group.coresPerNode)) consider(group, `cpu-${k}`, cpuSlice(k, group.memoryBytesPerNode), 0, 0, inflation, k);
      }
    }
    if (opts.length === 0) {
      if (tightest.length > 0) {
        const best = tightest.reduce((a, b) => (b.slo < a.slo ? b : a));
        infeasible.push({
          service: d.name,
          reason: `slo.p99Ms ${fmt(d.sloP99Ms)} ms is below what any slice can meet (fastest: ${best.where}, p99 ≥ ${fmt(best.slo)} ms even at a vanishing rate)`,
          fix: `raise slo.p99Ms to ≥ ${fmt(best.slo)} ms`,
        });
      } else if (pinnedOut > 0) {
        infeasible.push({ service: d.name, reason: 'placement.pin/forbid leave no slice of the inventory that can run the model', fix: 'relax placement.pin or placement.forbid, or add matching nodes to the inventory' });
      } else {
        infeasible.push({ service: d.name, reason: `the inventory has no hardware the profiles of model '${d.model}' cover`, fix: hasGpu ? 'add GPU nodes to the inventory' : 'add CPU nodes to the inventory, or give GPU profiles' });
      }
      return;
    }
    // Replicas cap: the most any one replica carries bounds what maxReplicas can carry.
    const best = Math.max(...opts.map((o) => o.capacityRps));
    if (d.maxReplicas !== undefined && best * d.maxReplicas < d.demandRps) {
      infeasible.push({
        service: d.name,
        reason: `maxReplicas ${d.maxReplicas} × at most ${best.toFixed(1)} rps per replica < demand ${d.demandRps.toFixed(1)} rps`,
        fix: `raise maxReplicas to ≥ ${Math.ceil(d.demandRps / best)}`,
      });
      return;
    }
    for (let i = 0; i < opts.length; i++) {
      const o = opts[i] as SliceOption;
      const n = Math.max(d.minReplicas, Math.ceil(d.demandRps / o.capacityRps - 1e-9), 1);
      const at = perf.operatingPoint({
        model: d.model,
        slice: o.slice,
        sloP99Ms: d.sloP99Ms,
        rateRps: d.demandRps / n,
        arrivalScv: d.arrivalScv,
        maxBatchSize: d.maxBatchSize,
        ...(d.fixedDelayMs === undefined ? {} : { maxQueueDelayMs: d.fixedDelayMs }),
        execInflation: o.family === 'cpu' ? 1 / (1 - options.cpuUtilizationCap) : 1,
      });
      opts[i] = { ...o, latencyScore: Math.min(1, (at?.predictedP99Ms ?? d.sloP99Ms) / d.sloP99Ms) };
    }
    sliceOptions.set(index, opts);
    plannable.push(index);
  });

  // The cost term's reference: per service, the least $/h of whole slices that carry it (the
  // knapsack over its slice options, per GPU group), summed. Not a bound the plan must reach, a
  // scale that makes "1.0" mean "as cheap as each service alone could be".
  let costRef = 0;
  for (const i of plannable) {
    const d = services.find((s) => s.index === i) as ServiceDemand;
    const opts = sliceOptions.get(i) ?? [];
    let best = Number.POSITIVE_INFINITY;
    for (const group of inventory.gpuGroups) {
      const v = minSliceVolume(d.demandRps, d.minReplicas, opts.filter((o) => o.groupKey === group.key));
      if (v !== undefined) best = Math.min(best, v.volume * group.objectivePricePerGpu);
    }
    for (const o of opts) if (o.family === 'cpu') best = Math.min(best, Math.max(d.minReplicas, Math.ceil(d.demandRps / o.capacityRps)) * o.unitCost);
    if (Number.isFinite(best)) costRef += best;
  }
  return { fleet, options, perf, inventory, services, sliceOptions, infeasible, plannable, costRef: costRef > 0 ? costRef : 1, explain };
}

export function serviceByIndex(problem: PlanProblem, index: number): ServiceDemand {
  const s = problem.services.find((x) => x.index === index);
  if (s === undefined) throw new Error(`no service ${index}`);
  return s;
}
