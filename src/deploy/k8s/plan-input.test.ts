import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { TesseraError } from '../../core/index.js';
import type { Plan } from '../../plan/index.js';
import { parsePlan, planSchema } from './plan-input.js';
import { EXAMPLE_PLANS, FIXTURES } from './test-support/fixtures.js';

describe('plan fixtures and the plan reader', () => {
  test.each(EXAMPLE_PLANS)('the %s fixture has the shape of Plan (schema typed z.ZodType<Plan>)', (name) => {
    const json: unknown = JSON.parse(readFileSync(`${FIXTURES}${name}.plan.json`, 'utf8'));
    const parsed = planSchema.safeParse(json);
    expect(parsed.success, parsed.success ? '' : JSON.stringify(parsed.error.issues.slice(0, 3))).toBe(true);
    const plan: Plan = parsePlan(json);
    expect(plan.kind).toBe('Plan');
  });

  test('the factory fixture has mixed MIG layouts, seven hot services and a cold pool', () => {
    const plan = parsePlan(JSON.parse(readFileSync(`${FIXTURES}factory.plan.json`, 'utf8')));
    expect(plan.gpus.map((g) => [...g.layout].sort().join('+'))).toContain('1g.10gb+1g.10gb+2g.20gb+3g.40gb');
    expect(plan.services.filter((s) => s.pool === 'hot')).toHaveLength(7);
    expect(plan.coldPools).toHaveLength(1);
  });

  test('the gpu-mixed fixture has MIG, whole-GPU, shared-GPU and CPU slices', () => {
    const plan = parsePlan(JSON.parse(readFileSync(`${FIXTURES}gpu-mixed.plan.json`, 'utf8')));
    expect(new Set(plan.slices.map((s) => s.kind))).toEqual(new Set(['mig', 'gpu', 'gpu-share', 'cpu']));
  });

  test('a broken plan is refused with every problem and its path', () => {
    const plan = JSON.parse(readFileSync(`${FIXTURES}factory.plan.json`, 'utf8')) as Plan;
    const broken = { ...plan, kind: 'Plan', services: plan.services.map((s, i) => (i === 0 ? { ...s, replicas: [{ ...s.replicas[0], slice: 'nope' }] } : s)) };
    let err: unknown;
    try {
      parsePlan(broken, 'broken.json');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TesseraError);
    expect((err as TesseraError).code).toBe('TESSERA_ERR_K8S_PLAN_INVALID');
    expect((err as TesseraError).message).toContain("services[0].replicas[0].slice: slice 'nope' is not in slices[]");

    const shapeless = { apiVersion: 'tessera.dev/v1alpha1', kind: 'Plan', services: 'x' };
    expect(() => parsePlan(shapeless)).toThrow(/services/);
    try {
      parsePlan(shapeless);
    } catch (e) {
      const problems = (e as TesseraError).details?.['problems'] as unknown[];
      // Every missing member is reported at once, not only the first.
      expect(problems.length).toBeGreaterThan(3);
    }
  });
});
