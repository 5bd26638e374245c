import { migProfileInfo, type OperatingPoint } from '../profile/perf/index.js';
import type { AggregateSolution } from './aggregate.js';
import { compareIds, cpuSliceId, migSliceId, round, shareSliceId, wholeGpuSliceId } from './ids.js';
import type { CpuGroup, GpuGroup, LayoutOption } from './inventory.js';
import type { Plan, PlanColdPool, PlanGpu, PlanInfeasibility, PlanReplica, PlanService, PlanSlice } from './plan-types.js';
import type { PoolDecision } from './pools.js';
import { serviceByIndex, type PlanProblem, type ServiceDemand, type SliceOption } from './problem.js';

/**
 * Turns an aggregate solution into concrete hardware: which GPU takes which layout (and at which
 * placement starts), which slice each replica runs on, and each replica's batch settings at the
 * load it will see. With a current plan, GPUs keep their layout and replicas their slice wherever
 * the new solution allows, so a small change in demand moves little.
 */

interface SliceSlot {
  readonly slice: PlanSlice;
  readonly groupKey: string;
  readonly profile: string;
  readonly gpu: string | undefined;
  readonly node: string;
  readonly virtual: boolean;
  taken: boolean;
}

export interface AssignResult {
  readonly gpus: PlanGpu[];
  readonly slices: PlanSlice[];
  readonly services: PlanService[];
  readonly coldPools: PlanColdPool[];
  readonly infeasible: PlanInfeasibility[];
  readonly explain: string[];
  readonly reconfiguration: { repartitionedGpus: number; movedReplicas: number } | undefined;
}

function layoutSlices(group: GpuGroup, gpuId: string, node: string, placements: readonly { profile: string; start: number }[]): PlanSlice[] {
  return placements.map((p, k) => {
    if (group.mig) {
      const info = groupSliceInfo(group, p.profile);
      return { id: migSliceId(gpuId, p.profile, p.start), node, gpu: gpuId, kind: 'mig', profile: p.profile, start: p.start, computeSlices: info.computeSlices, memoryBytes: info.memoryBytes };
    }
    if (p.profile === 'gpu') return { id: wholeGpuSliceId(gpuId), node, gpu: gpuId, kind: 'gpu', profile: 'gpu', computeSlices: group.totalComputeSlices, memoryBytes: group.memoryBytesPerGpu };
    const fraction = Number(p.profile.replace('share-', ''));
    return { id: shareSliceId(gpuId, p.profile, k), node, gpu: gpuId, kind: 'gpu-share', profile: p.profile, start: k, memoryBytes: Math.floor(group.memoryBytesPerGpu * fraction) };
  });
}


function groupSliceInfo(group: GpuGroup, profile: string): { computeSlices: number; memoryBytes: number } {
  const info = migProfileInfo(group.type, profile);
  return { computeSlices: info?.computeSlices ?? 1, memoryBytes: info?.memoryBytes ?? 0 };
}

function layoutIdOf(profiles: readonly string[], group: GpuGroup): string | undefined {
  const sorted = [...profiles].sort().join('+');
  return group.layouts.find((l) => [...l.placements.map((p) => p.profile)].sort().join('+') === sorted)?.id;
}

