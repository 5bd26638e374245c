import { describe, expect, test } from 'vitest';
import {
  candidatesForTest,
  checkLayout,
  enumerateFullLayouts,
  enumerateLayouts,
  fullLayoutMultisets,
  layoutMultisets,
  layoutToString,
  listGpuTypes,
} from './test-support/candidates.js';

/** The reference's §1.4 table of the 19 A100-40GB full layouts, in its shorthand. */
const REFERENCE_A100_40GB = [
  '7g@0',
  '4g@0 3g@4',
  '4g@0 2g@4 1g@6',
  '4g@0 1g@4 1g@5 1g@6',
  '3g@0 3g@4',
  '3g@0 2g@4 1g@6',
  '3g@0 1g@4 1g@5 1g@6',
  '2g@0 2g@2 3g@4',
  '2g@0 1g@2 1g@3 3g@4',
  '1g@0 1g@1 2g@2 3g@4',
  '1g@0 1g@1 1g@2 1g@3 3g@4',
  '2g@0 2g@2 2g@4 1g@6',
  '2g@0 1g@2 1g@3 2g@4 1g@6',
  '1g@0 1g@1 2g@2 2g@4 1g@6',
  '2g@0 2g@2 1g@4 1g@5 1g@6',
  '2g@0 1g@2 1g@3 1g@4 1g@5 1g@6',
  '1g@0 1g@1 2g@2 1g@4 1g@5 1g@6',
  '1g@0 1g@1 1g@2 1g@3 2g@4 1g@6',
  '1g@0 1g@1 1g@2 1g@3 1g@4 1g@5 1g@6',
];
const A100_40GB_NAMES: Record<string, string> = { '1g': '1g.5gb', '2g': '2g.10gb', '3g': '3g.20gb', '4g': '4g.20gb', '7g': '7g.40gb' };
const expand = (short: string): string =>
  layoutToString(short.split(' ').map((item) => ({ profile: A100_40GB_NAMES[item.split('@')[0]!]!, start: Number(item.split('@')[1]) })));

const MIG_TYPES = listGpuTypes().filter((g) => g.migCapable);

describe('full-layout enumeration', () => {
  test('A100-40GB has exactly the reference\'s 19 full layouts with a current driver', () => {
    const got = enumerateFullLayouts('A100-40GB').map(layoutToString);
    expect(got).toHaveLength(19);
    expect(new Set(got)).toEqual(new Set(REFERENCE_A100_40GB.map(expand)));
  });

  test('A100-40GB has 18 before R510: the 4g+3g layout drops out and nothing replaces it', () => {
    const got = enumerateFullLayouts('A100-40GB', { driver: 470 }).map(layoutToString);
    expect(got).toHaveLength(18);
    expect(new Set(got)).toEqual(new Set(REFERENCE_A100_40GB.map(expand).filter((l) => l !== '4g.20gb@0,3g.20gb@4')));
    expect(enumerateFullLayouts('A100-40GB', { driver: 509 })).toHaveLength(18);
    expect(enumerateFullLayouts('A100-40GB', { driver: 510 })).toHaveLength(19);
  });

  test('the 19 layouts are 14 profile multisets (18 → 13 before R510)', () => {
    expect(fullLayoutMultisets('A100-40GB')).toHaveLength(14);
    expect(fullLayoutMultisets('A100-40GB', { driver: 470 })).toHaveLength(13);
    const balanced = fullLayoutMultisets('A100-40GB').find((m) => JSON.stringify(m.counts) === JSON.stringify({ '3g.20gb': 1, '2g.10gb': 1, '1g.5gb': 2 }));
    expect(balanced?.placements).toBe(2);
  });

  test.each(MIG_TYPES.filter((g) => g.memorySlots === 8).map((g) => g.type))('%s has the same 8-slot geometry: 19 full layouts, 18 before R510', (type) => {
    expect(enumerateFullLayouts(type)).toHaveLength(19);
    expect(enumerateFullLayouts(type, { driver: 470 })).toHaveLength(18);
  });

  test('A30-24GB has 5 full layouts: 4g, 2g+2g, 2g+1g+1g in both orders, 4×1g', () => {
    expect(enumerateFullLayouts('A30-24GB').map(layoutToString)).toEqual([
      '4g.24gb@0',
      '2g.12gb@0,2g.12gb@2',
      '1g.6gb@0,1g.6gb@1,2g.12gb@2',
      '2g.12gb@0,1g.6gb@2,1g.6gb@3',
      '1g.6gb@0,1g.6gb@1,1g.6gb@2,1g.6gb@3',
    ]);
  });

  test('with the double-memory 1g.10gb (R525+) the A100-40GB has 78 full layouts in 38 multisets, as the reference derives', () => {
    const profiles = ['1g.5gb', '1g.10gb', '2g.10gb', '3g.20gb', '4g.20gb', '7g.40gb'];
    expect(enumerateFullLayouts('A100-40GB', { profiles })).toHaveLength(78);
    expect(fullLayoutMultisets('A100-40GB', { profiles })).toHaveLength(38);
    // The driver hides the profile it lacks.
    expect(enumerateFullLayouts('A100-40GB', { profiles, driver: 510 })).toHaveLength(19);
  });

  test('variants are opt-in: the default counts base profiles only', () => {
    for (const l of enumerateFullLayouts('H100-80GB')) for (const p of l) expect(p.profile).not.toMatch(/\+me|^1g\.20gb$/);
    const all = enumerateFullLayouts('A100-40GB', { profiles: 'all' });
    expect(all.length).toBeGreaterThan(78);
    expect(all.some((l) => l.some((p) => p.profile === '1g.5gb+me'))).toBe(true);
  });

  test.each(MIG_TYPES.map((g) => g.type))('every enumerated %s layout passes the checker and no instance can be added to it', (type) => {
    for (const driver of [undefined, 470]) {
      for (const profiles of ['base', 'all'] as const) {
        const candidates = candidatesForTest(type, profiles, driver);
        for (const layout of enumerateFullLayouts(type, { driver, profiles })) {
          expect(checkLayout(type, layout, { driver }), layoutToString(layout)).toEqual([]);
          for (const c of candidates) expect(checkLayout(type, [...layout, c], { driver }).length, `${layoutToString(layout)} + ${c.profile}@${c.start}`).toBeGreaterThan(0);
        }
      }
    }
  });

  test('every valid layout (full or partial) passes the checker, and the full ones are among them', () => {
    const all = enumerateLayouts('A100-40GB');
    for (const l of all) expect(checkLayout('A100-40GB', l)).toEqual([]);
    const keys = new Set(all.map(layoutToString));
    for (const l of enumerateFullLayouts('A100-40GB')) expect(keys.has(layoutToString(l))).toBe(true);
    expect(all).toHaveLength(297);
    expect(layoutMultisets('A100-40GB').length).toBeGreaterThan(14);
  });

  test('enumeration of a GPU without MIG is a coded error', () => {
    expect(() => enumerateFullLayouts('T4')).toThrow(expect.objectContaining({ code: 'TESSERA_ERR_HARDWARE_NOT_MIG' }));
  });
});
