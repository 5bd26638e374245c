import { gpuTypeInfo, migSlice, type OperatingPoint, type PerformanceModel, type SliceRef } from '../profile/perf/index.js';
import type { PoolRequirement } from './aggregate.js';
import type { GpuGroup } from './inventory.js';
import type { ResolvedPlanOptions } from './options.js';
import { groupSlices, serviceByIndex, type PlanProblem, type ServiceDemand, type SliceOption } from './problem.js';

/**
 * Hot and cold pools (docs/planner.md, "Pools"). A service whose demand would leave its cheapest
 * slice mostly idle can share a cold pool of slices where models load on demand and are evicted
 * LRU when memory runs out. The cost model weighs slice-hours saved against cold-start misses:
 * the miss probability of each model comes from Che's approximation of an LRU cache fed by
 * independent Poisson streams, and a miss costs the model's measured load + first inference.
 */

export interface ColdMember {
  readonly service: number;
  readonly loadRps: number;
  readonly meanRps: number;
  /** Index of the pool slice it is routed to. */
  readonly slot: number;
  readonly missRate: number;
  readonly coldStartMs: number;
  readonly coldStartMeasured: boolean;
  /** Settings on the shared slice (execution inflated by the other members' load). */
  readonly point: OperatingPoint;
}

export interface ColdPoolPlan {
  readonly gpuType: string;
  readonly profile: string;
  readonly slice: SliceRef;
  readonly slots: number;
  readonly residentModels: number;
  readonly members: readonly ColdMember[];
  readonly sliceCost: number;
}

export interface PoolDecision {
  readonly pools: readonly ColdPoolPlan[];
  /** Service index → why it is hot or cold. */
  readonly reasons: ReadonlyMap<number, string>;
  /** Services left for the solver (hot). */
  readonly hot: readonly number[];
  readonly requirements: readonly PoolRequirement[];
}

/**
 * Che's approximation: with independent Poisson request streams λ_j sharing an LRU cache of M
 * models, the characteristic time T solves Σ_j (1 − e^{−λ_j T}) = M, and model j misses with
 * probability e^{−λ_j T}. With M ≥ number of models nothing is evicted after warm-up.
 */
export function cheMissRates(rates: readonly number[], capacity: number): number[] {
  if (rates.length <= capacity) return rates.map(() => 0);
  if (capacity <= 0) return rates.map(() => 1);
  const filled = (t: number): number => rates.reduce((s, r) => s + (1 - Math.exp(-r * t)), 0);
  let lo = 0;
  let hi = 1;
  while (filled(hi) < capacity && hi < 1e12) hi *= 2;
  for (let i = 0; i < 100; i++) {
    const mid = (lo + hi) / 2;
    if (filled(mid) < capacity) lo = mid;
    else hi = mid;
  }
  return rates.map((r) => Math.exp(-r * hi));
}

/**
 * Resident memory one cold-pool load of `model` costs: the profile's measurement, else the spec's
 * `memoryBytes`, else `defaultModelMemoryBytes`. The planner sizes pools with it and the simulator
 * fills them with it, so both count memory by the same rule. `specBytes` is for a caller whose
 * performance model was built without the spec's sizes (the planner's already has them).
 */
export function poolModelMemoryBytes(perf: PerformanceModel, model: string, options: Pick<ResolvedPlanOptions, 'defaultModelMemoryBytes'>, specBytes?: number): number {
  return perf.modelMemoryBytes(model) ?? specBytes ?? options.defaultModelMemoryBytes;
}

/**
 * Time from a load decision to a warm model: measured session load + first inference when the
 * profile measured the load, else `defaultColdStartMs` (`measured: false`). The two parts come
 * back too (`ms` = `loadMs` + `warmupMs`) for callers that state them apart, such as the adapt
 * pre-scale's lead time; without a measurement the whole default counts as load.
 */
export function coldStartEstimate(
  perf: PerformanceModel,
  model: string,
  slice: SliceRef,
  options: Pick<ResolvedPlanOptions, 'defaultColdStartMs'>,
): { ms: number; loadMs: number; warmupMs: number; measured: boolean } {
  const cs = perf.coldStart(model, slice);
  if (cs.loadMs === undefined) return { ms: options.defaultColdStartMs, loadMs: options.defaultColdStartMs, warmupMs: 0, measured: false };
  const warmupMs = cs.firstInferenceMs ?? 0;
  return { ms: cs.loadMs + warmupMs, loadMs: cs.loadMs, warmupMs, measured: true };
}

/** Target busy fraction of a pool slice: room for the time cold starts take. */
const POOL_UTILIZATION = 0.7;

function hotCost(svc: ServiceDemand, opts: readonly SliceOption[]): { cost: number; option: SliceOption; replicas: number; utilization: number } | undefined {
  let best: { cost: number; option: SliceOption; replicas: number; utilization: number } | undefined;
  for (const o of opts) {
    if (o.family !== 'gpu') continue;
    const n = Math.max(svc.minReplicas, Math.ceil(svc.demandRps / o.capacityRps - 1e-9), 1);
    const cost = n * o.unitCost;
    if (best === undefined || cost < best.cost - 1e-12) best = { cost, option: o, replicas: n, utilization: svc.demandRps / (n * o.capacityRps) };
  }
  return best;
}

