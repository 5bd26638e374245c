import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { loadFleetFile, type Fleet } from '../core/index.js';
import { loadProfilesForFleet, type ModelProfile } from '../profile/index.js';
import { planFleet } from './plan-fleet.js';
import { a100Profiles, fleetOf, stable, svc } from './test-support/fleets.js';

/**
 * Golden plans: the factory example and one small fleet (cold pool, availability, a pin). Plans
 * must be deterministic for this (no timestamps, stable ordering; wall time is zeroed here).
 * UPDATE_GOLDEN=1 rewrites the files; review the diff before committing it.
 */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DIR = path.join(ROOT, 'test/golden/plans');

function small(): Fleet {
  const fleet = fleetOf(
    [
      svc('checkout', 'resnet50', 100, 700, { minReplicas: 2, availability: true }),
      svc('search', 'bert', 150, 120),
      svc('thumbs', 'mobilenetv2', 50, 900, { placement: { pin: [{ node: 'b' }] } }),
      svc('audit-a', 'vgg16', 200, 0.5),
      svc('audit-b', 'vgg19', 200, 0.3),
      svc('audit-c', 'densenet121', 300, 0.2),
    ],
    [
      { name: 'a', gpus: { type: 'A100-80GB', count: 2, driver: 535 }, pricePerHour: 8 },
      { name: 'b', gpus: { type: 'A100-80GB', count: 2, driver: 535 }, pricePerHour: 8 },
    ],
  );
  return { ...fleet, metadata: { name: 'small' }, models: fleet.models.map((m) => ({ ...m, memoryBytes: 2 * 1024 ** 3 })) };
}

const cases: { name: string; load: () => { fleet: Fleet; profiles: readonly ModelProfile[] | ReadonlyMap<string, readonly ModelProfile[]> } }[] = [
  {
    name: 'factory',
    load: () => {
      const loaded = loadFleetFile(path.join(ROOT, 'examples/factory.yaml'));
      return { fleet: loaded.fleet as Fleet, profiles: loadProfilesForFleet(loaded, path.join(ROOT, '.tessera/no-store')) };
    },
  },
  { name: 'small', load: () => ({ fleet: small(), profiles: a100Profiles() }) },
];

describe('golden plans', () => {
  for (const c of cases) {
    test(`${c.name}: the plan matches test/golden/plans/${c.name}.json`, async () => {
      const { fleet, profiles } = c.load();
      const plan = stable(await planFleet(fleet, profiles, { solver: 'milp', timeLimitMs: 60_000 }));
      expect(plan.summary.optimalityGap).toBe(0);
      const file = path.join(DIR, `${c.name}.json`);
      const text = `${JSON.stringify(plan, null, 2)}\n`;
      if (process.env['UPDATE_GOLDEN'] === '1' || !existsSync(file)) {
        mkdirSync(DIR, { recursive: true });
        writeFileSync(file, text);
      }
      expect(JSON.parse(text)).toEqual(JSON.parse(readFileSync(file, 'utf8')));
    });
  }

  test('planning the same fleet twice gives the same plan', async () => {
    const a = stable(await planFleet(small(), a100Profiles(), { solver: 'milp', timeLimitMs: 60_000 }));
    const b = stable(await planFleet(small(), a100Profiles(), { solver: 'milp', timeLimitMs: 60_000 }));
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
  });
});
