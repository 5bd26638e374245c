import { describe, expect, test } from 'vitest';
import { TesseraError } from '../core/errors/index.js';
import { PrometheusMetricsSource } from './prometheus-source.js';
import { toPromQL } from './promql.js';

/** A fetch stand-in that answers one canned body and records the URL it was asked for. */
function stubFetch(status: number, body: string, seen: string[] = []): typeof fetch {
  return (input) => {
    seen.push(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    return Promise.resolve(new Response(body, { status, headers: { 'content-type': 'application/json' } }));
  };
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return err instanceof TesseraError ? `${err.code} ${err.httpStatus}` : `not coded: ${String(err)}`;
  }
  return 'resolved';
}

describe('toPromQL', () => {
  test('renders value, rate and quantile queries with grouping and escaped matchers', () => {
    expect(toPromQL({ metric: 'tessera_serve_queue_depth', sumBy: ['model'] })).toBe('sum by (model) (tessera_serve_queue_depth)');
    expect(toPromQL({ metric: 'tessera_serve_requests_total', labels: { model: 'fr"aud', status: { op: '!=', value: 'ok' } }, reduce: { kind: 'rate', windowMs: 30_000 }, sumBy: [] })).toBe(
      'sum by () (rate(tessera_serve_requests_total{model="fr\\"aud",status!="ok"}[30s]))',
    );
    expect(toPromQL({ metric: 'tessera_serve_request_duration_seconds', reduce: { kind: 'quantile', q: 0.99, windowMs: 1500 }, sumBy: ['model'] })).toBe(
      'histogram_quantile(0.99, sum by (le, model) (rate(tessera_serve_request_duration_seconds_bucket[1500ms])))',
    );
  });

  test('refuses names PromQL cannot carry and windows ≤ 0', () => {
    expect(() => toPromQL({ metric: 'bad-name' })).toThrowError(expect.objectContaining({ code: 'TESSERA_ERR_ADAPT_QUERY' }) as Error);
    expect(() => toPromQL({ metric: 'x', labels: { '0l': 'v' } })).toThrowError(/not a valid label name/);
    expect(() => toPromQL({ metric: 'x', reduce: { kind: 'rate', windowMs: 0 } })).toThrowError(/positive/);
  });
});

describe('PrometheusMetricsSource', () => {
  test('parses a vector answer, keeping NaN and +Inf, and sends the query and time', async () => {
    const seen: string[] = [];
    const body = JSON.stringify({
      status: 'success',
      data: { resultType: 'vector', result: [{ metric: { model: 'a' }, value: [1700000000.5, '2.5'] }, { metric: { model: 'b' }, value: [1700000000.5, 'NaN'] }, { metric: { model: 'c' }, value: [1700000000.5, '+Inf'] }] },
    });
    const src = new PrometheusMetricsSource({ url: 'http://127.0.0.1:9/prom/', fetch: stubFetch(200, body, seen) });
    const samples = await src.instant({ metric: 'up' }, 1_700_000_000_500);
    expect(samples.map((s) => [s.labels['model'], s.value, s.timeMs])).toEqual([
      ['a', 2.5, 1_700_000_000_500],
      ['b', NaN, 1_700_000_000_500],
      ['c', Infinity, 1_700_000_000_500],
    ]);
    const url = new URL(seen[0] ?? '');
    expect(url.pathname).toBe('/prom/api/v1/query');
    expect(url.searchParams.get('query')).toBe('up');
    expect(url.searchParams.get('time')).toBe('1700000000.500');
  });

  test('parses a matrix answer into series of points', async () => {
    const seen: string[] = [];
    const body = JSON.stringify({ status: 'success', data: { resultType: 'matrix', result: [{ metric: {}, values: [[100, '1'], [101, '3']] }] } });
    const src = new PrometheusMetricsSource({ url: 'http://127.0.0.1:9', fetch: stubFetch(200, body, seen) });
    const series = await src.range({ metric: 'up' }, { startMs: 100_000, endMs: 101_000, stepMs: 1000 });
    expect(series).toEqual([{ labels: {}, points: [{ timeMs: 100_000, value: 1 }, { timeMs: 101_000, value: 3 }] }]);
    expect(new URL(seen[0] ?? '').searchParams.get('step')).toBe('1');
  });

  test('failures are coded: HTTP errors with errorType, non-JSON, status error, wrong type, unreachable', async () => {
    const src = (status: number, body: string) => new PrometheusMetricsSource({ url: 'http://127.0.0.1:9', fetch: stubFetch(status, body) });
    const badData = JSON.stringify({ status: 'error', errorType: 'bad_data', error: 'parse error' });
    expect(await codeOf(src(400, badData).instant({ metric: 'up' }))).toBe('TESSERA_ERR_ADAPT_PROMETHEUS_HTTP 502');
    await expect(src(400, badData).instant({ metric: 'up' })).rejects.toThrow(/HTTP 400 \(bad_data\): parse error/);
    expect(await codeOf(src(503, '<html>down</html>').instant({ metric: 'up' }))).toBe('TESSERA_ERR_ADAPT_PROMETHEUS_HTTP 502');
    expect(await codeOf(src(200, '<html>proxy</html>').instant({ metric: 'up' }))).toBe('TESSERA_ERR_ADAPT_PROMETHEUS_RESPONSE 502');
    expect(await codeOf(src(200, badData).instant({ metric: 'up' }))).toBe('TESSERA_ERR_ADAPT_PROMETHEUS_RESPONSE 502');
    const scalar = JSON.stringify({ status: 'success', data: { resultType: 'scalar', result: [1, '1'] } });
    expect(await codeOf(src(200, scalar).instant({ metric: 'up' }))).toBe('TESSERA_ERR_ADAPT_PROMETHEUS_RESPONSE 502');
    expect(await codeOf(src(200, scalar).range({ metric: 'up' }, { startMs: 0, endMs: 1, stepMs: 0 }))).toBe('TESSERA_ERR_ADAPT_QUERY 400');
    const refused = new PrometheusMetricsSource({ url: 'http://127.0.0.1:9', fetch: () => Promise.reject(new TypeError('fetch failed')) });
    expect(await codeOf(refused.instant({ metric: 'up' }))).toBe('TESSERA_ERR_ADAPT_PROMETHEUS_UNREACHABLE 503');
  });
});
