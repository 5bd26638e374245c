import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { isTesseraError } from '../../core/index.js';
import { codeOf } from '../../core/test-support/coded-error.js';
import { modelProfileSchema } from '../profile-schema.js';
import { sharedDataDir, tempDir } from '../test-support/tiny-models.js';
import { importProfiles } from './import-profiles.js';
import { migRowsToProfiles, parseMigCsv } from './mig-csv.js';

const migDir = path.join(sharedDataDir(), 'profiles/a100-80gb-mig');
const MODELS = ['bert', 'densenet121', 'densenet169', 'densenet201', 'inceptionv3', 'mobilenetv2', 'resnet101', 'resnet152', 'resnet50', 'vgg16', 'vgg19'];
const SLICES = ['1g.10gb', '2g.20gb', '3g.40gb', '4g.40gb', '7g.80gb'];

describe.skipIf(!existsSync(migDir))('importing the A100-80GB MIG tables (../shared/data)', () => {
  test('all 11 models import, one valid profile per MIG slice, GPU told by the folder name', () => {
    const profiles = importProfiles(migDir);
    expect([...new Set(profiles.map((p) => p.model))].sort()).toEqual(MODELS);
    for (const model of MODELS) {
      const mine = profiles.filter((p) => p.model === model);
      expect(mine.map((p) => p.device.slice)).toEqual(SLICES);
      for (const p of mine) {
        expect(modelProfileSchema.safeParse(p).success).toBe(true);
        expect(p).toMatchObject({ origin: 'imported', latencyFromMean: true, device: { kind: 'mig', gpuType: 'A100-80GB' } });
        expect(p.points.length).toBeGreaterThan(0);
      }
    }
  });

  test('bert on 1g.10gb carries the table\'s figures: items/s summed over processes, latency per batch', () => {
    // bert.csv: "1,1,1,74.408,0.013" and "1,1,2,52.42,0.019"
    const [oneG] = importProfiles(migDir, { model: 'bert' });
    expect(oneG?.device).toMatchObject({ slice: '1g.10gb', computeSlices: 1, fingerprint: 'mig/A100-80GB/1g.10gb' });
    const single = oneG?.points.find((p) => p.batchSize === 1 && p.concurrency === 1);
    expect(single?.throughputPerS).toBeCloseTo(74.408, 6);
    expect(single?.latencyMs).toEqual({ p50: 13, p90: 13, p99: 13, mean: 13 });
    expect(single?.samples).toBe(0);
    const two = oneG?.points.find((p) => p.batchSize === 1 && p.concurrency === 2);
    expect(two?.throughputPerS).toBeCloseTo(104.84, 6);
    expect(two?.latencyMs.p50).toBeCloseTo(19, 9);
    // "1,1,5,0,0" was not measured: no point.
    expect(oneG?.points.some((p) => p.batchSize === 1 && p.concurrency === 5)).toBe(false);
  });

  test('throughput × latency is about the batch size: the table\'s throughput counts items', () => {
    for (const p of importProfiles(migDir)) {
      for (const pt of p.points) {
        const perProcess = pt.throughputPerS / pt.concurrency;
        const ratio = (perProcess * pt.latencyMs.mean) / 1000 / pt.batchSize;
        expect(ratio).toBeGreaterThan(0.75);
        expect(ratio).toBeLessThan(1.35);
      }
    }
  });
});