function pct(x: number): string {
  return `${(100 * x).toFixed(x < 0.01 ? 2 : 1)}%`;
}

export function decidePools(problem: PlanProblem): PoolDecision {
  const reasons = new Map<number, string>();
  const { options } = problem;
  const hot: number[] = [];
  const candidates: { svc: ServiceDemand; hot: NonNullable<ReturnType<typeof hotCost>> }[] = [];
  for (const i of problem.plannable) {
    const svc = serviceByIndex(problem, i);
    const opts = problem.sliceOptions.get(i) ?? [];
    const hc = hotCost(svc, opts);
    if (svc.pool === 'hot') {
      reasons.set(i, 'hot: the spec sets pool: hot');
      hot.push(i);
    } else if (hc === undefined) {
      reasons.set(i, svc.pool === 'cold' ? 'hot: cold pools are GPU slices and this service has no GPU option; on CPU all replicas share the node anyway' : 'hot: CPU replicas share their node\'s cores; no pool needed');
      hot.push(i);
    } else if (svc.pool === 'cold' || hc.utilization < options.coldUtilizationThreshold) {
      candidates.push({ svc, hot: hc });
    } else {
      reasons.set(i, `hot: ${svc.demandRps.toFixed(1)} rps uses ${pct(hc.utilization)} of its cheapest slice (${hc.option.profile}), above the ${pct(options.coldUtilizationThreshold)} cold-pool threshold`);
      hot.push(i);
    }
  }
  const pools: ColdPoolPlan[] = [];
  // One pool per GPU type: members share the smallest slice profile all of them can run on.
  const byType = new Map<string, typeof candidates>();
  for (const c of candidates) {
    const group = problem.inventory.gpuGroups.find((g) => g.key === c.hot.option.groupKey) as GpuGroup;
    byType.set(group.type, [...(byType.get(group.type) ?? []), c]);
  }
  for (const [type, list] of [...byType.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const groups = problem.inventory.gpuGroups.filter((g) => g.type === type);
    const profiles = groupSlices(groups[0] as GpuGroup);
    let members = [...list];
    let chosen: ColdPoolPlan | undefined;
    while (members.length > 0) {
      chosen = undefined;
      for (const { profile, slice } of profiles) {
        const plan = sizePool(problem, type, profile, slice, members.map((m) => m.svc), groups[0] as GpuGroup);
        if (plan !== undefined) {
          chosen = plan;
          break;
        }
      }
      if (chosen === undefined) {
        // No slice carries them all within their SLOs: drop the heaviest and retry.
        const worst = members.reduce((a, b) => (b.hot.utilization > a.hot.utilization ? b : a));
        members = members.filter((m) => m !== worst);
        reasons.set(worst.svc.index, `hot: no shared ${type} slice carries it with the other cold-pool candidates within its SLO`);
        hot.push(worst.svc.index);
        continue;
      }
      // SLO check: a miss that takes longer than the SLO is an SLO miss; those must stay within budget.
      const violators = chosen.members.filter((m) => {
        const svc = serviceByIndex(problem, m.service);
        return m.coldStartMs + m.point.execP99Ms > svc.sloP99Ms && m.missRate > options.coldMissBudget && svc.pool !== 'cold';
      });
      if (violators.length === 0) break;
      const worst = violators.reduce((a, b) => (b.missRate > a.missRate ? b : a));
      const svc = serviceByIndex(problem, worst.service);
      reasons.set(worst.service, `hot: in a cold pool ${pct(worst.missRate)} of its requests would find the model evicted (Che's LRU approximation, ${chosen.residentModels} resident of ${chosen.members.length}) and a cold start (${worst.coldStartMs.toFixed(0)} ms${worst.coldStartMeasured ? '' : ', assumed'}) exceeds its ${svc.sloP99Ms} ms SLO; the budget is ${pct(options.coldMissBudget)}`);
      hot.push(worst.service);
      members = members.filter((m) => m.svc.index !== worst.service);
      chosen = undefined;
    }
    if (chosen === undefined) continue;
    const forced = chosen.members.filter((m) => serviceByIndex(problem, m.service).pool === 'cold');
    const poolCost = chosen.sliceCost * chosen.slots;
    const hotTotal = members.reduce((s, m) => s + m.hot.cost, 0);
    if (forced.length === 0 && (poolCost >= hotTotal - 1e-9 || chosen.members.length < 2)) {
      for (const m of members) reasons.set(m.svc.index, `hot: a cold pool would cost ${poolCost.toFixed(3)} $/h (objective prices) against ${hotTotal.toFixed(3)} $/h for hot replicas; it saves nothing`);
      hot.push(...members.map((m) => m.svc.index));
      continue;
    }
    pools.push(chosen);
    for (const m of chosen.members) {
      const svc = serviceByIndex(problem, m.service);
      const c = members.find((x) => x.svc.index === m.service);
      const saved = c === undefined ? 0 : c.hot.cost - (poolCost * m.loadRps) / Math.max(1e-9, chosen.members.reduce((s, x) => s + x.loadRps, 0));
      const missesPerHour = m.meanRps * m.missRate * 3600;
      const within = m.coldStartMs + m.point.execP99Ms <= svc.sloP99Ms;
      reasons.set(
        m.service,
        `${svc.pool === 'cold' ? 'cold (spec sets pool: cold)' : 'cold'}: ${svc.demandRps.toFixed(2)} rps would use ${pct(c?.hot.utilization ?? 0)} of its own ${c?.hot.option.profile ?? chosen.profile}; ` +
          `shares ${chosen.slots} × ${chosen.profile} with ${chosen.members.length - 1} other model(s), ${chosen.residentModels} resident at once; ` +
          `expected miss rate ${pct(m.missRate)} (${missesPerHour.toFixed(1)} cold starts/h of ${m.coldStartMs.toFixed(0)} ms${m.coldStartMeasured ? '' : ' assumed'}, ${within ? 'within' : 'beyond'} the SLO); saves ≈ ${saved.toFixed(3)} $/h`,
      );
    }
  }
  const requirements = pools.map((p) => ({ gpuType: p.gpuType, profile: p.profile, count: p.slots }));
  const coldSet = new Set(pools.flatMap((p) => p.members.map((m) => m.service)));
  return { pools, reasons, hot: problem.plannable.filter((i) => !coldSet.has(i)), requirements };
}

function sizePool(problem: PlanProblem, type: string, profile: string, slice: SliceRef, members: readonly ServiceDemand[], group: GpuGroup): ColdPoolPlan | undefined {
  const { perf, options } = problem;
  const frac = (slice.computeSlices ?? group.totalComputeSlices) / group.totalComputeSlices;
  const sliceCost = group.objectivePricePerGpu * (group.mig ? frac : (slice.fraction ?? 1));
  // Utilisation of each member on this slice at full speed.
  const util: { svc: ServiceDemand; u: number; cap: number }[] = [];
  for (const svc of members) {
    const r = perf.maxSustainableRate({ model: svc.model, slice, sloP99Ms: svc.sloP99Ms, arrivalScv: svc.arrivalScv, maxBatchSize: svc.maxBatchSize, ...(svc.fixedDelayMs === undefined ? {} : { maxQueueDelayMs: svc.fixedDelayMs }) });
    if (r === undefined || r.capacityRps < svc.demandRps) return undefined;
    util.push({ svc, u: svc.demandRps / r.capacityRps, cap: r.capacityRps });
  }
  const memory = slice.memoryBytes ?? gpuTypeInfo(type)?.memoryBytes ?? 0;
  const modelMem = Math.max(...members.map((s) => poolModelMemoryBytes(perf, s.model, options)));
  const resident = Math.max(0, Math.floor(memory / modelMem));
  if (resident < 1) return undefined;
  const total = util.reduce((s, x) => s + x.u, 0);
  const slots = Math.max(1, Math.ceil(total / POOL_UTILIZATION));
  // Longest-processing-time assignment of members to slots, balancing busy fraction.
  const load = new Array<number>(slots).fill(0);
  const slotOf = new Map<number, number>();
  for (const x of [...util].sort((a, b) => b.u - a.u || a.svc.index - b.svc.index)) {
    let k = 0;
    for (let j = 1; j < slots; j++) if ((load[j] as number) < (load[k] as number)) k = j;
    load[k] = (load[k] as number) + x.u;
    slotOf.set(x.svc.index, k);
  }
  const out: ColdMember[] = [];
  for (let k = 0; k < slots; k++) {
    const here = util.filter((x) => slotOf.get(x.svc.index) === k);
    const misses = cheMissRates(here.map((x) => x.svc.meanRps), resident);
    for (let j = 0; j < here.length; j++) {
      const x = here[j] as (typeof here)[number];
      const others = (load[k] as number) - x.u;
      if (others >= 0.95) return undefined;
      const point = perf.operatingPoint({
        model: x.svc.model,
        slice,
        sloP99Ms: x.svc.sloP99Ms,
        rateRps: x.svc.demandRps,
        arrivalScv: x.svc.arrivalScv,
        maxBatchSize: x.svc.maxBatchSize,
        ...(x.svc.fixedDelayMs === undefined ? {} : { maxQueueDelayMs: x.svc.fixedDelayMs }),
        // Co-resident models take turns on the slice: processor-sharing slowdown 1/(1 − others' load).
        execInflation: 1 / (1 - others),
      });
      if (point === undefined) return undefined;
      const cs = coldStartEstimate(perf, x.svc.model, slice, options);
      out.push({ service: x.svc.index, loadRps: x.svc.demandRps, meanRps: x.svc.meanRps, slot: k, missRate: misses[j] as number, coldStartMs: cs.ms, coldStartMeasured: cs.measured, point });
    }
  }
  return { gpuType: type, profile, slice: migSliceOr(slice, type, profile), slots, residentModels: resident, members: out, sliceCost };
}

function migSliceOr(slice: SliceRef, type: string, profile: string): SliceRef {
  return slice.kind === 'mig' ? migSlice(type, profile) : slice;
}
