import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, test } from 'vitest';
import { rmSync } from 'node:fs';
import type { TrafficSpec } from '../../core/spec/schema.js';
import { collectArrivals } from '../arrivals/arrival-stream.js';
import { arrivalsForTraffic } from '../traffic.js';
import { azureFunctionsArrivals, listAzureFunctions, readAzureFunctionsSeries } from './azure-functions.js';
import { AzureLlmTraceReader, azureLlmArrivals } from './azure-llm.js';
import { parseDateTimeMs } from './csv.js';
import { LineReader } from './line-reader.js';
import { openTrace, scanTrace } from './open-trace.js';
import { qpsSeriesArrivals } from './qps-series.js';
import { codedError } from '../../core/test-support/coded-error.js';

const DATA = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../../../shared/data/traces');
const FUNCTIONS = path.join(DATA, 'azure-functions-2019-day/1350_inv.csv');
const LLM = path.join(DATA, 'azure-llm-2023/AzureLLMInferenceTrace_code.csv');

const dir = mkdtempSync(path.join(tmpdir(), 'tessera-traces-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let fileNo = 0;
function file(text: string): string {
  const p = path.join(dir, `t${fileNo++}.csv`);
  writeFileSync(p, text);
  return p;
}

const isSorted = (xs: readonly number[]): boolean => xs.every((x, i) => i === 0 || x >= xs[i - 1]!);

describe.skipIf(!existsSync(FUNCTIONS))('Azure Functions 2019 per-minute counts (../shared/data)', () => {
  test('reads all 1,350 functions and 1,440 minutes; the day sums to 927,272 invocations', () => {
    const sum = readAzureFunctionsSeries(FUNCTIONS, 'sum');
    expect(sum.rowsInFile).toBe(1350);
    expect(sum.perMinute).toHaveLength(1440);
    expect(sum.total).toBe(927_272);
    expect(Math.min(...sum.perMinute)).toBe(400);
    expect(Math.max(...sum.perMinute)).toBe(4025);
  });

  test('selects one function by hash prefix or by rank', () => {
    const one = readAzureFunctionsSeries(FUNCTIONS, '1779fd3337dd');
    expect(one.functions).toEqual(['1779fd3337dd353e424d808d9190aff8f09e46a8cbbe6469079b2d7f0e246e37']);
    expect(one.total).toBe(481);
    expect([...one.perMinute.slice(0, 10)]).toEqual([1, 0, 0, 1, 0, 0, 1, 0, 0, 1]);
    const top = readAzureFunctionsSeries(FUNCTIONS, 'rank:1');
    expect(top.functions[0]).toMatch(/^ad828a12/);
    expect(top.total).toBe(57_778);
    const list = listAzureFunctions(FUNCTIONS);
    expect(list).toHaveLength(1350);
    expect(list.reduce((a, f) => a + f.total, 0)).toBe(927_272);
  });

  test('spreads each minute inside that minute, uniformly (seeded) or evenly', () => {
    for (const spread of ['uniform', 'even'] as const) {
      const times = collectArrivals(azureFunctionsArrivals(FUNCTIONS, { select: '1779fd3337dd', spread, seed: 3 }));
      expect(times).toHaveLength(481);
      expect(isSorted(times)).toBe(true);
      // Minutes 1, 4, 7, 10 have one invocation each: their arrivals land in those minutes.
      expect(times.slice(0, 4).map((t) => Math.floor(t / 60_000))).toEqual([0, 3, 6, 9]);
      if (spread === 'even') expect(times[0]).toBe(30_000);
    }
  });

  test('rate and time scaling: half the rate, twice as fast', () => {
    const times = collectArrivals(azureFunctionsArrivals(FUNCTIONS, { select: 'sum', scale: 0.5, timeScale: 2, spread: 'even' }));
    expect(times.length).toBe(927_272 / 2);
    expect(times.at(-1)!).toBeLessThan(720 * 60_000);
  });

  test('unknown function or bad selector is a coded error naming the choices', () => {
    expect(codedError(() => readAzureFunctionsSeries(FUNCTIONS, 'ffffffffffff')).code).toBe('TESSERA_ERR_SIM_TRACE_COLUMN');
    expect(codedError(() => readAzureFunctionsSeries(FUNCTIONS, 'rank:5000')).message).toMatch(/rank:1 and rank:1350/);
    expect(codedError(() => readAzureFunctionsSeries(FUNCTIONS, 'abc')).code).toBe('TESSERA_ERR_SIM_TRACE_COLUMN');
  });
});

describe.skipIf(!existsSync(LLM))('Azure LLM 2023 timestamped requests (../shared/data)', () => {
  test('reads 8,819 requests; times are relative to the first timestamp, to the 100 ns digit', () => {
    const reader = new AzureLlmTraceReader(LLM);
    const first = [reader.nextMs(), reader.nextMs(), reader.nextMs(), reader.nextMs()];
    expect(first[0]).toBe(0);
    expect(first[1]).toBeCloseTo(52, 6);
    expect(first[2]).toBeCloseTo(98.189, 6);
    expect(first[3]).toBeCloseTo(140.684, 6);
    expect(reader.contextTokens).toBe(7433);
    expect(reader.generatedTokens).toBe(14);
    expect(reader.traceOriginMs).toBe(Date.UTC(2023, 10, 16, 18, 17, 3) + 979.96);
    let n = 4;
    let last = 0;
    for (let t = reader.nextMs(); t !== Number.POSITIVE_INFINITY; t = reader.nextMs()) {
      n++;
      last = t;
    }
    expect(n).toBe(8819);
    expect(last).toBeCloseTo(3_435_948.056, 5);
  });

  test('start offset, time scale and thinning apply', () => {
    const times = collectArrivals(azureLlmArrivals(LLM, { startMs: 1000, timeScale: 2, scale: 0.5, seed: 1 }));
    expect(times[0]).toBeGreaterThanOrEqual(1000);
    expect(times.length / 8819).toBeCloseTo(0.5, 1);
    expect(times.at(-1)!).toBeLessThanOrEqual(1000 + 3_435_948.056 / 2 + 1e-6);
  });

  test('scanTrace counts without simulating', () => {
    expect(scanTrace({ file: LLM, format: 'azure-llm' })).toMatchObject({ arrivals: 8819, firstMs: 0 });
  });
});

describe('QPS series', () => {
  test('each row holds its rate until the next timestamp; arrivals stay inside their second', () => {
    const f = file('timestamp,qps\n0,3\n1,0\n2,2.5\n3,0.5\n');
    const times = collectArrivals(qpsSeriesArrivals(f, { spread: 'even' }));
    // 3 in [0,1), 0 in [1,2), 2.5 → 2 (carry 0.5) in [2,3), 0.5 + 0.5 → 1 in [3,4).
    expect(times.map((t) => Math.floor(t / 1000))).toEqual([0, 0, 0, 2, 2, 3]);
  });

  test('date-time stamps, a named column, a start offset and time scaling', () => {
    const f = file('time,a,b\n2024-05-01T12:00:00Z,10,1\n2024-05-01T12:00:01Z,10,1\n2024-05-01T12:00:02Z,10,1\n');
    const times = collectArrivals(qpsSeriesArrivals(f, { column: 'b', startMs: 500, timeScale: 2, spread: 'even' }));
    expect(times).toEqual([750, 1250, 1750]);
  });

  test('missing column is a coded error listing the columns', () => {
    const f = file('timestamp,a,b\n0,1,1\n');
    const err = codedError(() => qpsSeriesArrivals(f, { column: 'c' }));
    expect(err.code).toBe('TESSERA_ERR_SIM_TRACE_COLUMN');
    expect(err.message).toMatch(/a, b/);
  });

  test('total arrivals equal the integral of the rate (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 400 }), { minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 5 }), (tenths, seed) => {
        const rows = tenths.map((r, i) => `${i},${r / 10}`).join('\n');
        const f = file(`timestamp,qps\n${rows}\n`);
        const times = collectArrivals(qpsSeriesArrivals(f, { seed }));
        const integral = tenths.reduce((a, b) => a + b, 0) / 10;
        expect(times.length).toBe(Math.floor(integral + 1e-9));
        expect(isSorted(times)).toBe(true);
      }),
      { numRuns: 40 },
    );
  });
});

