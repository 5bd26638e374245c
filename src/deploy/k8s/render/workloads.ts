import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import type { IService } from 'kubernetes-models/v1/Service';
import type { IServicePort } from 'kubernetes-models/v1/ServicePort';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import type { Fleet } from '../../../core/index.js';
import type { PlanReplica, PlanService, PlanSlice, Plan } from '../../../plan/index.js';
import {
  ANNOTATION_CONFIG_HASH,
  CONFIG_DIR,
  LABEL_COMPONENT,
  LABEL_GPU_PRODUCT,
  LABEL_INSTANCE,
  LABEL_NAME,
  LABEL_NODE,
  LABEL_POOL,
  LABEL_SCRAPE,
  LABEL_SERVICE,
  LABEL_VERSION,
  LIVE_PATH,
  READY_PATH,
  RESOURCE_GPU,
  RUNTIME_PORT,
  RUNTIME_PORT_NAME,
} from '../constants.js';
import { dnsLabel, fnv1a, joinLabel, labelValue } from '../names.js';
import { stableJson, stableYaml } from '../stable-text.js';
import { compareNatural, sliceRequest, type RenderContext, type SliceRequest } from './context.js';
import { commonLabels, objectPath, type Named, type PlacedObject } from './objects.js';

/** One Deployment: a service's replicas that ask for the same slice with the same settings, or a cold pool. */
export interface Workload {
  /** Deployment (and autoscaler) name. */
  readonly name: string;
  readonly kind: 'service' | 'cold-pool';
  /** The service served (hot), or every service of the cold pool. */
  readonly services: readonly PlanService[];
  /** Output folder of its objects. */
  readonly dir: string;
  readonly request: SliceRequest;
  /** The planned replicas this Deployment runs (one pod each); a cold pool has one pod. */
  readonly replicas: readonly PlanReplica[];
  readonly plannedPods: number;
  /** The slice the first replica runs on: its figures stand for the group's. */
  readonly slice: PlanSlice;
  /** Plan nodes the replicas were placed on. */
  readonly nodes: readonly string[];
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly availability: boolean;
  /** Labels the Deployment selects its pods by (immutable once applied, so nothing that changes per plan). */
  readonly selector: Readonly<Record<string, string>>;
  readonly podLabels: Readonly<Record<string, string>>;
}

/** Seconds the preStop hook waits so endpoints drop the pod before the runtime gets SIGTERM. */
export const PRESTOP_DELAY_S = 5;
/** Margin on top of the longest request timeout for the runtime's drain (it finishes accepted work on SIGTERM). */
const DRAIN_MARGIN_S = 10;
/** Host memory a GPU replica's runtime is given (request): onnxruntime, its CUDA context and the batch buffers. */
const GPU_POD_MEMORY = '2Gi';
/** Host memory of a CPU replica when the plan gives none (CPU slices carry no memory figure). */
const CPU_POD_MEMORY_BYTES = 1024 ** 3;

export function serviceLabels(ctx: RenderContext, service: string): Record<string, string> {
  return { ...commonLabels(ctx), [LABEL_NAME]: labelValue(service), [LABEL_SERVICE]: labelValue(service), [LABEL_COMPONENT]: 'inference' };
}

function poolLabels(ctx: RenderContext, pool: string): Record<string, string> {
  return { ...commonLabels(ctx), [LABEL_NAME]: pool, [LABEL_POOL]: pool, [LABEL_COMPONENT]: 'cold-pool' };
}

/** The Kubernetes Service name of a plan service (DNS-1035). */
export function serviceObjectName(service: string): string {
  return dnsLabel(service);
}

export function coldPoolName(index: number): string {
  return `cold-pool-${index}`;
}

/** Shares `total` out over groups in proportion to their planned pods, at least 1 each. */
function share(total: number, pods: number, allPods: number): number {
  return Math.max(1, Math.ceil((total * pods) / Math.max(1, allPods)));
}

