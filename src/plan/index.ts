/**
 * Public surface of the planner: plan a fleet (MILP, heuristic or a baseline), the Plan type, and
 * the pieces a re-planner or benchmark needs (lower bound, objective evaluation, text rendering).
 */
export type * from './plan-types.js';
export { planFleet, type ProfileInput } from './plan-fleet.js';
export { resolvePlanOptions, type PlanOptions, type ResolvedPlanOptions, type SolverChoice, type BaselineName } from './options.js';
export { buildProblem, type PlanProblem, type ServiceDemand, type SliceOption } from './problem.js';
export { lowerBound, volumeBound, volumeBounds, type LowerBound } from './lower-bound.js';
export { minSliceVolume } from './knapsack.js';
export { evaluateObjective, totals, meanUtilization } from './summary.js';
export { parseCurrentPlan } from './reconfig.js';
export { cheMissRates, coldStartEstimate, poolModelMemoryBytes } from './pools.js';
export { formatPlan } from './format.js';
