/**
 * The `MetricsSource` port: how the controller reads metrics without knowing whether they come
 * from the in-process registry, the simulator or a Prometheus server. A query is structured
 * (metric, label matchers, a reduction, a grouping) rather than PromQL text, so that an
 * implementation without a query engine can answer it too; `PrometheusMetricsSource` renders it
 * to PromQL (`toPromQL`).
 */

export type LabelMatchOp = '=' | '!=' | '=~' | '!~';

/** A label matcher: a plain string means equality. */
export type LabelMatcher = string | { readonly op: LabelMatchOp; readonly value: string };

/**
 * How samples are reduced before grouping:
 * - `value`: the raw gauge / counter value;
 * - `rate`: per-second increase of a counter over the window;
 * - `quantile`: the q-quantile of a histogram (`<metric>_bucket` series) over the window.
 */
export type MetricReduction =
  | { readonly kind: 'value' }
  | { readonly kind: 'rate'; readonly windowMs: number }
  | { readonly kind: 'quantile'; readonly q: number; readonly windowMs: number };

export interface MetricQuery {
  /** Metric family name, e.g. `tessera_serve_requests_total` (for a quantile, the histogram's base name). */
  readonly metric: string;
  readonly labels?: Readonly<Record<string, LabelMatcher>>;
  /** @default { kind: 'value' } */
  readonly reduce?: MetricReduction;
  /** Sum the reduced series, keeping only these labels (`[]` sums everything into one). Undefined keeps every series. */
  readonly sumBy?: readonly string[];
}

export interface MetricSample {
  readonly labels: Readonly<Record<string, string>>;
  /** NaN when the source has no answer for a present series (a quantile over no requests). */
  readonly value: number;
  readonly timeMs: number;
}

export interface MetricPoint {
  readonly timeMs: number;
  readonly value: number;
}

export interface MetricSeries {
  readonly labels: Readonly<Record<string, string>>;
  /** Oldest first; steps with no data are absent, not NaN. */
  readonly points: readonly MetricPoint[];
}

export interface RangeWindow {
  readonly startMs: number;
  readonly endMs: number;
  readonly stepMs: number;
}

export interface MetricsSource {
  /** The query evaluated at `atMs` (the source's "now" when omitted). */
  instant(query: MetricQuery, atMs?: number): Promise<readonly MetricSample[]>;
  /** The query evaluated at every step of the window. */
  range(query: MetricQuery, window: RangeWindow): Promise<readonly MetricSeries[]>;
}
