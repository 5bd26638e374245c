/**
 * Inline-SVG chart primitives for the simulation report: pure functions from data to markup, no
 * DOM and no script, so the report opens offline in any browser and renders the same everywhere.
 */

/** Categorical palette (Tableau 10): distinguishable, and readable in grey print. */
export const PALETTE: readonly string[] = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];
/** Past ten series the colours repeat with a dash pattern, so twenty services stay tellable apart. */
const DASHES: readonly string[] = ['', '6 3', '2 2', '8 3 2 3'];

export function seriesStyle(i: number): { color: string; dash: string } {
  return { color: PALETTE[i % PALETTE.length] as string, dash: DASHES[Math.floor(i / PALETTE.length) % DASHES.length] as string };
}

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** Rounds for SVG coordinates: two decimals keep the file small without visible steps. */
function r2(v: number): string {
  return (Math.round(v * 100) / 100).toString();
}

export interface LineSeries {
  name: string;
  color: string;
  dash?: string;
  /** [x, y] in data units; non-finite points are skipped (a gap, not a drop to zero). */
  points: ReadonlyArray<readonly [number, number]>;
  /** Hover text for the whole line. */
  title?: string;
}

export interface AxisSpec {
  label: string;
  log?: boolean;
  min?: number;
  max?: number;
  format?: (v: number) => string;
  /** Explicit tick positions (data units), e.g. time ticks at whole hours. */
  ticks?: number[];
}

export interface Marker {
  x: number;
  color: string;
  label: string;
}

export interface LineChartSpec {
  /** Stable id for tests and anchors (`data-plot`). */
  id: string;
  width?: number;
  height?: number;
  x: AxisSpec;
  y: AxisSpec;
  series: LineSeries[];
  markers?: Marker[];
  /** Draw horizontal-then-vertical steps (rates held over a window) instead of straight segments. */
  step?: boolean;
}

const MARGIN = { left: 64, right: 16, top: 12, bottom: 44 };

/** 1–2–5 ticks covering [min, max]. */
export function niceTicks(min: number, max: number, target = 6): number[] {
  if (!(max > min)) return [min];
  const raw = (max - min) / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag);
  const out: number[] = [];
  for (let v = Math.ceil(min / step - 1e-9) * step; v <= max + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return out;
}

/** Powers of ten with 2 and 5 in between when the range is narrow. */
export function logTicks(min: number, max: number): number[] {
  const out: number[] = [];
  const lo = Math.floor(Math.log10(min));
  const hi = Math.ceil(Math.log10(max));
  const mults = hi - lo <= 3 ? [1, 2, 5] : [1];
  for (let e = lo; e <= hi; e++) for (const m of mults) {
    const v = m * 10 ** e;
    if (v >= min * 0.999 && v <= max * 1.001) out.push(v);
  }
  return out.length >= 2 ? out : [min, max];
}

export function formatNumber(v: number): string {
  const a = Math.abs(v);
  if (a === 0) return '0';
  if (a >= 1e6) return `${+(v / 1e6).toPrecision(3)}M`;
  if (a >= 1e4) return `${+(v / 1e3).toPrecision(3)}k`;
  if (a >= 100) return v.toFixed(0);
  if (a >= 1) return `${+v.toPrecision(3)}`;
  return `${+v.toPrecision(2)}`;
}

/** Time ticks in seconds at a human step (seconds, minutes or hours) for a run of `totalS`. */
export function timeTicks(totalS: number): number[] {
  const steps = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400];
  const step = steps.find((s) => totalS / s <= 8) ?? 86400;
  const out: number[] = [];
  for (let t = 0; t <= totalS + 1e-9; t += step) out.push(t);
  return out;
}

export function formatTime(totalS: number): (s: number) => string {
  const pad = (n: number): string => String(Math.floor(n)).padStart(2, '0');
  if (totalS >= 3600) return (s) => `${pad(s / 3600)}:${pad((s % 3600) / 60)}`;
  if (totalS >= 120) return (s) => `${pad(s / 60)}:${pad(s % 60)}`;
  return (s) => `${formatNumber(s)} s`;
}

