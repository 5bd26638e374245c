import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  checkLayout,
  enumerateLayouts,
  findPlacement,
  freeSpace,
  layoutMultisets,
  layoutToString,
  listGpuTypes,
  maxInstancesThatFit,
  parseLayout,
  placeProfiles,
  profileCounts,
  type Layout,
} from './index.js';

const key = (counts: Record<string, number>): string => JSON.stringify(Object.entries(counts).sort(([a], [b]) => (a < b ? -1 : 1)));

describe('placeProfiles', () => {
  test('places a 3-2-1-1 multiset into a valid layout', () => {
    const r = placeProfiles('A100-40GB', ['1g.5gb', '2g.10gb', '1g.5gb', '3g.20gb']);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(checkLayout('A100-40GB', r.layout)).toEqual([]);
    expect(profileCounts(r.layout)).toEqual({ '3g.20gb': 1, '2g.10gb': 1, '1g.5gb': 2 });
  });

  test('keeps small instances on high slots so a 4g still fits at 0', () => {
    expect(findPlacement('A100-40GB', [], '1g.5gb')).toBe(6);
    const r = placeProfiles('A100-40GB', ['2g.10gb', '1g.5gb']);
    expect(r.ok && layoutToString(r.layout)).toBe('2g.10gb@4,1g.5gb@6');
    expect(findPlacement('A100-40GB', parseLayout('A100-40GB', '2g.10gb@4,1g.5gb@6'), '4g.20gb')).toBe(0);
  });

  test('places next to existing instances without moving them', () => {
    const existing = parseLayout('A100-40GB', '3g.20gb@0');
    const r = placeProfiles('A100-40GB', ['2g.10gb', '1g.5gb', '1g.5gb'], { existing });
    expect(r.ok).toBe(false);
    const r2 = placeProfiles('A100-40GB', ['2g.10gb', '1g.5gb'], { existing });
    expect(r2.ok && layoutToString(r2.layout)).toBe('3g.20gb@0,2g.10gb@4,1g.5gb@6');
    expect(r2.ok && layoutToString(r2.added)).toBe('2g.10gb@4,1g.5gb@6');
  });

  test.each([
    [['4g.20gb', '4g.20gb'], 'compute'],
    [['2g.10gb', '2g.10gb', '2g.10gb', '2g.10gb'], 'compute'],
    [['3g.20gb', '3g.20gb', '1g.5gb'], 'memory'],
    [['1g.10gb', '1g.10gb', '1g.10gb', '1g.10gb', '1g.5gb'], 'memory'],
    [['1g.5gb+me', '1g.5gb+me'], 'media-extension'],
  ] as const)('reports %j as unplaceable (%s)', (profiles, reason) => {
    const r = placeProfiles('A100-40GB', profiles);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toBe(reason);
  });

  test('next to existing instances the geometry can refuse what the counts allow', () => {
    const r = placeProfiles('A100-40GB', ['4g.20gb'], { existing: parseLayout('A100-40GB', '1g.5gb@0') });
    expect(!r.ok && r.reason).toBe('geometry');
  });

  test('on an empty GPU the counting rules alone decide: every multiset that meets them is placed', () => {
    // Exhaustive over multisets of up to 7 base and variant profiles; this is what lets a planner
    // use linear count constraints (compute, memory slots, instances, one +me, driver) per GPU.
    for (const type of ['A100-40GB', 'A30-24GB']) {
      const gpu = listGpuTypes().find((g) => g.type === type)!;
      const names = gpu.migProfiles.map((p) => p.name);
      const walk = (from: number, current: string[]): void => {
        if (current.length > 0) {
          const r = placeProfiles(gpu, current);
          expect(r.ok || r.reason !== 'geometry', current.join(' ')).toBe(true);
        }
        if (current.length === gpu.maxInstances) return;
        for (let i = from; i < names.length; i++) walk(i, [...current, names[i]!]);
      };
      walk(0, []);
    }
  });

  test('the driver rules apply: 4g+3g before R510, 1g.10gb before R525', () => {
    const r = placeProfiles('A100-40GB', ['4g.20gb', '3g.20gb'], { driver: 470 });
    expect(!r.ok && r.reason).toBe('driver');
    expect(placeProfiles('A100-40GB', ['4g.20gb', '3g.20gb'], { driver: 510 }).ok).toBe(true);
    const r2 = placeProfiles('A100-40GB', ['1g.10gb'], { driver: 510 });
    expect(!r2.ok && r2.reason).toBe('driver');
  });

  test('an invalid existing layout is reported, not extended', () => {
    const r = placeProfiles('A100-40GB', ['1g.5gb'], { existing: [{ profile: '3g.20gb', start: 2 }] });
    expect(!r.ok && r.reason).toBe('existing-invalid');
  });

  test('unknown profiles throw a coded error (a naming mistake, not a packing outcome)', () => {
    expect(() => placeProfiles('A100-80GB', ['3g.20gb'])).toThrow(expect.objectContaining({ code: 'TESSERA_ERR_HARDWARE_UNKNOWN_PROFILE' }));
  });

  test('counts how many of one profile fit (mig-parted all-<profile>)', () => {
    expect(maxInstancesThatFit('A100-40GB', '1g.5gb')).toBe(7);
    expect(maxInstancesThatFit('A100-40GB', '1g.10gb')).toBe(4);
    expect(maxInstancesThatFit('A100-80GB', '1g.10gb')).toBe(7);
    expect(maxInstancesThatFit('A100-40GB', '3g.20gb')).toBe(2);
    expect(maxInstancesThatFit('A100-40GB', '1g.5gb+me')).toBe(1);
  });
});

