import type { Plan } from '../../plan/plan-types.js';
import type { ServiceSimReport, SimulationResult } from '../cluster/simulate-plan.js';
import { barChart, downsample, escapeXml, formatNumber, formatTime, lineChart, seriesStyle, timeTicks, type Bar } from './svg.js';

export interface ReportMeta {
  title?: string;
  /** The plan the run replayed: gives slices their GPU for the per-GPU bars, and the solver's name. */
  plan?: Plan;
  batchPolicy?: string;
  seed?: number;
  /** Where the traffic came from (a trace file, "spec traffic"), shown in the header. */
  traffic?: string;
  /** A timestamp string; passed in because the renderer is pure (no clock). */
  generatedAt?: string;
  /** The command line that produced the run, so a reader can repeat it. */
  command?: string;
}

/** The plots the report always contains, by `data-plot` id (the browser test checks each). */
export const REPORT_PLOTS = ['latency-cdf', 'throughput', 'queue-depth', 'utilization'] as const;

const pct = (v: number, digits = 1): string => (Number.isFinite(v) ? `${(100 * v).toFixed(digits)} %` : '–');
const ms = (v: number): string => (!Number.isFinite(v) ? '–' : v >= 100 ? v.toFixed(0) : v >= 1 ? v.toFixed(2) : v.toFixed(3));
const int = (v: number): string => Math.round(v).toLocaleString('en-US');

/**
 * Renders a simulation result as one self-contained HTML page: inline CSS and inline SVG only (no
 * script, no network), so it can be mailed, archived as a CI artefact or opened offline. Pure:
 * the same result and meta give the same bytes.
 */
export function renderReportHtml(result: SimulationResult, meta: ReportMeta = {}): string {
  const title = meta.title ?? (meta.plan ? `Simulation of fleet '${meta.plan.fleet}'` : 'Simulation report');
  const sm = result.summary;
  const durS = sm.durationMs / 1000;
  const windowS = (sm.windowMs ?? 1000) / 1000;
  const styles = result.services.map((_, i) => seriesStyle(i));
  const worstP99 = Math.max(...result.services.map((s) => (Number.isFinite(s.p99Ms) ? s.p99Ms : 0)), 0);
  const minAtt = Math.min(...result.services.map((s) => s.sloAttainment), 1);
  const dropped = result.services.reduce((n, s) => n + s.dropped, 0);
  const missing = result.services.filter((s) => s.completed > 0 && s.sloAttainment < 0.99).length;

  const subtitle = [
    `${fmtDuration(durS)} simulated`,
    meta.plan ? `plan: ${meta.plan.summary.solver ?? 'planner'}` : '',
    meta.batchPolicy ? `batching: ${meta.batchPolicy}` : 'batching: as planned',
    meta.traffic ? `traffic: ${meta.traffic}` : '',
    meta.seed !== undefined ? `seed ${meta.seed}` : '',
    meta.generatedAt ? `generated ${meta.generatedAt}` : '',
  ].filter((s) => s !== '');

  const kpis: Array<[string, string, string?]> = [
    ['requests', int(sm.requests)],
    ['completed', int(sm.completed)],
    ['dropped', int(dropped), dropped > 0 ? 'bad' : undefined],
    ['worst p99', `${ms(worstP99)} ms`],
    ['lowest SLO attainment', pct(minAtt, 2), minAtt < 0.99 ? 'bad' : 'good'],
    ['mean slice utilisation', pct(sm.utilization)],
    ['cost', `$${sm.costPerHour.toFixed(2)}/h`],
    ['$ per 1k inferences', `$${sm.costPer1kInferences.toPrecision(3)}`],
  ];

  const verdict =
    result.services.length === 0
      ? 'No services were simulated.'
      : missing === 0
        ? `${result.services.length === 1 ? 'The service' : `All ${result.services.length} services`} kept at least 99 % of requests within ${result.services.length === 1 ? 'its' : 'their'} SLO${dropped > 0 ? `, but ${int(dropped)} requests were dropped at admission` : ''}.`
        : `${missing} of ${result.services.length} service${result.services.length === 1 ? '' : 's'} fell below 99 % of requests within their SLO.`;

  const legend = `<ul class="legend">${result.services
    .map((s, i) => {
      const st = styles[i] ?? seriesStyle(i);
      return `<li><svg width="28" height="10" aria-hidden="true"><line x1="0" x2="28" y1="5" y2="5" stroke="${st.color}" stroke-width="2.5"${st.dash ? ` stroke-dasharray="${st.dash}"` : ''}/></svg>${escapeXml(s.name)}</li>`;
    })
    .join('')}</ul>`;

  const sections = [
    figure('Latency CDF', 'Share of completed requests at or below each latency (arrival to batch completion), per service; dashed lines mark the SLOs.', latencyCdfChart(result.services, styles), legend),
    figure('Throughput over time', `Completed requests per second, per service${windowNote(result, windowS)}.`, timelineChart('throughput', result.services, styles, (s) => s.throughputTimeline.map((c) => c / windowS), durS, windowS, 'completed req/s'), legend),
    figure('Queue depth over time', `Mean number of requests waiting in each service's queue (time-weighted)${windowNote(result, windowS)}.`, timelineChart('queue-depth', result.services, styles, (s) => s.queueDepthTimeline, durS, windowS, 'queued requests'), legend),
    figure('Utilisation', utilisationCaption(meta.plan), utilisationChart(result, meta.plan), ''),
  ];

  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeXml(title)}</title>
