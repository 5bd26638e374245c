import type { Command } from 'commander';
import type { PlannedPrescale, PrescaleFromPlanOptions } from '../adapt/index.js';
import type { Plan } from '../plan/plan-types.js';
import type { PerformanceModel } from '../profile/index.js';

/**
 * The flags `tessera serve --adapt` and `tessera simulate --adapt` share, parsed in one place so
 * the two commands accept and refuse the same values with the same codes. Heavy modules are
 * imported inside the functions, as in the command modules (`tessera --help` stays fast).
 */

/** The pre-scale flags as commander hands them over: absent unless given (their defaults are applied in `prescaleFromPlan`). */
export interface PrescaleFlags {
  prescale?: boolean;
  prescaleForecaster?: string;
  prescaleSeason?: string;
  prescaleMargin?: string;
  prescaleUtilization?: string;
}

/** What the pre-scale flags ask for, checked; undefined fields take `prescaleFromPlan`'s defaults. */
export interface PrescaleSettings {
  readonly forecaster?: string;
  readonly seasonMs?: number;
  readonly marginMs?: number;
  readonly utilization?: number;
}

/**
 * Adds `--prescale` and its settings. No commander defaults: a setting given without `--prescale`
 * must be told apart from one left alone, so the defaults are stated in the help text and applied
 * by `prescaleFromPlan` (the same values `src/adapt/prescale-from-plan.ts` defines).
 */
export function addPrescaleFlags(command: Command): Command {
  return command
    .option('--prescale', 'with --adapt: scale each planned service ahead of its forecast load — target = the plan\'s replica capacity × --prescale-utilization, lead time = the profiled model load + warm-up + --prescale-margin (docs/adapt.md)')
    .option('--prescale-forecaster <name>', 'with --prescale: holt-winters | seasonal-naive | seasonal-median (default holt-winters)')
    .option('--prescale-season <duration>', 'with --prescale: the forecaster\'s season; it falls back to Holt\'s trend while the 1 h history is shorter than the season needs (default 1d)')
    .option('--prescale-margin <duration>', 'with --prescale: added to model load + warm-up to give the lead time (default 30s)')
    .option('--prescale-utilization <0..1>', 'with --prescale: share of a replica\'s planned capacity to aim at (default 0.7)');
}

/**
 * The pre-scale flags, checked before anything is planned or started; undefined without
 * `--prescale`. Any of them without `--adapt` (or `--adapt-dry-run`), or a setting without
 * `--prescale`, is TESSERA_ERR_INPUT_FLAG, as are bad values (a duration that does not parse is
 * TESSERA_ERR_INPUT_DURATION, naming the flag).
 */
export async function prescaleSettingsFromFlags(opts: PrescaleFlags, adapt: boolean): Promise<PrescaleSettings | undefined> {
  const { TesseraError, isTesseraError, parseDurationMs } = await import('../core/index.js');
  const { FORECAST_METHODS, isForecastMethod } = await import('../observe/index.js');
  const flag = (m: string): Error => new TesseraError('TESSERA_ERR_INPUT_FLAG', m);
  const settings: [string, string | undefined][] = [
    ['--prescale-forecaster', opts.prescaleForecaster],
    ['--prescale-season', opts.prescaleSeason],
    ['--prescale-margin', opts.prescaleMargin],
    ['--prescale-utilization', opts.prescaleUtilization],
  ];
  const given = settings.filter(([, v]) => v !== undefined).map(([name]) => name);
  if (opts.prescale !== true) {
    // A setting alone does not turn pre-scale on: scaling a service is not a side effect of a tuning flag.
    if (given.length > 0) throw flag(`${given.join(', ')} ${given.length === 1 ? 'tunes' : 'tune'} the forecast-driven pre-scale; give ${given.length === 1 ? 'it' : 'them'} with --prescale`);
    return undefined;
  }
  if (!adapt) throw flag('--prescale runs inside the adapt controller; give it with --adapt (or --adapt-dry-run)');

  const duration = (name: string, text: string, allowZero: boolean): number => {
    let ms: number;
    try {
      ms = parseDurationMs(text);
    } catch (cause) {
      if (isTesseraError(cause)) throw new TesseraError(cause.code, `${name}: ${cause.message}`, { cause });
      throw cause;
    }
    if (!(Number.isFinite(ms) && (allowZero ? ms >= 0 : ms > 0))) throw flag(`${name} must be a ${allowZero ? 'duration ≥ 0' : 'positive duration'} (30s, 1d), got '${text}'`);
    return ms;
  };
  const out: { forecaster?: string; seasonMs?: number; marginMs?: number; utilization?: number } = {};
  if (opts.prescaleForecaster !== undefined) {
    if (!isForecastMethod(opts.prescaleForecaster)) throw flag(`--prescale-forecaster '${opts.prescaleForecaster}' is not a forecaster; use ${FORECAST_METHODS.join(', ')}`);
    out.forecaster = opts.prescaleForecaster;
  }
  if (opts.prescaleSeason !== undefined) out.seasonMs = duration('--prescale-season', opts.prescaleSeason, false);
  if (opts.prescaleMargin !== undefined) out.marginMs = duration('--prescale-margin', opts.prescaleMargin, true);
  if (opts.prescaleUtilization !== undefined) {
    const text = opts.prescaleUtilization.trim();
    const u = text === '' ? Number.NaN : Number(text);
    if (!(u > 0 && u <= 1)) throw flag(`--prescale-utilization must be a number in (0, 1] (e.g. 0.7), got '${opts.prescaleUtilization}'`);
    out.utilization = u;
  }
  return out;
}

