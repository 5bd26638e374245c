import { mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { EXAMPLE_PLANS, GOLDEN, loadExample } from '../test-support/fixtures.js';
import { renderPlan } from './render.js';

/*
 * Golden files: the full render of each example plan (with Triton configs) is kept under
 * test/golden/k8s/<plan>/. A change to the renderer shows up as a diff there for review.
 * Rewrite them with `UPDATE_GOLDEN=1 npx vitest run src/deploy/k8s/render/golden.test.ts`.
 */

const UPDATE = process.env['UPDATE_GOLDEN'] === '1';

function listFiles(dir: string, base = dir): string[] {
  return readdirSync(dir).flatMap((e) => {
    const full = path.join(dir, e);
    return statSync(full).isDirectory() ? listFiles(full, base) : [path.relative(base, full).split(path.sep).join('/')];
  });
}

describe('golden manifests of the example plans', () => {
  test.each(EXAMPLE_PLANS)('%s renders byte-for-byte as test/golden/k8s/%s', (name) => {
    const { fleet, plan } = loadExample(name);
    const result = renderPlan(fleet, plan, { triton: true });
    const dir = path.join(GOLDEN, name);
    if (UPDATE) {
      rmSync(dir, { recursive: true, force: true });
      for (const f of result.files) {
        mkdirSync(path.dirname(path.join(dir, f.path)), { recursive: true });
        writeFileSync(path.join(dir, f.path), f.content);
      }
    }
    const golden = listFiles(dir).sort();
    expect(result.files.map((f) => f.path).sort()).toEqual(golden);
    for (const f of result.files) expect(f.content, f.path).toBe(readFileSync(path.join(dir, f.path), 'utf8'));
  });
});
