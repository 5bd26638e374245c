import { median } from '../series/stats.js';
import { fromJsonNumber, toJsonNumber } from './common.js';

export interface SeasonMemoryConfig {
  /** Season lengths, most preferred first. */
  readonly seasonsMs: readonly number[];
  /** Past seasons whose values at the same time form the reference. */
  readonly seasonsBack: number;
  /** Steps either side of the same time also in the reference. */
  readonly neighbourSteps: number;
  /** Series step; learned from the first gap when null. */
  readonly stepMs: number | null;
}

export interface SeasonMemoryState {
  readonly stepMs: number | null;
  /** Time of slot 0. */
  readonly originMs: number | null;
  /** Highest slot written so far. */
  readonly lastSlot: number | null;
  /** Remembered values by slot modulo ring.length; null = nothing there. */
  readonly ring: (number | null)[];
}

export interface SeasonalReference {
  readonly value: number;
  readonly seasonMs: number;
}

/**
 * What a series did at each time of day (or week): a ring of values by time slot, long enough for
 * the longest season once and `seasonsBack` of every shorter one. The reference for a time is the
 * median of the values at the same time 1…seasonsBack seasons ago, taken from the first season in
 * preference order whose last occurrence is remembered. Plain JSON state (null for holes).
 */
export class SeasonMemory {
  private stepMs: number | null;
  private originMs: number | null = null;
  private lastSlot: number | null = null;
  private ring: (number | null)[] = [];

  constructor(private readonly config: SeasonMemoryConfig) {
    this.stepMs = config.stepMs;
  }

  /** Learns origin and step from the point's time; the slot of that time, once a step is known. */
  slotOf(timeMs: number, hasValue: boolean): number | undefined {
    if (!Number.isFinite(timeMs)) return undefined;
    if (this.originMs === null) this.originMs = timeMs;
    // The first gap between points sets the step; the origin stays at the first point so slots line up with it.
    if (hasValue && this.stepMs === null && timeMs > this.originMs) this.stepMs = timeMs - this.originMs;
    if (this.stepMs === null) return undefined;
    return Math.round((timeMs - this.originMs) / this.stepMs);
  }

  private ringLength(stepMs: number): number {
    const longest = Math.max(...this.config.seasonsMs);
    const reach = Math.max(...this.config.seasonsMs.map((s) => Math.round(s / stepMs) * (s === longest ? 1 : this.config.seasonsBack)));
    return reach + this.config.neighbourSteps + 1;
  }

  reference(slot: number): SeasonalReference | undefined {
    if (this.stepMs === null || this.lastSlot === null || this.ring.length === 0) return undefined;
    const lastSlot = this.lastSlot;
    const ring = this.ring;
    const oldestKept = Math.max(0, lastSlot - ring.length + 1);
    const known = (s: number): number | undefined => {
      if (s < oldestKept || s > lastSlot || s >= slot) return undefined;
      const v = ring[s % ring.length];
      return v === null || v === undefined ? undefined : v;
    };
    for (const seasonMs of this.config.seasonsMs) {
      const back = Math.round(seasonMs / this.stepMs);
      if (back < 1) continue;
      // A reference needs the point at the same time one season ago itself, not only a neighbour.
      if (known(slot - back) === undefined) continue;
      const near: number[] = [];
      for (let j = 1; j <= this.config.seasonsBack; j++) {
        for (let d = -this.config.neighbourSteps; d <= this.config.neighbourSteps; d++) {
          const v = known(slot - j * back + d);
          if (v !== undefined) near.push(v);
        }
      }
      // The median: one odd day (or, with neighbours, the far side of a sharp daily edge) does not move it.
      return { value: median(near), seasonMs };
    }
    return undefined;
  }

  remember(slot: number, value: number): void {
    if (this.stepMs === null) return;
    if (this.ring.length === 0) this.ring = new Array<number | null>(this.ringLength(this.stepMs)).fill(null);
    const len = this.ring.length;
    if (this.lastSlot !== null && slot > this.lastSlot) {
      // Slots skipped by a gap in the data are forgotten, not left holding a value from a season ago.
      for (let s = this.lastSlot + 1; s < slot && s <= this.lastSlot + len; s++) this.ring[s % len] = null;
    }
    if (this.lastSlot !== null && slot <= this.lastSlot - len) return;
    this.ring[slot % len] = value;
    this.lastSlot = this.lastSlot === null ? slot : Math.max(this.lastSlot, slot);
  }

  snapshot(): SeasonMemoryState {
    return {
      stepMs: this.stepMs,
      originMs: this.originMs,
      lastSlot: this.lastSlot,
      ring: this.ring.map((v) => (v === null ? null : toJsonNumber(v))),
    };
  }

  restore(state: SeasonMemoryState): void {
    this.stepMs = state.stepMs;
    this.originMs = state.originMs;
    this.lastSlot = state.lastSlot;
    this.ring = state.ring.map((v) => (v === null ? null : fromJsonNumber(v)));
  }
}