<style>${CSS}</style></head>
<body><main>
<header><h1>${escapeXml(title)}</h1><p class="sub">${subtitle.map(escapeXml).join(' · ')}</p>
${meta.command ? `<p class="cmd"><code>${escapeXml(meta.command)}</code></p>` : ''}</header>
<section class="kpis">${kpis.map(([k, v, cls]) => `<div class="kpi${cls ? ` ${cls}` : ''}"><div class="v">${escapeXml(v)}</div><div class="k">${escapeXml(k)}</div></div>`).join('')}</section>
<p class="verdict ${missing === 0 && dropped === 0 ? 'good' : 'bad'}">${escapeXml(verdict)}</p>
${sections.join('\n')}
<section class="card"><h2>Per service</h2>${serviceTable(result.services, styles)}
<p class="note">Throughput fluctuation is half the 5th–95th percentile spread of per-window throughput over its mean (docs/simulator.md). SLO attainment is the share of completed requests within the service's p99 SLO.</p></section>
<footer>Simulated ${int(sm.events)} events in ${(sm.wallMs / 1000).toFixed(2)} s of wall time · Tessera</footer>
</main></body></html>
`;
}

function windowNote(result: SimulationResult, windowS: number): string {
  const n = Math.max(0, ...result.services.map((s) => s.throughputTimeline.length));
  const k = Math.ceil(n / 600);
  return k > 1 ? ` (${fmtDuration(windowS)} windows averaged in groups of ${k}, i.e. ${fmtDuration(k * windowS)} per point)` : ` (${fmtDuration(windowS)} windows)`;
}

function fmtDuration(s: number): string {
  if (s >= 3600) return `${+(s / 3600).toFixed(2)} h`;
  if (s >= 60) return `${+(s / 60).toFixed(1)} min`;
  return `${+s.toFixed(3)} s`;
}

function figure(title: string, caption: string, svg: string, after: string): string {
  return `<section class="card"><h2>${escapeXml(title)}</h2><p class="caption">${escapeXml(caption)}</p><div class="plot">${svg}</div>${after}</section>`;
}

function latencyCdfChart(services: readonly ServiceSimReport[], styles: ReadonlyArray<{ color: string; dash: string }>): string {
  const all = services.flatMap((s) => s.latencyCdf.map((p) => p.ms)).filter((v) => v > 0);
  const lo = all.length ? Math.min(...all) : 0.001;
  const hi = Math.max(all.length ? Math.max(...all) : 1, ...services.map((s) => s.sloMs));
  // Log latency when the run spans more than a decade: batch-1 CPU and queued-burst latencies share one plot.
  const log = hi / lo > 20;
  const slos = [...new Set(services.map((s) => s.sloMs))];
  return lineChart({
    id: 'latency-cdf',
    x: { label: 'latency (ms)', log, ...(log ? {} : { min: 0 }) },
    y: { label: 'share of requests', min: 0, max: 1, format: (v) => `${Math.round(v * 100)} %` },
    series: services.map((s, i) => ({
      name: s.name,
      color: (styles[i] ?? seriesStyle(i)).color,
      dash: (styles[i] ?? seriesStyle(i)).dash,
      points: s.latencyCdf.map((p) => [p.ms, p.p] as const),
      title: `${s.name}: p50 ${ms(s.p50Ms)} ms · p90 ${ms(s.p90Ms)} ms · p99 ${ms(s.p99Ms)} ms · SLO ${ms(s.sloMs)} ms (${pct(s.sloAttainment, 2)} within)`,
    })),
    markers: slos.map((v) => ({ x: v, color: '#8a2f2f', label: `SLO ${formatNumber(v)} ms` })),
  });
}

function timelineChart(
  id: string,
  services: readonly ServiceSimReport[],
  styles: ReadonlyArray<{ color: string; dash: string }>,
  values: (s: ServiceSimReport) => readonly number[],
  durS: number,
  windowS: number,
  yLabel: string,
): string {
  return lineChart({
    id,
    height: 280,
    x: { label: 'simulated time', min: 0, max: durS, ticks: timeTicks(durS), format: formatTime(durS) },
    y: { label: yLabel, min: 0 },
    series: services.map((s, i) => {
      const v = values(s);
      const peak = v.length ? Math.max(...v) : 0;
      const mean = v.length ? v.reduce((a, b) => a + b, 0) / v.length : 0;
      return {
        name: s.name,
        color: (styles[i] ?? seriesStyle(i)).color,
        dash: (styles[i] ?? seriesStyle(i)).dash,
        points: downsample(v, windowS),
        title: `${s.name}: mean ${formatNumber(mean)} · peak ${formatNumber(peak)} ${yLabel}`,
      };
    }),
  });
}

function utilisationCaption(plan: Plan | undefined): string {
  const base = 'Busy instance-time over instance-time, per slice (MIG slice, GPU share or CPU cores)';
  return plan && plan.gpus.length > 0 ? `${base}, grouped under each GPU; a GPU's own bar weights its slices by compute slices.` : `${base}.`;
}

