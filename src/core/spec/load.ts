import { readFileSync } from 'node:fs';
import path from 'node:path';
import { LineCounter, parseDocument, isNode, type Document } from 'yaml';
import type { z } from 'zod';
import { TesseraError } from '../errors/tessera-error.js';
import { fleetSchema, type Fleet } from './schema.js';

/** One thing wrong with a spec: where (path and, for YAML/JSON text, line and column) and what. */
export interface SpecProblem {
  path: string;
  message: string;
  line?: number;
  column?: number;
}

export interface LoadedFleet {
  readonly fleet: Readonly<Fleet>;
  /** Absolute path of the spec file, when it came from one. */
  readonly file: string | undefined;
  /** Relative paths in the spec (model files, profiles, traces) resolve against this folder. */
  readonly baseDir: string;
}

export type ValidationResult = { ok: true; fleet: Fleet } | { ok: false; problems: SpecProblem[] };

/** Reads, parses and validates a fleet spec file; throws one error that lists every problem. */
export function loadFleetFile(file: string): LoadedFleet {
  const abs = path.resolve(file);
  let text: string;
  try {
    text = readFileSync(abs, 'utf8');
  } catch (cause) {
    throw new TesseraError('TESSERA_ERR_INPUT_FILE_NOT_FOUND', `cannot read fleet spec '${file}'; check the path given with -f`, { cause });
  }
  const fleet = parseFleetText(text, abs);
  return { fleet, file: abs, baseDir: path.dirname(abs) };
}

/** Parses YAML or JSON text (JSON is YAML) and validates it. `source` names it in messages. */
export function parseFleetText(text: string, source = '<spec>'): Readonly<Fleet> {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const problems: SpecProblem[] = doc.errors.map((e) => {
      const pos = lineCounter.linePos(e.pos[0]);
      return { path: '', message: e.message.split('\n')[0] ?? e.message, line: pos.line, column: pos.col };
    });
    throw new TesseraError('TESSERA_ERR_SPEC_SYNTAX', formatProblems(source, problems), { details: { source, problems } });
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (cause) {
    // Unresolvable aliases and alias bombs surface only when the document is turned into data.
    const problems: SpecProblem[] = [{ path: '', message: cause instanceof Error ? cause.message : String(cause) }];
    throw new TesseraError('TESSERA_ERR_SPEC_SYNTAX', formatProblems(source, problems), { cause, details: { source, problems } });
  }
  const result = validateFleet(data);
  if (!result.ok) {
    const problems = result.problems.map((p) => ({ ...p, ...locate(doc, lineCounter, p.path) }));
    throw new TesseraError('TESSERA_ERR_SPEC_INVALID', formatProblems(source, problems), { details: { source, problems } });
  }
  return deepFreeze(result.fleet);
}

/**
 * Validates a parsed spec object. Structural problems (zod) and cross-references (a service
 * naming a model that does not exist, duplicate names) are all collected, so a user sees every
 * mistake in one run.
 */
export function validateFleet(input: unknown): ValidationResult {
  const problems: SpecProblem[] = [];
  const parsed = fleetSchema.safeParse(input);
  if (!parsed.success) problems.push(...parsed.error.issues.flatMap(issueToProblems));
  problems.push(...crossReferenceProblems(input));
  if (problems.length > 0 || !parsed.success) return { ok: false, problems: dedupe(problems) };
  return { ok: true, fleet: parsed.data };
}

function issueToProblems(issue: z.core.$ZodIssue): SpecProblem[] {
  // A union failure reports the issues of its closest branch, which is what the user meant.
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    const best = issue.errors.reduce((a, b) => (score(b) < score(a) ? b : a));
    if (best.length > 0 && !(best.length === 1 && best[0]?.code === 'unrecognized_keys' && issue.errors.every((e) => e.length === 1))) {
      return best.flatMap((sub) => issueToProblems({ ...sub, path: [...issue.path, ...sub.path] }));
    }
    return [{ path: formatPath(issue.path), message: 'does not match any allowed form; see docs/spec.md' }];
  }
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((k) => ({ path: formatPath([...issue.path, k]), message: 'unknown field (misspelt?); see docs/spec.md' }));
  }
  return [{ path: formatPath(issue.path), message: issue.message }];
}

