/**
 * Rolling-origin evaluation of the forecasters on the Azure Functions 2019 trace (one day, 1440
 * per-minute counts; docs/forecasting.md). A daily season needs at least two days of history, so
 * the season here is one hour (24 repetitions in the day; timer-triggered functions fire on
 * 5/15/30/60-minute schedules). sMAPE of each method against seasonal-naive at 5, 15 and 30
 * minutes, on the summed series and averaged over the 20 busiest functions (split into regular
 * ones and intermittent ones, idle in ≥ 10% of minutes).
 * Run: npx tsx bench/forecast.ts
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import {
  HoltWintersForecaster,
  SeasonalMedianForecaster,
  SeasonalNaiveForecaster,
  rollingOrigin,
  type HorizonScore,
  type SeriesForecaster,
} from '../src/observe/index.js';

const DAY = 1440;
const SEASON = 60;
const HORIZONS = [5, 15, 30] as const;
const FIRST_ORIGIN = 4 * SEASON;
const AZURE = new URL('../../shared/data/traces/azure-functions-2019-day/1350_inv.csv', import.meta.url);

/** Each future step is the last value: a reference line, not a candidate (no season). */
const naive: SeriesForecaster = {
  name: 'naive (last value)',
  minHistory: () => 1,
  forecast: ({ values, horizon }) => new Array<number>(horizon).fill((values[values.length - 1] as number | undefined) ?? 0),
};

/** Mean of two forecasters: tried, kept only if it beats the shipped methods (it does not). */
function blend(a: SeriesForecaster, b: SeriesForecaster): SeriesForecaster {
  return {
    name: `blend(${a.name}, ${b.name})`,
    minHistory: (m) => Math.max(a.minHistory(m), b.minHistory(m)),
    forecast: (input) => {
      const x = a.forecast(input);
      const y = b.forecast(input);
      return x.map((v, k) => (v + (y[k] as number)) / 2);
    },
  };
}

interface Method {
  readonly forecaster: SeriesForecaster;
  /** Shipped by `tessera forecast --method`, or only tried here. */
  readonly shipped: boolean;
}

const seasonalNaive = new SeasonalNaiveForecaster();
const holtWinters = new HoltWintersForecaster();
const METHODS: readonly Method[] = [
  { forecaster: seasonalNaive, shipped: true },
  { forecaster: holtWinters, shipped: true },
  { forecaster: new SeasonalMedianForecaster(), shipped: true },
  { forecaster: new HoltWintersForecaster({ damped: true }), shipped: false },
  { forecaster: blend(seasonalNaive, holtWinters), shipped: false },
  { forecaster: naive, shipped: false },
];

function loadFunctions(): number[][] {
  const lines = readFileSync(AZURE, 'utf8').trim().split('\n');
  return lines.slice(1).map((line) => line.split(',').slice(3, 3 + DAY).map(Number));
}

const functions = loadFunctions();
const summed = Array.from({ length: DAY }, (_, i) => functions.reduce((s, f) => s + (f[i] as number), 0));
const busiest = [...functions].sort((a, b) => b.reduce((s, v) => s + v, 0) - a.reduce((s, v) => s + v, 0)).slice(0, 20);
// sMAPE scores any non-zero forecast of an idle minute as 200 (the worst possible), so series that
// are idle most minutes are reported apart: there it measures "predicts exactly 0", not accuracy.
const zeroShare = (f: readonly number[]): number => f.filter((v) => v === 0).length / f.length;
const regular = busiest.filter((f) => zeroShare(f) < 0.1);
const intermittent = busiest.filter((f) => zeroShare(f) >= 0.1);

interface Result {
  readonly series: string;
  readonly method: string;
  readonly shipped: boolean;
  readonly scores: readonly HorizonScore[];
  readonly ms: number;
}

const results: Result[] = [];
const started = performance.now();

function evaluate(series: string, sets: readonly number[][], originStep: number): void {
  for (const m of METHODS) {
    const t0 = performance.now();
    const per = sets.map((values) => rollingOrigin(values, m.forecaster, { seasonLength: SEASON, horizons: HORIZONS, firstOrigin: FIRST_ORIGIN, originStep }));
    // Average over the series (each series weighs the same, busy or not).
    const scores = HORIZONS.map((horizon, k) => ({
      horizon,
      smapeWindow: per.reduce((s, p) => s + (p[k] as HorizonScore).smapeWindow, 0) / per.length,
      smapeAtHorizon: per.reduce((s, p) => s + (p[k] as HorizonScore).smapeAtHorizon, 0) / per.length,
      origins: (per[0]?.[k] as HorizonScore).origins,
    }));
    results.push({ series, method: m.forecaster.name, shipped: m.shipped, scores, ms: performance.now() - t0 });
  }
}

evaluate('summed (all 1,350 functions)', [summed], 5);
evaluate(`busiest functions, regular (${regular.length}, mean)`, regular, 15);
evaluate(`busiest functions, intermittent (${intermittent.length}, mean)`, intermittent, 15);

const baseline = (series: string): Result => results.find((r) => r.series === series && r.method === seasonalNaive.name) as Result;
const cell = (r: Result, k: number, key: 'smapeWindow' | 'smapeAtHorizon'): string => {
  const v = (r.scores[k] as HorizonScore)[key];
  const base = (baseline(r.series).scores[k] as HorizonScore)[key];
  return r.method === seasonalNaive.name ? v.toFixed(2) : `${v.toFixed(2)} (${((v / base) * 100).toFixed(0)}%)`;
};
const table = (key: 'smapeWindow' | 'smapeAtHorizon'): string =>
  [
    `| series | method | shipped | ${HORIZONS.map((h) => `${h} min`).join(' | ')} |`,
    `|---|---|---|${HORIZONS.map(() => '---:').join('|')}|`,
    ...results.map((r) => `| ${r.series} | ${r.method} | ${r.shipped ? 'yes' : 'no'} | ${HORIZONS.map((_, k) => cell(r, k, key)).join(' | ')} |`),
  ].join('\n');

const origins = results.map((r) => `${r.series}: ${(r.scores[0] as HorizonScore).origins} origins`).filter((v, i, a) => a.indexOf(v) === i);
process.stdout.write(
  `sMAPE (0–200), mean over the steps 1..h after each origin; in brackets: relative to seasonal-naive\n${table('smapeWindow')}\n\n` +
    `sMAPE of the h-th step alone\n${table('smapeAtHorizon')}\n\nseason ${SEASON} min, first origin ${FIRST_ORIGIN} min; ${origins.join('; ')} (${((performance.now() - started) / 1000).toFixed(1)} s)\n`,
);
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(
  new URL('./results/forecast.json', import.meta.url),
  `${JSON.stringify({ generatedBy: 'bench/forecast.ts', seasonSteps: SEASON, stepMinutes: 1, firstOrigin: FIRST_ORIGIN, horizons: HORIZONS, results }, null, 2)}\n`,
);
