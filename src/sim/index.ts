export { simulatePlan, fluctuation, type SimulatePlanOptions, type SimulationResult, type ServiceSimReport } from './cluster/simulate-plan.js';
export { EventHeap } from './cluster/event-heap.js';
export { syntheticGaps, gapsForTraffic } from './cluster/arrivals.js';