/**
 * Groups each hot service's replicas into Deployments: one per (GPU type, slice, request, batch
 * settings, instances) — a Deployment's pods are interchangeable, so everything a pod is told
 * must be the same across it. Cold pools become one Deployment each.
 */
export function planWorkloads(ctx: RenderContext): Workload[] {
  const { plan, fleet } = ctx;
  const coldSlices = new Set(plan.coldPools.map((p) => p.slice));
  const out: Workload[] = [];
  for (const svc of plan.services) {
    const spec = fleet.services.find((s) => s.name === svc.name);
    const hot = svc.replicas.filter((r) => !coldSlices.has(r.slice));
    if (hot.length === 0) continue;
    const groups = new Map<string, { request: SliceRequest; replicas: PlanReplica[] }>();
    for (const r of hot) {
      const slice = ctx.slices.get(r.slice) as PlanSlice;
      const request = sliceRequest(ctx, slice);
      const key = stableJson({ request, batching: r.batching, instances: r.instances, kind: slice.kind });
      const g = groups.get(key) ?? { request, replicas: [] };
      g.replicas.push(r);
      groups.set(key, g);
    }
    const ordered = [...groups.values()].sort(
      (a, b) =>
        compareNatural(a.request.gpuType ?? '', b.request.gpuType ?? '') ||
        compareNatural(a.request.profile, b.request.profile) ||
        compareNatural(a.replicas[0]?.slice ?? '', b.replicas[0]?.slice ?? ''),
    );
    const used = new Set<string>();
    for (const g of ordered) {
      let name = serviceObjectName(svc.name);
      if (ordered.length > 1) {
        const base = joinLabel(svc.name, g.request.gpuType ?? '', g.request.profile);
        name = base;
        for (let i = 2; used.has(name); i++) name = joinLabel(base, String(i));
      }
      used.add(name);
      const first = g.replicas[0] as PlanReplica;
      const selector = { [LABEL_SERVICE]: labelValue(svc.name), [LABEL_INSTANCE]: name };
      const pods = g.replicas.length;
      const minTotal = spec?.minReplicas ?? 1;
      out.push({
        name,
        kind: 'service',
        services: [svc],
        dir: `services/${serviceObjectName(svc.name)}`,
        request: g.request,
        replicas: g.replicas,
        plannedPods: pods,
        slice: ctx.slices.get(first.slice) as PlanSlice,
        nodes: [...new Set(g.replicas.map((r) => r.node))].sort(compareNatural),
        // The plan sized replicas for peak × headroom: the autoscaler may go below (to the spec's
        // minimum, shared out) but above only as far as the spec's maxReplicas allows.
        minReplicas: Math.min(pods, share(minTotal, pods, hot.length)),
        maxReplicas: spec?.maxReplicas === undefined ? pods : Math.max(pods, share(spec.maxReplicas, pods, hot.length)),
        availability: spec?.availability ?? false,
        selector,
        podLabels: { ...serviceLabels(ctx, svc.name), ...selector, ...versionLabel(ctx) },
      });
    }
  }
  plan.coldPools.forEach((pool, i) => {
    const name = coldPoolName(i);
    const slice = ctx.slices.get(pool.slice) as PlanSlice;
    const services = pool.services.map((s) => plan.services.find((x) => x.name === s)).filter((s): s is PlanService => s !== undefined);
    const replicas = services.flatMap((s) => s.replicas.filter((r) => r.slice === pool.slice));
    const selector = { [LABEL_POOL]: name, [LABEL_INSTANCE]: name };
    out.push({
      name,
      kind: 'cold-pool',
      services,
      dir: `cold-pools/${name}`,
      request: sliceRequest(ctx, slice),
      replicas,
      plannedPods: 1,
      slice,
      nodes: [slice.node],
      minReplicas: 1,
      maxReplicas: 1,
      availability: false,
      selector,
      podLabels: { ...poolLabels(ctx, name), ...selector, ...versionLabel(ctx) },
    });
  });
  return out;
}