/** An SVG line chart with axes, grid, optional vertical markers; one `<path class="series">` per series. */
export function lineChart(spec: LineChartSpec): string {
  const W = spec.width ?? 960;
  const H = spec.height ?? 320;
  const pw = W - MARGIN.left - MARGIN.right;
  const ph = H - MARGIN.top - MARGIN.bottom;
  const xs: number[] = [];
  const ys: number[] = [];
  for (const s of spec.series) for (const [x, y] of s.points) if (Number.isFinite(x) && Number.isFinite(y)) {
    if (!spec.x.log || x > 0) xs.push(x);
    if (!spec.y.log || y > 0) ys.push(y);
  }
  for (const m of spec.markers ?? []) if (!spec.x.log || m.x > 0) xs.push(m.x);
  const ext = (v: number[], a: AxisSpec, fallback: [number, number]): [number, number] => {
    let lo = a.min ?? (v.length ? Math.min(...v) : fallback[0]);
    let hi = a.max ?? (v.length ? Math.max(...v) : fallback[1]);
    if (a.log) {
      lo = Math.max(lo, 1e-6);
      if (!(hi > lo)) hi = lo * 10;
    } else if (!(hi > lo)) hi = lo + 1;
    return [lo, hi];
  };
  const [x0, x1] = ext(xs, spec.x, [0, 1]);
  const [y0, y1] = ext(ys, spec.y, [0, 1]);
  const sx = (x: number): number => MARGIN.left + (spec.x.log ? (Math.log10(x) - Math.log10(x0)) / (Math.log10(x1) - Math.log10(x0)) : (x - x0) / (x1 - x0)) * pw;
  const sy = (y: number): number => MARGIN.top + ph - (spec.y.log ? (Math.log10(y) - Math.log10(y0)) / (Math.log10(y1) - Math.log10(y0)) : (y - y0) / (y1 - y0)) * ph;
  const fx = spec.x.format ?? formatNumber;
  const fy = spec.y.format ?? formatNumber;
  const xt = spec.x.ticks ?? (spec.x.log ? logTicks(x0, x1) : niceTicks(x0, x1));
  const yt = spec.y.ticks ?? (spec.y.log ? logTicks(y0, y1) : niceTicks(y0, y1, 5));
  const parts: string[] = [];
  parts.push(`<svg class="chart" data-plot="${escapeXml(spec.id)}" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" xmlns="http://www.w3.org/2000/svg">`);
  parts.push(`<rect class="plot-area" x="${MARGIN.left}" y="${MARGIN.top}" width="${pw}" height="${ph}" fill="#fcfcfd" stroke="#d5d8de"/>`);
  for (const t of xt) {
    if (t < x0 - 1e-9 || t > x1 + 1e-9) continue;
    const x = r2(sx(t));
    parts.push(`<line class="grid" x1="${x}" x2="${x}" y1="${MARGIN.top}" y2="${MARGIN.top + ph}"/><text class="tick" x="${x}" y="${MARGIN.top + ph + 16}" text-anchor="middle">${escapeXml(fx(t))}</text>`);
  }
  for (const t of yt) {
    if (t < y0 - 1e-9 || t > y1 + 1e-9) continue;
    const y = r2(sy(t));
    parts.push(`<line class="grid" x1="${MARGIN.left}" x2="${MARGIN.left + pw}" y1="${y}" y2="${y}"/><text class="tick" x="${MARGIN.left - 6}" y="${y}" dy="0.32em" text-anchor="end">${escapeXml(fy(t))}</text>`);
  }
  parts.push(`<text class="axis-label" x="${MARGIN.left + pw / 2}" y="${H - 6}" text-anchor="middle">${escapeXml(spec.x.label)}</text>`);
  parts.push(`<text class="axis-label" transform="translate(14 ${MARGIN.top + ph / 2}) rotate(-90)" text-anchor="middle">${escapeXml(spec.y.label)}</text>`);
  (spec.markers ?? []).filter((m) => m.x >= x0 && m.x <= x1).sort((a, b) => a.x - b.x).forEach((m, i) => {
    const px = sx(m.x);
    const x = r2(px);
    // Labels step down and flip to the line's left near the right edge, so neighbouring SLOs stay legible.
    const right = px > MARGIN.left + pw - 90;
    parts.push(`<g class="marker"><line x1="${x}" x2="${x}" y1="${MARGIN.top}" y2="${MARGIN.top + ph}" stroke="${m.color}" stroke-dasharray="4 3" stroke-width="1.5"/><text x="${x}" y="${MARGIN.top + 12 + 13 * (i % 3)}" dx="${right ? -4 : 4}" text-anchor="${right ? 'end' : 'start'}" fill="${m.color}">${escapeXml(m.label)}</text></g>`);
  });
  parts.push('<g class="lines">');
  spec.series.forEach((s) => {
    let d = '';
    let pen = false;
    for (const [x, y] of s.points) {
      const ok = Number.isFinite(x) && Number.isFinite(y) && (!spec.x.log || x > 0) && (!spec.y.log || y > 0);
      if (!ok) {
        pen = false;
        continue;
      }
      const px = Math.min(MARGIN.left + pw, Math.max(MARGIN.left, sx(x)));
      const py = Math.min(MARGIN.top + ph, Math.max(MARGIN.top, sy(y)));
      if (!pen) d += `M${r2(px)} ${r2(py)}`;
      else if (spec.step) d += `H${r2(px)}V${r2(py)}`;
      else d += `L${r2(px)} ${r2(py)}`;
      pen = true;
    }
    const dash = s.dash ? ` stroke-dasharray="${s.dash}"` : '';
    parts.push(`<path class="series" data-series="${escapeXml(s.name)}" d="${d}" fill="none" stroke="${s.color}" stroke-width="1.8" stroke-linejoin="round"${dash}><title>${escapeXml(s.title ?? s.name)}</title></path>`);
  });
  parts.push('</g></svg>');
  return parts.join('');
}

