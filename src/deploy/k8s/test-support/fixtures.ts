import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseFleetText, type Fleet } from '../../../core/index.js';
import type { Plan } from '../../../plan/index.js';
import { parsePlan } from '../plan-input.js';

/** Fixtures shared by the Kubernetes tests: the two example plans of test/fixtures/plans and their fleet specs. */
export const FIXTURES = fileURLToPath(new URL('../../../../test/fixtures/plans/', import.meta.url));
export const GOLDEN = fileURLToPath(new URL('../../../../test/golden/k8s/', import.meta.url));
export const EXAMPLE_PLANS = ['factory', 'gpu-mixed'] as const;
export type ExamplePlan = (typeof EXAMPLE_PLANS)[number];

export function loadExample(name: ExamplePlan): { fleet: Readonly<Fleet>; plan: Plan } {
  const fleet = parseFleetText(readFileSync(`${FIXTURES}${name}.fleet.yaml`, 'utf8'), `${name}.fleet.yaml`);
  const plan = parsePlan(JSON.parse(readFileSync(`${FIXTURES}${name}.plan.json`, 'utf8')), `${name}.plan.json`);
  return { fleet, plan };
}
