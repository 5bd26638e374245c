import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { parseSeriesCsv, splitCsv } from './csv.js';
import { fillGaps, median, robustSigma } from './stats.js';
import { detectTimestampFormat, formatTimestamp, inferStepMs, parseTimestamp, regularise } from './timestamps.js';
import { codedError } from '../../core/test-support/coded-error.js';

const fixture = (name: string): string => readFileSync(new URL(`../../../test/fixtures/series/${name}`, import.meta.url), 'utf8');

describe('timestamps', () => {
  test('tells ISO-8601, Unix seconds and Unix milliseconds apart', () => {
    expect(detectTimestampFormat('2019-07-01T00:01:00Z')).toBe('iso');
    expect(detectTimestampFormat('2019-07-01 00:01:00')).toBe('iso');
    expect(detectTimestampFormat('2019-07-01')).toBe('iso');
    expect(detectTimestampFormat('1561939260')).toBe('unix-s');
    expect(detectTimestampFormat('1561939260.5')).toBe('unix-s');
    expect(detectTimestampFormat('1561939260000')).toBe('unix-ms');
    expect(detectTimestampFormat('July 1')).toBeUndefined();
    expect(detectTimestampFormat('2019-13-45T99:00:00Z')).toBeUndefined();
  });

  test('a zone-less ISO time is UTC, so results do not depend on the machine', () => {
    expect(parseTimestamp('2019-07-01 00:01:00', 'iso')).toBe(Date.UTC(2019, 6, 1, 0, 1));
    expect(parseTimestamp('2019-07-01T02:01:00+02:00', 'iso')).toBe(Date.UTC(2019, 6, 1, 0, 1));
  });

  test('formats back in the series’ own format', () => {
    const ms = Date.UTC(2019, 6, 1, 0, 1);
    expect(formatTimestamp(ms, 'iso')).toBe('2019-07-01T00:01:00.000Z');
    expect(formatTimestamp(ms, 'unix-s')).toBe(1561939260);
    expect(formatTimestamp(ms, 'unix-ms')).toBe(1561939260000);
  });

  test('the step is the median gap; whole-step gaps are missing rows', () => {
    expect(inferStepMs([0, 60, 120, 240, 300])).toEqual({ stepMs: 60, missingRows: 1 });
    expect(regularise([0, 60, 120, 240], [1, 2, 3, 5], 60).values).toEqual([1, 2, 3, Number.NaN, 5]);
  });

  test('a gap that is not a whole number of steps is an irregular series', () => {
    expect(codedError(() => inferStepMs([0, 60, 120, 210, 270])).code).toBe('TESSERA_ERR_OBSERVE_TIMESTAMPS');
    expect(inferStepMs([0, 60, 121, 180], 0.1).stepMs).toBe(60);
  });

  test('property: a regular grid with random rows removed gives back its step', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3_600_000 }), fc.array(fc.boolean(), { minLength: 6, maxLength: 80 }), (step, keep) => {
        // Keep at least the majority of gaps at one step so the median is the step.
        const times = keep.map((k, i) => ({ k: k || i % 3 !== 0, t: i * step })).filter((x) => x.k).map((x) => x.t);
        fc.pre(times.length >= 4);
        const gaps = times.slice(1).map((t, i) => t - (times[i] as number));
        fc.pre(gaps.filter((g) => g === step).length * 2 > gaps.length);
        expect(inferStepMs(times).stepMs).toBe(step);
      }),
      { numRuns: 100 },
    );
  });
});

describe('CSV series', () => {
  test('reads a header, ISO timestamps and a missing value', () => {
    const s = parseSeriesCsv(fixture('minutely.csv'));
    expect(s.timestampFormat).toBe('iso');
    expect(s.values).toEqual([10, 12, 11, Number.NaN, 13, 90, 12]);
    expect(s.timesMs[1]! - s.timesMs[0]!).toBe(60_000);
    expect(s.lines[0]).toBe(2);
  });

  test('names the line and column of a value that is not a number', () => {
    const err = codedError(() => parseSeriesCsv(fixture('bad-value.csv'), { valueColumn: 'requests', source: 'bad-value.csv' }));
    expect(err.code).toBe('TESSERA_ERR_OBSERVE_CSV');
    expect(err.details).toMatchObject({ line: 4, column: 14 });
    expect(err.message).toContain('bad-value.csv:4:14');
  });

  test('picks columns by name or 1-based number', () => {
    const text = 'a,ts,b\n1,1561939200,5\n2,1561939260,6\n';
    expect(parseSeriesCsv(text, { timestampColumn: 'ts', valueColumn: 'b' }).values).toEqual([5, 6]);
    expect(parseSeriesCsv(text, { timestampColumn: '2', valueColumn: '1' }).values).toEqual([1, 2]);
    expect(codedError(() => parseSeriesCsv(text, { valueColumn: 'nope' })).message).toContain("'a', 'ts', 'b'");
  });

  test('reads a file without a header', () => {
    const s = parseSeriesCsv('1561939200000,1\n1561939260000,2\n');
    expect(s.timestampFormat).toBe('unix-ms');
    expect(s.values).toEqual([1, 2]);
  });

  test('refuses rows that go back in time, with the line', () => {
    const err = codedError(() => parseSeriesCsv('t,v\n100,1\n160,2\n160,3\n'));
    expect(err.code).toBe('TESSERA_ERR_OBSERVE_TIMESTAMPS');
    expect(err.details).toMatchObject({ line: 4 });
  });

  test('refuses a row with the wrong number of fields', () => {
    expect(codedError(() => parseSeriesCsv('t,v\n100,1\n160\n')).details).toMatchObject({ line: 3, column: 1 });
  });

  test('quoted fields may hold commas, quotes and newlines', () => {
    const rows = splitCsv('a,"b,c","d ""e""\nf"\n1,2,3\n');
    expect(rows[0]?.fields).toEqual(['a', 'b,c', 'd "e"\nf']);
    expect(rows[1]?.line).toBe(3);
  });

  test('property: any written series reads back exactly', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true }), fc.constant(Number.NaN)), { minLength: 1, maxLength: 50 }),
        fc.constantFrom('iso', 'unix-s', 'unix-ms'),
        (values, fmt) => {
          const t0 = Date.UTC(2024, 0, 1);
          const rows = values.map((v, i) => {
            const t = t0 + i * 60_000;
            const ts = fmt === 'iso' ? new Date(t).toISOString() : fmt === 'unix-s' ? String(t / 1000) : String(t);
            return `${ts},${Number.isNaN(v) ? '' : String(v)}`;
          });
          const s = parseSeriesCsv(`timestamp,value\n${rows.join('\n')}\n`);
          expect(s.values).toEqual(values.map((v) => (Object.is(v, -0) ? 0 : v)));
          expect(s.timesMs).toEqual(values.map((_, i) => t0 + i * 60_000));
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('stats', () => {
  test('median and robust σ ignore NaN; σ falls back to the mean deviation when MAD is 0', () => {
    expect(median([3, Number.NaN, 1, 2])).toBe(2);
    expect(robustSigma([0, 0, 0, 0, 0, 0, 10])).toBeGreaterThan(0);
    expect(robustSigma([5, 5, 5])).toBe(0);
  });

  test('fillGaps interpolates inside and carries at the edges', () => {
    expect(fillGaps([Number.NaN, 1, Number.NaN, 3, Number.NaN])).toEqual([1, 1, 2, 3, 3]);
    expect(fillGaps([Number.NaN, Number.NaN]).every(Number.isNaN)).toBe(true);
  });
});
