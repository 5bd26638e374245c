import { TesseraError } from '../core/errors/index.js';
import type { LabelMatcher, MetricQuery } from './metrics-source.js';

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function queryError(message: string, details: Record<string, unknown>): TesseraError {
  return new TesseraError('TESSERA_ERR_ADAPT_QUERY', message, { details });
}

/** A PromQL string literal: backslash, quote and newline escaped (Go string syntax). */
function quote(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

/** A PromQL duration; whole seconds when possible because that is how people read them in logs. */
export function promDuration(ms: number): string {
  if (!(Number.isFinite(ms) && ms > 0)) throw queryError(`a query window must be a positive number of ms, got ${ms}`, { windowMs: ms });
  const whole = Math.round(ms);
  return whole % 1000 === 0 ? `${whole / 1000}s` : `${whole}ms`;
}

function selector(metric: string, labels: Readonly<Record<string, LabelMatcher>> | undefined): string {
  if (!METRIC_NAME.test(metric)) throw queryError(`'${metric}' is not a valid metric name`, { metric });
  const parts: string[] = [];
  for (const [name, matcher] of Object.entries(labels ?? {})) {
    if (!LABEL_NAME.test(name)) throw queryError(`'${name}' is not a valid label name`, { label: name });
    const { op, value } = typeof matcher === 'string' ? { op: '=', value: matcher } : matcher;
    parts.push(`${name}${op}${quote(value)}`);
  }
  return parts.length === 0 ? metric : `${metric}{${parts.join(',')}}`;
}

function byClause(labels: readonly string[]): string {
  for (const l of labels) if (!LABEL_NAME.test(l)) throw queryError(`'${l}' is not a valid label name`, { label: l });
  return `by (${labels.join(', ')})`;
}

/** Renders a structured query as PromQL (the form `PrometheusMetricsSource` sends). */
export function toPromQL(query: MetricQuery): string {
  const reduce = query.reduce ?? { kind: 'value' };
  switch (reduce.kind) {
    case 'value': {
      const s = selector(query.metric, query.labels);
      return query.sumBy === undefined ? s : `sum ${byClause(query.sumBy)} (${s})`;
    }
    case 'rate': {
      const r = `rate(${selector(query.metric, query.labels)}[${promDuration(reduce.windowMs)}])`;
      return query.sumBy === undefined ? r : `sum ${byClause(query.sumBy)} (${r})`;
    }
    case 'quantile': {
      if (!(reduce.q >= 0 && reduce.q <= 1)) throw queryError(`a quantile must lie in [0, 1], got ${reduce.q}`, { q: reduce.q });
      const r = `rate(${selector(`${query.metric}_bucket`, query.labels)}[${promDuration(reduce.windowMs)}])`;
      // histogram_quantile needs `le` kept; without sumBy every other label is kept as well.
      const inner = query.sumBy === undefined ? r : `sum ${byClause(['le', ...query.sumBy.filter((l) => l !== 'le')])} (${r})`;
      return `histogram_quantile(${reduce.q}, ${inner})`;
    }
    default: {
      const kind: string = (reduce as { kind: string }).kind;
      throw queryError(`unknown reduction '${kind}'; use value, rate or quantile`, { kind });
    }
  }
}
