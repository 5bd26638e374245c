export { renderReportHtml, REPORT_PLOTS, type ReportMeta } from './render-report.js';
export { barChart, lineChart, downsample, niceTicks, logTicks, timeTicks, type Bar, type LineSeries, type LineChartSpec } from './svg.js';
