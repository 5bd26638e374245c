import type { Plan } from './plan-types.js';

/** Pads a table of strings into aligned columns. */
function table(rows: string[][]): string[] {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, [...c].length)));
  return rows.map((r) => r.map((c, i) => c + ' '.repeat((widths[i] as number) - [...c].length)).join('  ').trimEnd());
}

function pct(x: number): string {
  return `${(100 * x).toFixed(1)}%`;
}

/** The human-readable plan `tessera plan` prints: GPUs and what runs on each slice, services, totals. */
export function formatPlan(plan: Plan, options: { explain?: boolean } = {}): string {
  const s = plan.summary;
  const out: string[] = [];
  const gap = s.optimalityGap === null ? '' : `, gap ${(100 * s.optimalityGap).toFixed(2)}%`;
  out.push(`Plan for fleet '${plan.fleet}' — solver ${s.solver} (${s.status ?? ''}${gap}), ${s.solveMs} ms`);
  const onSlice = new Map<string, string[]>();
  for (const svc of plan.services) for (const r of svc.replicas) onSlice.set(r.slice, [...(onSlice.get(r.slice) ?? []), svc.pool === 'cold' ? `${svc.name}(cold)` : svc.name]);
  if (plan.gpus.length > 0) {
    out.push('', 'GPUs');
    const rows: string[][] = [['gpu', 'type', 'layout: what runs on each slice']];
    for (const g of plan.gpus) {
      const cells = g.slices.map((id, k) => `${g.layout[k] ?? '?'}: ${(onSlice.get(id) ?? ['idle']).join(', ')}`);
      rows.push([g.id, g.type, cells.join(' | ')]);
    }
    out.push(...table(rows).map((l) => `  ${l}`));
  }
  const cpu = plan.slices.filter((x) => x.kind === 'cpu');
  if (cpu.length > 0) {
    out.push('', 'CPU');
    const rows: string[][] = [['slice', 'cores', 'service']];
    for (const c of cpu) rows.push([c.id, String(c.cores ?? ''), (onSlice.get(c.id) ?? ['idle']).join(', ')]);
    out.push(...table(rows).map((l) => `  ${l}`));
  }
  out.push('', 'Services');
  const rows: string[][] = [['service', 'model', 'slo ms', 'demand rps', 'replicas', 'batch', 'wait ms', 'inst', 'pool', 'p99 ms', 'util', '']];
  for (const svc of plan.services) {
    const by = new Map<string, number>();
    for (const r of svc.replicas) by.set(r.sliceProfile, (by.get(r.sliceProfile) ?? 0) + 1);
    const mix = [...by.entries()].map(([p, n]) => `${n}×${p}`).join('+') || '-';
    const batches = [...new Set(svc.replicas.map((r) => r.batching.maxBatchSize))].join('/');
    const waits = [...new Set(svc.replicas.map((r) => r.batching.maxQueueDelayMs.toFixed(1)))].join('/');
    const inst = [...new Set(svc.replicas.map((r) => r.instances))].join('/');
    const load = svc.replicas.reduce((a, r) => a + (r.loadRps ?? 0), 0);
    const cap = svc.replicas.reduce((a, r) => a + r.capacityRps, 0);
    rows.push([
      svc.name,
      svc.model,
      String(svc.sloP99Ms),
      svc.demandRps.toFixed(1),
      mix,
      batches || '-',
      waits || '-',
      inst || '-',
      svc.pool,
      svc.predictedP99Ms === undefined ? '-' : svc.predictedP99Ms.toFixed(svc.predictedP99Ms < 1 ? 2 : 1),
      cap > 0 ? pct(load / cap) : '-',
      svc.estimated ? 'estimated' : '',
    ]);
  }
  out.push(...table(rows).map((l) => `  ${l}`));
  if (plan.coldPools.length > 0) {
    out.push('', 'Cold pools');
    for (const p of plan.coldPools) out.push(`  ${p.slice}: ${p.services.join(', ')} (${p.residentModels ?? '?'} resident, expected miss rate ${pct(p.expectedMissRate ?? 0)})`);
  }
  out.push(
    '',
    `Totals: GPUs ${s.gpus}${s.lowerBoundGpus === undefined ? '' : ` (lower bound ${s.lowerBoundGpus})`} · CPU cores ${s.cpuCores} · $/h ${s.costPerHour.toFixed(2)} · $ per 1k inferences ${s.costPer1kInferences.toFixed(5)} · mean utilisation ${pct(s.meanUtilization)} · objective ${s.objective.toFixed(4)}`,
  );
  if (s.reconfiguration) out.push(`Reconfiguration: ${s.reconfiguration.repartitionedGpus} GPU(s) re-partitioned, ${s.reconfiguration.movedReplicas} replica(s) moved`);
  if ((s.estimatedReplicas ?? 0) > 0) out.push(`Note: ${s.estimatedReplicas} replica(s) use ESTIMATED figures (no profile of their slice); see --explain`);
  if (plan.infeasible.length > 0) {
    out.push('', 'INFEASIBLE');
    for (const inf of plan.infeasible) out.push(`  ${inf.service}: ${inf.reason}. Fix: ${inf.fix}`);
  }
  if (options.explain) {
    out.push('', 'Why');
    for (const line of plan.explain) out.push(`  - ${line}`);
  }
  return `${out.join('\n')}\n`;
}