/** The plan's pre-scale options for the checked flags, with a line per service (`lines`) and per skipped service (`warnings`). */
export async function prescaleForPlan(settings: PrescaleSettings, plan: Plan, perf: PerformanceModel): Promise<{ prescale: PlannedPrescale; lines: string[]; warnings: string[] }> {
  const { prescaleFromPlan } = await import('../adapt/index.js');
  const options: PrescaleFromPlanOptions = {
    ...(settings.forecaster === undefined ? {} : { forecaster: settings.forecaster }),
    ...(settings.seasonMs === undefined ? {} : { seasonMs: settings.seasonMs }),
    ...(settings.marginMs === undefined ? {} : { marginMs: settings.marginMs }),
    ...(settings.utilization === undefined ? {} : { utilization: settings.utilization }),
  };
  const prescale = prescaleFromPlan(plan, perf, options);
  return { prescale, ...describePrescale(prescale) };
}

/** `pre-scale fraud: 175.0 req/s per replica (0.7 × 250.0), lead 32.2 s = load 2.0 s + warm-up 0.2 s + margin 30.0 s; …`, and the skipped services apart. */
export function describePrescale(p: PlannedPrescale): { lines: string[]; warnings: string[] } {
  // Profiled CPU models load in milliseconds, GPU ones in seconds, histories span hours: print
  // each at a scale that shows it.
  const s = (ms: number): string => {
    if (ms < 1000) return `${ms.toFixed(ms < 10 ? 1 : 0)} ms`;
    if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
    if (ms < 3_600_000) return `${Number((ms / 60_000).toFixed(1))} min`;
    return `${Number((ms / 3_600_000).toFixed(1))} h`;
  };
  const lines = Object.entries(p.services).map(([name, o]) => {
    const b = p.basis[name];
    const target = b === undefined ? `${o.targetRpsPerReplica.toFixed(1)} req/s per replica` : `${o.targetRpsPerReplica.toFixed(1)} req/s per replica (${b.utilization} × ${b.capacityRps.toFixed(1)})`;
    const assumed = b !== undefined && !b.coldStartMeasured ? ' (load not profiled: the default cold start)' : '';
    return `pre-scale ${name}: ${target}, lead ${s(o.loadMs + o.warmupMs + o.marginMs)} = load ${s(o.loadMs)} + warm-up ${s(o.warmupMs)} + margin ${s(o.marginMs)}${assumed}; forecaster ${p.forecaster.name}, ${s(p.historyMs)} history at ${s(p.stepMs)} steps`;
  });
  const warnings = p.skipped.map((x) => `pre-scale skips ${x.service}: ${x.reason}`);
  if (lines.length === 0) warnings.push('pre-scale: no service of the plan has a replica with a capacity figure; nothing to pre-scale');
  return { lines, warnings };
}
