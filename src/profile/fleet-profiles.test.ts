import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { parseFleetText, type LoadedFleet } from '../core/index.js';
import { loadProfilesForFleet } from './fleet-profiles.js';
import { sourceSha256 } from './model-source.js';
import { onnxruntimeVersion } from './ort-session.js';
import type { ModelProfile } from './profile-types.js';
import { inputsKey, ProfileStore } from './store.js';
import { sharedDataDir, tempDir } from './test-support/tiny-models.js';

const migDir = path.join(sharedDataDir(), 'profiles/a100-80gb-mig');

function fleetAt(dir: string, models: string): LoadedFleet {
  const text = `apiVersion: tessera.dev/v1alpha1
kind: Fleet
metadata: { name: t }
models:
${models}
services:
  - { name: s, model: fraud, slo: { p99Ms: 10 }, traffic: { rps: 1 } }
inventory:
  nodes:
    - { name: g, gpus: { type: A100-80GB, count: 1 } }
`;
  writeFileSync(path.join(dir, 'fleet.yaml'), text);
  return { fleet: parseFleetText(text), file: path.join(dir, 'fleet.yaml'), baseDir: dir };
}

function measured(sha: string, version: string, measuredAt: string, key = inputsKey(undefined)): ModelProfile {
  return {
    schemaVersion: 1,
    model: 'whatever-it-was-called',
    modelSha256: sha,
    origin: 'measured',
    device: { kind: 'cpu', name: 'cpu', threads: 2, fingerprint: 'cpu/t/2c/2t' },
    runtime: { name: 'onnxruntime-node', version },
    inputsKey: key,
    points: [{ batchSize: 1, concurrency: 1, latencyMs: { p50: 1, p90: 1, p99: 1, mean: 1 }, throughputPerS: 1000, samples: 5 }],
    measuredAt,
  };
}

describe('profiles for a fleet', () => {
  test('measured profiles match the model file and inputs; the installed runtime\'s wins per device', () => {
    const dir = tempDir();
    const storeDir = path.join(dir, 'store');
    const store = new ProfileStore(storeDir);
    const sha = sourceSha256({ generated: 'fraud-mlp' }, { baseDir: dir });
    store.put(measured(sha, onnxruntimeVersion(), '2026-01-01T00:00:00Z'));
    store.put(measured(sha, '0.0.1', '2026-06-01T00:00:00Z'));
    store.put(measured(sha, onnxruntimeVersion(), '2026-01-01T00:00:00Z', inputsKey({ features: { shape: [32], dtype: 'float32' } })));
    store.put(measured('f'.repeat(64), onnxruntimeVersion(), '2026-01-01T00:00:00Z'));
    const loaded = fleetAt(dir, '  - { name: fraud, source: { generated: fraud-mlp } }');
    const profiles = loadProfilesForFleet(loaded, storeDir).get('fraud') ?? [];
    expect(profiles).toHaveLength(1);
    expect(profiles[0]).toMatchObject({ model: 'fraud', runtime: { version: onnxruntimeVersion() }, inputsKey: inputsKey(undefined) });
  });

  test('a model with no file gets an empty list and a warning, not an error', () => {
    const dir = tempDir();
    const warnings: string[] = [];
    const loaded = fleetAt(dir, '  - { name: fraud, source: { path: ./gone.onnx } }');
    expect(loadProfilesForFleet(loaded, path.join(dir, 'store'), { onWarning: (m) => warnings.push(m) }).get('fraud')).toEqual([]);
    expect(warnings[0]).toContain('gone.onnx');
  });

  test.skipIf(!existsSync(migDir))('a model\'s `profiles:` folder of MIG tables imports the table named after it', () => {
    const dir = tempDir();
    const loaded = fleetAt(dir, `  - { name: resnet50, profiles: ${JSON.stringify(migDir)} }\n  - { name: fraud, source: { generated: fraud-mlp } }`);
    const byModel = loadProfilesForFleet(loaded, path.join(dir, 'store'));
    const resnet = byModel.get('resnet50') ?? [];
    expect(resnet.map((p) => p.device.slice)).toEqual(['1g.10gb', '2g.20gb', '3g.40gb', '4g.40gb', '7g.80gb']);
    expect(resnet.every((p) => p.model === 'resnet50' && p.source?.endsWith('resnet50.csv'))).toBe(true);
    expect(byModel.get('fraud')).toEqual([]);
  });
});
