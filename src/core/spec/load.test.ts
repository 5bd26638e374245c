import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { loadFleetFile, parseFleetText, validateFleet, type SpecProblem } from './load.js';
import { fleetJsonSchema } from './json-schema.js';
import { TesseraError } from '../errors/index.js';

const root = new URL('../../../', import.meta.url);
const fixture = (p: string): string => new URL(p, root).pathname;

function problemsOf(fn: () => unknown): SpecProblem[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(TesseraError);
    return ((err as TesseraError).details?.['problems'] ?? []) as SpecProblem[];
  }
  throw new Error('expected the spec to be rejected');
}

describe('fleet spec loading', () => {
  test('every example fleet is valid', () => {
    for (const f of ['examples/local.yaml']) {
      const { fleet, baseDir } = loadFleetFile(fixture(f));
      expect(fleet.models.length).toBeGreaterThan(0);
      expect(baseDir).toMatch(/examples$/);
    }
  });

  test('defaults are filled in and the result is frozen', () => {
    const fleet = parseFleetText(`
apiVersion: tessera.dev/v1alpha1
kind: Fleet
metadata: { name: tiny }
models: [{ name: m, source: { path: ./m.onnx } }]
services: [{ name: s, model: m, slo: { p99Ms: 50 }, traffic: { rps: 10 } }]
inventory: { nodes: [{ name: local, cpu: { cores: 2 } }] }
`);
    expect(fleet.objectives.weights).toEqual({ latency: 0.5, throughput: 0.3, cost: 0.2 });
    expect(fleet.objectives.headroom).toBe(1.2);
    expect(fleet.models[0]?.maxBatchSize).toBe(32);
    expect(fleet.services[0]?.minReplicas).toBe(1);
    expect(fleet.services[0]?.traffic).toMatchObject({ rps: 10, arrival: 'poisson' });
    expect(Object.isFrozen(fleet.services[0])).toBe(true);
  });

  test('a spec with several mistakes reports all of them, each with its path and YAML line', () => {
    const problems = problemsOf(() => loadFleetFile(fixture('test/fixtures/specs/many-mistakes.yaml')));
    const byPath = new Map(problems.map((p) => [p.path, p]));
    const expected: Array<[string, number]> = [
      ['metadata.name', 3],
      ['models[0].source.fil', 6],
      ['models[0].maxBatchSize', 7],
      ['services[0].model', 10],
      ['services[0].slo.p99Ms', 11],
      ['services[0].traffic.burst', 12],
      ['inventory.nodes[0]', 15],
    ];
    for (const [path, line] of expected) {
      expect(byPath.get(path)?.line, path).toBe(line);
    }
    expect(byPath.get('services[0].model')?.message).toContain("'ocr-dett'");
  });

  test('the error message lists every problem as file:line path: message', () => {
    const text = readFileSync(fixture('test/fixtures/specs/many-mistakes.yaml'), 'utf8');
    try {
      parseFleetText(text, 'many.yaml');
      expect.unreachable();
    } catch (err) {
      const msg = (err as Error).message;
      expect(msg).toMatch(/^fleet spec has \d+ problems:/);
      expect(msg).toContain('many.yaml:10:12  services[0].model:');
      expect((err as TesseraError).code).toBe('TESSERA_ERR_SPEC_INVALID');
    }
  });

  test('YAML syntax errors are coded with their line', () => {
    const problems = problemsOf(() => parseFleetText('apiVersion: x\nmodels: [a, b\n'));
    expect(problems[0]?.line).toBeGreaterThanOrEqual(2);
    expect(() => parseFleetText('a: [')).toThrow(expect.objectContaining({ code: 'TESSERA_ERR_SPEC_SYNTAX' }) as TesseraError);
  });

  test('JSON specs are accepted too', () => {
    const json = JSON.stringify({
      apiVersion: 'tessera.dev/v1alpha1',
      kind: 'Fleet',
      metadata: { name: 'j' },
      models: [{ name: 'm', profiles: './p.json' }],
      services: [{ name: 's', model: 'm', slo: { p99Ms: 5 }, traffic: { trace: { file: 't.csv', format: 'qps-series' } } }],
      inventory: { nodes: [{ name: 'g', gpus: { type: 'A100-80GB', count: 8 }, pricePerHour: 29.4 }] },
    });
    expect(parseFleetText(json).services[0]?.traffic).toMatchObject({ trace: { scale: 1, timeScale: 1 } });
  });

  test('cross-references: duplicate names, missing source and profiles, maxReplicas below minReplicas', () => {
    const result = validateFleet({
      apiVersion: 'tessera.dev/v1alpha1',
      kind: 'Fleet',
      metadata: { name: 'x' },
      models: [{ name: 'm' }, { name: 'm', source: { path: 'a.onnx' } }],
      services: [{ name: 's', model: 'm', slo: { p99Ms: 5 }, traffic: { rps: 1 }, minReplicas: 3, maxReplicas: 2 }],
      inventory: { nodes: [{ name: 'n', cpu: { cores: 1 } }] },
    });
    expect(result.ok).toBe(false);
    const paths = result.ok ? [] : result.problems.map((p) => p.path);
    expect(paths).toEqual(expect.arrayContaining(['models[1].name', 'models[0]', 'services[0].maxReplicas']));
  });

  test('a missing file is a coded error naming the path', () => {
    expect(() => loadFleetFile('/nonexistent/fleet.yaml')).toThrow(expect.objectContaining({ code: 'TESSERA_ERR_INPUT_FILE_NOT_FOUND' }) as TesseraError);
  });

  test('arbitrary input never throws from validateFleet and always explains a rejection', () => {
    fc.assert(
      fc.property(fc.anything(), (value) => {
        const r = validateFleet(value);
        if (!r.ok) expect(r.problems.length).toBeGreaterThan(0);
      }),
      { numRuns: 300 },
    );
  });

  test('arbitrary text never crashes the parser: it yields a fleet or a coded spec error', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => {
        try {
          parseFleetText(text);
        } catch (err) {
          expect(['TESSERA_ERR_SPEC_SYNTAX', 'TESSERA_ERR_SPEC_INVALID']).toContain((err as TesseraError).code);
        }
      }),
      { numRuns: 300 },
    );
  });

  test('the JSON Schema describes the top-level fields', () => {
    const schema = fleetJsonSchema();
    expect(schema['$schema']).toContain('2020-12');
    const props = schema['properties'] as Record<string, unknown>;
    expect(Object.keys(props)).toEqual(expect.arrayContaining(['apiVersion', 'kind', 'metadata', 'models', 'services', 'inventory', 'objectives']));
  });
});
