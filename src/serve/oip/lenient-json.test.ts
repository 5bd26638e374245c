import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { JsonSyntaxError, parseLenientJson, parseRequestJson } from './lenient-json.js';

describe('lenient JSON parsing', () => {
  test('agrees with JSON.parse on every valid JSON text', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.constantFrom(undefined, 1, '\t'), (v, indent) => {
        const text = JSON.stringify(v, null, indent);
        expect(parseLenientJson(text)).toEqual(JSON.parse(text));
      }),
      { numRuns: 300 },
    );
  });

  test('refuses what JSON.parse refuses (other than the non-finite tokens)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), (text) => {
        fc.pre(!/NaN|Inf/.test(text));
        let strict = true;
        try {
          JSON.parse(text);
        } catch {
          strict = false;
        }
        let lenient = true;
        try {
          parseLenientJson(text);
        } catch {
          lenient = false;
        }
        expect(lenient).toBe(strict);
      }),
      { numRuns: 500 },
    );
  });

  test('reads NaN and Infinity the way Python json.dumps writes them', () => {
    const v = parseRequestJson('{"inputs": [{"name": "x", "shape": [3], "datatype": "FP32", "data": [NaN, Infinity, -Infinity]}]}') as { inputs: { data: number[] }[] };
    const data = v.inputs[0]!.data;
    expect(Number.isNaN(data[0])).toBe(true);
    expect(data.slice(1)).toEqual([Infinity, -Infinity]);
  });

  test("also reads rapidjson's Inf and -Inf", () => {
    expect(parseLenientJson('[Inf, -Inf, -NaN]')).toEqual([Infinity, -Infinity, NaN]);
  });

  test('reports the byte offset of a syntax error', () => {
    expect(() => parseRequestJson('{"inputs": [1, 2,]}')).toThrow(JsonSyntaxError);
    expect(() => parseRequestJson('{"inputs": [1, 2,]}')).toThrow(/offset 17/);
    expect(() => parseRequestJson('{"a": 1} trailing')).toThrow(/trailing characters after the JSON value: unexpected "t" at offset 9/);
    expect(() => parseRequestJson('{"a": NaNx}')).toThrow(/offset 9/);
  });

  test('keeps a __proto__ key as an own property, like JSON.parse', () => {
    const v = parseLenientJson('{"__proto__": {"polluted": NaN}}') as Record<string, unknown>;
    expect(Object.hasOwn(v, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  test('refuses absurd nesting instead of overflowing the stack', () => {
    const deep = `${'['.repeat(10_000)}NaN${']'.repeat(10_000)}`;
    expect(() => parseLenientJson(deep)).toThrow(/nesting deeper than 256/);
  });
});
