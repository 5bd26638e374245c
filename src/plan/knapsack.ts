import type { SliceOption } from './problem.js';

/**
 * The least slice volume one service needs: min Σ_o x_o · v_o over whole replicas x_o ≥ 0 with
 * Σ_o x_o · R_o ≥ demand and Σ_o x_o ≥ minReplicas (v_o the share of a GPU the slice holds, in
 * units of 1/28 so 1/7 MIG slices and 1/4 GPU shares are both whole). An unbounded knapsack solved
 * by dynamic programming over volume. Used for the lower bound (any plan gives every service at
 * least this much) and as the heuristic's starting mix.
 */
export const VOLUME_UNITS = 28;

export interface MinVolume {
  /** Share of a GPU, summed over the replicas. */
  readonly volume: number;
  /** Replicas per option key. */
  readonly mix: ReadonlyMap<string, number>;
}

export function minSliceVolume(demandRps: number, minReplicas: number, options: readonly SliceOption[]): MinVolume | undefined {
  const opts = options.filter((o) => o.family === 'gpu' && o.capacityRps > 0).map((o) => ({ o, v: Math.max(1, Math.round(o.gpuFraction * VOLUME_UNITS)) }));
  if (opts.length === 0) return undefined;
  const best = Math.max(...opts.map((x) => x.o.capacityRps / x.v));
  // Enough volume for demand at the best density plus one of each slice for the rounding.
  const limit = Math.ceil(demandRps / best) + Math.max(...opts.map((x) => x.v)) * Math.max(2, minReplicas + 1) + 1;
  // cap[k][r]: most capacity with volume k and r replicas (r capped at minReplicas).
  const m = Math.max(1, minReplicas);
  const cap: Float64Array[] = Array.from({ length: m + 1 }, () => new Float64Array(limit + 1).fill(-1));
  const from: Int32Array[] = Array.from({ length: m + 1 }, () => new Int32Array(limit + 1).fill(-1));
  const prevR: Int32Array[] = Array.from({ length: m + 1 }, () => new Int32Array(limit + 1).fill(-1));
  (cap[0] as Float64Array)[0] = 0;
  for (let k = 1; k <= limit; k++) {
    for (let r = 1; r <= m; r++) {
      for (let j = 0; j < opts.length; j++) {
        const { o, v } = opts[j] as (typeof opts)[number];
        if (v > k) continue;
        // r replicas counted so far: the previous state had r−1, or r if already at the cap.
        for (const pr of r === m ? [r - 1, r] : [r - 1]) {
          const base = (cap[pr] as Float64Array)[k - v] as number;
          if (base < 0) continue;
          const c = base + o.capacityRps;
          if (c > ((cap[r] as Float64Array)[k] as number)) {
            (cap[r] as Float64Array)[k] = c;
            (from[r] as Int32Array)[k] = j;
            (prevR[r] as Int32Array)[k] = pr;
          }
        }
      }
    }
    if (((cap[m] as Float64Array)[k] as number) >= demandRps - 1e-9) {
      const mix = new Map<string, number>();
      let kk = k;
      let r = m;
      while (kk > 0) {
        const j = (from[r] as Int32Array)[kk] as number;
        const x = opts[j] as (typeof opts)[number];
        mix.set(x.o.key, (mix.get(x.o.key) ?? 0) + 1);
        const pr = (prevR[r] as Int32Array)[kk] as number;
        kk -= x.v;
        r = pr;
      }
      return { volume: k / VOLUME_UNITS, mix };
    }
  }
  return undefined;
}
