import { TesseraError } from '../core/errors/index.js';
import type { MetricPoint, MetricQuery, MetricSample, MetricSeries, MetricsSource, RangeWindow } from './metrics-source.js';
import { toPromQL } from './promql.js';

export interface PrometheusMetricsSourceOptions {
  /** Base URL of the server, e.g. `http://127.0.0.1:9090` (a path prefix such as `/prometheus` is kept). */
  readonly url: string;
  /** Per-request timeout. @default 5000 */
  readonly timeoutMs?: number;
  /** Injected for tests and for proxies that need headers; defaults to the global fetch. */
  readonly fetch?: typeof fetch;
  /** Extra headers (e.g. Authorization for a protected server). */
  readonly headers?: Readonly<Record<string, string>>;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Prometheus encodes sample values as strings so NaN and ±Inf survive JSON. */
function parseValue(raw: Json | undefined): number {
  if (typeof raw !== 'string') return NaN;
  if (raw === '+Inf' || raw === 'Inf') return Infinity;
  if (raw === '-Inf') return -Infinity;
  return Number(raw);
}

function isObject(v: Json | undefined): v is { [key: string]: Json } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function labelsOf(metric: Json | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (isObject(metric)) for (const [k, v] of Object.entries(metric)) if (typeof v === 'string') out[k] = v;
  return out;
}

/** [unixSeconds, "value"] → a point; undefined if the pair is malformed. */
function pointOf(pair: Json | undefined): MetricPoint | undefined {
  if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'number') return undefined;
  return { timeMs: Math.round(pair[0] * 1000), value: parseValue(pair[1]) };
}

/**
 * `MetricsSource` over the Prometheus HTTP API (`/api/v1/query`, `/api/v1/query_range`).
 * Queries are rendered with `toPromQL`; `vector` answers become samples and `matrix` answers
 * series. Failures are coded: unreachable (503), non-2xx (502, with Prometheus's errorType), and
 * a body that is not the expected JSON (502) — so a controller step can count them by code.
 */
export class PrometheusMetricsSource implements MetricsSource {
  private readonly base: string;
  private readonly timeoutMs: number;
  private readonly fetchImpl: typeof fetch;
  private readonly headers: Readonly<Record<string, string>>;

  constructor(options: PrometheusMetricsSourceOptions) {
    this.base = options.url.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.fetchImpl = options.fetch ?? fetch;
    this.headers = options.headers ?? {};
  }

  async instant(query: MetricQuery, atMs?: number): Promise<readonly MetricSample[]> {
    const params = new URLSearchParams({ query: toPromQL(query) });
    if (atMs !== undefined) params.set('time', (atMs / 1000).toFixed(3));
    const data = await this.call('/api/v1/query', params);
    return this.expect(data, 'vector', params).map((item) => {
      const o = isObject(item) ? item : {};
      const p = pointOf(o['value']);
      return { labels: labelsOf(o['metric']), value: p?.value ?? NaN, timeMs: p?.timeMs ?? NaN };
    });
  }

  async range(query: MetricQuery, window: RangeWindow): Promise<readonly MetricSeries[]> {
    if (!(window.stepMs > 0) || !(window.endMs >= window.startMs)) {
      throw new TesseraError('TESSERA_ERR_ADAPT_QUERY', `a range needs step > 0 and end ≥ start, got ${JSON.stringify(window)}`, { details: { ...window } });
    }
    const params = new URLSearchParams({
      query: toPromQL(query),
      start: (window.startMs / 1000).toFixed(3),
      end: (window.endMs / 1000).toFixed(3),
      step: (window.stepMs / 1000).toString(),
    });
    const data = await this.call('/api/v1/query_range', params);
    return this.expect(data, 'matrix', params).map((item) => {
      const o = isObject(item) ? item : {};
      const values = Array.isArray(o['values']) ? o['values'] : [];
      const points = values.map(pointOf).filter((p): p is MetricPoint => p !== undefined);
      return { labels: labelsOf(o['metric']), points };
    });
  }

  private expect(data: { [key: string]: Json }, type: 'vector' | 'matrix', params: URLSearchParams): Json[] {
    const result = data['result'];
    if (data['resultType'] !== type || !Array.isArray(result)) {
      throw new TesseraError('TESSERA_ERR_ADAPT_PROMETHEUS_RESPONSE', `Prometheus answered resultType '${String(data['resultType'])}' where '${type}' was expected for ${params.get('query') ?? ''}`, {
        details: { query: params.get('query'), resultType: data['resultType'] ?? null },
      });
    }
    return result;
  }

  private async call(path: string, params: URLSearchParams): Promise<{ [key: string]: Json }> {
    const url = `${this.base}${path}?${params.toString()}`;
    const query = params.get('query');
    let res: Response;
    let text: string;
    try {
      res = await this.fetchImpl(url, { headers: { accept: 'application/json', ...this.headers }, signal: AbortSignal.timeout(this.timeoutMs) });
      text = await res.text();
    } catch (cause) {
      throw new TesseraError('TESSERA_ERR_ADAPT_PROMETHEUS_UNREACHABLE', `Prometheus at ${this.base} could not be reached within ${this.timeoutMs} ms; check the URL and that it is up (/-/ready)`, {
        cause,
        details: { url: this.base, path, timeoutMs: this.timeoutMs },
      });
    }
    let body: Json | undefined;
    try {
      body = JSON.parse(text) as Json;
    } catch (cause) {
      if (!res.ok) throw this.httpError(res.status, path, query, undefined, text);
      throw new TesseraError('TESSERA_ERR_ADAPT_PROMETHEUS_RESPONSE', `Prometheus at ${this.base}${path} answered with a body that is not JSON (${text.slice(0, 80)})`, { cause, details: { path, query } });
    }
    const obj = isObject(body) ? body : undefined;
    if (!res.ok) throw this.httpError(res.status, path, query, obj, text);
    if (obj?.['status'] !== 'success' || !isObject(obj['data'])) {
      throw new TesseraError('TESSERA_ERR_ADAPT_PROMETHEUS_RESPONSE', `Prometheus at ${this.base}${path} did not report success: ${String(obj?.['errorType'] ?? '')} ${String(obj?.['error'] ?? text.slice(0, 80))}`.trim(), {
        details: { path, query, status: obj?.['status'] ?? null },
      });
    }
    return obj['data'];
  }

  private httpError(status: number, path: string, query: string | null, body: { [key: string]: Json } | undefined, text: string): TesseraError {
    const errorType = typeof body?.['errorType'] === 'string' ? body['errorType'] : undefined;
    const error = typeof body?.['error'] === 'string' ? body['error'] : text.slice(0, 120);
    return new TesseraError('TESSERA_ERR_ADAPT_PROMETHEUS_HTTP', `Prometheus at ${this.base}${path} answered HTTP ${status}${errorType ? ` (${errorType})` : ''}: ${error}`, {
      details: { status, path, query, errorType: errorType ?? null },
    });
  }
}
