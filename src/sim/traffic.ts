import type { TrafficSpec } from '../core/spec/schema.js';
import { createRng, type Rng } from '../core/rng.js';
import type { ArrivalSource } from './arrivals/arrival-stream.js';
import type { SpreadMode } from './arrivals/spread.js';
import { BurstyArrivals, ConstantArrivals, PoissonArrivals } from './arrivals/synthetic.js';
import { limitArrivals } from './arrivals/transform.js';
import { openTrace } from './traces/open-trace.js';

export interface TrafficArrivalOptions {
  /** The spec's folder (`loadFleetFile(...).baseDir`): trace paths resolve against it. */
  readonly baseDir: string;
  /** Randomness for this service's arrivals (fork one per service from the run's Rng). */
  readonly rng?: Rng;
  readonly seed?: number;
  /** Simulation start, ms; synthetic arrivals and a trace's first row begin here. Default 0. */
  readonly startMs?: number;
  /** Stop arrivals at `startMs + durationMs`. Default: synthetic traffic never ends; a trace ends with its file. */
  readonly durationMs?: number;
  /** Further multiply the rate (a what-if "1.5× traffic" on top of the spec's own `scale`). */
  readonly rateScale?: number;
  /** Placement inside trace intervals (count formats). Default `uniform`. */
  readonly spread?: SpreadMode;
}

/**
 * The arrival stream a fleet-spec service's `traffic` describes: `rps` with `arrival`
 * poisson / constant / bursty (`cv`), or a `trace` (file resolved against the spec's folder,
 * with its `column`, `scale` and `timeScale`).
 */
export function arrivalsForTraffic(traffic: TrafficSpec, options: TrafficArrivalOptions): ArrivalSource {
  const rng = options.rng ?? createRng(options.seed ?? 1);
  const startMs = options.startMs ?? 0;
  const rateScale = options.rateScale ?? 1;
  const untilMs = options.durationMs === undefined ? undefined : startMs + options.durationMs;
  let source: ArrivalSource;
  if ('rps' in traffic) {
    const base = { ratePerSec: traffic.rps * rateScale, startMs, untilMs, rng };
    switch (traffic.arrival) {
      case 'constant':
        source = new ConstantArrivals(base);
        break;
      case 'bursty':
        source = new BurstyArrivals({ ...base, cv: traffic.cv });
        break;
      case 'poisson':
        source = new PoissonArrivals(base);
        break;
    }
    return source;
  }
  const trace = traffic.trace;
  source = openTrace({
    file: trace.file,
    format: trace.format,
    column: trace.column,
    scale: trace.scale * rateScale,
    timeScale: trace.timeScale,
    startMs,
    spread: options.spread,
    baseDir: options.baseDir,
    rng,
  });
  return untilMs === undefined ? source : limitArrivals(source, { untilMs });
}
