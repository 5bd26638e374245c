import { describe, expect, test } from 'vitest';
import { createRng } from '../../core/rng.js';
import { arrivalsFromArray } from '../arrivals/arrival-stream.js';
import { PoissonArrivals } from '../arrivals/synthetic.js';
import { simulateFifo, type FifoResult } from './fifo-queue.js';
import { erlangC, md1MeanWaitMs, mmcMeanWaitMs } from './queueing-theory.js';
import { deterministicServiceTime, exponentialServiceTime } from './service-time.js';

/**
 * Fidelity: with batching off, the engine + FIFO model must reproduce queueing theory.
 * Run lengths and loads were chosen so that the relative standard error of the mean wait is
 * about 0.3–0.5 %, putting the 2 % bound 4+ standard errors away: seeds 1–16 all pass by hand
 * (docs/simulator.md, "Fidelity" has the figures).
 */
const REQUESTS = 4_000_000;
const SEED = 20_240_501;

function md1(seed: number, rho: number, serviceMs: number): FifoResult {
  const rng = createRng(seed);
  return simulateFifo({
    servers: 1,
    arrivals: new PoissonArrivals({ ratePerSec: (rho / serviceMs) * 1000, count: REQUESTS, rng: rng.fork() }),
    serviceTime: deterministicServiceTime(serviceMs),
  });
}

function mmc(seed: number, servers: number, rho: number, meanServiceMs: number, count = REQUESTS): FifoResult {
  const rng = createRng(seed);
  return simulateFifo({
    servers,
    arrivals: new PoissonArrivals({ ratePerSec: ((rho * servers) / meanServiceMs) * 1000, count, rng: rng.fork() }),
    serviceTime: exponentialServiceTime(meanServiceMs, rng.fork()),
  });
}

describe('FIFO model against queueing theory', () => {
  test('M/D/1 mean wait matches Pollaczek–Khinchine ρ/(2μ(1−ρ)) within 2 %', () => {
    const rho = 0.6;
    const serviceMs = 5;
    const r = md1(SEED, rho, serviceMs);
    const theory = md1MeanWaitMs(rho / serviceMs, serviceMs); // 3.75 ms
    expect(theory).toBeCloseTo(3.75, 12);
    expect(r.completed).toBe(REQUESTS);
    expect(Math.abs(r.waitMs.meanMs / theory - 1)).toBeLessThan(0.02);
    // Deterministic service: response = wait + 5 ms exactly, and utilisation is ρ.
    expect(r.responseMs.meanMs - r.waitMs.meanMs).toBeCloseTo(serviceMs, 9);
    expect(Math.abs(r.utilization / rho - 1)).toBeLessThan(0.01);
  });

  test('M/M/c mean wait matches Erlang C within 2 %', () => {
    const servers = 4;
    const rho = 0.7;
    const meanServiceMs = 10;
    const r = mmc(SEED, servers, rho, meanServiceMs);
    const lambdaPerMs = (rho * servers) / meanServiceMs;
    const theory = mmcMeanWaitMs(servers, lambdaPerMs, meanServiceMs); // ≈ 3.572 ms
    expect(Math.abs(r.waitMs.meanMs / theory - 1)).toBeLessThan(0.02);
    expect(Math.abs(r.responseMs.meanMs / (theory + meanServiceMs) - 1)).toBeLessThan(0.02);
  });

  test('Erlang C formula matches known values', () => {
    // Textbook: c = 2, a = 1 → C = 1/3; c = 10, a = 8 → C ≈ 0.4092.
    expect(erlangC(2, 1)).toBeCloseTo(1 / 3, 12);
    expect(erlangC(10, 8)).toBeCloseTo(0.40918, 4);
    expect(mmcMeanWaitMs(1, 0.5, 1)).toBeCloseTo(1, 12); // M/M/1: ρ/(μ−λ)
  });

  test('the same seed replays bit for bit; another seed differs', () => {
    const a = mmc(7, 3, 0.8, 2, 200_000);
    const b = mmc(7, 3, 0.8, 2, 200_000);
    expect(b).toEqual(a);
    expect(mmc(8, 3, 0.8, 2, 200_000).waitMs.meanMs).not.toBe(a.waitMs.meanMs);
  });
});

describe('FIFO model mechanics', () => {
  test('serves in arrival order on the first free server', () => {
    const ends: [number, number][] = [];
    const r = simulateFifo({
      servers: 2,
      arrivals: arrivalsFromArray([0, 0, 0, 1, 10]),
      serviceTime: deterministicServiceTime(4),
      onComplete: (arrivalMs, endMs) => ends.push([arrivalMs, endMs]),
    });
    expect(ends).toEqual([
      [0, 4],
      [0, 4],
      [0, 8],
      [1, 8],
      [10, 14],
    ]);
    expect(r.waitMs.meanMs).toBeCloseTo((0 + 0 + 4 + 3 + 0) / 5, 12);
    expect(r.maxQueueLength).toBe(2);
  });

  test('a bounded queue drops arrivals beyond its capacity; warm-up requests are served but not recorded', () => {
    const r = simulateFifo({
      servers: 1,
      arrivals: arrivalsFromArray([0, 0, 0, 0, 20]),
      serviceTime: deterministicServiceTime(5),
      queueCapacity: 2,
      warmupMs: 1,
    });
    expect(r.dropped).toBe(1);
    expect(r.completed).toBe(4);
    expect(r.waitMs.count).toBe(1);
  });

  test('run until a time leaves later work pending', () => {
    const r = simulateFifo({ servers: 1, arrivals: arrivalsFromArray([0, 1, 2]), serviceTime: deterministicServiceTime(10), untilMs: 15 });
    expect(r.completed).toBe(1);
    expect(r.simulatedMs).toBe(15);
    expect(r.utilization).toBe(1);
  });
});
