import { findPlacement, migProfileInfo, type Placement } from '../../profile/perf/index.js';
import { replicaFor } from '../assign.js';
import { migSliceId, shareSliceId, wholeGpuSliceId } from '../ids.js';
import type { GpuGroup } from '../inventory.js';
import type { Plan, PlanGpu, PlanInfeasibility, PlanReplica, PlanService, PlanSlice } from '../plan-types.js';
import type { PlanProblem, ServiceDemand, SliceOption } from '../problem.js';
import { baselinePlan, GpuAllocator, serviceByIndex, serviceRecord } from './common.js';

/**
 * Baseline `ffd`: first-fit decreasing of services onto slices. Each service takes the smallest
 * slice that carries its demand (or whole replicas of the largest slice plus the smallest slice
 * for the remainder); slices are then placed largest first, each on the first open GPU with a
 * valid placement for it, opening a GPU when none has one. No layout is chosen ahead: MIG geometry
 * is checked slice by slice, which is where FFD loses to the optimizer.
 */
interface Item {
  readonly svc: ServiceDemand;
  readonly option: SliceOption;
  readonly size: number;
}

interface Bin {
  readonly id: string;
  readonly node: string;
  readonly group: GpuGroup;
  readonly placements: Placement[];
  readonly items: Item[];
}

function sizeOf(group: GpuGroup, profile: string): number {
  if (group.mig) return migProfileInfo(group.type, profile)?.computeSlices ?? 1;
  return profile === 'gpu' ? group.totalComputeSlices : group.totalComputeSlices * Number(profile.replace('share-', ''));
}

function fits(bin: Bin, profile: string): Placement | undefined {
  if (bin.group.mig) {
    const start = findPlacement(bin.group.type, bin.placements, profile, bin.group.driver);
    return start === undefined ? undefined : { profile, start };
  }
  const names = [...bin.placements.map((p) => p.profile), profile].sort();
  const ok = bin.group.layouts.some((l) => {
    const left = new Map(l.counts);
    for (const n of names) {
      const c = left.get(n) ?? 0;
      if (c <= 0) return false;
      left.set(n, c - 1);
    }
    return true;
  });
  return ok ? { profile, start: bin.placements.length } : undefined;
}

export function ffdBaseline(problem: PlanProblem): Plan {
  const alloc = new GpuAllocator(problem);
  const infeasible: PlanInfeasibility[] = [];
  const explain: string[] = ['baseline ffd: smallest slice that carries each service, slices placed first-fit decreasing'];
  const items: Item[] = [];
  for (const i of problem.plannable) {
    const svc = serviceByIndex(problem, i);
    const opts = (problem.sliceOptions.get(i) ?? []).filter((o) => o.family === 'gpu');
    const groupKey = opts[0]?.groupKey;
    const group = problem.inventory.gpuGroups.find((g) => g.key === groupKey);
    if (group === undefined) {
      infeasible.push({ service: svc.name, reason: 'baseline ffd places GPU slices only', fix: 'plan with the optimizer' });
      continue;
    }
    const mine = opts.filter((o) => o.groupKey === group.key).sort((a, b) => sizeOf(group, a.profile) - sizeOf(group, b.profile));
    const single = mine.find((o) => o.capacityRps >= svc.demandRps);
    const chosen: SliceOption[] = [];
    if (single !== undefined) chosen.push(single);
    else {
      const big = mine.reduce((a, b) => (b.capacityRps > a.capacityRps ? b : a));
      const k = Math.floor(svc.demandRps / big.capacityRps);
      for (let j = 0; j < k; j++) chosen.push(big);
      const residual = svc.demandRps - k * big.capacityRps;
      if (residual > 1e-9) chosen.push(mine.find((o) => o.capacityRps >= residual) ?? big);
    }
    while (chosen.length < svc.minReplicas) chosen.push(mine[0] as SliceOption);
    for (const option of chosen) items.push({ svc, option, size: sizeOf(group, option.profile) });
  }
  items.sort((a, b) => b.size - a.size || b.svc.demandRps - a.svc.demandRps || a.svc.index - b.svc.index);
  const bins: Bin[] = [];
  for (const item of items) {
    const group = problem.inventory.gpuGroups.find((g) => g.key === item.option.groupKey) as GpuGroup;
    let placed = false;
    for (const bin of bins) {
      if (bin.group !== group) continue;
      const p = fits(bin, item.option.profile);
      if (p === undefined) continue;
      bin.placements.push(p);
      bin.items.push(item);
      placed = true;
      break;
    }
    if (placed) continue;
    const gpu = alloc.take(group);
    if (gpu === undefined) {
      infeasible.push({ service: item.svc.name, reason: `no ${group.type} GPU left for its ${item.option.profile} slice`, fix: `add ${group.type} GPUs` });
      continue;
    }
    const bin: Bin = { id: gpu.id, node: gpu.node, group, placements: [], items: [] };
    const p = fits(bin, item.option.profile) as Placement;
    bin.placements.push(p);
    bin.items.push(item);
    bins.push(bin);
  }
  const gpus: PlanGpu[] = [];
  const slices: PlanSlice[] = [];
  const bySvc = new Map<number, { option: SliceOption; slice: PlanSlice }[]>();
  for (const bin of bins) {
    const order = bin.placements.map((p, k) => ({ p, item: bin.items[k] as Item })).sort((a, b) => a.p.start - b.p.start);
    const ids: string[] = [];
    for (const { p, item } of order) {
      const info = migProfileInfo(bin.group.type, p.profile);
      const slice: PlanSlice = bin.group.mig
        ? { id: migSliceId(bin.id, p.profile, p.start), node: bin.node, gpu: bin.id, kind: 'mig', profile: p.profile, start: p.start, computeSlices: info?.computeSlices ?? 1, memoryBytes: info?.memoryBytes ?? 0 }
        : p.profile === 'gpu'
          ? { id: wholeGpuSliceId(bin.id), node: bin.node, gpu: bin.id, kind: 'gpu', profile: 'gpu', computeSlices: bin.group.totalComputeSlices, memoryBytes: bin.group.memoryBytesPerGpu }
          : { id: shareSliceId(bin.id, p.profile, p.start), node: bin.node, gpu: bin.id, kind: 'gpu-share', profile: p.profile, start: p.start, memoryBytes: Math.floor(bin.group.memoryBytesPerGpu * Number(p.profile.replace('share-', ''))) };
      slices.push(slice);
      ids.push(slice.id);
      bySvc.set(item.svc.index, [...(bySvc.get(item.svc.index) ?? []), { option: item.option, slice }]);
    }
    gpus.push({ id: bin.id, node: bin.node, type: bin.group.type, layout: order.map((o) => o.p.profile), slices: ids });
  }
  const services: PlanService[] = [];
  for (const [i, list] of bySvc) {
    const svc = serviceByIndex(problem, i);
    const cap = list.reduce((s, x) => s + x.option.capacityRps, 0);
    const replicas: PlanReplica[] = list.map((x) => replicaFor(problem, svc, x.option, x.slice, (svc.demandRps * x.option.capacityRps) / cap));
    services.push(serviceRecord(svc, replicas, 'hot: baseline ffd has no cold pool'));
  }
  return baselinePlan(problem, 'ffd', { gpus, slices, services, infeasible, explain });
}