function score(issues: readonly z.core.$ZodIssue[]): number {
  // Fewer problems, and fewer "unknown key" problems, means the branch is closer to the input.
  return issues.reduce((n, i) => n + (i.code === 'unrecognized_keys' ? 3 : 1), 0);
}

function crossReferenceProblems(input: unknown): SpecProblem[] {
  const problems: SpecProblem[] = [];
  if (!isRecord(input)) {
    return [];
  }
  const models = Array.isArray(input['models']) ? input['models'] : [];
  const services = Array.isArray(input['services']) ? input['services'] : [];
  const nodes = isRecord(input['inventory']) && Array.isArray(input['inventory']['nodes']) ? input['inventory']['nodes'] : [];
  const modelNames = new Set<string>();
  for (const [kind, list] of [['models', models], ['services', services], ['inventory.nodes', nodes]] as const) {
    const seen = new Map<string, number>();
    list.forEach((item: unknown, i: number) => {
      if (!isRecord(item) || typeof item['name'] !== 'string') return;
      const prev = seen.get(item['name']);
      if (prev !== undefined) problems.push({ path: `${kind}[${i}].name`, message: `duplicate name '${item['name']}' (also ${kind}[${prev}])` });
      else seen.set(item['name'], i);
      if (kind === 'models') modelNames.add(item['name']);
    });
  }
  models.forEach((m: unknown, i: number) => {
    if (isRecord(m) && m['source'] === undefined && m['profiles'] === undefined) {
      problems.push({ path: `models[${i}]`, message: 'needs a `source` (an ONNX file) or `profiles` (imported measurements), or both' });
    }
  });
  services.forEach((s: unknown, i: number) => {
    if (!isRecord(s)) return;
    if (typeof s['model'] === 'string' && !modelNames.has(s['model'])) {
      const known = [...modelNames].join(', ') || 'none';
      problems.push({ path: `services[${i}].model`, message: `names model '${s['model']}', which is not in models (known: ${known})` });
    }
    const min = s['minReplicas'];
    const max = s['maxReplicas'];
    if (typeof min === 'number' && typeof max === 'number' && max < min) {
      problems.push({ path: `services[${i}].maxReplicas`, message: `is ${max}, below minReplicas ${min}` });
    }
  });
  nodes.forEach((n: unknown, i: number) => {
    if (isRecord(n) && n['gpus'] === undefined && n['cpu'] === undefined) {
      problems.push({ path: `inventory.nodes[${i}]`, message: 'needs `gpus` or `cpu` (or both): a node with neither can run nothing' });
    }
  });
  return problems;
}

function locate(doc: Document, lc: LineCounter, dotted: string): { line?: number; column?: number } {
  const segments = parsePath(dotted);
  // Walk up until a node exists: a missing field is reported at its parent's line.
  for (let n = segments.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(segments.slice(0, n), true);
    if (isNode(node) && node.range) {
      const pos = lc.linePos(node.range[0]);
      return { line: pos.line, column: pos.col };
    }
  }
  return {};
}

function formatPath(p: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of p) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? String(seg) : `.${String(seg)}`;
  }
  return out;
}

function parsePath(dotted: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const m of dotted.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    if (m[2] !== undefined) out.push(Number(m[2]));
    else if (m[1] !== undefined) out.push(m[1]);
  }
  return out;
}

export function formatProblems(source: string, problems: readonly SpecProblem[]): string {
  const lines = problems.map((p) => {
    const where = p.line === undefined ? source : `${source}:${p.line}${p.column === undefined ? '' : `:${p.column}`}`;
    return `  ${where}  ${p.path || '(root)'}: ${p.message}`;
  });
  return `fleet spec has ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n${lines.join('\n')}`;
}

function dedupe(problems: SpecProblem[]): SpecProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.path}\u0000${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
