import { describe, expect, test } from 'vitest';
import { checkLayout, isValidLayout, parseLayout, type LayoutRule } from './index.js';

const rules = (gpu: string, text: string, driver?: number): LayoutRule[] => checkLayout(gpu, parseLayout(gpu, text), { driver }).map((v) => v.rule);

describe('MIG layout checker', () => {
  test('a valid layout has no violations', () => {
    expect(checkLayout('A100-40GB', parseLayout('A100-40GB', '3g.20gb@4,2g.10gb@0,1g.5gb@2,1g.5gb@3'))).toEqual([]);
    expect(isValidLayout('A100-40GB', [])).toBe(true);
  });

  test('catches overlapping memory slots and names the slots', () => {
    const v = checkLayout('A100-40GB', parseLayout('A100-40GB', '2g.10gb@2,1g.5gb@3'));
    expect(v.map((x) => x.rule)).toEqual(['overlap']);
    expect(v[0]?.message).toContain('slot(s) 3');
    expect(v[0]?.placements).toEqual([0, 1]);
  });

  test('catches a start the profile cannot use (3g only at 0 or 4, 2g not at 6)', () => {
    expect(rules('A100-40GB', '3g.20gb@2')).toEqual(['bad-start']);
    expect(rules('A100-40GB', '2g.10gb@6')).toEqual(['bad-start']);
    expect(rules('A100-40GB', '1g.5gb@7')).toEqual(['bad-start']);
    expect(rules('A30-24GB', '2g.12gb@1')).toEqual(['bad-start']);
  });

  test('catches more than seven compute slices even without overlapping slots', () => {
    // 4g + 3g use all 8 slots; one more 1g is both an overlap and an eighth compute slice.
    expect(rules('A100-40GB', '4g.20gb@0,3g.20gb@4,1g.5gb@6')).toEqual(expect.arrayContaining(['compute-exceeded']));
    // Non-overlapping but over the compute budget: exercise the sum on its own.
    const v = checkLayout('A100-40GB', [
      { profile: '4g.20gb', start: 0 },
      { profile: '2g.10gb', start: 4 },
      { profile: '2g.10gb', start: 4 },
    ]);
    expect(v.map((x) => x.rule)).toEqual(expect.arrayContaining(['compute-exceeded', 'overlap']));
  });

  test('catches a second +me instance on the same GPU', () => {
    expect(rules('A100-40GB', '1g.5gb+me@0,1g.5gb+me@1')).toEqual(['media-extension-limit']);
    // On the A30 the rule spans both +me profiles.
    expect(rules('A30-24GB', '1g.6gb+me@0,2g.12gb+me@2')).toEqual(['media-extension-limit']);
    expect(rules('A100-40GB', '1g.5gb+me@0,1g.5gb@1')).toEqual([]);
  });

  test('4g + 3g together needs driver R510 or newer', () => {
    expect(rules('A100-40GB', '4g.20gb@0,3g.20gb@4', 470)).toEqual(['driver-combination']);
    expect(rules('A100-40GB', '4g.20gb@0,3g.20gb@4', 509)).toEqual(['driver-combination']);
    expect(rules('A100-40GB', '4g.20gb@0,3g.20gb@4', 510)).toEqual([]);
    expect(rules('A100-40GB', '4g.20gb@0,3g.20gb@4')).toEqual([]);
    expect(rules('H100-80GB', '4g.40gb@0,3g.40gb@4', 470)).toEqual(['driver-combination']);
  });

  test('a profile newer than the driver is caught (A100 1g.10gb needs R525, +me needs R470)', () => {
    expect(rules('A100-40GB', '1g.10gb@0', 510)).toEqual(['driver-profile']);
    expect(rules('A100-40GB', '1g.10gb@0', 525)).toEqual([]);
    expect(rules('A100-40GB', '1g.5gb+me@0', 460)).toEqual(['driver-profile']);
    expect(rules('A30-24GB', '2g.12gb+me@0', 470)).toEqual(['driver-profile']);
  });

  test('an unknown profile is a violation, not an exception', () => {
    const v = checkLayout('A100-80GB', [{ profile: '3g.20gb', start: 0 }]);
    expect(v.map((x) => x.rule)).toEqual(['unknown-profile']);
    expect(v[0]?.message).toContain('3g.40gb');
  });

  test('more instances of a profile than it allows, and more instances than the GPU allows', () => {
    expect(rules('A30-24GB', '4g.24gb@0,4g.24gb@0')).toEqual(expect.arrayContaining(['profile-instances', 'overlap']));
    const eight = Array.from({ length: 8 }, (_, i) => ({ profile: '1g.5gb', start: Math.min(i, 6) }));
    expect(checkLayout('A100-40GB', eight).map((x) => x.rule)).toEqual(expect.arrayContaining(['too-many-instances', 'compute-exceeded', 'profile-instances']));
  });

  test('a GPU without MIG holds no instances', () => {
    expect(checkLayout('L4', [{ profile: '1g.5gb', start: 0 }]).map((x) => x.rule)).toEqual(['not-mig']);
    expect(checkLayout('L4', [])).toEqual([]);
  });

  test('every broken rule is listed at once', () => {
    const v = rules('A100-40GB', '4g.20gb@0,3g.20gb@4,1g.5gb+me@2,1g.5gb+me@6', 470);
    expect(new Set(v)).toEqual(new Set(['overlap', 'compute-exceeded', 'media-extension-limit', 'driver-combination']));
  });
});