function utilisationChart(result: SimulationResult, plan: Plan | undefined): string {
  const bySlice = new Map(result.slices.map((s) => [s.id, s.utilization]));
  const bars: Bar[] = [];
  const colour = (u: number): string => (u >= 0.85 ? '#e15759' : u >= 0.5 ? '#4e79a7' : '#76b7b2');
  const seen = new Set<string>();
  for (const gpu of plan?.gpus ?? []) {
    const slices = (plan?.slices ?? []).filter((s) => s.gpu === gpu.id && bySlice.has(s.id));
    if (slices.length === 0) continue;
    const weight = (s: (typeof slices)[number]): number => s.computeSlices ?? 1;
    const total = slices.reduce((n, s) => n + weight(s), 0);
    const u = slices.reduce((n, s) => n + weight(s) * (bySlice.get(s.id) ?? 0), 0) / total;
    const group = `${gpu.id} (${gpu.type})`;
    bars.push({ group, label: 'whole GPU', value: u, color: '#59a14f', title: `${gpu.id} (${gpu.type}): ${pct(u)} busy, weighted by compute slices` });
    for (const s of slices) {
      const su = bySlice.get(s.id) ?? 0;
      bars.push({ group, label: s.profile + (s.start !== undefined ? ` @${s.start}` : ''), value: su, color: colour(su), title: `${s.id}: ${pct(su)}` });
      seen.add(s.id);
    }
  }
  const rest = result.slices.filter((s) => !seen.has(s.id));
  for (const s of rest) bars.push({ ...(seen.size > 0 ? { group: 'other slices' } : {}), label: s.id, value: s.utilization, color: colour(s.utilization), title: `${s.id}: ${pct(s.utilization)}` });
  return barChart({ id: 'utilization', bars, axisLabel: 'busy time / wall time' });
}

