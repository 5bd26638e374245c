import { wholeGpuSlice } from '../../profile/perf/index.js';
import { round } from '../ids.js';
import type { GpuGroup } from '../inventory.js';
import type { Plan, PlanGpu, PlanInfeasibility, PlanReplica, PlanService, PlanSlice } from '../plan-types.js';
import type { PlanProblem, ServiceDemand } from '../problem.js';
import { baselinePlan, GpuAllocator, optionFor, serviceByIndex, serviceRecord, wholeGpuPlanSlice } from './common.js';

/**
 * Baseline `nexus`: Nexus's squishy bin packing (SOSP'19) as the reference describes it from the
 * released scheduler (`uwsampl/nexus`): whole GPUs, no MIG, one model instance per session.
 *  1. l(b) = mean + σ of batch latency; budget = SLO / 2; b_max = largest b with l(b) ≤ budget;
 *     a saturated GPU carries T_max = b_max / l(b_max).
 *  2. ⌊rate / T_max⌋ GPUs run saturated at b_max.
 *  3. The residual rate r' takes the largest b with (b−1)/r' + l(b) ≤ SLO; its duty cycle is
 *     d = min(SLO − l(b), b/r') and its occupancy l(b)/d.
 *  4. Residual sessions are merged onto shared GPUs: the shared duty cycle is the smallest of its
 *     sessions', each session's batch is recomputed as ⌈r_j · D⌉, and the GPU is feasible while
 *     Σ l(b_j) ≤ D. Among feasible GPUs the one with the highest resulting occupancy wins (best fit),
 *     highest-rate sessions first.
 *  5. Consolidation: repeatedly try to move every session off the least-occupied GPU.
 * Its p99 is Nexus's own worst-case bound (2·l(b) saturated; D + l(b) shared). Under Poisson
 * arrivals a GPU saturated at 100 % builds a queue: the benchmark evaluates every plan with the
 * same queueing model to show where that bound is optimistic.
 */

interface Session {
  readonly svc: ServiceDemand;
  readonly rate: number;
  readonly duty: number;
  readonly lat: (b: number) => number | undefined;
}

interface Shared {
  sessions: Session[];
}

function latencyFn(problem: PlanProblem, svc: ServiceDemand, group: GpuGroup): { l: (b: number) => number | undefined; maxB: number } {
  const slice = wholeGpuSlice(group.type);
  const maxB = Math.min(svc.maxBatchSize, problem.perf.maxBatchSize(svc.model, slice, 1) ?? 0);
  const cache = new Map<number, number | undefined>();
  const l = (b: number): number | undefined => {
    if (b < 1 || b > maxB) return undefined;
    if (cache.has(b)) return cache.get(b);
    const e = problem.perf.exec(svc.model, slice, b, 1);
    const v = e === undefined ? undefined : e.latencyMs.mean + Math.max(0, e.latencyMs.p99 - e.latencyMs.p50) / 2.326;
    cache.set(b, v);
    return v;
  };
  return { l, maxB };
}

/** Batches and feasibility of a set of sessions sharing one GPU's duty cycle. */
function schedule(sessions: readonly Session[]): { ok: boolean; duty: number; batches: number[]; occupancy: number } {
  const duty = Math.min(...sessions.map((s) => s.duty));
  const batches: number[] = [];
  let busy = 0;
  for (const s of sessions) {
    const b = Math.max(1, Math.ceil((s.rate * duty) / 1000));
    const l = s.lat(b);
    if (l === undefined || l + duty > s.svc.sloP99Ms + 1e-9) return { ok: false, duty, batches, occupancy: Number.POSITIVE_INFINITY };
    batches.push(b);
    busy += l;
  }
  return { ok: busy <= duty + 1e-9, duty, batches, occupancy: busy / duty };
}