function versionLabel(ctx: RenderContext): Record<string, string> {
  const tag = ctx.options.imageTag === undefined ? '' : labelValue(ctx.options.imageTag);
  return tag.length === 0 ? {} : { [LABEL_VERSION]: tag };
}

/** The slice of the fleet spec one pod needs: its services and models, its node kind, no placement rules. */
function subFleet(ctx: RenderContext, w: Workload): unknown {
  const fleet: Readonly<Fleet> = ctx.fleet;
  const names = new Set(w.services.map((s) => s.name));
  const services = fleet.services.filter((s) => names.has(s.name)).map(({ placement: _placement, ...rest }) => rest);
  const models = new Set(services.map((s) => s.model));
  const node = ctx.nodes.get(w.slice.node)?.spec;
  return {
    apiVersion: fleet.apiVersion,
    kind: fleet.kind,
    metadata: { name: fleet.metadata.name },
    // Profiles are paths on the planning machine; the plan already carries what they said.
    models: fleet.models.filter((m) => models.has(m.name)).map(({ profiles: _profiles, ...rest }) => rest),
    services,
    inventory: { nodes: node === undefined ? [] : [{ ...node, count: 1 }] },
    objectives: fleet.objectives,
  };
}

/** The plan one pod runs: its service(s) with the one replica it is, the slice it sits on. */
function subPlan(ctx: RenderContext, w: Workload): Plan {
  const { plan } = ctx;
  const first = w.replicas[0];
  const gpu = plan.gpus.filter((g) => g.id === w.slice.gpu);
  const services =
    w.kind === 'cold-pool'
      ? w.services.map((s) => ({ ...s, replicas: s.replicas.filter((r) => r.slice === w.slice.id) }))
      : w.services.map((s) => ({ ...s, replicas: first === undefined ? [] : [first] }));
  return {
    ...plan,
    gpus: gpu,
    slices: [w.slice],
    services,
    coldPools: plan.coldPools.filter((p) => p.slice === w.slice.id),
    infeasible: [],
    explain: [],
  };
}

/** Longest request timeout of the workload's services, as the runtime sets it: max(1 s, 10 × SLO). */
function requestTimeoutS(w: Workload): number {
  return Math.max(1, ...w.services.map((s) => (10 * s.sloP99Ms) / 1000));
}

function resources(w: Workload): NonNullable<IContainer['resources']> {
  const r = w.request;
  const instances = Math.max(1, ...w.replicas.map((x) => x.instances));
  if (r.resource === undefined) {
    const cores = String(r.cores ?? 1);
    const memory = `${Math.ceil(Math.max(w.slice.memoryBytes, CPU_POD_MEMORY_BYTES) / 1024 ** 2)}Mi`;
    return { requests: { cpu: cores, memory }, limits: { cpu: cores, memory } };
  }
  // Extended resources are requested through limits alone (the request defaults to the limit and may not differ).
  return { requests: { cpu: String(instances), memory: GPU_POD_MEMORY }, limits: { [r.resource]: String(r.units) } };
}

