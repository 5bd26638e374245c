/**
 * Anomaly-detector evaluation on labelled data (docs/anomaly.md):
 * - synthetic per-minute series (4 days, daily shape + noise) with injected spikes, level shifts
 *   and slow drifts, seeded;
 * - the real Azure Functions 2019 trace (summed per-minute invocations of one day) with the same
 *   kinds injected.
 * Reports precision, recall and detection delay per detector per anomaly kind, and false alarms
 * per day on the clean series. Run: npx tsx bench/anomaly.ts
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRng } from '../src/core/rng.js';
import {
  ANOMALY_KINDS,
  CusumDetector,
  EwmaMadDetector,
  SeasonalDetector,
  combineScores,
  groupAlarms,
  injectAnomalies,
  robustSigma,
  runDetector,
  scoreDetections,
  type AnomalyDetector,
  type AnomalyKind,
  type DetectionScore,
  type MatchOptions,
} from '../src/observe/index.js';

const MINUTE_MS = 60_000;
const DAY = 1440;
const T0 = Date.UTC(2019, 6, 15);
const MATCH: MatchOptions = { tailSteps: 30, alarmGapSteps: 5 };
const AZURE = new URL('../../shared/data/traces/azure-functions-2019-day/1350_inv.csv', import.meta.url);

interface DetectorSpec {
  readonly label: string;
  readonly make: () => AnomalyDetector;
  /** Datasets the row is reported for (a variant tuned to one trace is not run on the other). */
  readonly on: readonly ('synthetic' | 'azure')[];
}

const DETECTORS: readonly DetectorSpec[] = [
  { label: 'ewma-mad', make: () => new EwmaMadDetector(), on: ['synthetic', 'azure'] },
  { label: 'seasonal (7d, 1d)', make: () => new SeasonalDetector(), on: ['synthetic', 'azure'] },
  { label: 'seasonal (1h)', make: () => new SeasonalDetector({ seasonsMs: [3_600_000] }), on: ['azure'] },
  { label: 'cusum', make: () => new CusumDetector(), on: ['synthetic', 'azure'] },
  { label: 'cusum (1d seasonal residuals)', make: () => new CusumDetector({ seasonsMs: [86_400_000] }), on: ['synthetic'] },
  { label: 'cusum (1h seasonal residuals)', make: () => new CusumDetector({ seasonsMs: [3_600_000] }), on: ['azure'] },
];

interface Dataset {
  readonly name: 'synthetic' | 'azure';
  /** Clean series, one per seed. */
  readonly series: (seed: number) => number[];
  readonly sigma: (values: readonly number[]) => number;
  readonly seeds: readonly number[];
  /** Anomalies injected per series, by kind (long kinds need more room). */
  readonly anomaliesPerSeries: Readonly<Record<AnomalyKind, number>>;
  readonly firstIndex: number;
  readonly nonNegative: boolean;
}

/** Daily shape (trough at night, peak mid-afternoon) + a small hourly ripple + Gaussian noise. */
function synthetic(seed: number): number[] {
  const rng = createRng(seed);
  return Array.from({ length: 4 * DAY }, (_, i) => {
    const day = Math.sin((2 * Math.PI * (i % DAY)) / DAY - Math.PI / 2);
    const hour = Math.sin((2 * Math.PI * (i % 60)) / 60);
    return 1000 + 300 * day + 20 * hour + rng.normal(0, 25);
  });
}

/** Summed invocations per minute over the 1,350 functions of the day (1440 values). */
function azureSummed(): number[] {
  const lines = readFileSync(AZURE, 'utf8').trim().split('\n');
  const sum = new Array<number>(DAY).fill(0);
  for (const line of lines.slice(1)) {
    const f = line.split(',');
    for (let i = 0; i < DAY; i++) sum[i] = (sum[i] as number) + Number(f[3 + i]);
  }
  return sum;
}

/** Noise σ of a series with a smooth shape: robust σ of first differences / √2. */
const diffSigma = (values: readonly number[]): number => robustSigma(values.slice(1).map((v, i) => v - (values[i] as number))) / Math.SQRT2;