/** Builds the replica record for a service on a slice at a given load. */
export function replicaFor(problem: PlanProblem, svc: ServiceDemand, option: SliceOption, slice: PlanSlice, loadRps: number, inflation = 1): PlanReplica {
  const perf = problem.perf;
  const q = {
    model: svc.model,
    slice: option.slice,
    sloP99Ms: svc.sloP99Ms,
    arrivalScv: svc.arrivalScv,
    maxBatchSize: svc.maxBatchSize,
    ...(svc.fixedDelayMs === undefined ? {} : { maxQueueDelayMs: svc.fixedDelayMs }),
    execInflation: inflation,
  };
  // Estimated figures are discounted (options.estimateDiscount): settings are chosen for the load
  // scaled up by the discount, and the capacity reported is scaled down by it.
  const disc = option.estimated ? problem.options.estimateDiscount : 1;
  let point: OperatingPoint | undefined = loadRps > 0 ? perf.operatingPoint({ ...q, rateRps: loadRps / disc }) : perf.operatingPoint({ ...q, rateRps: option.capacityRps * 1e-3 });
  if (point !== undefined) point = { ...point, capacityRps: point.capacityRps * disc };
  if (point === undefined) {
    // Over capacity at this load (only when the plan is short of hardware): report the capacity settings and their p99 at the load.
    const cap = option.point;
    const p99 = perf.predictP99Ms({ ...q, rateRps: loadRps, batchSize: cap.batchSize, instances: cap.instances, maxQueueDelayMs: cap.maxQueueDelayMs }) ?? Number.POSITIVE_INFINITY;
    point = { ...cap, predictedP99Ms: p99, rateRps: loadRps, utilization: loadRps / cap.capacityRps };
  }
  const threads = option.family === 'cpu' ? option.slice.cores : undefined;
  // The delay is written with 2 decimals, rounded up: near capacity p99 is steep in the delay
  // (shorter waits mean smaller batches and a busier replica), and a longer wait adds at most
  // 0.01 ms. The reported p99 is recomputed for the delay as written.
  const delay = Math.ceil(point.maxQueueDelayMs * 100 - 1e-9) / 100;
  const p99 = delay === point.maxQueueDelayMs ? point.predictedP99Ms : (perf.predictP99Ms({ ...q, rateRps: loadRps / disc, batchSize: point.batchSize, instances: point.instances, maxQueueDelayMs: delay }) ?? point.predictedP99Ms);
  return {
    slice: slice.id,
    ...(slice.gpu === undefined ? {} : { gpu: slice.gpu }),
    sliceProfile: slice.profile,
    node: slice.node,
    batching: { policy: svc.batchPolicy, maxBatchSize: point.batchSize, maxQueueDelayMs: delay },
    instances: point.instances,
    predictedP99Ms: round(Number.isFinite(p99) ? p99 : 1e9, 2),
    capacityRps: round(point.capacityRps, 2),
    utilization: round(loadRps > 0 ? loadRps / point.capacityRps : 0, 4),
    estimated: option.estimated,
    loadRps: round(loadRps, 3),
    maxCapacityRps: round(option.capacityRps, 2),
    ...(threads === undefined ? {} : { threads }),
    basis: option.point.basis,
  };
}

