/**
 * Observe: series input, streaming anomaly detectors, forecasters (and their adapter to the
 * policy layer's Forecaster port), GPU metric parsers (nvidia-smi XML, DCGM exporter text),
 * memory fragmentation, and the event log. The serving metrics registry lives in serve-metrics.ts.
 */

// Series input
export { parseSeriesCsv, readSeriesFile, splitCsv, type ReadSeriesOptions, type Series } from './series/csv.js';
export { detectTimestampFormat, formatTimestamp, inferStepMs, parseTimestamp, regularise, UNIX_MS_THRESHOLD, type StepInference, type TimestampFormat } from './series/timestamps.js';
export { fillGaps, mad, mean, median, robustSigma } from './series/stats.js';

// Anomaly detectors
export type { AnomalyDetector, DetectorCommonOptions, DetectorName, DetectorOutput, DetectorPoint, DetectorStateBase, ResolvedCommonConfig } from './detect/types.js';
export { DETECTOR_DEFAULTS, scoreFromStatistic } from './detect/common.js';
export { EwmaMadDetector, resolveEwmaMadConfig, type EwmaMadOptions, type EwmaMadState, type ResolvedEwmaMadConfig } from './detect/ewma-mad.js';
export { SeasonalDetector, resolveSeasonalConfig, type ResolvedSeasonalConfig, type SeasonalOptions, type SeasonalState } from './detect/seasonal.js';
export { CusumDetector, resolveCusumConfig, type CusumOptions, type CusumState, type ResolvedCusumConfig } from './detect/cusum.js';
export { DETECTOR_NAMES, createDetector, isDetectorName, runDetector, type DetectorOptions } from './detect/create.js';
export {
  ANOMALY_KINDS,
  combineScores,
  groupAlarms,
  injectAnomalies,
  scoreDetections,
  type AnomalyKind,
  type DetectionScore,
  type InjectOptions,
  type LabelledAnomaly,
  type MatchOptions,
} from './detect/evaluate.js';

// Forecasters
export type { ForecastInput, SeriesForecaster } from './forecast/types.js';
export { SeasonalNaiveForecaster } from './forecast/seasonal-naive.js';
export { HoltWintersForecaster, type HoltWintersOptions, type HoltWintersParams } from './forecast/holt-winters.js';
export { SeasonalMedianForecaster, type SeasonalMedianOptions } from './forecast/seasonal-median.js';
export { FORECAST_METHODS, createForecaster, isForecastMethod, type ForecastMethod } from './forecast/create.js';
export { toPolicyForecaster, type PolicyForecasterOptions } from './forecast/policy-port.js';
export { rollingOrigin, smape, smapePoint, type HorizonScore, type RollingOriginOptions } from './forecast/evaluate.js';
export { forecastSeries, type ForecastPoint, type ForecastSeriesOptions, type SeriesForecast } from './forecast/forecast-series.js';

// Hardware
export { GPU_METRICS, gpuMetricFamily, renderPrometheusText, type MetricFamily, type MetricSample, type MetricType } from './hardware/gpu-metrics.js';
export {
  deriveMigProfile,
  nvidiaSmiSamples,
  parseNvidiaSmiList,
  parseNvidiaSmiXml,
  withMigProfiles,
  type GpuInfo,
  type GpuMemory,
  type GpuProcessInfo,
  type ListedGpu,
  type MigDeviceInfo,
  type MigProfileSource,
  type NvidiaSmiReport,
} from './hardware/nvidia-smi.js';
export { DCGM_FIELD_MAP, convertDcgmMetrics, type DcgmConversion } from './hardware/dcgm.js';
export { parsePrometheusText, type ParsedExposition, type ParsedSample } from './hardware/prom-text.js';
export { fragmentation, freeRuns, memoryPoolFragmentation, migPoolFragmentation, slotPoolFragmentation, type MigGpuLayout, type SlotGpu, type SlotPlacement } from './hardware/fragmentation.js';

// Event log
export { toRecord, type EventRecord, type EventSink, type TesseraEvent } from './events/types.js';
export { matchesEvent, type EventQuery } from './events/query.js';
export { MemoryEventLog } from './events/memory-log.js';
export { JsonlEventLog, parseEventLine, readEventLog, type EventLogStats, type JsonlEventLogOptions } from './events/jsonl-log.js';