describe('bad trace input', () => {
  test('a row that does not parse names file, line and column — and nothing is returned', () => {
    const f = file('timestamp,qps\n0,5\n1,5\n2,fast\n3,5\n');
    const err = codedError(() => collectArrivals(qpsSeriesArrivals(f)));
    expect(err.code).toBe('TESSERA_ERR_SIM_TRACE_PARSE');
    expect(err.details).toEqual({ file: f, line: 4, column: 3 });
    expect(err.message).toContain(`${f}:4:3`);
    // scanTrace finds it before any simulation starts.
    expect(codedError(() => scanTrace({ file: f, format: 'qps-series' })).details).toMatchObject({ line: 4, column: 3 });
  });

  test('a bad Azure LLM timestamp and a bad token count point at their columns', () => {
    const bad = file('TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:17:03.9799600,4808,10\n2023-11-16 18:17:0x.0,1,1\n');
    expect(codedError(() => collectArrivals(azureLlmArrivals(bad))).details).toEqual({ file: bad, line: 3, column: 1 });
    const tokens = file('TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:17:03.9799600,4808,-1\n');
    expect(codedError(() => collectArrivals(azureLlmArrivals(tokens))).details).toEqual({ file: tokens, line: 2, column: 34 });
    const order = file('TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:17:04.0,1,1\n2023-11-16 18:17:03.0,1,1\n');
    expect(codedError(() => collectArrivals(azureLlmArrivals(order))).code).toBe('TESSERA_ERR_SIM_TRACE_ORDER');
  });

  test('a bad Azure Functions cell fails the read before any arrival is produced', () => {
    const header = `HashFunction,HashOwner,HashApp,${Array.from({ length: 3 }, (_, i) => `minute_${i + 1}`).join(',')}`;
    const f = file(`${header}\naaaaaa11,o,a,1,2,3\nbbbbbb22,o,a,1,x,3\n`);
    const err = codedError(() => azureFunctionsArrivals(f));
    expect(err.code).toBe('TESSERA_ERR_SIM_TRACE_PARSE');
    expect(err.details).toEqual({ file: f, line: 3, column: 16 });
    const short = file(`${header}\naaaaaa11,o,a,1,2\n`);
    expect(codedError(() => azureFunctionsArrivals(short)).message).toMatch(/:2:17: row has 5 fields, the header has 6/);
    expect(codedError(() => azureFunctionsArrivals(file('a,b,c\n'))).details).toMatchObject({ line: 1, column: 1 });
  });

  test('a missing file is TESSERA_ERR_INPUT_FILE_NOT_FOUND', () => {
    expect(codedError(() => openTrace({ file: 'nope.csv', format: 'azure-llm', baseDir: dir })).code).toBe('TESSERA_ERR_INPUT_FILE_NOT_FOUND');
  });
});

