import type { LoadedFleet, Logger } from '../core/index.js';
import { ProfileStore, loadProfilesForFleet, profileTargets, targetsFromFleet, threadsForFleet } from '../profile/index.js';
import { planFleet } from '../plan/index.js';
import type { Plan } from '../plan/plan-types.js';

export interface LocalPlanOptions {
  storeDir: string;
  logger: Logger;
  progress?: boolean;
}

/**
 * What `tessera serve` runs without `--plan`: the planner's plan for this machine's CPU, from
 * measured profiles. A model the store has no CPU profile for is profiled first (once: the result
 * is stored and reused) —
 * the plan is only as good as its measurements, so it is never planned from guesses.
 */
export async function localPlan(loaded: LoadedFleet, o: LocalPlanOptions): Promise<Plan> {
  const store = new ProfileStore(o.storeDir);
  const { targets } = targetsFromFleet(loaded.fleet);
  const outcomes = await profileTargets(targets, {
    baseDir: loaded.baseDir,
    store,
    threads: threadsForFleet(loaded.fleet),
    onProgress: (e) => {
      if (o.progress) process.stderr.write(`\rprofiling ${e.index + 1}/${e.count} ${' '.repeat(20)}`);
    },
  });
  if (o.progress) process.stderr.write('\n');
  for (const out of outcomes) {
    if (out.status === 'failed') o.logger.error({ model: out.model, err: out.error }, 'model could not be profiled; it will be left out');
    else o.logger.info({ model: out.model, status: out.status }, 'profile');
  }
  // The run above wrote every measured profile to the store, so the store now holds them all.
  const plan = await planFleet(loaded.fleet, loadProfilesForFleet(loaded, o.storeDir));
  for (const inf of plan.infeasible) o.logger.warn({ service: inf.service, reason: inf.reason, fix: inf.fix }, 'service cannot meet its SLO on this machine');
  return plan;
}
