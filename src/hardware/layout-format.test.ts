import { describe, expect, test } from 'vitest';
import { creationOrder, describeLayout, enumerateFullLayouts, layoutToString, migPartedConfigName, parseLayout, profileCounts } from './index.js';

describe('layout strings', () => {
  test('a layout prints sorted by start and reads back to the same placements', () => {
    const layout = [
      { profile: '3g.20gb', start: 4 },
      { profile: '1g.5gb', start: 1 },
      { profile: '2g.10gb', start: 2 },
      { profile: '1g.5gb', start: 0 },
    ];
    const text = layoutToString(layout);
    expect(text).toBe('1g.5gb@0,1g.5gb@1,2g.10gb@2,3g.20gb@4');
    expect(layoutToString(parseLayout('A100-40GB', text))).toBe(text);
  });

  test('reading accepts spaces and the .me spelling, and refuses what it cannot read with a coded error', () => {
    expect(parseLayout('A100-40GB', '4g.20gb@0, 1g.5gb.me@4')).toEqual([
      { profile: '4g.20gb', start: 0 },
      { profile: '1g.5gb+me', start: 4 },
    ]);
    expect(parseLayout('A100-40GB', '')).toEqual([]);
    expect(() => parseLayout('A100-40GB', '4g.20gb')).toThrow(expect.objectContaining({ code: 'TESSERA_ERR_HARDWARE_LAYOUT_SYNTAX' }));
    expect(() => parseLayout('A100-40GB', '4g.40gb@0')).toThrow(expect.objectContaining({ code: 'TESSERA_ERR_HARDWARE_UNKNOWN_PROFILE' }));
  });

  test('profile counts list bigger profiles first, a +me after its plain twin', () => {
    const counts = profileCounts(parseLayout('A100-40GB', '1g.5gb+me@0,1g.5gb@1,3g.20gb@4,2g.10gb@2'));
    expect(Object.entries(counts)).toEqual([
      ['3g.20gb', 1],
      ['2g.10gb', 1],
      ['1g.5gb', 1],
      ['1g.5gb+me', 1],
    ]);
  });
});

describe('mig-parted config names', () => {
  test('uses mig-parted\'s own names where they mean the same layout', () => {
    expect(migPartedConfigName('A100-40GB', parseLayout('A100-40GB', '1g.5gb@0,1g.5gb@1,1g.5gb@2,1g.5gb@3,1g.5gb@4,1g.5gb@5,1g.5gb@6'))).toBe('all-1g.5gb');
    // all-1g.10gb is 4 instances on the 40GB card (double-memory) and 7 on 80GB cards.
    expect(migPartedConfigName('A100-40GB', parseLayout('A100-40GB', '1g.10gb@0,1g.10gb@2,1g.10gb@4,1g.10gb@6'))).toBe('all-1g.10gb');
    expect(migPartedConfigName('A100-80GB', parseLayout('A100-80GB', '1g.10gb@0,1g.10gb@2,1g.10gb@4,1g.10gb@6'))).toBe('tessera-4x1g.10gb');
    expect(migPartedConfigName('A100-40GB', parseLayout('A100-40GB', '2g.10gb@0,1g.5gb@2,1g.5gb@3,3g.20gb@4'))).toBe('all-balanced');
    expect(migPartedConfigName('A100-40GB', parseLayout('A100-40GB', '7g.40gb@0'))).toBe('all-7g.40gb');
  });

  test('other layouts get a deterministic name from their counts, usable as a label value', () => {
    expect(migPartedConfigName('A100-40GB', parseLayout('A100-40GB', '4g.20gb@0,2g.10gb@4,1g.5gb@6'))).toBe('tessera-4g.20gb-2g.10gb-1g.5gb');
    expect(migPartedConfigName('A100-40GB', parseLayout('A100-40GB', '1g.5gb+me@0,1g.5gb@1,2g.10gb@2'))).toBe('tessera-2g.10gb-1g.5gb-1g.5gb.me');
    for (const type of ['A100-40GB', 'H200-141GB', 'A30-24GB']) {
      for (const l of enumerateFullLayouts(type, { profiles: 'all' })) {
        expect(migPartedConfigName(type, l)).toMatch(/^[a-z0-9]([-a-z0-9_.]{0,61}[a-z0-9])?$/);
      }
    }
  });

  test('layouts with the same counts share a name and different counts never do', () => {
    const names = new Map<string, string>();
    for (const l of enumerateFullLayouts('H100-80GB', { profiles: 'all' })) {
      const counts = JSON.stringify(profileCounts(l));
      const name = migPartedConfigName('H100-80GB', l);
      const seen = names.get(name);
      if (seen !== undefined) expect(seen).toBe(counts);
      names.set(name, counts);
    }
  });
});

describe('creation order and summaries', () => {
  test('creates the 3g first in a 3-2-1-1 geometry (the guide\'s Insufficient Resources workaround)', () => {
    const order = creationOrder(parseLayout('A100-40GB', '1g.5gb@2,1g.5gb@3,2g.10gb@0,3g.20gb@4'));
    expect(order.map((p) => p.profile)).toEqual(['3g.20gb', '2g.10gb', '1g.5gb', '1g.5gb']);
  });

  test('a summary gives compute, memory and the config name', () => {
    const s = describeLayout('A100-40GB', parseLayout('A100-40GB', '3g.20gb@4,3g.20gb@0'));
    expect(s).toMatchObject({ key: '3g.20gb@0,3g.20gb@4', computeSlices: 6, memorySlots: 8, configName: 'all-3g.20gb', counts: { '3g.20gb': 2 } });
    expect(s.memoryBytes).toBe(2 * Math.round(19.5 * 1024 ** 3));
  });
});
