import { HoltWintersForecaster } from './holt-winters.js';
import { SeasonalMedianForecaster } from './seasonal-median.js';
import { SeasonalNaiveForecaster } from './seasonal-naive.js';
import { describeForecasterConformance } from './test-support/conformance.js';

describeForecasterConformance('seasonal-naive', () => new SeasonalNaiveForecaster());
describeForecasterConformance('holt-winters', () => new HoltWintersForecaster());
describeForecasterConformance('holt-winters (damped)', () => new HoltWintersForecaster({ damped: true }));
describeForecasterConformance('seasonal-median', () => new SeasonalMedianForecaster());
