import { TesseraError } from '../../core/errors/index.js';

export interface ParsedSample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
  readonly timestampMs?: number;
  /** 1-based line in the body. */
  readonly line: number;
}

export interface ParsedExposition {
  readonly samples: readonly ParsedSample[];
  readonly help: ReadonlyMap<string, string>;
  readonly types: ReadonlyMap<string, string>;
}

const NAME_RE = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_]*/;

function fail(line: number, message: string): TesseraError {
  return new TesseraError('TESSERA_ERR_OBSERVE_DCGM_TEXT', `line ${line}: ${message}`, { details: { line } });
}

function parseValue(text: string, line: number): number {
  if (text === 'NaN') return Number.NaN;
  if (text === '+Inf' || text === 'Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  const v = Number(text);
  if (text === '' || Number.isNaN(v)) throw fail(line, `'${text}' is not a sample value`);
  return v;
}

/**
 * Parses the Prometheus text exposition format (0.0.4): `# HELP`/`# TYPE` comments and
 * `name{label="value",…} value [timestamp]` samples, with label escapes (\\, \", \n), spaces
 * around labels and a trailing comma tolerated as Prometheus does. A line that is none of these is
 * an error naming the line, so an HTML error page or a truncated body is not read as "no metrics".
 */
export function parsePrometheusText(body: string): ParsedExposition {
  const samples: ParsedSample[] = [];
  const help = new Map<string, string>();
  const types = new Map<string, string>();
  const lines = body.split(/\r?\n/);
  for (let k = 0; k < lines.length; k++) {
    const lineNo = k + 1;
    const line = (lines[k] as string).trim();
    if (line === '') continue;
    if (line.startsWith('#')) {
      const m = /^#\s*(HELP|TYPE)\s+(\S+)\s*(.*)$/.exec(line);
      if (m?.[1] === 'HELP') help.set(m[2] as string, m[3] as string);
      else if (m?.[1] === 'TYPE') types.set(m[2] as string, (m[3] as string).trim());
      continue;
    }
    const nameMatch = NAME_RE.exec(line);
    if (!nameMatch) throw fail(lineNo, `expected a metric name, found '${line.slice(0, 40)}'`);
    const name = nameMatch[0];
    let i = name.length;
    const labels: Record<string, string> = {};
    if (line[i] === '{') {
      i++;
      for (;;) {
        while (line[i] === ' ' || line[i] === '\t') i++;
        if (line[i] === '}') {
          i++;
          break;
        }
        const ln = LABEL_NAME_RE.exec(line.slice(i));
        if (!ln) throw fail(lineNo, `expected a label name in ${name}{…}`);
        i += ln[0].length;
        while (line[i] === ' ') i++;
        if (line[i] !== '=' || line[i + 1] !== '"') throw fail(lineNo, `expected ="…" after label ${ln[0]}`);
        i += 2;
        let value = '';
        for (;;) {
          const ch = line[i];
          if (ch === undefined) throw fail(lineNo, `label ${ln[0]} has no closing quote`);
          if (ch === '\\') {
            const next = line[i + 1];
            value += next === 'n' ? '\n' : (next ?? '');
            i += 2;
            continue;
          }
          if (ch === '"') {
            i++;
            break;
          }
          value += ch;
          i++;
        }
        labels[ln[0]] = value;
        while (line[i] === ' ') i++;
        if (line[i] === ',') i++;
        else if (line[i] !== '}') throw fail(lineNo, `expected , or } after label ${ln[0]}`);
      }
    }
    const rest = line.slice(i).trim().split(/\s+/);
    if (rest.length < 1 || rest.length > 2 || rest[0] === '') throw fail(lineNo, `expected 'value [timestamp]' after ${name}`);
    const value = parseValue(rest[0] as string, lineNo);
    const sample: ParsedSample =
      rest.length === 2 ? { name, labels, value, timestampMs: parseValue(rest[1] as string, lineNo), line: lineNo } : { name, labels, value, line: lineNo };
    samples.push(sample);
  }
  return { samples, help, types };
}
