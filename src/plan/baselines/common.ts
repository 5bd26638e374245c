import { migSlice, wholeGpuSlice, type SliceRef } from '../../profile/perf/index.js';
import { round } from '../ids.js';
import type { GpuGroup } from '../inventory.js';
import type { Plan, PlanGpu, PlanInfeasibility, PlanService, PlanSlice } from '../plan-types.js';
import { serviceByIndex, type PlanProblem, type ServiceDemand, type SliceOption } from '../problem.js';
import { totals } from '../summary.js';

/** A slice option for a baseline that the optimizer does not offer (a whole GPU of a MIG-capable type). */
export function optionFor(problem: PlanProblem, svc: ServiceDemand, group: GpuGroup, profile: string): SliceOption | undefined {
  const existing = (problem.sliceOptions.get(svc.index) ?? []).find((o) => o.groupKey === group.key && o.profile === profile);
  if (existing !== undefined) return existing;
  const slice: SliceRef = profile === 'gpu' ? wholeGpuSlice(group.type) : migSlice(group.type, profile);
  const point = problem.perf.maxSustainableRate({
    model: svc.model,
    slice,
    sloP99Ms: svc.sloP99Ms,
    arrivalScv: svc.arrivalScv,
    maxBatchSize: svc.maxBatchSize,
    ...(svc.fixedDelayMs === undefined ? {} : { maxQueueDelayMs: svc.fixedDelayMs }),
  });
  if (point === undefined) return undefined;
  return {
    key: `${group.key}#${profile}`,
    groupKey: group.key,
    family: 'gpu',
    slice,
    profile,
    capacityRps: point.capacityRps,
    point,
    estimated: point.estimated,
    unitCost: group.objectivePricePerGpu,
    gpuFraction: 1,
    coreSecondsPerRequest: 0,
    latencyScore: 1,
  };
}

export function wholeGpuPlanSlice(group: GpuGroup, gpuId: string, node: string): PlanSlice {
  return { id: `${gpuId}/gpu`, node, gpu: gpuId, kind: 'gpu', profile: 'gpu', computeSlices: group.totalComputeSlices, memoryBytes: group.memoryBytesPerGpu };
}

/** Assembles a baseline's Plan with the same summary arithmetic as the optimizer's. */
export function baselinePlan(problem: PlanProblem, name: string, parts: { gpus: PlanGpu[]; slices: PlanSlice[]; services: PlanService[]; infeasible: PlanInfeasibility[]; explain: string[] }): Plan {
  const t = totals(problem, parts);
  const order = (n: string): number => problem.fleet.services.findIndex((s) => s.name === n);
  return {
    apiVersion: 'tessera.dev/v1alpha1',
    kind: 'Plan',
    fleet: problem.fleet.metadata.name,
    summary: {
      gpus: t.gpus,
      cpuCores: t.cpuCores,
      costPerHour: round(t.costPerHour, 4),
      costPer1kInferences: round(t.costPer1kInferences, 6),
      meanUtilization: round(t.meanUtilization, 4),
      solver: name,
      optimalityGap: null,
      objective: 0,
      solveMs: 0,
      status: 'rule',
      estimatedReplicas: t.estimatedReplicas,
      demandRps: round(t.demandRps, 3),
    },
    gpus: parts.gpus,
    slices: parts.slices,
    services: parts.services.sort((a, b) => order(a.name) - order(b.name)),
    coldPools: [],
    infeasible: [...problem.infeasible, ...parts.infeasible],
    explain: parts.explain,
  };
}

/** Next free GPU across groups that can serve, in inventory order. */
export class GpuAllocator {
  private readonly used = new Set<string>();
  constructor(private readonly problem: PlanProblem) {}

  take(group: GpuGroup): { id: string; node: string } | undefined {
    const g = group.gpus.find((x) => !this.used.has(x.id));
    if (g === undefined) return undefined;
    this.used.add(g.id);
    return { id: g.id, node: g.node };
  }

  free(group: GpuGroup): number {
    return group.gpus.filter((x) => !this.used.has(x.id)).length;
  }
}

export function serviceRecord(svc: ServiceDemand, replicas: PlanService['replicas'], reason: string): PlanService {
  return {
    name: svc.name,
    model: svc.model,
    sloP99Ms: svc.sloP99Ms,
    demandRps: round(svc.demandRps, 3),
    pool: 'hot',
    poolReason: reason,
    replicas,
    predictedP99Ms: round(Math.max(0, ...replicas.map((r) => r.predictedP99Ms)), 2),
    capacityRps: round(replicas.reduce((s, r) => s + r.capacityRps, 0), 2),
    estimated: replicas.some((r) => r.estimated),
  };
}

export { serviceByIndex };
