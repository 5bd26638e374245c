import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { ERROR_CODES } from './registry.js';

const doc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
const documented = new Set([...doc.matchAll(/`(TESSERA_ERR_[A-Z0-9_]+)`/g)].map((m) => m[1]));

describe('docs/errors.md and the code registry', () => {
  test.each(Object.keys(ERROR_CODES))('%s is documented', (code) => {
    expect(documented.has(code)).toBe(true);
  });

  test('the doc names no code that does not exist', () => {
    const unknown = [...documented].filter((c) => c !== undefined && !Object.hasOwn(ERROR_CODES, c));
    expect(unknown).toEqual([]);
  });

  test('each documented row shows the HTTP status the registry maps the code to', () => {
    for (const [code, info] of Object.entries(ERROR_CODES)) {
      const row = new RegExp(`\\|\\s*\`${code}\`\\s*\\|\\s*(\\d{3})\\s*\\|`).exec(doc);
      expect(row?.[1], code).toBe(String(info.httpStatus));
    }
  });

  test('codes follow TESSERA_ERR_<AREA>_<WHAT>', () => {
    for (const code of Object.keys(ERROR_CODES)) expect(code).toMatch(/^TESSERA_ERR_[A-Z0-9]+_[A-Z0-9_]+$/);
  });
});
