/**
 * `--input` on the command line: the spec's `input` entry in one word, for profiling a model
 * file without writing a spec.
 *
 *   name=SHAPE:DTYPE[:OPTION,OPTION...]
 *   SHAPE   per-item dims joined by `x` (`3x48x192`), or `scalar` for a rank-0 input
 *   OPTION  axis=N | axis=none   value=X   range=LO..HI
 *
 * e.g. `x=3x48x192:float32`, `sr=scalar:int64:axis=none,value=16000`, `h=2x64:float32:axis=1,value=0`.
 */
import { TENSOR_DTYPES, TesseraError, type TensorDtype } from '../core/index.js';
import type { InputSpecLike } from './inputs.js';

const DTYPES: ReadonlySet<string> = new Set(TENSOR_DTYPES);
const NUMBER = /^[-+]?(\d+(\.\d*)?|\.\d+)(e[-+]?\d+)?$/i;

function bad(flag: string, why: string): TesseraError {
  return new TesseraError(
    'TESSERA_ERR_INPUT_FLAG',
    `--input '${flag}': ${why}. Write name=SHAPE:DTYPE[:axis=N|none,value=X,range=LO..HI], e.g. x=3x48x192:float32 or sr=scalar:int64:axis=none,value=16000`,
    { details: { flag } },
  );
}

function num(flag: string, text: string, what: string): number {
  if (!NUMBER.test(text)) throw bad(flag, `${what} '${text}' is not a number`);
  return Number(text);
}

export function parseInputFlag(flag: string): { name: string; spec: InputSpecLike } {
  const eq = flag.indexOf('=');
  if (eq <= 0) throw bad(flag, 'it needs an input name before `=`');
  const name = flag.slice(0, eq);
  const [shapeText, dtypeText, optionsText, ...extra] = flag.slice(eq + 1).split(':');
  if (shapeText === undefined || dtypeText === undefined || extra.length > 0) throw bad(flag, 'it needs SHAPE:DTYPE after `=`');
  let shape: number[];
  if (shapeText === 'scalar') shape = [];
  else {
    const dims = shapeText.split('x');
    if (dims.some((d) => !/^\d+$/.test(d))) throw bad(flag, `shape '${shapeText}' is not dims joined by x (or 'scalar')`);
    shape = dims.map(Number);
  }
  if (!DTYPES.has(dtypeText)) throw bad(flag, `dtype '${dtypeText}' is not one of ${TENSOR_DTYPES.join(', ')}`);
  let batchAxis: number | null = 0;
  let value: number | undefined;
  let range: [number, number] | undefined;
  for (const option of optionsText === undefined || optionsText === '' ? [] : optionsText.split(',')) {
    const [key, val] = option.split('=') as [string, string | undefined];
    if (val === undefined) throw bad(flag, `option '${option}' needs a value`);
    if (key === 'axis') {
      if (val === 'none') batchAxis = null;
      else if (/^\d+$/.test(val)) batchAxis = Number(val);
      else throw bad(flag, `axis '${val}' is not a whole number or 'none'`);
    } else if (key === 'value') value = num(flag, val, 'value');
    else if (key === 'range') {
      const m = /^(.+?)\.\.(.+)$/.exec(val);
      if (!m) throw bad(flag, `range '${val}' is not LO..HI`);
      range = [num(flag, m[1] as string, 'range low'), num(flag, m[2] as string, 'range high')];
      if (range[1] < range[0]) throw bad(flag, `range '${val}' has high below low`);
    } else throw bad(flag, `unknown option '${key}'`);
  }
  const spec: InputSpecLike = {
    shape,
    dtype: dtypeText as TensorDtype,
    batchAxis,
    ...(value === undefined ? {} : { value }),
    ...(range === undefined ? {} : { range }),
  };
  return { name, spec };
}

/** Several `--input` flags into the spec's `input` map; a name given twice is an error. */
export function parseInputFlags(flags: readonly string[]): Record<string, InputSpecLike> | undefined {
  if (flags.length === 0) return undefined;
  const out: Record<string, InputSpecLike> = {};
  for (const flag of flags) {
    const { name, spec } = parseInputFlag(flag);
    if (Object.hasOwn(out, name)) throw bad(flag, `input '${name}' is given twice`);
    out[name] = spec;
  }
  return out;
}