function podSpec(ctx: RenderContext, w: Workload, configMap: string): IPodSpec {
  const gpu = w.request.resource !== undefined;
  const container: IContainer = {
    name: 'runtime',
    image: ctx.options.image,
    imagePullPolicy: 'IfNotPresent',
    args: ['serve', '-f', `${CONFIG_DIR}/fleet.yaml`, '--plan', `${CONFIG_DIR}/plan.json`, '--host', '0.0.0.0', '--port', String(RUNTIME_PORT)],
    ports: [{ name: RUNTIME_PORT_NAME, containerPort: RUNTIME_PORT, protocol: 'TCP' }],
    resources: resources(w),
    // The gateway listens before models load: live at once, ready when every hot model is warm.
    startupProbe: { httpGet: { path: LIVE_PATH, port: RUNTIME_PORT_NAME }, periodSeconds: 2, failureThreshold: 60, timeoutSeconds: 2 },
    livenessProbe: { httpGet: { path: LIVE_PATH, port: RUNTIME_PORT_NAME }, periodSeconds: 10, failureThreshold: 3, timeoutSeconds: 2 },
    readinessProbe: { httpGet: { path: READY_PATH, port: RUNTIME_PORT_NAME }, periodSeconds: 5, failureThreshold: 2, timeoutSeconds: 2 },
    // Wait for endpoint removal before SIGTERM; the runtime then drains (readiness off, accepted work finished).
    lifecycle: { preStop: { exec: { command: ['node', '-e', `setTimeout(() => {}, ${PRESTOP_DELAY_S * 1000})`] } } },
    volumeMounts: [{ name: 'config', mountPath: CONFIG_DIR, readOnly: true }],
    securityContext: { allowPrivilegeEscalation: false },
  };
  const nodes = [...w.nodes];
  const spec: IPodSpec = {
    containers: [container],
    volumes: [{ name: 'config', configMap: { name: configMap } }],
    terminationGracePeriodSeconds: PRESTOP_DELAY_S + Math.ceil(requestTimeoutS(w)) + DRAIN_MARGIN_S,
    ...(ctx.options.schedulerName === undefined ? {} : { schedulerName: ctx.options.schedulerName }),
  };
  if (gpu) {
    spec.nodeSelector = { [LABEL_GPU_PRODUCT]: w.request.product ?? '' };
    // Prefer the nodes the plan chose; the scheduler extender enforces it where it runs.
    spec.affinity = {
      nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, preference: { matchExpressions: [{ key: LABEL_NODE, operator: 'In', values: nodes }] } }] },
    };
    spec.tolerations = [{ key: RESOURCE_GPU, operator: 'Exists', effect: 'NoSchedule' }];
  } else {
    // No hardware label tells a CPU node from a GPU node: pin CPU replicas to the planned nodes so they do not take GPU nodes' cores.
    spec.affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: LABEL_NODE, operator: 'In', values: nodes }] }] } } };
  }
  if (w.availability) {
    const labelSelector = { matchLabels: { [LABEL_SERVICE]: w.podLabels[LABEL_SERVICE] ?? '' } };
    // ScheduleAnyway: the plan may put two replicas on two GPUs of one node; a hard rule would fight it.
    spec.topologySpreadConstraints = [
      { maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector },
      { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector },
    ];
  }
  return spec;
}

/** The ConfigMap (the pod's fleet spec and plan: batch settings, instances, SLO) and the Deployment of one workload. */
export function renderWorkload(ctx: RenderContext, w: Workload): PlacedObject[] {
  const ns = ctx.options.namespace;
  const configName = joinLabel(w.name, 'config');
  const data = { 'fleet.yaml': stableYaml(subFleet(ctx, w)), 'plan.json': stableJson(subPlan(ctx, w)) };
  const labels = { ...w.podLabels };
  const configMap: Named<IConfigMap> = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: configName, namespace: ns, labels }, data };
  const first = w.replicas[0];
  const annotations: Record<string, string> = {
    'tessera.dev/planned-replicas': String(w.plannedPods),
    'tessera.dev/planned-nodes': w.nodes.join(','),
    'tessera.dev/slice': w.request.resource === undefined ? `cpu ${w.request.cores ?? 1}` : `${w.request.resource}=${w.request.units}`,
  };
  if (first !== undefined) {
    const b = first.batching;
    annotations['tessera.dev/batching'] = `policy=${b.policy},maxBatchSize=${b.maxBatchSize},maxQueueDelayMs=${b.maxQueueDelayMs}${b.preferredBatchSizes?.length ? `,preferred=${b.preferredBatchSizes.join('/')}` : ''},instances=${first.instances}`;
  }
  const gpu = w.request.resource !== undefined;
  const deployment: Named<IDeployment> = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: w.name, namespace: ns, labels, annotations },
    spec: {
      // Autoscaled Deployments leave `replicas` to the autoscaler, so re-applying does not undo its work.
      ...(w.kind === 'cold-pool' ? { replicas: 1 } : {}),
      selector: { matchLabels: { ...w.selector } },
      // A GPU slice is taken until its pod is gone: surging a new pod first would leave it Pending.
      strategy: gpu ? { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } } : { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      revisionHistoryLimit: 3,
      template: {
        metadata: { labels: { ...w.podLabels }, annotations: { [ANNOTATION_CONFIG_HASH]: fnv1a(stableJson(data)) } },
        spec: podSpec(ctx, w, configName),
      },
    },
  };
  return [
    { path: objectPath(w.dir, configMap), object: configMap },
    { path: objectPath(w.dir, deployment), object: deployment },
  ];
}

