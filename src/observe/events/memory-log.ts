import { matchesEvent, type EventQuery } from './query.js';
import type { EventSink, TesseraEvent } from './types.js';

/**
 * An in-memory event log for the simulator and tests: keeps the last `capacity` events (oldest
 * dropped first) and answers the same queries as the file reader.
 */
export class MemoryEventLog implements EventSink {
  private readonly buffer: TesseraEvent[] = [];
  private dropped = 0;

  constructor(private readonly capacity = 100_000) {}

  append(event: TesseraEvent): void {
    this.buffer.push(event);
    if (this.buffer.length > this.capacity) {
      this.buffer.shift();
      this.dropped++;
    }
  }

  events(query: EventQuery = {}): TesseraEvent[] {
    const out = this.buffer.filter((e) => matchesEvent(e, query));
    return query.limit !== undefined ? out.slice(-query.limit) : out;
  }

  /** Events pushed out by the capacity bound. */
  get droppedCount(): number {
    return this.dropped;
  }
}
