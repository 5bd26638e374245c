import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { afterAll, describe, expect, test } from 'vitest';
import type { TesseraError } from '../../../core/index.js';
import type { Plan } from '../../../plan/index.js';
import { loadExample } from '../test-support/fixtures.js';
import { queueDepthTarget } from './autoscaling.js';
import { buildContext } from './context.js';
import { MIG_PARTED_KEY } from './gpu-operator.js';
import type { KubeObject } from './objects.js';
import { resolveRenderOptions } from './options.js';
import { renderPlan, type RenderResult } from './render.js';
import { tritonConfig } from './triton.js';
import { objectProblems, validateObjects } from './validate.js';
import { planWorkloads } from './workloads.js';
import { writeRender, RENDER_MARKER } from './write.js';

const factory = loadExample('factory');
const mixed = loadExample('gpu-mixed');
const factoryResult = renderPlan(factory.fleet, factory.plan, { triton: true });
const mixedResult = renderPlan(mixed.fleet, mixed.plan);

const tmp = mkdtempSync(path.join(tmpdir(), 'tessera-k8s-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const parsed = new WeakMap<RenderResult, { path: string; object: KubeObject }[]>();
function objects(result: RenderResult): { path: string; object: KubeObject }[] {
  const cached = parsed.get(result);
  if (cached !== undefined) return cached;
  const out = result.files.filter((f) => f.path.endsWith('.yaml') && !f.path.endsWith('kustomization.yaml')).map((f) => ({ path: f.path, object: parse(f.content) as KubeObject }));
  parsed.set(result, out);
  return out;
}

function find(result: RenderResult, kind: string, name: string): Record<string, unknown> & KubeObject {
  const o = objects(result).find((x) => x.object.kind === kind && x.object.metadata.name === name);
  if (o === undefined) throw new Error(`no ${kind} ${name}`);
  return o.object as Record<string, unknown> & KubeObject;
}

/** A deep copy with every object's keys in reverse order: same plan, different JSON. */
function reverseKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(reverseKeys);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.keys(v).reverse().map((k) => [k, reverseKeys((v as Record<string, unknown>)[k])]));
  return v;
}

interface PodTemplate {
  spec: {
    template: {
      spec: {
        nodeSelector?: Record<string, string>;
        containers: { resources: { limits?: Record<string, string>; requests?: Record<string, string> }; readinessProbe: { httpGet: { path: string } }; livenessProbe: { httpGet: { path: string } }; lifecycle: { preStop: { exec: { command: string[] } } } }[];
        topologySpreadConstraints?: { topologyKey: string }[];
        affinity?: unknown;
        terminationGracePeriodSeconds: number;
      };
    };
  };
}