describe('line reader', () => {
  test('handles CRLF, a missing final newline and lines longer than a chunk', () => {
    const long = 'x'.repeat(200_000);
    const f = file(`a\r\n${long}\nünï\nlast`);
    const r = new LineReader(f);
    expect([r.next(), r.next()?.length, r.next(), r.next(), r.next()]).toEqual(['a', 200_000, 'ünï', 'last', undefined]);
    expect(r.lineNumber).toBe(4);
  });
});

describe('date-time parsing', () => {
  test('agrees with Date for ISO stamps in UTC and with offsets (property)', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('1990-01-01T00:00:00Z'), max: new Date('2090-01-01T00:00:00Z'), noInvalidDate: true }), (d) => {
        const iso = d.toISOString();
        expect(parseDateTimeMs(iso)).toBe(d.getTime());
        expect(parseDateTimeMs(iso.replace('T', ' ').replace('Z', ''))).toBe(d.getTime());
        expect(parseDateTimeMs(iso.replace('Z', '+02:00'))).toBe(d.getTime() - 2 * 3_600_000);
      }),
    );
  });
});

describe('traffic of a fleet-spec service', () => {
  test('synthetic traffic streams at its rate until the duration', () => {
    const traffic: TrafficSpec = { rps: 100, arrival: 'poisson', cv: 2 };
    const times = collectArrivals(arrivalsForTraffic(traffic, { baseDir: dir, seed: 1, durationMs: 60_000 }));
    expect(times.length / 6000).toBeCloseTo(1, 1);
    expect(times.at(-1)!).toBeLessThan(60_000);
  });

  test('a trace resolves against the spec folder and applies scale and timeScale', () => {
    writeFileSync(path.join(dir, 'spec-qps.csv'), 'timestamp,qps\n0,10\n1,10\n2,10\n3,10\n');
    const traffic: TrafficSpec = { trace: { file: 'spec-qps.csv', format: 'qps-series', scale: 2, timeScale: 2 } };
    const times = collectArrivals(arrivalsForTraffic(traffic, { baseDir: dir, seed: 1 }));
    expect(times).toHaveLength(80);
    expect(times.at(-1)!).toBeLessThan(2000);
  });
});
