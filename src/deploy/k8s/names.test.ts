import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { dnsLabel, fnv1a, isDns1035Label, isDns1123Label, isDns1123Subdomain, isLabelKey, isLabelValue, joinLabel, labelValue } from './names.js';

describe('Kubernetes names', () => {
  test.each([
    ['line-01', 'line-01'],
    ['Line_01', 'line-01'],
    ['3g.40gb', 't-3g-40gb'],
    ['  --weird!!name--  ', 'weird-name'],
    ['', 'x'],
    ['ÜBER modell', 'ber-modell'],
  ])('dnsLabel(%j) is %j', (input, expected) => {
    expect(dnsLabel(input)).toBe(expected);
  });

  test('a name over 63 characters is cut and ends in a hash of the whole text', () => {
    const a = dnsLabel(`service-${'a'.repeat(80)}-one`);
    const b = dnsLabel(`service-${'a'.repeat(80)}-two`);
    expect(a.length).toBeLessThanOrEqual(63);
    expect(a).not.toBe(b);
    expect(a.endsWith(fnv1a(`service-${'a'.repeat(80)}-one`))).toBe(true);
  });

  test('joinLabel joins parts and makes the result safe', () => {
    expect(joinLabel('line-01', 'A100-80GB', '3g.40gb')).toBe('line-01-a100-80gb-3g-40gb');
    expect(joinLabel('line-01', '', 'gpu')).toBe('line-01-gpu');
  });

  test('any text becomes a DNS-1123 and DNS-1035 label, the same every time, and a valid name is kept', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (s) => {
        const name = dnsLabel(s);
        expect(isDns1123Label(name)).toBe(true);
        expect(isDns1035Label(name)).toBe(true);
        expect(dnsLabel(s)).toBe(name);
        expect(dnsLabel(name)).toBe(name);
      }),
    );
  });

  test('any text becomes a valid label value', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (s) => {
        expect(isLabelValue(labelValue(s))).toBe(true);
      }),
    );
    expect(labelValue('4.6')).toBe('4.6');
    expect(labelValue('NVIDIA-A100-SXM4-80GB')).toBe('NVIDIA-A100-SXM4-80GB');
  });

  test('label keys, values and subdomains follow apimachinery', () => {
    expect(isLabelKey('nvidia.com/mig-1g.10gb')).toBe(true);
    expect(isLabelKey('app.kubernetes.io/name')).toBe(true);
    expect(isLabelKey('cpu')).toBe(true);
    expect(isLabelKey('nvidia.com/mig-9g bad')).toBe(false);
    expect(isLabelKey('Bad_Prefix/name')).toBe(false);
    expect(isLabelValue('')).toBe(true);
    expect(isLabelValue('-x')).toBe(false);
    expect(isLabelValue('a'.repeat(64))).toBe(false);
    expect(isDns1123Subdomain('gpu-a-0.example.com')).toBe(true);
    expect(isDns1123Subdomain('gpu_a')).toBe(false);
    expect(isDns1035Label('1abc')).toBe(false);
    expect(isDns1123Label('1abc')).toBe(true);
  });
});