const azure = azureSummed();
const DATASETS: readonly Dataset[] = [
  { name: 'synthetic', series: synthetic, sigma: () => 25, seeds: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], anomaliesPerSeries: { spike: 6, 'level-shift': 6, drift: 6 }, firstIndex: DAY, nonNegative: false },
  { name: 'azure', series: () => azure, sigma: diffSigma, seeds: [11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25], anomaliesPerSeries: { spike: 4, 'level-shift': 2, drift: 2 }, firstIndex: 240, nonNegative: true },
];

const flagsOf = (detector: AnomalyDetector, values: readonly number[]): boolean[] =>
  runDetector(
    detector,
    values.map((value, i) => ({ timeMs: T0 + i * MINUTE_MS, value })),
  ).map((o) => o.anomaly);

interface Row {
  readonly dataset: string;
  readonly detector: string;
  readonly kind: AnomalyKind;
  readonly anomalies: number;
  readonly detected: number;
  readonly alarms: number;
  readonly precision: number | null;
  readonly recall: number | null;
  readonly meanDelayMin: number | null;
  readonly medianDelayMin: number | null;
}

interface CleanRow {
  readonly dataset: string;
  readonly detector: string;
  readonly falseAlarmsPerDay: number;
  readonly flaggedShare: number;
}

const rows: Row[] = [];
const clean: CleanRow[] = [];
const started = performance.now();

for (const ds of DATASETS) {
  for (const det of DETECTORS.filter((d) => d.on.includes(ds.name))) {
    // Clean series: every alarm is a false alarm (for the real trace: an unlabelled burst of its own).
    let alarms = 0;
    let flagged = 0;
    let points = 0;
    const cleanSeeds = ds.name === 'azure' ? [ds.seeds[0] as number] : ds.seeds;
    for (const seed of cleanSeeds) {
      const values = ds.series(seed);
      const flags = flagsOf(det.make(), values);
      // Skip the warm-up day (synthetic) / hours (azure) so every detector is judged when it has history.
      const judged = flags.slice(ds.firstIndex);
      alarms += groupAlarms(judged, MATCH.alarmGapSteps ?? 5).length;
      flagged += judged.filter(Boolean).length;
      points += judged.length;
    }
    clean.push({ dataset: ds.name, detector: det.label, falseAlarmsPerDay: (alarms * DAY) / points, flaggedShare: flagged / points });

    for (const kind of ANOMALY_KINDS) {
      const scores: DetectionScore[] = [];
      for (const seed of ds.seeds) {
        const base = ds.series(seed);
        const rng = createRng(seed * 7919 + ANOMALY_KINDS.indexOf(kind));
        const { values, labels } = injectAnomalies(base, rng, {
          kind,
          count: ds.anomaliesPerSeries[kind],
          sigma: ds.sigma(base),
          firstIndex: ds.firstIndex,
          guardSteps: 120,
          nonNegative: ds.nonNegative,
        });
        const flags = flagsOf(det.make(), values);
        // Alarms before the first possible anomaly are warm-up, not judged (see the clean rows).
        scores.push(scoreDetections(flags.map((f, i) => f && i >= ds.firstIndex), labels, MATCH));
      }
      const s = combineScores(scores);
      const delays = [...s.delaysSteps].sort((a, b) => a - b);
      rows.push({
        dataset: ds.name,
        detector: det.label,
        kind,
        anomalies: s.anomalies,
        detected: s.detected,
        alarms: s.alarms,
        precision: s.precision,
        recall: s.recall,
        meanDelayMin: delays.length ? delays.reduce((a, b) => a + b, 0) / delays.length : null,
        medianDelayMin: delays.length ? (delays[Math.floor((delays.length - 1) / 2)] as number) : null,
      });
    }
  }
}

