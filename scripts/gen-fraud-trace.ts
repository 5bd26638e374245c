/**
 * Writes examples/traces/fraud-day.csv: one day of card-transaction scoring requests for the
 * seed's bank anti-fraud scenario (30 million a day, mean ≈ 347.2 req/s) as a qps-series trace
 * (docs/simulator.md, "QPS series"): `timestamp,qps`, timestamp in seconds from midnight, one row
 * per minute, each row's rate holding for that minute.
 *
 * Shape: a diurnal curve (night trough ≈ 0.25× the mean at 04:00, evening peak ≈ 1.7× at 19:00 —
 * a sine plus its second harmonic, so the day is not symmetric), ±5 % minute-to-minute noise, and
 * three promotion bursts (a flash sale, a payday push, an evening campaign) at several times the
 * underlying rate for 10–20 minutes. The whole series is then scaled so that the day's integral is
 * exactly 30,000,000 requests. Deterministic: a fixed seed, no clock.
 *
 *   npx tsx scripts/gen-fraud-trace.ts [out.csv]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { createRng } from '../src/core/index.js';

const out = process.argv[2] ?? 'examples/traces/fraud-day.csv';
const MINUTES = 1440;
const DAY_TOTAL = 30_000_000;
const rng = createRng(20240517);

/** Promotion bursts: start minute, length in minutes, multiplier over the diurnal rate. */
const BURSTS: ReadonlyArray<{ atMin: number; lengthMin: number; factor: number; label: string }> = [
  { atMin: 11 * 60 + 30, lengthMin: 15, factor: 4, label: 'lunchtime flash sale' },
  { atMin: 17 * 60, lengthMin: 20, factor: 3, label: 'payday push' },
  { atMin: 20 * 60 + 45, lengthMin: 10, factor: 6, label: 'evening campaign' },
];

const shape: number[] = [];
for (let m = 0; m < MINUTES; m++) {
  const h = m / 60;
  // Peak near 19:00, trough near 04:00; the second harmonic flattens the working day.
  const diurnal = 1 + 0.62 * Math.sin((2 * Math.PI * (h - 13)) / 24) + 0.18 * Math.sin((4 * Math.PI * (h - 10)) / 24);
  let rate = Math.max(0.15, diurnal) * (1 + 0.05 * rng.normal());
  for (const b of BURSTS) {
    // Two-minute ramps each side: a promotion e-mail lands over minutes, not in one instant.
    const into = m - b.atMin;
    if (into < -2 || into > b.lengthMin + 1) continue;
    const ramp = into < 0 ? (into + 3) / 3 : into >= b.lengthMin ? (b.lengthMin + 2 - into) / 3 : 1;
    rate *= 1 + (b.factor - 1) * Math.max(0, Math.min(1, ramp));
  }
  shape.push(Math.max(0, rate));
}
const integral = shape.reduce((a, r) => a + r * 60, 0);
const k = DAY_TOTAL / integral;
const rows = ['timestamp,qps'];
for (let m = 0; m < MINUTES; m++) rows.push(`${m * 60},${((shape[m] as number) * k).toFixed(3)}`);
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${rows.join('\n')}\n`);
const rates = shape.map((r) => r * k);
const mean = rates.reduce((a, b) => a + b, 0) / MINUTES;
process.stdout.write(
  `wrote ${out}: ${MINUTES} rows, mean ${mean.toFixed(1)} req/s, min ${Math.min(...rates).toFixed(1)}, max ${Math.max(...rates).toFixed(1)}, ` +
    `day total ≈ ${Math.round(rates.reduce((a, r) => a + r * 60, 0)).toLocaleString('en-US')}\n` +
    BURSTS.map((b) => `  burst ${String(Math.floor(b.atMin / 60)).padStart(2, '0')}:${String(b.atMin % 60).padStart(2, '0')} ${b.lengthMin} min ×${b.factor} (${b.label})`).join('\n') +
    '\n',
);