describe('tessera k8s render', () => {
  test('renders every object kind the issue asks for, in both autoscaler modes', () => {
    expect(factoryResult.kinds).toEqual([
      'apps/v1/DaemonSet',
      'apps/v1/Deployment',
      'keda.sh/v1alpha1/ScaledObject',
      'monitoring.coreos.com/v1/PrometheusRule',
      'monitoring.coreos.com/v1/ServiceMonitor',
      'policy/v1/PodDisruptionBudget',
      'v1/ConfigMap',
      'v1/Namespace',
      'v1/Node',
      'v1/Service',
    ]);
    const hpa = renderPlan(factory.fleet, factory.plan, { autoscaler: 'hpa' });
    expect(hpa.kinds).toContain('autoscaling/v2/HorizontalPodAutoscaler');
    expect(hpa.kinds).not.toContain('keda.sh/v1alpha1/ScaledObject');
  });

  test('every rendered object validates against its schema and the naming rules', () => {
    for (const result of [factoryResult, mixedResult, renderPlan(mixed.fleet, mixed.plan, { autoscaler: 'hpa' })]) {
      const all = objects(result);
      expect(all.length).toBe(result.objects.length);
      for (const { path: p, object } of all) expect(objectProblems(object), p).toEqual([]);
    }
  });

  test('the same plan renders to byte-identical files, whatever the key order of its JSON', () => {
    const again = renderPlan(factory.fleet, factory.plan, { triton: true });
    expect(again.files).toEqual(factoryResult.files);
    const shuffled = renderPlan(factory.fleet, reverseKeys(factory.plan) as Plan, { triton: true });
    expect(shuffled.files).toEqual(factoryResult.files);
  });

  test('MIG replicas ask for nvidia.com/mig-<profile> on the GPU product of their node', () => {
    const big = find(factoryResult, 'Deployment', 'line-01-a100-80gb-3g-40gb') as unknown as PodTemplate;
    const small = find(factoryResult, 'Deployment', 'line-01-a100-80gb-1g-10gb') as unknown as PodTemplate;
    expect(big.spec.template.spec.containers[0]?.resources.limits).toEqual({ 'nvidia.com/mig-3g.40gb': '1' });
    expect(small.spec.template.spec.containers[0]?.resources.limits).toEqual({ 'nvidia.com/mig-1g.10gb': '1' });
    // The spec's node label wins over the catalog's first product name.
    expect(big.spec.template.spec.nodeSelector).toEqual({ 'nvidia.com/gpu.product': 'NVIDIA-A100-SXM4-80GB' });
    const h100 = find(mixedResult, 'Deployment', 'thumbnails-h100-80gb-1g-20gb') as unknown as PodTemplate;
    expect(h100.spec.template.spec.containers[0]?.resources.limits).toEqual({ 'nvidia.com/mig-1g.20gb': '1' });
    expect(h100.spec.template.spec.nodeSelector).toEqual({ 'nvidia.com/gpu.product': 'NVIDIA-H100-80GB-HBM3' });
  });

  test('whole and time-sliced GPUs ask for nvidia.com/gpu on the -SHARED product; CPU replicas ask for cores on their nodes', () => {
    const share = find(mixedResult, 'Deployment', 'thumbnails-l4-share-0-25') as unknown as PodTemplate;
    expect(share.spec.template.spec.containers[0]?.resources.limits).toEqual({ 'nvidia.com/gpu': '1' });
    expect(share.spec.template.spec.nodeSelector).toEqual({ 'nvidia.com/gpu.product': 'NVIDIA-L4-SHARED' });
    const cpu = find(mixedResult, 'Deployment', 'fraud') as unknown as PodTemplate;
    expect(cpu.spec.template.spec.containers[0]?.resources).toEqual({ requests: { cpu: '2', memory: '1024Mi' }, limits: { cpu: '2', memory: '1024Mi' } });
    expect(cpu.spec.template.spec.nodeSelector).toBeUndefined();
    expect(JSON.stringify(cpu.spec.template.spec.affinity)).toContain('"requiredDuringSchedulingIgnoredDuringExecution"');
    expect(JSON.stringify(cpu.spec.template.spec.affinity)).toContain('"cpu-0"');
    const plugin = find(mixedResult, 'ConfigMap', 'tessera-device-plugin-config') as unknown as { data: Record<string, string> };
    expect(parse(plugin.data['tessera-time-slicing-4'] ?? '')).toEqual({ version: 'v1', sharing: { timeSlicing: { resources: [{ name: 'nvidia.com/gpu', replicas: 4 }] } } });
    expect(find(mixedResult, 'Node', 'l4-0').metadata.labels?.['nvidia.com/device-plugin.config']).toBe('tessera-time-slicing-4');
    expect(mixedResult.warnings.some((w) => w.includes("node 'l4-0' holds whole-GPU and shared slices"))).toBe(true);
  });

  test('pods have OIP probes, a preStop drain, a grace period past the longest request, and topology spread when the service asks for availability', () => {
    const d = find(factoryResult, 'Deployment', 'line-01-a100-80gb-3g-40gb') as unknown as PodTemplate;
    const c = d.spec.template.spec.containers[0];
    expect(c?.readinessProbe.httpGet.path).toBe('/v2/health/ready');
    expect(c?.livenessProbe.httpGet.path).toBe('/v2/health/live');
    expect(c?.lifecycle.preStop.exec.command[0]).toBe('node');
    // preStop 5 s + request timeout max(1 s, 10 × 100 ms) + 10 s drain margin.
    expect(d.spec.template.spec.terminationGracePeriodSeconds).toBe(16);
    expect(d.spec.template.spec.topologySpreadConstraints?.map((t) => t.topologyKey)).toEqual(['kubernetes.io/hostname', 'topology.kubernetes.io/zone']);
    const plain = find(factoryResult, 'Deployment', 'line-04') as unknown as PodTemplate;
    expect(plain.spec.template.spec.topologySpreadConstraints).toBeUndefined();
  });

  test('the ConfigMap carries the plan batch settings the pod runs with', () => {
    const cm = find(factoryResult, 'ConfigMap', 'line-04-config') as unknown as { data: Record<string, string> };
    const sub = JSON.parse(cm.data['plan.json'] ?? '{}') as Plan;
    const planned = factory.plan.services.find((s) => s.name === 'line-04')?.replicas[0];
    expect(sub.services).toHaveLength(1);
    expect(sub.services[0]?.replicas).toEqual([planned]);
    expect(sub.slices.map((s) => s.id)).toEqual([planned?.slice]);
    expect(parse(cm.data['fleet.yaml'] ?? '')).toMatchObject({ kind: 'Fleet', services: [{ name: 'line-04' }] });
  });

  test('one mig-parted config per node layout in the GPU Operator format, selected by the node label patch', () => {
    const cm = find(factoryResult, 'ConfigMap', 'tessera-mig-parted-config') as unknown as { metadata: { namespace: string }; data: Record<string, string> };
    expect(cm.metadata.namespace).toBe('gpu-operator');
    const spec = parse(cm.data[MIG_PARTED_KEY] ?? '') as { version: string; 'mig-configs': Record<string, Record<string, unknown>[]> };
    expect(Object.keys(spec).sort()).toEqual(['mig-configs', 'version']);
    expect(spec.version).toBe('v1');
    for (const entries of Object.values(spec['mig-configs'])) {
      for (const e of entries) {
        expect(Object.keys(e).every((k) => ['devices', 'mig-enabled', 'mig-devices', 'device-filter'].includes(k))).toBe(true);
        expect(e['devices'] === 'all' || Array.isArray(e['devices'])).toBe(true);
        if (e['mig-enabled'] === false) expect(e['mig-devices']).toBeUndefined();
      }
    }
    for (const node of ['gpu-a-0', 'gpu-a-1']) {
      const patch = find(factoryResult, 'Node', node);
      const config = patch.metadata.labels?.['nvidia.com/mig.config'] ?? '';
      expect(spec['mig-configs'][config], node).toBeDefined();
      expect(patch.metadata.labels?.['tessera.dev/node']).toBe(node);
      expect(patch.metadata.labels?.['tessera.dev/price-per-hour']).toBe('8');
      // Every planned GPU's profile counts appear on its index.
      for (const gpu of factory.plan.gpus.filter((g) => g.node === node)) {
        const index = Number(/gpu(\d+)$/.exec(gpu.id)?.[1]);
        const entry = spec['mig-configs'][config]?.find((e) => e['devices'] === 'all' || (e['devices'] as number[]).includes(index));
        const counts: Record<string, number> = {};
        for (const p of gpu.layout) counts[p] = (counts[p] ?? 0) + 1;
        expect(entry?.['mig-devices'], gpu.id).toEqual(counts);
      }
    }
    expect(spec['mig-configs']['all-disabled']).toEqual([{ devices: 'all', 'mig-enabled': false }]);
  });

  test('KEDA scales each Deployment on its queue depth with a threshold from the plan capacity; HPA v2 likewise', () => {
    const workloads = planWorkloads(buildContext(factory.fleet, factory.plan, resolveRenderOptions()));
    const w = workloads.find((x) => x.name === 'line-01-a100-80gb-3g-40gb');
    const r = w?.replicas[0];
    expect(w && queueDepthTarget(w)).toBe(Math.ceil(((r?.capacityRps ?? 0) * (r?.predictedP99Ms ?? 0)) / 1000));
    const so = find(factoryResult, 'ScaledObject', 'line-01-a100-80gb-3g-40gb') as unknown as { spec: Record<string, unknown> & { triggers: { type: string; metricType: string; metadata: Record<string, string> }[] } };
    expect(so.spec['minReplicaCount']).toBe(1);
    expect(so.spec['maxReplicaCount']).toBe(3);
    expect(so.spec.triggers[0]?.type).toBe('prometheus');
    expect(so.spec.triggers[0]?.metricType).toBe('AverageValue');
    expect(so.spec.triggers[0]?.metadata['threshold']).toBe(String(w && queueDepthTarget(w)));
    expect(so.spec.triggers[0]?.metadata['query']).toBe('sum(tessera_serve_queue_depth{namespace="tessera",model="line-01",app_kubernetes_io_instance="line-01-a100-80gb-3g-40gb"})');
    expect(JSON.stringify(so.spec['advanced'])).toContain('"stabilizationWindowSeconds":300');
    const hpa = find(renderPlan(factory.fleet, factory.plan, { autoscaler: 'hpa' }), 'HorizontalPodAutoscaler', 'line-04') as unknown as { spec: Record<string, unknown> };
    expect(hpa.spec['minReplicas']).toBe(1);
    expect(hpa.spec['maxReplicas']).toBe(1);
    expect(JSON.stringify(hpa.spec['metrics'])).toContain('"name":"tessera_serve_queue_depth"');
    expect(JSON.stringify(hpa.spec['behavior'])).toContain('"stabilizationWindowSeconds":0');
  });

  test('a ServiceMonitor scrapes the Services once and PrometheusRules alert on p99 against the SLO and on the error rate', () => {
    const sm = find(factoryResult, 'ServiceMonitor', 'tessera-factory') as unknown as { spec: Record<string, unknown> };
    expect(sm.spec['podTargetLabels']).toContain('app.kubernetes.io/instance');
    const rule = find(factoryResult, 'PrometheusRule', 'line-01-alerts') as unknown as { spec: { groups: { rules: { alert: string; expr: string }[] }[] } };
    const rules = rule.spec.groups[0]?.rules ?? [];
    expect(rules.map((r) => r.alert)).toEqual(['TesseraSloP99Breach', 'TesseraErrorRateHigh', 'TesseraModelNotReady']);
    expect(rules[0]?.expr).toBe('histogram_quantile(0.99, sum by (le) (rate(tessera_serve_request_duration_seconds_bucket{namespace="tessera",model="line-01"}[5m]))) > 0.1');
    expect(rules[1]?.expr).toContain('tessera_serve_requests_total{namespace="tessera",model="line-01",status=~"error|timeout|rejected"}');
    // Cold-pool services: a Service onto the pool, not scraped twice; no readiness alert (their models unload by design).
    const cold = find(factoryResult, 'Service', 'line-20-archive');
    expect(cold.metadata.labels?.['tessera.dev/scrape']).toBeUndefined();
    expect(find(factoryResult, 'Service', 'cold-pool-0').metadata.labels?.['tessera.dev/scrape']).toBe('true');
  });

  test('every Service has a PodDisruptionBudget and the pre-pull DaemonSet covers the planned nodes', () => {
    const pdb = find(mixedResult, 'PodDisruptionBudget', 'photo-tagging') as unknown as { spec: Record<string, unknown> };
    expect(pdb.spec).toEqual({ maxUnavailable: 1, selector: { matchLabels: { 'tessera.dev/service': 'photo-tagging' } } });
    const ds = JSON.stringify(find(mixedResult, 'DaemonSet', 'tessera-runtime-prepull'));
    for (const product of ['NVIDIA-H100-80GB-HBM3', 'NVIDIA-L4-SHARED', 'cpu-0']) expect(ds).toContain(product);
  });

  test('Triton configs carry the planned batching and instances', () => {
    const file = factoryResult.files.find((f) => f.path === 'triton/line-04/line-04/config.pbtxt');
    const r = factory.plan.services.find((s) => s.name === 'line-04')?.replicas[0];
    expect(file?.content).toBe(
      [
        'name: "line-04"',
        'platform: "onnxruntime_onnx"',
        `max_batch_size: ${r?.batching.maxBatchSize}`,
        'dynamic_batching {',
        `  max_queue_delay_microseconds: ${Math.round((r?.batching.maxQueueDelayMs ?? 0) * 1000)}`,
        '}',
        'instance_group [',
        '  {',
        `    count: ${r?.instances}`,
        '    kind: KIND_GPU',
        '  }',
        ']',
        '',
      ].join('\n'),
    );
    const svc = factory.plan.services[0]!;
    const replica = { ...svc.replicas[0]!, batching: { policy: 'triton' as const, maxBatchSize: 32, maxQueueDelayMs: 2.5, preferredBatchSizes: [16, 32] }, instances: 3 };
    expect(tritonConfig(svc, replica, false)).toContain('  preferred_batch_size: [ 16, 32 ]\n  max_queue_delay_microseconds: 2500\n');
    expect(tritonConfig(svc, replica, false)).toContain('kind: KIND_CPU');
  });

  test('long service names become DNS-1123 names of at most 63 characters', () => {
    const long = 'photo-tagging-for-the-very-large-catalogue-of-the-whole-store';
    const rename = <T>(v: T): T => JSON.parse(JSON.stringify(v).replaceAll('"photo-tagging"', JSON.stringify(long))) as T;
    const result = renderPlan(rename(mixed.fleet), rename(mixed.plan));
    const names = result.objects.map((o) => o.name);
    expect(names.some((n) => n.startsWith('photo-tagging-for-the-very-large'))).toBe(true);
    for (const n of names) expect(n.length).toBeLessThanOrEqual(63);
  });

  test('options are checked and every problem named at once', () => {
    try {
      renderPlan(factory.fleet, factory.plan, { namespace: 'Bad_NS', image: 'not a ref', autoscaler: 'x' as 'keda' });
      expect.unreachable();
    } catch (err) {
      expect((err as TesseraError).code).toBe('TESSERA_ERR_K8S_OPTIONS');
      expect((err as TesseraError).message).toMatch(/--image.*--namespace.*--autoscaler/);
    }
  });

  test('a plan from another fleet is refused', () => {
    expect(() => renderPlan(factory.fleet, mixed.plan)).toThrow(expect.objectContaining({ code: 'TESSERA_ERR_K8S_PLAN_MISMATCH' }));
  });

  test('an object that fails validation stops the render with a coded error and nothing is written', () => {
    const plan = structuredClone(factory.plan);
    plan.slices.push({ id: 'gpu-a-0/gpu0/mig-bad', node: 'gpu-a-0', gpu: 'gpu-a-0/gpu0', kind: 'mig', profile: '9g bad', memoryBytes: 1 });
    const svc = plan.services.find((s) => s.name === 'line-04')!;
    svc.replicas.push({ ...svc.replicas[0]!, slice: 'gpu-a-0/gpu0/mig-bad', sliceProfile: '9g bad' });
    const out = path.join(tmp, 'never');
    let code: string | undefined;
    try {
      writeRender(renderPlan(factory.fleet, plan), out);
    } catch (err) {
      code = (err as TesseraError).code;
      expect((err as TesseraError).message).toContain("'nvidia.com/mig-9g bad' is not a valid resource name");
    }
    expect(code).toBe('TESSERA_ERR_K8S_INVALID_OBJECT');
    expect(existsSync(out)).toBe(false);
  });

  test('the validator reports schema failures, bad names, bad labels and duplicates', () => {
    const bad = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'Bad_Name', labels: { 'x/y/z': 'ok' } }, spec: { selector: {}, template: { spec: { containers: [{ name: 'c', ports: [{ containerPort: 'eighty' }] }] } } } };
    const problems = objectProblems(bad as unknown as KubeObject);
    expect(problems.some((p) => p.startsWith('schema:') && p.includes('containerPort'))).toBe(true);
    expect(problems).toContain("name 'Bad_Name' is not a DNS-1123 label");
    expect(problems.some((p) => p.includes("'x/y/z' is not a valid label key"))).toBe(true);
    const cm: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'n' } };
    expect(() => validateObjects([{ path: 'a.yaml', object: cm }, { path: 'b.yaml', object: cm }])).toThrow(/same kind, namespace and name as a.yaml/);
  });

  test('writing refuses a folder of other files, and a re-render removes what the new plan no longer has', () => {
    const foreign = path.join(tmp, 'foreign');
    mkdirSync(foreign, { recursive: true });
    writeFileSync(path.join(foreign, 'mine.yaml'), 'x: 1\n');
    expect(() => writeRender(factoryResult, foreign)).toThrow(expect.objectContaining({ code: 'TESSERA_ERR_K8S_OUTPUT' }));

    const out = path.join(tmp, 'out');
    writeRender(factoryResult, out);
    expect(readFileSync(path.join(out, 'services/line-04/deployment-line-04.yaml'), 'utf8')).toBe(factoryResult.files.find((f) => f.path === 'services/line-04/deployment-line-04.yaml')?.content);
    expect(JSON.parse(readFileSync(path.join(out, RENDER_MARKER), 'utf8')).files).toHaveLength(factoryResult.files.length);
    const withoutTriton = renderPlan(factory.fleet, factory.plan);
    const { removed } = writeRender(withoutTriton, out);
    expect(removed.length).toBeGreaterThan(0);
    expect(removed.every((f) => f.startsWith('triton/'))).toBe(true);
    expect(existsSync(path.join(out, 'triton'))).toBe(false);
  });
});