// Threshold sweep on the real trace: how precision and recall trade as the decision threshold rises
// (all three kinds pooled). The trace's own bursts are unlabelled, so precision here is a floor.
interface SweepRow {
  readonly detector: string;
  readonly threshold: number;
  readonly precision: number | null;
  readonly recall: number | null;
  readonly falseAlarmsPerDay: number;
}
const sweep: SweepRow[] = [];
const azureSet = DATASETS.find((d) => d.name === 'azure') as Dataset;
const SWEEP: readonly { label: string; make: (threshold: number) => AnomalyDetector }[] = [
  { label: 'ewma-mad', make: (threshold) => new EwmaMadDetector({ threshold }) },
  { label: 'seasonal (7d, 1d)', make: (threshold) => new SeasonalDetector({ threshold }) },
  { label: 'cusum', make: (threshold) => new CusumDetector({ threshold }) },
];
for (const det of SWEEP) {
  for (const threshold of [0.5, 0.7, 0.8, 0.9]) {
    const scores: DetectionScore[] = [];
    for (const kind of ANOMALY_KINDS) {
      for (const seed of azureSet.seeds) {
        const base = azureSet.series(seed);
        const { values, labels } = injectAnomalies(base, createRng(seed * 7919 + ANOMALY_KINDS.indexOf(kind)), {
          kind,
          count: azureSet.anomaliesPerSeries[kind],
          sigma: azureSet.sigma(base),
          firstIndex: azureSet.firstIndex,
          guardSteps: 120,
          nonNegative: true,
        });
        scores.push(scoreDetections(flagsOf(det.make(threshold), values).map((f, i) => f && i >= azureSet.firstIndex), labels, MATCH));
      }
    }
    const s = combineScores(scores);
    const cleanFlags = flagsOf(det.make(threshold), azure).slice(azureSet.firstIndex);
    sweep.push({ detector: det.label, threshold, precision: s.precision, recall: s.recall, falseAlarmsPerDay: (groupAlarms(cleanFlags, MATCH.alarmGapSteps ?? 5).length * DAY) / cleanFlags.length });
  }
}

const pct = (v: number | null): string => (v === null ? '—' : `${(v * 100).toFixed(0)}%`);
const num = (v: number | null, d = 1): string => (v === null ? '—' : v.toFixed(d));

const table = [
  '| data | detector | kind | anomalies | precision | recall | mean delay (min) | median delay (min) |',
  '|---|---|---|---:|---:|---:|---:|---:|',
  ...rows.map((r) => `| ${r.dataset} | ${r.detector} | ${r.kind} | ${r.anomalies} | ${pct(r.precision)} | ${pct(r.recall)} | ${num(r.meanDelayMin)} | ${num(r.medianDelayMin, 0)} |`),
].join('\n');
const cleanTable = [
  '| data | detector | false alarms / day (clean) | points flagged |',
  '|---|---|---:|---:|',
  ...clean.map((c) => `| ${c.dataset} | ${c.detector} | ${c.falseAlarmsPerDay.toFixed(2)} | ${(c.flaggedShare * 100).toFixed(2)}% |`),
].join('\n');

const sweepTable = [
  '| detector (azure, all kinds) | threshold | precision | recall | false alarms / day (clean) |',
  '|---|---:|---:|---:|---:|',
  ...sweep.map((r) => `| ${r.detector} | ${r.threshold} | ${pct(r.precision)} | ${pct(r.recall)} | ${r.falseAlarmsPerDay.toFixed(1)} |`),
].join('\n');

process.stdout.write(`${table}\n\n${cleanTable}\n\n${sweepTable}\n\n(${((performance.now() - started) / 1000).toFixed(1)} s)\n`);
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(
  new URL('./results/anomaly.json', import.meta.url),
  `${JSON.stringify(
    {
      generatedBy: 'bench/anomaly.ts',
      match: MATCH,
      threshold: 0.5,
      datasets: DATASETS.map((d) => ({ name: d.name, seeds: d.seeds, anomaliesPerSeries: d.anomaliesPerSeries, firstIndex: d.firstIndex })),
      rows,
      clean,
      sweep,
    },
    null,
    2,
  )}\n`,
);
