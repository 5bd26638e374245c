import { VirtualClock } from '../../core/clock.js';
import { EventQueue } from './event-queue.js';

/**
 * An object that receives events. Models implement this once and tell their events apart by
 * `kind` (and `arg`: a server index, a request's arrival time…), so scheduling an event allocates
 * nothing — no closure, no event object.
 */
export interface SimHandler {
  onEvent(kind: number, arg: number, engine: SimEngine): void;
}

/** A one-off callback; convenient off the hot path (it costs a closure per event). */
export type SimCallback = (engine: SimEngine) => void;

/** Identifies a pending event for `cancel`; an id is never reused while its event is pending. */
export type EventId = number;

export interface SimEngineOptions {
  /** The clock to drive; a fresh `VirtualClock` at `startMs` when absent. */
  readonly clock?: VirtualClock;
  readonly startMs?: number;
  /** Pending events to size the queue for up front (it grows by doubling). */
  readonly initialCapacity?: number;
}

export interface RunResult {
  /** Events handled by this call. */
  readonly events: number;
  /** The virtual time when the call returned. */
  readonly nowMs: number;
  /** Why it returned: the queue emptied, the next event lies past `untilMs`, or `stop()` was called. */
  readonly reason: 'empty' | 'until' | 'stopped';
}

const CALLBACK_KIND = -1;

/**
 * The discrete-event engine: a pending-event queue on a `VirtualClock`. Events at the same
 * instant run in the order they were scheduled, so a model that draws every random number from
 * a seeded `Rng` replays identically.
 *
 * Handlers may schedule and cancel freely while running. Scheduling in the past is a programming
 * error and throws a RangeError (the clock cannot go back).
 */
export class SimEngine {
  readonly clock: VirtualClock;
  private readonly queue: EventQueue<SimHandler | SimCallback>;
  private current: number;
  private stopRequested = false;
  private running = false;
  private handled = 0;

  constructor(options: SimEngineOptions = {}) {
    this.clock = options.clock ?? new VirtualClock(options.startMs ?? 0);
    this.current = this.clock.nowMs();
    this.queue = new EventQueue(options.initialCapacity ?? 1024);
  }

  /** The current virtual time, ms. */
  get nowMs(): number {
    return this.current;
  }

  /** Events waiting to run. */
  get pending(): number {
    return this.queue.size;
  }

  /** Events handled since the engine was made. */
  get eventsHandled(): number {
    return this.handled;
  }

  /** Time of the next pending event; +Infinity when none. */
  nextEventMs(): number {
    return this.queue.peekTimeMs();
  }

  /** Runs `handler.onEvent(kind, arg, engine)` at `atMs` (≥ now). */
  schedule(atMs: number, handler: SimHandler, kind = 0, arg = 0): EventId {
    if (!(atMs >= this.current)) this.badTime(atMs);
    return this.queue.push(atMs, handler, kind, arg);
  }

  /** `schedule` at now + `delayMs`. */
  scheduleIn(delayMs: number, handler: SimHandler, kind = 0, arg = 0): EventId {
    return this.schedule(this.current + delayMs, handler, kind, arg);
  }

  /** Runs `callback(engine)` at `atMs` (≥ now). */
  at(atMs: number, callback: SimCallback): EventId {
    if (!(atMs >= this.current)) this.badTime(atMs);
    return this.queue.push(atMs, callback, CALLBACK_KIND, 0);
  }

  /** Removes a pending event; false when it already ran or was already cancelled. */
  cancel(id: EventId): boolean {
    return this.queue.cancel(id);
  }

  /** When a pending event will run; undefined when it is not pending. */
  scheduledTimeOf(id: EventId): number | undefined {
    return this.queue.timeOf(id);
  }

  /** Makes the running `run` return after the current event. */
  stop(): void {
    this.stopRequested = true;
  }

  /**
   * Handles events in time order until none is left at or before `untilMs`. With a finite
   * `untilMs` the clock then stands at `untilMs` (unless stopped early), so `run(t)` always means
   * "simulate up to t"; events scheduled exactly at `untilMs` do run.
   */
  run(untilMs: number = Number.POSITIVE_INFINITY): RunResult {
    if (this.running) throw new Error('SimEngine.run is not re-entrant: call it from outside event handlers');
    if (untilMs < this.current) this.badTime(untilMs);
    this.running = true;
    this.stopRequested = false;
    // Someone may have moved a shared clock between runs; never schedule behind it.
    this.current = Math.max(this.current, this.clock.nowMs());
    const queue = this.queue;
    const clock = this.clock;
    let events = 0;
    let reason: RunResult['reason'] = 'empty';
    try {
      while (queue.size > 0) {
        if (queue.peekTimeMs() > untilMs) {
          reason = 'until';
          break;
        }
        const t = queue.pop();
        this.current = t;
        clock.advanceTo(t);
        const handler = queue.poppedHandler as SimHandler | SimCallback;
        events++;
        if (typeof handler === 'function') handler(this);
        else handler.onEvent(queue.poppedKind, queue.poppedArg, this);
        if (this.stopRequested) {
          reason = 'stopped';
          break;
        }
      }
    } finally {
      this.handled += events;
      this.running = false;
      queue.poppedHandler = null;
    }
    if (reason !== 'stopped' && untilMs !== Number.POSITIVE_INFINITY && untilMs > this.current) {
      this.current = untilMs;
      clock.advanceTo(untilMs);
    }
    return { events, nowMs: this.current, reason };
  }

  /** Handles the single next event; false when none is pending. */
  step(): boolean {
    if (this.running) throw new Error('SimEngine.step is not re-entrant: call it from outside event handlers');
    const queue = this.queue;
    if (queue.size === 0) return false;
    const t = queue.pop();
    this.current = t;
    this.clock.advanceTo(t);
    const handler = queue.poppedHandler as SimHandler | SimCallback;
    queue.poppedHandler = null;
    this.handled++;
    this.running = true;
    try {
      if (typeof handler === 'function') handler(this);
      else handler.onEvent(queue.poppedKind, queue.poppedArg, this);
    } finally {
      this.running = false;
    }
    return true;
  }

  /** Drops every pending event (the clock stays where it is). */
  clear(): void {
    this.queue.clear();
  }

  private badTime(atMs: number): never {
    throw new RangeError(`cannot schedule at ${atMs} ms: the virtual clock is already at ${this.current} ms (events run at or after now)`);
  }
}
