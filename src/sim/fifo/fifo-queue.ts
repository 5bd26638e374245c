import { TesseraError } from '../../core/errors/tessera-error.js';
import type { ArrivalSource } from '../arrivals/arrival-stream.js';
import { SimEngine, type SimHandler } from '../engine/engine.js';
import { Float64Ring } from '../engine/float64-ring.js';
import { LatencyStats, type LatencySummary } from '../stats/latency-stats.js';
import type { ServiceTimeSampler } from './service-time.js';

export interface FifoQueueOptions {
  /** Identical servers working in parallel (c in M/M/c). */
  readonly servers: number;
  readonly arrivals: ArrivalSource;
  readonly serviceTime: ServiceTimeSampler;
  /** Requests that arrive before this time are served but not recorded (the empty-system start-up). Default 0. */
  readonly warmupMs?: number;
  /** Most requests that may wait (not counting those in service); an arrival beyond it is dropped. Default unbounded. */
  readonly queueCapacity?: number;
  /** Keep quantile histograms (default true); off leaves only exact moments. */
  readonly histograms?: boolean;
  /** Called as each request completes (after warm-up), e.g. to build a throughput timeline. */
  readonly onComplete?: (arrivalMs: number, endMs: number) => void;
}

const ARRIVAL = 0;
const DEPARTURE = 1;

/**
 * A multi-server FIFO queue without batching: requests arrive from a stream, wait in one FIFO and
 * are served by the first free of `servers` identical servers. It is the reference the fidelity
 * tests hold against queueing theory, and the skeleton a batched replica extends (replace "start
 * one request" by "ask the batch policy").
 *
 * Only one arrival is pending at a time (the next is pulled as the current one lands), and a
 * departure carries its request's arrival time as the event argument, so a request costs two
 * events and no allocation.
 */
export class FifoQueue implements SimHandler {
  readonly wait: LatencyStats;
  readonly response: LatencyStats;
  private readonly queue = new Float64Ring();
  private readonly servers: number;
  private readonly arrivals: ArrivalSource;
  private readonly service: ServiceTimeSampler;
  private readonly warmupMs: number;
  private readonly capacity: number;
  private readonly onComplete: FifoQueueOptions['onComplete'];
  private busy = 0;
  private busyAreaMs = 0;
  private lastChangeMs: number;
  private started = false;
  /** Requests that arrived / were dropped / completed (all, warm-up included). */
  arrived = 0;
  dropped = 0;
  completed = 0;
  /** Longest the waiting line got. */
  maxQueueLength = 0;
  /** When the last request completed (NaN before the first). */
  lastCompletionMs = Number.NaN;

  constructor(
    private readonly engine: SimEngine,
    options: FifoQueueOptions,
  ) {
    if (!(Number.isInteger(options.servers) && options.servers >= 1)) {
      throw new TesseraError('TESSERA_ERR_SIM_ARRIVAL_INVALID', `a FIFO queue needs a whole number of servers ≥ 1, got ${options.servers}`);
    }
    this.servers = options.servers;
    this.arrivals = options.arrivals;
    this.service = options.serviceTime;
    this.warmupMs = options.warmupMs ?? Number.NEGATIVE_INFINITY;
    this.capacity = options.queueCapacity ?? Number.POSITIVE_INFINITY;
    this.onComplete = options.onComplete;
    const histogram = options.histograms ?? true;
    this.wait = new LatencyStats({ histogram });
    this.response = new LatencyStats({ histogram });
    this.lastChangeMs = engine.nowMs;
  }

  /** Schedules the first arrival; call once, then run the engine. */
  start(): this {
    if (this.started) return this;
    this.started = true;
    this.lastChangeMs = this.engine.nowMs;
    this.pullArrival();
    return this;
  }

  get queueLength(): number {
    return this.queue.length;
  }

  get busyServers(): number {
    return this.busy;
  }

  /** Server-ms of work done so far (integral of busy servers over time, up to now). */
  busyTimeMs(): number {
    return this.busyAreaMs + this.busy * (this.engine.nowMs - this.lastChangeMs);
  }

  onEvent(kind: number, arg: number, engine: SimEngine): void {
    const now = engine.nowMs;
    if (kind === ARRIVAL) {
      this.arrived++;
      this.pullArrival();
      if (this.busy < this.servers) {
        this.setBusy(now, this.busy + 1);
        this.begin(now, now);
      } else if (this.queue.length < this.capacity) {
        this.queue.push(now);
        if (this.queue.length > this.maxQueueLength) this.maxQueueLength = this.queue.length;
      } else {
        this.dropped++;
      }
      return;
    }
    // DEPARTURE: `arg` is the finished request's arrival time.
    this.completed++;
    this.lastCompletionMs = now;
    if (this.onComplete !== undefined && arg >= this.warmupMs) this.onComplete(arg, now);
    if (this.queue.length > 0) {
      this.begin(this.queue.shift(), now);
    } else {
      this.setBusy(now, this.busy - 1);
    }
  }

  private begin(arrivalMs: number, now: number): void {
    const serviceMs = this.service.sampleMs();
    if (arrivalMs >= this.warmupMs) {
      const waitMs = now - arrivalMs;
      this.wait.record(waitMs);
      this.response.record(waitMs + serviceMs);
    }
    this.engine.schedule(now + serviceMs, this, DEPARTURE, arrivalMs);
  }

  private setBusy(now: number, busy: number): void {
    this.busyAreaMs += this.busy * (now - this.lastChangeMs);
    this.lastChangeMs = now;
    this.busy = busy;
  }

  private pullArrival(): void {
    const t = this.arrivals.nextMs();
    if (t !== Number.POSITIVE_INFINITY) this.engine.schedule(t, this, ARRIVAL, 0);
  }
}

export interface FifoRunOptions extends FifoQueueOptions {
  /** Stop simulating at this time (requests still queued are left unfinished). Default: when all are served. */
  readonly untilMs?: number;
  /** Engine to run on (a fresh one at 0 when absent). */
  readonly engine?: SimEngine;
}

export interface FifoResult {
  readonly waitMs: LatencySummary;
  readonly responseMs: LatencySummary;
  readonly arrived: number;
  readonly completed: number;
  readonly dropped: number;
  readonly maxQueueLength: number;
  /** Busy server-time over (servers × simulated time). */
  readonly utilization: number;
  readonly simulatedMs: number;
  readonly events: number;
}

/** Builds a FIFO queue on an engine, runs it, and summarises. */
export function simulateFifo(options: FifoRunOptions): FifoResult {
  const engine = options.engine ?? new SimEngine();
  const startMs = engine.nowMs;
  const queue = new FifoQueue(engine, options).start();
  const before = engine.eventsHandled;
  engine.run(options.untilMs);
  options.arrivals.close();
  const simulatedMs = engine.nowMs - startMs;
  return {
    waitMs: queue.wait.summary(),
    responseMs: queue.response.summary(),
    arrived: queue.arrived,
    completed: queue.completed,
    dropped: queue.dropped,
    maxQueueLength: queue.maxQueueLength,
    utilization: simulatedMs > 0 ? queue.busyTimeMs() / (options.servers * simulatedMs) : Number.NaN,
    simulatedMs,
    events: engine.eventsHandled - before,
  };
}