export interface Bar {
  label: string;
  value: number;
  color: string;
  title?: string;
  /** A heading row above this bar (a GPU's name above its slices). */
  group?: string;
}

/** Horizontal bars for shares in [0, 1]; one `<rect class="bar">` per bar. */
export function barChart(spec: { id: string; bars: Bar[]; width?: number; valueFormat?: (v: number) => string; axisLabel: string }): string {
  const W = spec.width ?? 960;
  const row = 22;
  const labelW = Math.min(360, 16 + 7 * Math.max(8, ...spec.bars.map((b) => b.label.length)));
  const pw = W - labelW - 70;
  let groups = 0;
  let prev: string | undefined;
  for (const b of spec.bars) if (b.group !== undefined && b.group !== prev) {
    groups++;
    prev = b.group;
  }
  const H = 12 + (spec.bars.length + groups) * row + 36;
  const fmt = spec.valueFormat ?? ((v: number) => `${(100 * v).toFixed(1)} %`);
  const parts: string[] = [];
  parts.push(`<svg class="chart" data-plot="${escapeXml(spec.id)}" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" xmlns="http://www.w3.org/2000/svg">`);
  const plotH = (spec.bars.length + groups) * row;
  for (const t of [0, 0.25, 0.5, 0.75, 1]) {
    const x = r2(labelW + t * pw);
    parts.push(`<line class="grid" x1="${x}" x2="${x}" y1="8" y2="${12 + plotH}"/><text class="tick" x="${x}" y="${28 + plotH}" text-anchor="middle">${100 * t} %</text>`);
  }
  let y = 12;
  prev = undefined;
  for (const b of spec.bars) {
    if (b.group !== undefined && b.group !== prev) {
      parts.push(`<text class="group-label" x="4" y="${y + row * 0.68}">${escapeXml(b.group)}</text>`);
      y += row;
      prev = b.group;
    }
    const v = Math.max(0, Math.min(1, Number.isFinite(b.value) ? b.value : 0));
    // A 1-px minimum so a nearly idle slice is still visibly a bar, not a missing one.
    const w = Math.max(1, v * pw);
    parts.push(`<text class="bar-label" x="${labelW - 8}" y="${y + row * 0.68}" text-anchor="end">${escapeXml(b.label)}</text>`);
    parts.push(`<rect class="bar-track" x="${labelW}" y="${y + 3}" width="${r2(pw)}" height="${row - 6}" fill="#eef0f3"/>`);
    parts.push(`<rect class="bar" data-bar="${escapeXml(b.label)}" x="${labelW}" y="${y + 3}" width="${r2(w)}" height="${row - 6}" fill="${b.color}" rx="2"><title>${escapeXml(b.title ?? `${b.label}: ${fmt(b.value)}`)}</title></rect>`);
    parts.push(`<text class="bar-value" x="${r2(labelW + pw + 6)}" y="${y + row * 0.68}">${escapeXml(fmt(b.value))}</text>`);
    y += row;
  }
  parts.push(`<text class="axis-label" x="${labelW + pw / 2}" y="${H - 4}" text-anchor="middle">${escapeXml(spec.axisLabel)}</text>`);
  parts.push('</svg>');
  return parts.join('');
}

/** Averages a long per-window series into at most `maxPoints` buckets: [centre time s, mean]. */
export function downsample(values: readonly number[], windowS: number, maxPoints = 600): Array<[number, number]> {
  const k = Math.max(1, Math.ceil(values.length / maxPoints));
  const out: Array<[number, number]> = [];
  for (let i = 0; i < values.length; i += k) {
    let sum = 0;
    const n = Math.min(k, values.length - i);
    for (let j = 0; j < n; j++) sum += values[i + j] ?? 0;
    out.push([(i + n / 2) * windowS, sum / n]);
  }
  return out;
}
