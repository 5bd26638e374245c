export {
  simulatePlan,
  fluctuation,
  LATENCY_CDF_QUANTILES,
  type FailureSpec,
  type SimulatePlanOptions,
  type SimulationResult,
  type ServiceSimReport,
  type PoolSimReport,
  type LatencyCdfPoint,
} from './cluster/simulate-plan.js';
export { ClusterSimulation, type PoolSnapshot } from './cluster/cluster-simulation.js';
export { simulationCluster } from './cluster/cluster-port.js';
export {
  simulateWithController,
  checkSimAdaptOptions,
  MAX_REPORTED_ERRORS,
  type SimAdaptAction,
  type SimAdaptError,
  type SimAdaptOptions,
  type SimAdaptReport,
  type SimulateWithControllerOptions,
  type SimulateWithControllerResult,
} from './cluster/simulate-adapt.js';
export { FAILURE_KINDS, type FailureKind, type ServingOverhead } from './cluster/options.js';
export { parseFailureFlag } from './cluster/failures.js';
export { SIM_LATENCY_LE_S, toServeMetricSamples, type SimMetricSample, type SimServiceCounters } from './cluster/latency-counters.js';

// Engine foundations (docs/simulator.md): event engine, arrival processes, trace readers, FIFO model.
export { SimEngine, type SimHandler, type SimCallback, type EventId, type SimEngineOptions, type RunResult } from './engine/engine.js';
export { EventQueue, MAX_PENDING_EVENTS } from './engine/event-queue.js';
export { Float64Ring } from './engine/float64-ring.js';
export { ArrivalStream, arrivalSource, arrivalsFromArray, collectArrivals, type ArrivalSource } from './arrivals/arrival-stream.js';
export {
  BurstyArrivals,
  ConstantArrivals,
  PoissonArrivals,
  burstyArrivals,
  constantArrivals,
  poissonArrivals,
  type BurstyArrivalOptions,
  type SyntheticArrivalOptions,
} from './arrivals/synthetic.js';
export { CarryRounder, IntervalSpreader, type SpreadMode } from './arrivals/spread.js';
export { limitArrivals, scaleRate, scaleTime, shiftTime, splitArrivals, type SplitOptions } from './arrivals/transform.js';
export { arrivalsForTraffic, type TrafficArrivalOptions } from './traffic.js';
export {
  azureFunctionsArrivals,
  azureFunctionsSeriesArrivals,
  listAzureFunctions,
  readAzureFunctionsSeries,
  type AzureFunctionSelector,
  type AzureFunctionSummary,
  type AzureFunctionsArrivalOptions,
  type AzureFunctionsSeries,
} from './traces/azure-functions.js';
export { AzureLlmTraceReader, azureLlmArrivals, type AzureLlmArrivalOptions } from './traces/azure-llm.js';
export { qpsSeriesArrivals, type QpsSeriesOptions } from './traces/qps-series.js';
export { CountSeriesArrivals, type CountIntervals, type CountSpreadOptions } from './traces/count-series.js';
export { openTrace, scanTrace, type TraceFormat, type TraceOptions, type TraceScan } from './traces/open-trace.js';
export { LineReader } from './traces/line-reader.js';
export { LatencyStats, type LatencySummary } from './stats/latency-stats.js';
export { FifoQueue, simulateFifo, type FifoQueueOptions, type FifoResult, type FifoRunOptions } from './fifo/fifo-queue.js';
export { deterministicServiceTime, exponentialServiceTime, lognormalServiceTime, type ServiceTimeSampler } from './fifo/service-time.js';
export { erlangC, md1MeanWaitMs, mg1MeanWaitMs, mmcMeanWaitMs } from './fifo/queueing-theory.js';
export { renderReportHtml, REPORT_PLOTS, type ReportMeta } from './report/index.js';
