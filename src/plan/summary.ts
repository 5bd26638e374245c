import { gpuTypeInfo } from '../profile/perf/index.js';
import { round } from './ids.js';
import type { Plan, PlanSlice } from './plan-types.js';
import type { PlanProblem } from './problem.js';

/**
 * Plan-level figures computed the same way for every solver and baseline, so they compare:
 * totals, mean utilisation and the weighted objective evaluated on the final plan.
 */

function sliceFraction(slice: PlanSlice | undefined, gpuType: string | undefined): number {
  if (slice === undefined) return 0;
  if (slice.kind === 'gpu') return 1;
  if (slice.kind === 'gpu-share') return Number(slice.profile.replace('share-', '')) || 0;
  if (slice.kind === 'mig') return (slice.computeSlices ?? 0) / (gpuTypeInfo(gpuType ?? '')?.computeSlices ?? 7);
  return 0;
}

/**
 * Mean utilisation: for each GPU in use, Σ over its replicas of (share of the GPU the slice holds)
 * × load / the most that slice carries for that service within its SLO; averaged over GPUs (idle
 * slices count as 0). CPU-only plans average Σ threads/cores × load/capacity over nodes in use.
 */
export function meanUtilization(plan: Pick<Plan, 'gpus' | 'slices' | 'services'>, nodeCores: (node: string) => number): number {
  const sliceById = new Map(plan.slices.map((s) => [s.id, s]));
  const gpuType = new Map(plan.gpus.map((g) => [g.id, g.type]));
  if (plan.gpus.length > 0) {
    const perGpu = new Map<string, number>(plan.gpus.map((g) => [g.id, 0]));
    for (const svc of plan.services) {
      for (const r of svc.replicas) {
        if (r.gpu === undefined || !perGpu.has(r.gpu)) continue;
        const cap = r.maxCapacityRps ?? r.capacityRps;
        const load = r.loadRps ?? r.utilization * r.capacityRps;
        perGpu.set(r.gpu, (perGpu.get(r.gpu) as number) + sliceFraction(sliceById.get(r.slice), gpuType.get(r.gpu)) * (cap > 0 ? load / cap : 0));
      }
    }
    const vals = [...perGpu.values()];
    return vals.reduce((s, x) => s + x, 0) / vals.length;
  }
  const perNode = new Map<string, number>();
  for (const svc of plan.services) {
    for (const r of svc.replicas) {
      if (r.threads === undefined) continue;
      const cap = r.maxCapacityRps ?? r.capacityRps;
      const load = r.loadRps ?? r.utilization * r.capacityRps;
      const cores = nodeCores(r.node) || 1;
      perNode.set(r.node, (perNode.get(r.node) ?? 0) + (r.threads / cores) * (cap > 0 ? load / cap : 0));
    }
  }
  const vals = [...perNode.values()];
  return vals.length === 0 ? 0 : vals.reduce((s, x) => s + x, 0) / vals.length;
}

export interface Totals {
  readonly gpus: number;
  readonly cpuCores: number;
  readonly costPerHour: number;
  /** Objective prices (stand-ins for unpriced nodes). */
  readonly objectiveCost: number;
  readonly costPer1kInferences: number;
  readonly meanUtilization: number;
  readonly demandRps: number;
  readonly estimatedReplicas: number;
}

export function totals(problem: PlanProblem, plan: Pick<Plan, 'gpus' | 'slices' | 'services'>): Totals {
  let cost = 0;
  let objectiveCost = 0;
  for (const g of plan.gpus) {
    const group = problem.inventory.gpuGroups.find((gr) => gr.gpus.some((x) => x.id === g.id));
    cost += group?.pricePerGpu ?? 0;
    objectiveCost += group?.objectivePricePerGpu ?? 0;
  }
  const cpuNodes = new Set(plan.slices.filter((s) => s.kind === 'cpu').map((s) => s.node));
  let cores = 0;
  for (const node of cpuNodes) {
    const group = problem.inventory.cpuGroups.find((c) => c.nodes.includes(node));
    cores += group?.coresPerNode ?? 0;
    cost += group?.pricePerNode ?? 0;
    objectiveCost += group?.objectivePricePerNode ?? 0;
  }
  const served = new Set(plan.services.filter((s) => s.replicas.length > 0).map((s) => s.name));
  const meanRps = problem.services.filter((s) => served.has(s.name)).reduce((s, x) => s + x.meanRps, 0);
  const demand = problem.services.filter((s) => served.has(s.name)).reduce((s, x) => s + x.demandRps, 0);
  const coresOf = (node: string): number => problem.inventory.cpuGroups.find((c) => c.nodes.includes(node))?.coresPerNode ?? 1;
  return {
    gpus: plan.gpus.length,
    cpuCores: cores,
    costPerHour: cost,
    objectiveCost,
    // $ per 1k inferences at the mean traffic rate (what the fleet actually serves per hour).
    costPer1kInferences: meanRps > 0 ? cost / ((meanRps * 3600) / 1000) : 0,
    meanUtilization: meanUtilization(plan, coresOf),
    demandRps: demand,
    estimatedReplicas: plan.services.reduce((s, x) => s + x.replicas.filter((r) => r.estimated).length, 0),
  };
}

/**
 * The weighted objective evaluated on a finished plan (docs/planner.md, "Objective"):
 *   w_L · L + w_T · T + w_C · C, with
 *   L = mean over services of Σ_replicas (load share) × predicted p99 / SLO,
 *   T = mean over services of Σ_replicas (1 − load / max capacity)   (idle replica capacity),
 *   C = plan $/h / the slice-volume lower bound on $/h.
 */
export function evaluateObjective(problem: PlanProblem, plan: Pick<Plan, 'gpus' | 'slices' | 'services'>): { objective: number; latency: number; headroom: number; cost: number } {
  const w = problem.fleet.objectives.weights;
  const served = plan.services.filter((s) => s.replicas.length > 0);
  const n = Math.max(1, served.length);
  let latency = 0;
  let headroom = 0;
  for (const s of served) {
    const demand = s.demandRps > 0 ? s.demandRps : 1;
    for (const r of s.replicas) {
      const load = r.loadRps ?? r.utilization * r.capacityRps;
      const cap = r.maxCapacityRps ?? r.capacityRps;
      latency += (load / demand) * (r.predictedP99Ms / s.sloP99Ms);
      headroom += Math.max(0, 1 - (cap > 0 ? load / cap : 0));
    }
  }
  latency /= n;
  headroom /= n;
  const cost = totals(problem, plan).objectiveCost / problem.costRef;
  return { objective: round(w.latency * latency + w.throughput * headroom + w.cost * cost, 6), latency, headroom, cost };
}
