import { RealClock, type Clock } from '../core/clock.js';
import type { Controller, TickReport } from './controller.js';

export interface ControllerLoopOptions {
  readonly intervalMs: number;
  /** Source of `nowMs` for each tick. @default RealClock */
  readonly clock?: Clock;
  /** Told about each finished tick (logs, tests). */
  readonly onTick?: (report: TickReport) => void;
}

export interface ControllerLoop {
  /** Stops scheduling and resolves once a tick in progress has finished. */
  stop(): Promise<void>;
}

/**
 * Runs `controller.tick` on a real interval. Ticks never overlap: the next one is scheduled when
 * the previous one ends, so a slow Prometheus stretches the period instead of piling up ticks.
 */
export function startControllerLoop(controller: Controller, options: ControllerLoopOptions): ControllerLoop {
  const clock = options.clock ?? new RealClock();
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;

  const run = (): void => {
    running = controller
      .tick(clock.nowMs())
      .then((report) => options.onTick?.(report))
      // tick itself never throws; this guards a throwing onTick so the loop keeps its schedule.
      .catch(() => undefined)
      .finally(() => {
        running = undefined;
        if (!stopped) timer = setTimeout(run, options.intervalMs);
      });
  };
  timer = setTimeout(run, options.intervalMs);

  return {
    async stop(): Promise<void> {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      await running;
    },
  };
}
