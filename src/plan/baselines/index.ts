import type { BaselineName } from '../options.js';
import type { Plan } from '../plan-types.js';
import type { PlanProblem } from '../problem.js';
import { dedicatedBaseline } from './dedicated.js';
import { ffdBaseline } from './ffd.js';
import { nexusBaseline } from './nexus.js';

export { dedicatedBaseline, ffdBaseline, nexusBaseline };

export async function planBaseline(problem: PlanProblem, name: BaselineName): Promise<Plan> {
  if (name === 'dedicated') return dedicatedBaseline(problem);
  if (name === 'ffd') return ffdBaseline(problem);
  return nexusBaseline(problem);
}