/** A Service and a PodDisruptionBudget per hot service; per cold pool a scraped Service and a PDB, and per cold service a Service onto the pool. */
export function renderServices(ctx: RenderContext, workloads: readonly Workload[]): PlacedObject[] {
  const ns = ctx.options.namespace;
  const out: PlacedObject[] = [];
  const port: IServicePort = { name: RUNTIME_PORT_NAME, port: RUNTIME_PORT, targetPort: RUNTIME_PORT_NAME, protocol: 'TCP' };
  const hot = new Map<string, Workload[]>();
  for (const w of workloads) if (w.kind === 'service') hot.set(w.services[0]?.name ?? '', [...(hot.get(w.services[0]?.name ?? '') ?? []), w]);
  for (const [svc, ws] of hot) {
    const name = serviceObjectName(svc);
    const dir = ws[0]?.dir ?? `services/${name}`;
    const labels = serviceLabels(ctx, svc);
    const selector = { [LABEL_SERVICE]: labelValue(svc) };
    const service: Named<IService> = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace: ns, labels: { ...labels, [LABEL_SCRAPE]: 'true' } },
      spec: { type: 'ClusterIP', selector, ports: [port] },
    };
    const pdb: Named<IPodDisruptionBudget> = {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name, namespace: ns, labels },
      // One pod at a time: node drains proceed, and a service of several replicas keeps the rest serving.
      spec: { maxUnavailable: 1, selector: { matchLabels: selector } },
    };
    out.push({ path: objectPath(dir, service), object: service }, { path: objectPath(dir, pdb), object: pdb });
  }
  for (const w of workloads) {
    if (w.kind !== 'cold-pool') continue;
    const labels = { ...w.podLabels };
    delete labels[LABEL_VERSION];
    delete labels[LABEL_INSTANCE];
    const selector = { [LABEL_POOL]: w.name };
    const poolService: Named<IService> = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: w.name, namespace: ns, labels: { ...labels, [LABEL_SCRAPE]: 'true' } },
      spec: { type: 'ClusterIP', selector, ports: [port] },
    };
    const pdb: Named<IPodDisruptionBudget> = { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: w.name, namespace: ns, labels }, spec: { maxUnavailable: 1, selector: { matchLabels: selector } } };
    out.push({ path: objectPath(w.dir, poolService), object: poolService }, { path: objectPath(w.dir, pdb), object: pdb });
    for (const svc of w.services) {
      // A service with hot replicas as well is reached through its hot Service, which already has this name.
      if (hot.has(svc.name)) continue;
      const name = serviceObjectName(svc.name);
      // Not scraped: the pool's own Service is, and scraping the same pods twice would double every sum.
      const service: Named<IService> = {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name, namespace: ns, labels: { ...serviceLabels(ctx, svc.name), [LABEL_POOL]: w.name } },
        spec: { type: 'ClusterIP', selector, ports: [port] },
      };
      out.push({ path: objectPath(`services/${name}`, service), object: service });
    }
  }
  return out;
}
