/**
 * Closed forms the FIFO model is checked against (and a planner may use for a first guess).
 * Rates are per ms, times in ms.
 */

/** M/D/1 mean wait in queue (Pollaczek–Khinchine with zero service variance): ρ / (2μ(1 − ρ)). */
export function md1MeanWaitMs(arrivalRatePerMs: number, serviceMs: number): number {
  const rho = arrivalRatePerMs * serviceMs;
  if (!(rho < 1)) return Number.POSITIVE_INFINITY;
  return (rho * serviceMs) / (2 * (1 - rho));
}

/** M/G/1 mean wait (Pollaczek–Khinchine): λ·E[S²] / (2(1 − ρ)). */
export function mg1MeanWaitMs(arrivalRatePerMs: number, meanServiceMs: number, serviceScv: number): number {
  const rho = arrivalRatePerMs * meanServiceMs;
  if (!(rho < 1)) return Number.POSITIVE_INFINITY;
  const secondMoment = (1 + serviceScv) * meanServiceMs * meanServiceMs;
  return (arrivalRatePerMs * secondMoment) / (2 * (1 - rho));
}

/**
 * Erlang C: the probability an arrival waits in M/M/c with offered load a = λ/μ (in servers).
 * Computed through the Erlang B recursion, which stays stable for large c.
 */
export function erlangC(servers: number, offeredLoad: number): number {
  const rho = offeredLoad / servers;
  if (!(rho < 1)) return 1;
  let b = 1;
  for (let k = 1; k <= servers; k++) b = (offeredLoad * b) / (k + offeredLoad * b);
  return b / (1 - rho * (1 - b));
}

/** M/M/c mean wait in queue: C(c, a) / (cμ − λ). */
export function mmcMeanWaitMs(servers: number, arrivalRatePerMs: number, meanServiceMs: number): number {
  const mu = 1 / meanServiceMs;
  const a = arrivalRatePerMs / mu;
  if (!(a < servers)) return Number.POSITIVE_INFINITY;
  return erlangC(servers, a) / (servers * mu - arrivalRatePerMs);
}