function serviceTable(services: readonly ServiceSimReport[], styles: ReadonlyArray<{ color: string; dash: string }>): string {
  const head = ['service', 'requests', 'completed', 'dropped', 'failed', 'p50 ms', 'p90 ms', 'p99 ms', 'SLO ms', 'SLO attainment', 'req/s', 'fluctuation', 'mean batch', 'cold starts', 'cold wait ms'];
  const rows = services.map((s, i) => {
    const ok = s.sloAttainment >= 0.99 && s.dropped === 0 && s.failed === 0;
    const cells = [
      `<span class="swatch" style="background:${(styles[i] ?? seriesStyle(i)).color}"></span>${escapeXml(s.name)}`,
      int(s.requests),
      int(s.completed),
      int(s.dropped),
      int(s.failed),
      ms(s.p50Ms),
      ms(s.p90Ms),
      `<b>${ms(s.p99Ms)}</b>`,
      ms(s.sloMs),
      `<span class="pill ${ok ? 'good' : 'bad'}">${pct(s.sloAttainment, 2)}</span>`,
      s.throughputPerS.toFixed(1),
      `±${(100 * s.throughputFluctuation).toFixed(1)} %`,
      s.meanBatchSize.toFixed(2),
      int(s.coldStarts),
      // Mean wait of the requests a load delayed (on demand or a pre-warm under way).
      s.coldStartDelayedRequests === 0 ? '–' : ms(s.coldStartDelayMeanMs),
    ];
    return `<tr>${cells.map((c, j) => `<td${j === 0 ? '' : ' class="num"'}>${c}</td>`).join('')}</tr>`;
  });
  return `<div class="table-wrap"><table><thead><tr>${head.map((h, j) => `<th${j === 0 ? '' : ' class="num"'}>${h}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table></div>`;
}

const CSS = `
:root{--fg:#1d2433;--muted:#5b6577;--bg:#f4f5f7;--card:#fff;--good:#2f7d4a;--bad:#b3261e}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif}
main{max-width:1020px;margin:0 auto;padding:24px 20px 40px}
h1{font-size:24px;margin:0 0 4px}
h2{font-size:16px;margin:0 0 2px}
.sub,.caption,.note,footer{color:var(--muted)}
.caption{margin:0 0 8px;font-size:13px}
.cmd code{background:#e9ecf1;padding:2px 6px;border-radius:4px;font-size:12px}
.kpis{display:grid;grid-template-columns:repeat(4,1fr);gap:10px;margin:16px 0 10px}
.kpi{background:var(--card);border-radius:8px;padding:10px 12px;box-shadow:0 1px 2px rgba(0,0,0,.06)}
.kpi .v{font-size:20px;font-weight:600;font-variant-numeric:tabular-nums}
.kpi .k{color:var(--muted);font-size:12px}
.kpi.bad .v{color:var(--bad)} .kpi.good .v{color:var(--good)}
.verdict{margin:4px 0 16px;font-weight:500} .verdict.good{color:var(--good)} .verdict.bad{color:var(--bad)}
.card{background:var(--card);border-radius:8px;padding:14px 16px 12px;margin:0 0 16px;box-shadow:0 1px 2px rgba(0,0,0,.06)}
.plot{overflow-x:auto}
svg.chart{max-width:100%;height:auto;display:block}
svg .grid{stroke:#e6e8ec;stroke-width:1}
svg .tick{font-size:11px;fill:#5b6577}
svg .axis-label{font-size:12px;fill:#3a4252}
svg .marker text{font-size:11px}
svg .bar-label,svg .bar-value{font-size:12px;fill:#1d2433;font-variant-numeric:tabular-nums}
svg .group-label{font-size:12px;font-weight:600;fill:#1d2433}
svg path.series:hover{stroke-width:3.5}
.legend{list-style:none;margin:6px 0 0;padding:0;display:flex;flex-wrap:wrap;gap:4px 16px;font-size:12px}
.legend li{display:flex;align-items:center;gap:6px}
.table-wrap{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:13px;font-variant-numeric:tabular-nums}
th,td{padding:5px 6px;border-bottom:1px solid #eceef2;white-space:nowrap}
th{text-align:left;color:var(--muted);font-weight:600} .num{text-align:right}
.swatch{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:6px;vertical-align:-1px}
.pill{padding:1px 7px;border-radius:10px;font-weight:600} .pill.good{background:#e3f2e8;color:var(--good)} .pill.bad{background:#fbe4e2;color:var(--bad)}
footer{font-size:12px;margin-top:8px}
@media (max-width:720px){.kpis{grid-template-columns:repeat(2,1fr)}}
`;