describe('freeSpace', () => {
  test('an empty GPU fits the whole-GPU profile and is not fragmented', () => {
    const f = freeSpace('A100-40GB', []);
    expect(f).toMatchObject({ freeComputeSlices: 7, largestFit: '7g.40gb', fragmentation: 0 });
    expect(f.freeMemorySlots).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  test('a 1g at slot 0 leaves 6 free slices of which a 3g at slot 4 is the largest usable block', () => {
    const f = freeSpace('A100-40GB', parseLayout('A100-40GB', '1g.5gb@0'));
    expect(f.largestFit).toBe('3g.20gb');
    expect(f.fragmentation).toBeCloseTo(0.5, 10);
    expect(f.fits.find((x) => x.profile === '2g.10gb')?.starts).toEqual([2, 4]);
  });

  test('the same 1g at slot 6 leaves a 4g usable instead', () => {
    const f = freeSpace('A100-40GB', parseLayout('A100-40GB', '1g.5gb@6'));
    expect(f.largestFit).toBe('4g.20gb');
    expect(f.fragmentation).toBeCloseTo(1 / 3, 10);
  });

  test('before R510 a 3g blocks the 4g beside it', () => {
    const old = freeSpace('A100-40GB', parseLayout('A100-40GB', '3g.20gb@4'), { driver: 470 });
    expect(old.largestFit).toBe('3g.20gb');
    expect(old.fits.map((f) => f.profile)).not.toContain('4g.20gb');
    expect(freeSpace('A100-40GB', parseLayout('A100-40GB', '3g.20gb@4')).largestFit).toBe('4g.20gb');
  });

  test('a full GPU has nothing free', () => {
    expect(freeSpace('A100-40GB', parseLayout('A100-40GB', '7g.40gb@0'))).toMatchObject({ freeComputeSlices: 0, largestFit: undefined, fragmentation: 0, fits: [] });
  });
});

describe('placeProfiles against the enumeration (property)', () => {
  const migTypes = listGpuTypes().filter((g) => g.migCapable && (g.type === 'A100-40GB' || g.type === 'H100-80GB' || g.type === 'A30-24GB'));
  const drivers = [undefined, 470, 510, 525] as const;
  const placeable = new Map<string, Set<string>>();
  const placeableKeys = (type: string, driver: number | undefined): Set<string> => {
    const k = `${type}|${driver}`;
    let s = placeable.get(k);
    if (s === undefined) {
      s = new Set(layoutMultisets(type, { profiles: 'all', driver }).map((m) => key(m.counts)));
      placeable.set(k, s);
    }
    return s;
  };

  const request = fc
    .record({ gpu: fc.constantFrom(...migTypes), driver: fc.constantFrom(...drivers) })
    .chain(({ gpu, driver }) =>
      fc.record({
        gpu: fc.constant(gpu),
        driver: fc.constant(driver),
        profiles: fc.array(fc.constantFrom(...gpu.migProfiles.map((p) => p.name)), { minLength: 1, maxLength: 8 }),
      }),
    );

  test('a random multiset either places into a checker-valid layout of exactly that multiset or truly has no valid layout', () => {
    fc.assert(
      fc.property(request, ({ gpu, driver, profiles }) => {
        const r = placeProfiles(gpu, profiles, { driver });
        const wanted = key(profileCounts(profiles.map((p) => ({ profile: p, start: 0 }))));
        if (r.ok) {
          expect(checkLayout(gpu, r.layout, { driver })).toEqual([]);
          expect(key(profileCounts(r.layout))).toBe(wanted);
        } else {
          expect(placeableKeys(gpu.type, driver).has(wanted)).toBe(false);
        }
      }),
      { numRuns: 400, seed: 20240601 },
    );
  });

  test('next to a random valid existing layout, placement keeps the existing instances and stays valid, or no valid extension exists', () => {
    const a100 = listGpuTypes().find((g) => g.type === 'A100-40GB')!;
    const all = enumerateLayouts(a100, { profiles: 'all' });
    const arb = fc.record({
      existing: fc.constantFrom(...all),
      profiles: fc.array(fc.constantFrom(...a100.migProfiles.map((p) => p.name)), { minLength: 1, maxLength: 4 }),
    });
    fc.assert(
      fc.property(arb, ({ existing, profiles }) => {
        const r = placeProfiles(a100, profiles, { existing });
        const has = (l: Layout, p: { profile: string; start: number }): boolean => l.some((q) => q.profile === p.profile && q.start === p.start);
        const target = key(profileCounts([...existing, ...profiles.map((p) => ({ profile: p, start: 0 }))]));
        if (r.ok) {
          expect(checkLayout(a100, r.layout)).toEqual([]);
          for (const p of existing) expect(has(r.layout, p)).toBe(true);
          expect(key(profileCounts(r.layout))).toBe(target);
        } else {
          const extension = all.find((l) => existing.every((p) => has(l, p)) && key(profileCounts(l)) === target);
          expect(extension).toBeUndefined();
        }
      }),
      { numRuns: 300, seed: 7 },
    );
  });
});
