import { replicaFor } from '../assign.js';
import type { Plan, PlanGpu, PlanInfeasibility, PlanReplica, PlanService, PlanSlice } from '../plan-types.js';
import type { PlanProblem } from '../problem.js';
import { baselinePlan, GpuAllocator, optionFor, serviceByIndex, serviceRecord, wholeGpuPlanSlice } from './common.js';

/**
 * Baseline `dedicated`: what most teams run today — each replica owns a whole GPU (MIG off), with
 * as many replicas as demand needs, each batching as well as the performance model allows (the
 * baseline loses to sharing, not to bad batch settings).
 */
export function dedicatedBaseline(problem: PlanProblem): Plan {
  const alloc = new GpuAllocator(problem);
  const gpus: PlanGpu[] = [];
  const slices: PlanSlice[] = [];
  const services: PlanService[] = [];
  const infeasible: PlanInfeasibility[] = [];
  const explain: string[] = ['baseline dedicated: one whole GPU per replica, replicas = ⌈demand / capacity of a whole GPU⌉'];
  for (const i of problem.plannable) {
    const svc = serviceByIndex(problem, i);
    let placed = false;
    for (const group of problem.inventory.gpuGroups) {
      const option = optionFor(problem, svc, group, 'gpu');
      if (option === undefined) continue;
      const n = Math.max(svc.minReplicas, Math.ceil(svc.demandRps / option.capacityRps - 1e-9), 1);
      const replicas: PlanReplica[] = [];
      let short = 0;
      for (let k = 0; k < n; k++) {
        const gpu = alloc.take(group);
        if (gpu === undefined) {
          short++;
          continue;
        }
        const slice = wholeGpuPlanSlice(group, gpu.id, gpu.node);
        gpus.push({ id: gpu.id, node: gpu.node, type: group.type, layout: ['gpu'], slices: [slice.id] });
        slices.push(slice);
        replicas.push(replicaFor(problem, svc, option, slice, svc.demandRps / n));
      }
      if (short > 0) infeasible.push({ service: svc.name, reason: `needs ${n} whole ${group.type} GPUs, ${short} more than are free`, fix: `add ${short} ${group.type} GPU${short === 1 ? '' : 's'}` });
      services.push(serviceRecord(svc, replicas, 'hot: baseline dedicated has no cold pool'));
      explain.push(`${svc.name}: ${n} × whole ${group.type} (${option.capacityRps.toFixed(1)} rps each) for ${svc.demandRps.toFixed(1)} rps`);
      placed = true;
      break;
    }
    if (!placed) infeasible.push({ service: svc.name, reason: 'no whole GPU of the inventory carries it within its SLO', fix: 'add GPU nodes' });
  }
  return baselinePlan(problem, 'dedicated', { gpus, slices, services, infeasible, explain });
}
