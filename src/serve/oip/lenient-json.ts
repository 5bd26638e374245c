/**
 * JSON with the non-finite number tokens Triton accepts (it parses with rapidjson's
 * kParseNanAndInfFlag since server PR #3870) and Python's `json.dumps` writes by default:
 * `NaN`, `Infinity`, `-Infinity` (and rapidjson's `Inf`, `-Inf`, `-NaN`). Everything else is
 * strict RFC 8259. Only used when `JSON.parse` has refused a body, so speed matters less than
 * giving the byte offset of the problem.
 */
export class JsonSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(`${message} at offset ${offset}`);
    this.name = 'JsonSyntaxError';
  }
}

const MAX_DEPTH = 256;
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const NON_FINITE = /(-?)(NaN|Infinity|Inf)/y;
const WS = /[ \t\n\r]*/y;

export function parseLenientJson(text: string): unknown {
  let i = 0;

  function skipWs(): void {
    WS.lastIndex = i;
    WS.exec(text);
    i = WS.lastIndex;
  }

  function fail(what: string): never {
    throw new JsonSyntaxError(i >= text.length ? 'unexpected end of JSON' : `${what}: unexpected ${JSON.stringify(text[i])}`, i);
  }

  function parseString(): string {
    const start = i;
    i++; // opening quote
    for (;;) {
      const c = text.charCodeAt(i);
      if (Number.isNaN(c)) fail('unterminated string');
      if (c === 0x22) break;
      if (c === 0x5c) i++;
      else if (c < 0x20) fail('control character in string');
      i++;
    }
    i++;
    try {
      // The slice is a complete JSON string literal; JSON.parse handles every escape exactly.
      return JSON.parse(text.slice(start, i)) as string;
    } catch {
      i = start;
      return fail('bad escape in string');
    }
  }

  function parseValue(depth: number): unknown {
    if (depth > MAX_DEPTH) fail(`nesting deeper than ${MAX_DEPTH}`);
    skipWs();
    const c = text[i];
    if (c === '{') {
      i++;
      const obj: Record<string, unknown> = {};
      skipWs();
      if (text[i] === '}') {
        i++;
        return obj;
      }
      for (;;) {
        skipWs();
        if (text[i] !== '"') fail('expected a property name');
        const key = parseString();
        skipWs();
        if (text[i] !== ':') fail("expected ':'");
        i++;
        const value = parseValue(depth + 1);
        // defineProperty, not assignment: a `__proto__` key must stay an own property, as in JSON.parse.
        Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
        skipWs();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return obj;
        }
        fail("expected ',' or '}'");
      }
    }
    if (c === '[') {
      i++;
      const arr: unknown[] = [];
      skipWs();
      if (text[i] === ']') {
        i++;
        return arr;
      }
      for (;;) {
        arr.push(parseValue(depth + 1));
        skipWs();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return arr;
        }
        fail("expected ',' or ']'");
      }
    }
    if (c === '"') return parseString();
    if (text.startsWith('true', i)) {
      i += 4;
      return true;
    }
    if (text.startsWith('false', i)) {
      i += 5;
      return false;
    }
    if (text.startsWith('null', i)) {
      i += 4;
      return null;
    }
    NON_FINITE.lastIndex = i;
    const nf = NON_FINITE.exec(text);
    if (nf) {
      i = NON_FINITE.lastIndex;
      if (nf[2] === 'NaN') return NaN;
      return nf[1] === '-' ? -Infinity : Infinity;
    }
    NUMBER.lastIndex = i;
    const num = NUMBER.exec(text);
    if (num) {
      i = NUMBER.lastIndex;
      return Number(num[0]);
    }
    return fail('expected a value');
  }

  const value = parseValue(0);
  skipWs();
  if (i < text.length) fail('trailing characters after the JSON value');
  return value;
}

/**
 * `JSON.parse` first, so ordinary bodies keep V8's fast path; on failure the lenient parser either
 * accepts the non-finite tokens or reports the byte offset of the real problem.
 */
export function parseRequestJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return parseLenientJson(text);
  }
}