export function assignPlan(problem: PlanProblem, agg: AggregateSolution, pools: PoolDecision, current: Plan | undefined): AssignResult {
  const explain: string[] = [];
  const infeasible: PlanInfeasibility[] = [];
  const allSlots: SliceSlot[] = [];
  const gpus: PlanGpu[] = [];
  const currentGpu = new Map((current?.gpus ?? []).map((g) => [g.id, g]));
  let repartitioned = 0;

  // 1. Layouts onto concrete GPUs: keep a GPU's current layout while the solution still wants it.
  for (const group of problem.inventory.gpuGroups) {
    const want = new Map(agg.layouts.get(group.key) ?? []);
    const total = [...want.values()].reduce((s, n) => s + n, 0);
    if (total === 0) continue;
    const chosen = new Map<string, { layout: LayoutOption; placements: readonly { profile: string; start: number }[] }>();
    for (const gpu of group.gpus) {
      const cur = currentGpu.get(gpu.id);
      if (cur === undefined) continue;
      const id = layoutIdOf(cur.layout, group);
      if (id === undefined || (want.get(id) ?? 0) <= 0) continue;
      const layout = group.layouts.find((l) => l.id === id) as LayoutOption;
      // Keep the exact starts in force, not only the multiset.
      const placements = cur.slices.map((sid, k) => ({ profile: cur.layout[k] as string, start: Number(/@(\d+)$/.exec(sid)?.[1] ?? 0) }));
      chosen.set(gpu.id, { layout, placements: group.mig ? placements : layout.placements });
      want.set(id, (want.get(id) as number) - 1);
    }
    const queue: LayoutOption[] = [];
    for (const layout of group.layouts) for (let k = 0; k < (want.get(layout.id) ?? 0); k++) queue.push(layout);
    // Prefer GPUs the current plan already uses (their nodes are up), then index order; when a
    // service asks for availability, alternate nodes (gpu0 of every node, then gpu1, ...) so its
    // replicas can land on distinct nodes.
    const spreadNodes = problem.services.some((s) => s.availability && s.minReplicas >= 2);
    const free = group.gpus
      .filter((g) => !chosen.has(g.id))
      .sort((a, b) => Number(currentGpu.has(b.id)) - Number(currentGpu.has(a.id)) || (spreadNodes ? a.index - b.index : 0));
    for (const gpu of free) {
      const layout = queue.shift();
      if (layout === undefined) break;
      if (currentGpu.has(gpu.id)) repartitioned++;
      chosen.set(gpu.id, { layout, placements: layout.placements });
    }
    // Beyond the inventory (infeasible fleets): virtual GPUs that are never emitted.
    let virtualIndex = 0;
    for (const layout of queue) {
      const id = `extra-${group.type}/gpu${virtualIndex++}`;
      for (const s of layoutSlices(group, id, 'extra', layout.placements)) allSlots.push({ slice: s, groupKey: group.key, profile: s.profile, gpu: id, node: 'extra', virtual: true, taken: false });
    }
    for (const gpu of group.gpus) {
      const c = chosen.get(gpu.id);
      if (c === undefined) continue;
      const slices = layoutSlices(group, gpu.id, gpu.node, c.placements);
      gpus.push({ id: gpu.id, node: gpu.node, type: group.type, layout: slices.map((s) => s.profile), slices: slices.map((s) => s.id) });
      for (const s of slices) allSlots.push({ slice: s, groupKey: group.key, profile: s.profile, gpu: gpu.id, node: gpu.node, virtual: false, taken: false });
    }
  }
  if (current !== undefined) repartitioned += current.gpus.filter((g) => !gpus.some((n) => n.id === g.id) && problem.inventory.gpuGroups.some((gr) => gr.gpus.some((x) => x.id === g.id))).length;

  // 2. CPU nodes in use.
  const cpuNodesUsed = new Map<string, string[]>();
  const currentCpuNodes = new Set((current?.slices ?? []).filter((s) => s.kind === 'cpu').map((s) => s.node));
  for (const group of problem.inventory.cpuGroups) {
    const n = agg.cpuNodes.get(group.key) ?? 0;
    if (n <= 0) continue;
    const order = [...group.nodes].sort((a, b) => Number(currentCpuNodes.has(b)) - Number(currentCpuNodes.has(a)));
    const real = order.slice(0, n);
    for (let k = real.length; k < n; k++) real.push(`extra-cpu-${k}`);
    cpuNodesUsed.set(group.key, real);
  }

  const slotsBy = (groupKey: string, profile: string): SliceSlot[] => allSlots.filter((s) => s.groupKey === groupKey && s.profile === profile);

  // 3. Cold pools take their slices first, in the groups the solver reserved them in
  // (agg.poolSlices, the MILP's q[g,k] / the heuristic's cover). GPUs of one type can form several
  // groups (a pin on a node splits them); a pool slice taken from another group than the one the
  // solver counted it in takes a slice the solver gave to a replica there. Without a reservation
  // (none should be missing), only a slice no replica of the solution needs is taken.
  const coldPools: PlanColdPool[] = [];
  const coldReplica = new Map<number, PlanReplica>();
  const poolSlotIds: string[][] = pools.pools.map(() => []);
  const poolBudget = new Map(agg.poolSlices);
  const replicaClaims = new Map<string, number>();
  for (const [i, reps] of agg.replicas) {
    for (const rep of reps) {
      const o = problem.sliceOptions.get(i)?.find((x) => x.key === rep.optionKey);
      if (o !== undefined && o.family === 'gpu') replicaClaims.set(o.key, (replicaClaims.get(o.key) ?? 0) + rep.count);
    }
  }
  pools.pools.forEach((pool, k) => {
    const groups = problem.inventory.gpuGroups.filter((g) => g.type === pool.gpuType);
    for (let slot = 0; slot < pool.slots; slot++) {
      const free = (g: GpuGroup): SliceSlot[] => slotsBy(g.key, pool.profile).filter((x) => !x.taken);
      const key = (g: GpuGroup): string => `${g.key}#${pool.profile}`;
      const group = groups.find((g) => (poolBudget.get(key(g)) ?? 0) > 0 && free(g).length > 0) ?? groups.find((g) => free(g).length > (replicaClaims.get(key(g)) ?? 0));
      const s = group === undefined ? undefined : (free(group).find((x) => !x.virtual) ?? free(group)[0]);
      if (group === undefined || s === undefined) {
        for (const m of pool.members.filter((x) => x.slot === slot)) {
          infeasible.push({ service: serviceByIndex(problem, m.service).name, reason: `no free ${pool.profile} slice is left for its cold pool on the GPUs the solver partitioned`, fix: `add an ${pool.gpuType} GPU (room for another ${pool.profile} slice)` });
        }
        continue;
      }
      poolBudget.set(key(group), (poolBudget.get(key(group)) ?? 0) - 1);
      s.taken = true;
      (poolSlotIds[k] as string[]).push(s.slice.id);
      const members = pool.members.filter((m) => m.slot === slot);
      const memberNames = members.map((m) => serviceByIndex(problem, m.service).name).sort();
      if (!s.virtual) {
        coldPools.push({
          slice: s.slice.id,
          services: memberNames,
          memoryBytes: s.slice.memoryBytes,
          sliceProfile: s.slice.profile,
          node: s.node,
          ...(s.gpu === undefined ? {} : { gpu: s.gpu }),
          residentModels: pool.residentModels,
          expectedMissRate: round(members.length === 0 ? 0 : members.reduce((a, m) => a + m.missRate * m.meanRps, 0) / Math.max(1e-9, members.reduce((a, m) => a + m.meanRps, 0)), 5),
        });
      }
      for (const m of members) {
        const svc = serviceByIndex(problem, m.service);
        // A pool slice on hardware beyond the inventory is not emitted; neither are its members.
        if (s.virtual) {
          infeasible.push({ service: svc.name, reason: 'its cold-pool slice does not fit in the inventory', fix: '' });
          continue;
        }
        const p = m.point;
        coldReplica.set(m.service, {
          slice: s.slice.id,
          ...(s.gpu === undefined ? {} : { gpu: s.gpu }),
          sliceProfile: s.slice.profile,
          node: s.node,
          batching: { policy: svc.batchPolicy, maxBatchSize: p.batchSize, maxQueueDelayMs: Math.ceil(p.maxQueueDelayMs * 100 - 1e-9) / 100 },
          instances: p.instances,
          predictedP99Ms: round(p.predictedP99Ms, 2),
          capacityRps: round(p.capacityRps, 2),
          utilization: round(m.loadRps / p.capacityRps, 4),
          estimated: p.estimated,
          loadRps: round(m.loadRps, 3),
          maxCapacityRps: round(p.capacityRps, 2),
          basis: p.basis,
        });
      }
    }
  });

  // 4. Replicas onto slices. Services that need spreading first, then the largest.
  const order = [...agg.replicas.keys()].sort((a, b) => {
    const sa = serviceByIndex(problem, a);
    const sb = serviceByIndex(problem, b);
    return Number(sb.availability) - Number(sa.availability) || sb.demandRps - sa.demandRps || a - b;
  });
  const placed = new Map<number, { option: SliceOption; slot: SliceSlot | { slice: PlanSlice; node: string; virtual: boolean } }[]>();
  let moved = 0;
  const currentSlicesOf = (name: string): Set<string> => new Set((current?.services.find((s) => s.name === name)?.replicas ?? []).map((r) => r.slice));
  const cpuPositions = new Map<string, number>();
  // Replicas the solution asks for that found no slice (the solver's count and the assignment
  // disagree): service index → capacity they would have carried, and why.
  const unplaced = new Map<number, { capacityRps: number; count: number; profiles: Set<string>; types: Set<string> }>();
  for (const i of order) {
    const svc = serviceByIndex(problem, i);
    const opts = problem.sliceOptions.get(i) ?? [];
    const keep = currentSlicesOf(svc.name);
    const list: { option: SliceOption; slot: SliceSlot | { slice: PlanSlice; node: string; virtual: boolean } }[] = [];
    const usedNodes = new Set<string>();
    const usedGpus = new Set<string>();
    // Spread services place their most constrained replicas first: the profile offered on the
    // fewest GPUs, so a GPU that is the only home of one profile is not taken by another.
    const reps = [...(agg.replicas.get(i) ?? [])];
    if (svc.availability) {
      const homes = (key: string): number => {
        const o = opts.find((x) => x.key === key) as SliceOption;
        return new Set(slotsBy(o.groupKey, o.profile).filter((s) => !s.taken).map((s) => s.gpu)).size;
      };
      reps.sort((a, b) => homes(a.optionKey) - homes(b.optionKey));
    }
    for (const rep of reps) {
      const option = opts.find((o) => o.key === rep.optionKey) as SliceOption;
      if (option.family === 'cpu') {
        const group = problem.inventory.cpuGroups.find((g) => g.key === option.groupKey) as CpuGroup;
        const nodes = cpuNodesUsed.get(group.key) ?? [];
        for (let k = 0; k < rep.count; k++) {
          const node = nodes.find((n) => !usedNodes.has(n)) ?? nodes[k % Math.max(1, nodes.length)] ?? 'extra-cpu';
          usedNodes.add(node);
          const pos = cpuPositions.get(node) ?? 0;
          cpuPositions.set(node, pos + 1);
          const cores = option.slice.cores ?? 1;
          const slice: PlanSlice = { id: cpuSliceId(node, cores, pos), node, kind: 'cpu', profile: option.profile, cores, memoryBytes: group.memoryBytesPerNode ?? 0 };
          list.push({ option, slot: { slice, node, virtual: node.startsWith('extra-') } });
        }
        continue;
      }
      const candidates = slotsBy(option.groupKey, option.profile);
      for (let k = 0; k < rep.count; k++) {
        const free = candidates.filter((s) => !s.taken);
        const kept = free.find((s) => keep.has(s.slice.id));
        let pick = kept;
        if (pick === undefined && svc.availability) {
          pick = free.find((s) => !s.virtual && !usedNodes.has(s.node) && !usedGpus.has(s.gpu ?? '')) ?? free.find((s) => !s.virtual && !usedGpus.has(s.gpu ?? ''));
        }
        pick ??= free.find((s) => !s.virtual) ?? free[0];
        if (pick === undefined) {
          explain.push(`assign: no free ${option.profile} slice left for ${svc.name} (solver and assignment disagree)`);
          const u = unplaced.get(i) ?? { capacityRps: 0, count: 0, profiles: new Set<string>(), types: new Set<string>() };
          u.capacityRps += option.capacityRps;
          u.count++;
          u.profiles.add(option.profile);
          u.types.add(problem.inventory.gpuGroups.find((g) => g.key === option.groupKey)?.type ?? 'GPU');
          unplaced.set(i, u);
          continue;
        }
        if (current !== undefined && keep.size > 0 && !keep.has(pick.slice.id)) moved++;
        pick.taken = true;
        usedNodes.add(pick.node);
        if (pick.gpu !== undefined) usedGpus.add(pick.gpu);
        list.push({ option, slot: pick });
      }
    }
    placed.set(i, list);
  }
  if (current !== undefined) {
    // Replicas of services that lost replicas (or vanished) count as moved too.
    for (const s of current.services) {
      const now = placed.get(problem.services.find((x) => x.name === s.name)?.index ?? -1) ?? [];
      moved += Math.max(0, s.replicas.length - now.length);
    }
  }

  // 5. Loads and settings. A service's load is split across its replicas in proportion to their
  // capacity (what a capacity-weighted router does); CPU replicas also see their node's other load.
  const services: PlanService[] = [];
  const cpuSlices: PlanSlice[] = [];
  const nodeCoreLoad = new Map<string, number>();
  const loadOf = new Map<number, number[]>();
  for (const [i, list] of placed) {
    const svc = serviceByIndex(problem, i);
    // An unplaced replica's share stays unrouted (the service is reported infeasible): the placed
    // replicas are planned for the share the solution gave them, never pushed past capacity.
    const totalCap = list.reduce((s, r) => s + r.option.capacityRps, 0) + (unplaced.get(i)?.capacityRps ?? 0);
    const loads = list.map((r) => (totalCap > 0 ? (svc.demandRps * r.option.capacityRps) / totalCap : 0));
    loadOf.set(i, loads);
    list.forEach((r, k) => {
      if (r.option.family === 'cpu') nodeCoreLoad.set(r.slot.node, (nodeCoreLoad.get(r.slot.node) ?? 0) + (loads[k] as number) * r.option.coreSecondsPerRequest);
    });
  }
  const shortOf = new Map<number, number>();
  const overloaded = new Map<number, string[]>();
  for (const svc of problem.services) {
    const i = svc.index;
    const cold = coldReplica.get(i);
    const list = placed.get(i);
    if (cold === undefined && list === undefined) continue;
    const replicas: PlanReplica[] = [];
    if (cold !== undefined) replicas.push(cold);
    (list ?? []).forEach((r, k) => {
      if (r.slot.virtual) {
        shortOf.set(i, (shortOf.get(i) ?? 0) + 1);
        return;
      }
      const load = (loadOf.get(i) ?? [])[k] as number;
      let inflation = 1;
      if (r.option.family === 'cpu') {
        const group = problem.inventory.cpuGroups.find((g) => g.key === r.option.groupKey) as CpuGroup;
        const others = ((nodeCoreLoad.get(r.slot.node) ?? 0) - load * r.option.coreSecondsPerRequest) / group.coresPerNode;
        inflation = 1 / (1 - Math.min(0.95, Math.max(0, others)));
        cpuSlices.push(r.slot.slice);
      }
      const rep = replicaFor(problem, svc, r.option, r.slot.slice, load, inflation);
      // No settings meet the SLO at this load (only when capacities disagree): the replica is left
      // out rather than emitted with an unbounded p99, and the service is reported infeasible.
      if (!(rep.utilization <= 1 && rep.predictedP99Ms <= svc.sloP99Ms + 0.01)) {
        overloaded.set(i, [...(overloaded.get(i) ?? []), `${rep.slice} at ${rep.loadRps} rps (${rep.capacityRps} rps within the SLO)`]);
        return;
      }
      replicas.push(rep);
    });
    replicas.sort((a, b) => compareIds(a.slice, b.slice));
    services.push({
      name: svc.name,
      model: svc.model,
      sloP99Ms: svc.sloP99Ms,
      demandRps: round(svc.demandRps, 3),
      pool: cold !== undefined ? 'cold' : 'hot',
      poolReason: pools.reasons.get(i) ?? 'hot',
      replicas,
      predictedP99Ms: round(Math.max(0, ...replicas.map((r) => r.predictedP99Ms)), 2),
      capacityRps: round(replicas.reduce((s, r) => s + r.capacityRps, 0), 2),
      estimated: replicas.some((r) => r.estimated),
    });
  }
  for (const [i, u] of unplaced) {
    const svc = serviceByIndex(problem, i);
    const placedCap = (placed.get(i) ?? []).reduce((s, r) => s + r.option.capacityRps, 0);
    const carried = (svc.demandRps * placedCap) / (placedCap + u.capacityRps);
    const profiles = [...u.profiles].join(', ');
    infeasible.push({
      service: svc.name,
      reason: `${u.count} of its replicas (${profiles}) found no free slice on the GPUs the solver partitioned (solver and assignment disagree); the placed replicas carry ${carried.toFixed(1)} of ${svc.demandRps.toFixed(1)} rps`,
      fix: `add ${[...u.types].join(' or ')} GPUs (room for ${u.count} more ${profiles} slice${u.count === 1 ? '' : 's'})`,
    });
  }
  for (const [i, list] of overloaded) {
    const svc = serviceByIndex(problem, i);
    infeasible.push({ service: svc.name, reason: `no settings keep p99 within ${svc.sloP99Ms} ms at the load routed to ${list.join('; ')}; those replicas are left out`, fix: 'add GPUs of the type it runs on, or raise slo.p99Ms' });
  }
  for (const [i, n] of shortOf) {
    const svc = serviceByIndex(problem, i);
    infeasible.push({ service: svc.name, reason: `${n} of its replicas do not fit in the inventory (demand ${svc.demandRps.toFixed(1)} rps at p99 ≤ ${svc.sloP99Ms} ms)`, fix: '' });
  }

  const slices = [...allSlots.filter((s) => !s.virtual).map((s) => s.slice), ...cpuSlices].sort((a, b) => compareIds(a.id, b.id));
  gpus.sort((a, b) => compareIds(a.id, b.id));
  services.sort((a, b) => problem.fleet.services.findIndex((s) => s.name === a.name) - problem.fleet.services.findIndex((s) => s.name === b.name));
  return {
    gpus,
    slices,
    services,
    coldPools: coldPools.sort((a, b) => compareIds(a.slice, b.slice)),
    infeasible,
    explain,
    reconfiguration: current === undefined ? undefined : { repartitionedGpus: repartitioned, movedReplicas: moved },
  };
}
