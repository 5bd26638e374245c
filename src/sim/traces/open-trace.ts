import path from 'node:path';
import type { TraceSpec } from '../../core/spec/schema.js';
import { createRng, type Rng } from '../../core/rng.js';
import type { ArrivalSource } from '../arrivals/arrival-stream.js';
import type { SpreadMode } from '../arrivals/spread.js';
import { azureFunctionsArrivals } from './azure-functions.js';
import { azureLlmArrivals } from './azure-llm.js';
import { qpsSeriesArrivals } from './qps-series.js';

export type TraceFormat = TraceSpec['format'];

/** A trace as the fleet spec names it, with every option the readers take. */
export interface TraceOptions {
  readonly file: string;
  readonly format: TraceFormat;
  /** azure-functions: a function selector (`sum`, `rank:N`, a hash or prefix); qps-series: the rate column. Ignored for azure-llm. */
  readonly column?: string;
  /** Multiply the rate by this (counts for per-interval formats, thinning/replication for timestamped requests). */
  readonly scale?: number;
  /** Compress (> 1) or stretch (< 1) time. */
  readonly timeScale?: number;
  /** Where the trace's first interval or request lands, ms. Default 0. */
  readonly startMs?: number;
  /** Placement inside a minute or second for count formats. Default `uniform`. */
  readonly spread?: SpreadMode;
  /** Relative paths resolve against this (the spec's folder). */
  readonly baseDir?: string;
  readonly rng?: Rng;
  readonly seed?: number;
}

/** Opens a trace of any supported format as a stream of arrival times. */
export function openTrace(options: TraceOptions): ArrivalSource {
  const file = options.baseDir === undefined ? options.file : path.resolve(options.baseDir, options.file);
  const rng = options.rng ?? createRng(options.seed ?? 1);
  const common = { startMs: options.startMs ?? 0, timeScale: options.timeScale ?? 1, scale: options.scale ?? 1, rng };
  switch (options.format) {
    case 'azure-functions':
      return azureFunctionsArrivals(file, { ...common, select: options.column ?? 'sum', spread: options.spread ?? 'uniform' });
    case 'azure-llm':
      return azureLlmArrivals(file, common);
    case 'qps-series':
      return qpsSeriesArrivals(file, { ...common, column: options.column, spread: options.spread ?? 'uniform' });
  }
}

export interface TraceScan {
  /** Arrivals the trace yields at the given scale. */
  readonly arrivals: number;
  readonly firstMs: number;
  readonly lastMs: number;
}

/**
 * Reads a whole trace once, streaming, without simulating: proves every row parses before a run
 * starts (so a bad row fails fast instead of after an hour of simulation) and gives the count a
 * progress bar needs. Memory stays flat; time is linear in the arrivals.
 */
export function scanTrace(options: TraceOptions): TraceScan {
  const source = openTrace({ ...options, spread: 'even' });
  let arrivals = 0;
  let firstMs = Number.NaN;
  let lastMs = Number.NaN;
  try {
    for (let t = source.nextMs(); t !== Number.POSITIVE_INFINITY; t = source.nextMs()) {
      if (arrivals === 0) firstMs = t;
      lastMs = t;
      arrivals++;
    }
  } finally {
    source.close();
  }
  return { arrivals, firstMs, lastMs };
}