describe('MIG table format checks', () => {
  const header = 'Mig instance,Batch size,Workload Number,Throughput,Latency';

  test('rows become sorted points; an explicit GPU names the slices', () => {
    const rows = parseMigCsv(`${header}\n3,4,2,100,0.04\n3,1,1,50,0.02\n7,1,1,0,0\n`);
    const profiles = migRowsToProfiles(rows, { gpuType: 'A100-40GB', model: 'm', measuredAt: '2026-01-01T00:00:00Z', source: 'x.csv' });
    expect(profiles).toHaveLength(1);
    expect(profiles[0]?.device.slice).toBe('3g.20gb');
    expect(profiles[0]?.points.map((p) => [p.batchSize, p.concurrency, p.throughputPerS])).toEqual([[1, 1, 50], [4, 2, 200]]);
  });

  test('a wrong header or a bad row is a format error naming the line', () => {
    expect(codeOf(() => parseMigCsv('a,b,c\n1,2,3'))).toBe('TESSERA_ERR_PROFILE_IMPORT_FORMAT');
    expect(() => parseMigCsv(`${header}\n1,1,1,5,0.1\n1,x,1,5,0.1\n`, 't.csv')).toThrow(/t\.csv:3/);
    expect(codeOf(() => parseMigCsv(`${header}\n1,0,1,5,0.1\n`))).toBe('TESSERA_ERR_PROFILE_IMPORT_FORMAT');
  });

  test('a slice size the GPU does not have is a format error', () => {
    const rows = parseMigCsv(`${header}\n5,1,1,5,0.2\n`);
    expect(codeOf(() => migRowsToProfiles(rows, { gpuType: 'A100-80GB', model: 'm', measuredAt: 'x', source: 's.csv' }))).toBe('TESSERA_ERR_PROFILE_IMPORT_FORMAT');
  });

  test('a table whose GPU is neither given nor in its path is refused with what to do', () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'resnet.csv'), `${header}\n1,1,1,5,0.2\n`);
    expect(codeOf(() => importProfiles(path.join(dir, 'resnet.csv')))).toBe('TESSERA_ERR_PROFILE_IMPORT_GPU');
    expect(codeOf(() => importProfiles(path.join(dir, 'resnet.csv'), { gpuType: 'Z80' }))).toBe('TESSERA_ERR_PROFILE_IMPORT_GPU');
    expect(importProfiles(path.join(dir, 'resnet.csv'), { gpuType: 'a100_80gb' })[0]?.device.gpuType).toBe('A100-80GB');
  });
});

describe('importing profile JSON', () => {
  test('a profile, an array, or `tessera profile --json` output round-trips', () => {
    const dir = tempDir();
    const gpuDir = path.join(dir, 'h100-80gb');
    mkdirSync(gpuDir);
    writeFileSync(path.join(gpuDir, 'det.csv'), 'Mig instance,Batch size,Workload Number,Throughput,Latency\n7,2,1,400,0.005\n');
    const [imported] = importProfiles(path.join(gpuDir, 'det.csv'));
    expect(imported?.device.name).toBe('H100-80GB 7g.80gb');
    writeFileSync(path.join(dir, 'one.json'), JSON.stringify(imported));
    writeFileSync(path.join(dir, 'many.json'), JSON.stringify([imported, { ...imported, model: 'other' }]));
    writeFileSync(path.join(dir, 'run.json'), JSON.stringify({ results: [{ model: 'det', status: 'measured', profile: imported }, { model: 'x', status: 'failed' }] }));
    expect(importProfiles(path.join(dir, 'one.json'))).toEqual([imported]);
    expect(importProfiles(path.join(dir, 'many.json'))).toHaveLength(2);
    expect(importProfiles(path.join(dir, 'run.json'))).toEqual([imported]);
    // In a folder, a model filter keeps only that model's profiles, renamed to it.
    expect(importProfiles(dir, { model: 'other' }).map((p) => p.model)).toEqual(['other']);
  });

  test('JSON that is not a profile lists its problems with paths', () => {
    const file = path.join(tempDir(), 'bad.json');
    writeFileSync(file, JSON.stringify({ schemaVersion: 1, model: 'm', points: [{ batchSize: 0 }] }));
    try {
      importProfiles(file);
      expect.unreachable();
    } catch (err) {
      expect(isTesseraError(err) && err.code).toBe('TESSERA_ERR_PROFILE_IMPORT_FORMAT');
      expect((err as Error).message).toContain('.points[0].batchSize');
    }
  });

  test('a missing path or an unknown file type is refused', () => {
    const dir = tempDir();
    expect(codeOf(() => importProfiles(path.join(dir, 'nope')))).toBe('TESSERA_ERR_INPUT_FILE_NOT_FOUND');
    writeFileSync(path.join(dir, 'p.txt'), '');
    expect(codeOf(() => importProfiles(path.join(dir, 'p.txt')))).toBe('TESSERA_ERR_PROFILE_IMPORT_FORMAT');
  });
});
