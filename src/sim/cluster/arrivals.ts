import type { Rng, TrafficSpec } from '../../core/index.js';

/** Inter-arrival gaps, ms, for a synthetic process at `ratePerS` (bursty: Gamma with the given CV). */
export function syntheticGaps(kind: 'poisson' | 'constant' | 'bursty', ratePerS: number, rng: Rng, cv = 2): () => number {
  const meanMs = 1000 / ratePerS;
  if (kind === 'constant') return () => meanMs;
  if (kind === 'poisson') return () => rng.exponential(1 / meanMs);
  // Gamma with mean m and CV c: shape 1/c², scale m·c².
  const shape = 1 / (cv * cv);
  const scale = meanMs * cv * cv;
  return () => rng.gamma(shape, scale);
}

/** The arrival process a service's `traffic` describes, scaled by `rateScale`; trace traffic is not synthetic. */
export function gapsForTraffic(traffic: TrafficSpec, rng: Rng, rateScale = 1): (() => number) | undefined {
  if (!('rps' in traffic)) return undefined;
  return syntheticGaps(traffic.arrival, traffic.rps * rateScale, rng, traffic.cv);
}
