import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments, parse } from 'yaml';
import { describe, expect, test } from 'vitest';
import { isLabelKey } from './names.js';
import type { KubeObject } from './render/objects.js';
import { objectProblems } from './render/validate.js';

const DIR = fileURLToPath(new URL('../../../deploy/k8s/', import.meta.url));

describe('deploy/k8s examples', () => {
  test('the KubeSchedulerConfiguration names the extender as kube-scheduler expects it (gpu-k8s.md §5.2)', () => {
    const config = parse(readFileSync(`${DIR}kube-scheduler-config.yaml`, 'utf8')) as {
      apiVersion: string;
      kind: string;
      profiles: { schedulerName: string }[];
      extenders: Record<string, unknown>[];
    };
    expect(config.apiVersion).toBe('kubescheduler.config.k8s.io/v1');
    expect(config.kind).toBe('KubeSchedulerConfiguration');
    expect(config.profiles.map((p) => p.schedulerName)).toEqual(['tessera-scheduler']);
    expect(config.extenders).toHaveLength(1);
    const ext = config.extenders[0] ?? {};
    const known = ['urlPrefix', 'filterVerb', 'preemptVerb', 'prioritizeVerb', 'weight', 'bindVerb', 'enableHTTPS', 'tlsConfig', 'httpTimeout', 'nodeCacheCapable', 'managedResources', 'ignorable'];
    expect(Object.keys(ext).filter((k) => !known.includes(k))).toEqual([]);
    expect(ext).toMatchObject({ urlPrefix: 'http://127.0.0.1:8888', filterVerb: 'filter', prioritizeVerb: 'prioritize', nodeCacheCapable: false, enableHTTPS: false });
    expect(ext['weight']).toBeGreaterThan(0);
    expect(ext['bindVerb']).toBeUndefined();
    const managed = ext['managedResources'] as { name: string; ignoredByScheduler: boolean }[];
    expect(new Set(managed.map((m) => m.name)).size).toBe(managed.length);
    for (const m of managed) expect(isLabelKey(m.name) && m.name.startsWith('nvidia.com/'), m.name).toBe(true);
  });

  test('the second-scheduler manifests validate against their schemas', () => {
    const docs = parseAllDocuments(readFileSync(`${DIR}tessera-scheduler.yaml`, 'utf8')).map((d) => d.toJS() as KubeObject);
    expect(docs.map((d) => d.kind)).toEqual(['ServiceAccount', 'ClusterRoleBinding', 'ClusterRoleBinding', 'RoleBinding', 'Deployment']);
    for (const d of docs) expect(objectProblems(d), `${d.kind} ${d.metadata.name}`).toEqual([]);
  });
});