export function nexusBaseline(problem: PlanProblem): Plan {
  const alloc = new GpuAllocator(problem);
  const infeasible: PlanInfeasibility[] = [];
  const explain: string[] = ['baseline nexus: squishy bin packing on whole GPUs (saturated GPUs at b_max with 2·l(b) ≤ SLO, residuals merged by duty cycle)'];
  const gpus: PlanGpu[] = [];
  const slices: PlanSlice[] = [];
  const replicasOf = new Map<number, PlanReplica[]>();
  const sharedByGroup = new Map<GpuGroup, Shared[]>();
  const maxCapOf = new Map<number, number>();
  for (const i of problem.plannable) {
    const svc = serviceByIndex(problem, i);
    const group = problem.inventory.gpuGroups.find((g) => problem.perf.exec(svc.model, wholeGpuSlice(g.type), 1, 1) !== undefined);
    if (group === undefined) {
      infeasible.push({ service: svc.name, reason: 'no whole GPU profile or estimate for its model', fix: 'add GPU nodes or profiles' });
      continue;
    }
    const { l, maxB } = latencyFn(problem, svc, group);
    let bMax = 0;
    for (let b = 1; b <= maxB; b++) {
      const v = l(b);
      if (v !== undefined && v <= svc.sloP99Ms / 2) bMax = b;
    }
    if (bMax === 0) {
      infeasible.push({ service: svc.name, reason: `Nexus rule: 2·l(1) = ${(2 * (l(1) ?? Number.NaN)).toFixed(1)} ms exceeds the ${svc.sloP99Ms} ms SLO`, fix: `raise slo.p99Ms to ≥ ${(2 * (l(1) ?? 0)).toFixed(1)} ms` });
      continue;
    }
    const lMax = l(bMax) as number;
    const tMax = (1000 * bMax) / lMax;
    const queueingMax = optionFor(problem, svc, group, 'gpu')?.capacityRps ?? tMax;
    maxCapOf.set(i, queueingMax);
    const full = Math.floor(svc.demandRps / tMax + 1e-9);
    const residual = svc.demandRps - full * tMax;
    const list: PlanReplica[] = [];
    for (let k = 0; k < full; k++) {
      const gpu = alloc.take(group);
      if (gpu === undefined) {
        infeasible.push({ service: svc.name, reason: `no ${group.type} GPU left for a saturated replica`, fix: `add ${group.type} GPUs` });
        break;
      }
      const slice = wholeGpuPlanSlice(group, gpu.id, gpu.node);
      gpus.push({ id: gpu.id, node: gpu.node, type: group.type, layout: ['gpu'], slices: [slice.id] });
      slices.push(slice);
      list.push(nexusReplica(problem, svc, slice, bMax, lMax, 2 * lMax, tMax, tMax, queueingMax));
    }
    replicasOf.set(i, list);
    explain.push(`${svc.name}: b_max ${bMax} (l = ${lMax.toFixed(1)} ms ≤ SLO/2), T_max ${tMax.toFixed(1)} rps; ${full} saturated GPU(s), residual ${residual.toFixed(1)} rps`);
    if (residual > 1e-9) {
      let b = 1;
      for (let x = 1; x <= maxB; x++) {
        const v = l(x);
        if (v !== undefined && ((x - 1) * 1000) / residual + v <= svc.sloP99Ms) b = x;
      }
      const lb = l(b) ?? 0;
      const duty = Math.min(svc.sloP99Ms - lb, (1000 * b) / residual);
      const session: Session = { svc, rate: residual, duty, lat: l };
      const shared = sharedByGroup.get(group) ?? [];
      let best: { s: Shared; occ: number } | undefined;
      for (const s of shared) {
        const r = schedule([...s.sessions, session]);
        if (r.ok && (best === undefined || r.occupancy > best.occ)) best = { s, occ: r.occupancy };
      }
      if (best !== undefined) best.s.sessions.push(session);
      else shared.push({ sessions: [session] });
      sharedByGroup.set(group, shared);
    }
  }
  // Consolidation: empty the least-occupied shared GPU into the others while that works.
  for (const [, shared] of sharedByGroup) {
    let changed = true;
    while (changed) {
      changed = false;
      const order = [...shared].sort((a, b) => schedule(a.sessions).occupancy - schedule(b.sessions).occupancy);
      for (const victim of order) {
        const others = shared.filter((s) => s !== victim);
        const trial = others.map((s) => ({ s, sessions: [...s.sessions] }));
        let ok = true;
        for (const session of victim.sessions) {
          let best: { t: (typeof trial)[number]; occ: number } | undefined;
          for (const t of trial) {
            const r = schedule([...t.sessions, session]);
            if (r.ok && (best === undefined || r.occupancy > best.occ)) best = { t, occ: r.occupancy };
          }
          if (best === undefined) {
            ok = false;
            break;
          }
          best.t.sessions.push(session);
        }
        if (ok) {
          for (const t of trial) t.s.sessions = t.sessions;
          shared.splice(shared.indexOf(victim), 1);
          changed = true;
          break;
        }
      }
    }
  }
  for (const [group, shared] of sharedByGroup) {
    for (const s of shared) {
      const gpu = alloc.take(group);
      if (gpu === undefined) {
        for (const x of s.sessions) infeasible.push({ service: x.svc.name, reason: `no ${group.type} GPU left for its residual session`, fix: `add ${group.type} GPUs` });
        continue;
      }
      const slice = wholeGpuPlanSlice(group, gpu.id, gpu.node);
      gpus.push({ id: gpu.id, node: gpu.node, type: group.type, layout: ['gpu'], slices: [slice.id] });
      slices.push(slice);
      const r = schedule(s.sessions);
      s.sessions.forEach((x, k) => {
        const b = r.batches[k] as number;
        const lb = x.lat(b) as number;
        const list = replicasOf.get(x.svc.index) ?? [];
        list.push(nexusReplica(problem, x.svc, slice, b, lb, r.duty + lb, (1000 * b) / r.duty, x.rate, maxCapOf.get(x.svc.index) ?? x.rate));
        replicasOf.set(x.svc.index, list);
      });
      explain.push(`${gpu.id}: shared by ${s.sessions.map((x) => x.svc.name).join(', ')} (duty cycle ${r.duty.toFixed(1)} ms, occupancy ${(100 * r.occupancy).toFixed(0)}%)`);
    }
  }
  const services: PlanService[] = [];
  for (const [i, list] of replicasOf) services.push(serviceRecord(serviceByIndex(problem, i), list, 'hot: baseline nexus has no cold pool'));
  gpus.sort((a, b) => a.id.localeCompare(b.id, 'en', { numeric: true }));
  return baselinePlan(problem, 'nexus', { gpus, slices, services, infeasible, explain });
}

function nexusReplica(problem: PlanProblem, svc: ServiceDemand, slice: PlanSlice, b: number, lb: number, p99: number, capacity: number, load: number, maxCap: number): PlanReplica {
  const exec = problem.perf.exec(svc.model, wholeGpuSlice(problem.inventory.gpuGroups.find((g) => g.gpus.some((x) => x.id === slice.gpu))?.type ?? ''), b, 1);
  return {
    slice: slice.id,
    ...(slice.gpu === undefined ? {} : { gpu: slice.gpu }),
    sliceProfile: slice.profile,
    node: slice.node,
    batching: { policy: svc.batchPolicy, maxBatchSize: b, maxQueueDelayMs: round(Math.max(0, p99 - lb), 2) },
    instances: 1,
    predictedP99Ms: round(p99, 2),
    capacityRps: round(capacity, 2),
    utilization: round(capacity > 0 ? load / capacity : 0, 4),
    estimated: exec?.estimated ?? false,
    loadRps: round(load, 3),
    maxCapacityRps: round(maxCap, 2),
    basis: `Nexus rule; ${exec?.basis ?? ''}`,
  };
}
