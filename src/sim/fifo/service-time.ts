import { createRng, type Rng } from '../../core/rng.js';
import { TesseraError } from '../../core/errors/tessera-error.js';

/** Draws one request's service time, ms. */
export interface ServiceTimeSampler {
  sampleMs(): number;
}

function check(name: string, value: number): void {
  if (!(value > 0 && Number.isFinite(value))) {
    throw new TesseraError('TESSERA_ERR_SIM_ARRIVAL_INVALID', `${name} must be a positive number of ms, got ${value}`);
  }
}

/** Every request takes exactly `ms` (the D in M/D/1). */
export function deterministicServiceTime(ms: number): ServiceTimeSampler {
  check('service time', ms);
  return { sampleMs: () => ms };
}

/** Exponential service with the given mean (the M in M/M/c). */
export function exponentialServiceTime(meanMs: number, rng: Rng | number = 1): ServiceTimeSampler {
  check('mean service time', meanMs);
  const r = typeof rng === 'number' ? createRng(rng) : rng;
  const rate = 1 / meanMs;
  return { sampleMs: () => r.exponential(rate) };
}

/**
 * Log-normal service matched to a median and a p99 — the shape a measured profile gives
 * (p50 → p99 spread). σ = ln(p99 / p50) / z₀.₉₉.
 */
export function lognormalServiceTime(p50Ms: number, p99Ms: number, rng: Rng | number = 1): ServiceTimeSampler {
  check('p50 service time', p50Ms);
  check('p99 service time', p99Ms);
  if (p99Ms < p50Ms) throw new TesseraError('TESSERA_ERR_SIM_ARRIVAL_INVALID', `p99 service time (${p99Ms} ms) is below the p50 (${p50Ms} ms)`);
  const r = typeof rng === 'number' ? createRng(rng) : rng;
  const mu = Math.log(p50Ms);
  const sigma = Math.log(p99Ms / p50Ms) / 2.3263478740408408;
  return { sampleMs: () => Math.exp(mu + sigma * r.normal()) };
}
