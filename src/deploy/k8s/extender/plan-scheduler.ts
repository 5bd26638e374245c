import type { Fleet, NodeSpec } from '../../../core/index.js';
import { gpuTypeInfo, normalizeProfileName } from '../../../hardware/index.js';
import type { Plan, PlanReplica, PlanService, PlanSlice } from '../../../plan/index.js';
import {
  LABEL_GPU_PRODUCT,
  LABEL_NODE,
  LABEL_POOL,
  LABEL_PRICE_PER_HOUR,
  LABEL_SERVICE,
  LABEL_NAME,
  MAX_EXTENDER_PRIORITY,
  MIG_RESOURCE_PREFIX,
  MIN_EXTENDER_PRIORITY,
  RESOURCE_GPU,
  RESOURCE_PREFIX,
} from '../constants.js';
import { parseQuantity } from '../quantity.js';
import { coldPoolName } from '../render/workloads.js';
import type { ExtenderArgs, ExtenderFilterResult, HostPriority, NodeView, PodView } from './wire.js';

/** Weights of the prioritize score; latency, throughput and cost are the plan's objective weights. */
export interface ExtenderWeights {
  readonly latency: number;
  readonly throughput: number;
  readonly cost: number;
  readonly fragmentation: number;
}

export interface PlanSchedulerOptions {
  readonly plan: Plan;
  /** Adds the spec's placement rules (pin/forbid) and its objective weights. */
  readonly fleet?: Readonly<Fleet> | undefined;
  /** @default 0.2 */
  readonly fragmentationWeight?: number | undefined;
}

/** The score's parts for one node, each in [0, 1], and the 0–10 score they make. */
export interface NodeScore {
  readonly node: string;
  readonly latency: number;
  readonly throughput: number;
  readonly cost: number;
  readonly fragmentation: number;
  readonly score: number;
}

const DEFAULT_WEIGHTS = { latency: 0.5, throughput: 0.3, cost: 0.2 } as const;

function clamp01(x: number): number {
  return Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0;
}

/** The extended resource a replica on this slice requests (as the renderer writes it), undefined for CPU. */
export function sliceResource(slice: PlanSlice): string | undefined {
  if (slice.kind === 'mig') return `${MIG_RESOURCE_PREFIX}${slice.profile.replace(/\+/g, '.')}`;
  if (slice.kind === 'gpu' || slice.kind === 'gpu-share') return RESOURCE_GPU;
  return undefined;
}

/** Compute slices of a MIG resource, read from its name (`nvidia.com/mig-3g.40gb` → 3). */
function migComputeSlices(resource: string): number | undefined {
  if (!resource.startsWith(MIG_RESOURCE_PREFIX)) return undefined;
  const m = /^(\d+)g\./.exec(resource.slice(MIG_RESOURCE_PREFIX.length));
  return m === null ? undefined : Number(m[1]);
}

/** The slice name a pin/forbid rule would use for this resource: `3g.40gb`, `gpu`, or `cpu`. */
function sliceNameOf(resource: string | undefined): string {
  if (resource === undefined) return 'cpu';
  if (resource === RESOURCE_GPU) return 'gpu';
  return normalizeProfileName(resource);
}

/**
 * The scheduler extender's decisions, from the plan and the request alone (nodeCacheCapable:
 * false — no cluster access, no state between calls). A pure object: the HTTP server in
 * server.ts only decodes and encodes.
 */
export class PlanScheduler {
  readonly weights: ExtenderWeights;
  private readonly plan: Plan;
  private readonly fleet: Readonly<Fleet> | undefined;
  private readonly slices: ReadonlyMap<string, PlanSlice>;
  private readonly planNodes: ReadonlySet<string>;
  private readonly gpuTypeOfNode: ReadonlyMap<string, string>;
  private readonly coldPoolServices: ReadonlyMap<string, readonly string[]>;

  constructor(o: PlanSchedulerOptions) {
    this.plan = o.plan;
    this.fleet = o.fleet;
    const w = o.fleet?.objectives.weights ?? DEFAULT_WEIGHTS;
    this.weights = Object.freeze({ latency: w.latency, throughput: w.throughput, cost: w.cost, fragmentation: o.fragmentationWeight ?? 0.2 });
    this.slices = new Map(o.plan.slices.map((s) => [s.id, s]));
    this.planNodes = new Set([...o.plan.slices.map((s) => s.node), ...o.plan.gpus.map((g) => g.node)]);
    const types = new Map<string, string>();
    for (const g of o.plan.gpus) types.set(g.node, gpuTypeInfo(g.type)?.type ?? g.type);
    this.gpuTypeOfNode = types;
    // Cold-pool pods carry the pool name the renderer gave them.
    this.coldPoolServices = new Map(o.plan.coldPools.map((p, i) => [coldPoolName(i), p.services]));
  }

  /** The plan's name for a Kubernetes node: its `tessera.dev/node` label, else its name. */
  planNodeOf(node: NodeView): string {
    return node.labels[LABEL_NODE] ?? node.name;
  }

  /** The plan services a pod serves: its `tessera.dev/service` (or name) label, or its cold pool's services. */
  servicesOf(pod: PodView): PlanService[] {
    const pool = pod.labels[LABEL_POOL];
    const names = pool !== undefined ? (this.coldPoolServices.get(pool) ?? []) : [pod.labels[LABEL_SERVICE] ?? pod.labels[LABEL_NAME] ?? ''];
    return names.map((n) => this.plan.services.find((s) => s.name === n)).filter((s): s is PlanService => s !== undefined);
  }

  private requestedResources(pod: PodView): [string, number][] {
    return Object.entries(pod.requests)
      .filter(([k, v]) => k.startsWith(RESOURCE_PREFIX) && v > 0)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }

  /** The extended resource that identifies the pod's slice (the first `nvidia.com/*` it requests). */
  private sliceResourceOf(pod: PodView): string | undefined {
    return this.requestedResources(pod)[0]?.[0];
  }

  private replicasFor(services: readonly PlanService[], resource: string | undefined): PlanReplica[] {
    return services.flatMap((s) => s.replicas.filter((r) => {
      const slice = this.slices.get(r.slice);
      return slice !== undefined && sliceResource(slice) === resource;
    }));
  }

  private specNodeOf(planNode: string): NodeSpec | undefined {
    return this.fleet?.inventory.nodes.find((n) => (n.count ?? 1) === 1 ? n.name === planNode : planNode.startsWith(`${n.name}-`) && /^\d+$/.test(planNode.slice(n.name.length + 1)));
  }

  private gpuTypeOf(node: NodeView): string | undefined {
    const product = node.labels[LABEL_GPU_PRODUCT];
    const fromLabel = product === undefined ? undefined : gpuTypeInfo(product)?.type;
    return fromLabel ?? this.gpuTypeOfNode.get(this.planNodeOf(node)) ?? this.specNodeOf(this.planNodeOf(node))?.gpus?.type;
  }

  /** Why a pin/forbid reference matches this node and request, or undefined when it does not. */
  private refMatches(ref: { node?: string | undefined; gpuType?: string | undefined; slice?: string | undefined }, node: NodeView, resource: string | undefined): boolean {
    const planNode = this.planNodeOf(node);
    if (ref.node !== undefined && ref.node !== planNode && this.specNodeOf(planNode)?.name !== ref.node) return false;
    if (ref.gpuType !== undefined) {
      const want = gpuTypeInfo(ref.gpuType)?.type ?? ref.gpuType;
      if (this.gpuTypeOf(node) !== want) return false;
    }
    if (ref.slice !== undefined && normalizeProfileName(ref.slice) !== sliceNameOf(resource)) return false;
    return true;
  }

  private describeRef(ref: { node?: string | undefined; gpuType?: string | undefined; slice?: string | undefined }): string {
    return [ref.node && `node ${ref.node}`, ref.gpuType && `GPU ${ref.gpuType}`, ref.slice && `slice ${ref.slice}`].filter(Boolean).join(', ') || 'anything';
  }

  /**
   * Drops nodes that lack the slice the pod requests (from `status.allocatable`), that the fleet
   * spec's pin/forbid rules exclude for its service, or that the plan did not place the service's
   * replicas of this slice on. All three are unresolvable: evicting pods would not change them.
   * The plan check applies only when some candidate is a node the plan knows (by the
   * `tessera.dev/node` label or by name), so a plan made for other node names filters nothing.
   */
  filter(args: ExtenderArgs): ExtenderFilterResult {
    const requested = this.requestedResources(args.pod);
    const services = this.servicesOf(args.pod);
    const resource = this.sliceResourceOf(args.pod);
    const planned = this.replicasFor(services, resource);
    const plannedNodes = new Set(planned.map((r) => r.node));
    const planKnowsCandidates = args.nodes.some((n) => this.planNodes.has(this.planNodeOf(n)));
    const failed: Record<string, string> = {};
    const passed: unknown[] = [];
    for (const node of args.nodes) {
      const reason = this.failReason(node, requested, services, resource, planKnowsCandidates && planned.length > 0 ? plannedNodes : undefined);
      if (reason === undefined) passed.push(node.raw);
      else failed[node.name] = reason;
    }
    return { Nodes: { ...args.nodeListMeta, items: passed }, NodeNames: null, FailedNodes: {}, FailedAndUnresolvableNodes: failed, Error: '' };
  }

  private failReason(node: NodeView, requested: readonly [string, number][], services: readonly PlanService[], resource: string | undefined, plannedNodes: ReadonlySet<string> | undefined): string | undefined {
    for (const [name, amount] of requested) {
      const have = parseQuantity(node.allocatable[name]) ?? 0;
      if (have < amount) return `node allocates ${name}: ${have}, the pod requests ${amount}`;
    }
    for (const svc of services) {
      const spec = this.fleet?.services.find((s) => s.name === svc.name);
      const pins = spec?.placement?.pin ?? [];
      if (pins.length > 0 && !pins.some((p) => this.refMatches(p, node, resource))) return `service ${svc.name} is pinned to ${pins.map((p) => this.describeRef(p)).join(' or ')}`;
      const forbid = (spec?.placement?.forbid ?? []).find((f) => this.refMatches(f, node, resource));
      if (forbid !== undefined) return `service ${svc.name} forbids ${this.describeRef(forbid)}`;
    }
    if (plannedNodes !== undefined && !plannedNodes.has(this.planNodeOf(node))) {
      return `the plan places ${services.map((s) => s.name).join(', ')} (${sliceNameOf(resource)}) on ${[...plannedNodes].sort().join(', ')}`;
    }
    return undefined;
  }

  /** Per-node score parts and the 0–10 score (MaxExtenderPriority = 10), for `prioritize` and for people. */
  explain(args: ExtenderArgs): NodeScore[] {
    const services = this.servicesOf(args.pod);
    const resource = this.sliceResourceOf(args.pod);
    const planned = this.replicasFor(services, resource);
    const prices = args.nodes.map((n) => parseQuantity(n.labels[LABEL_PRICE_PER_HOUR]));
    const known = prices.filter((p): p is number => p !== undefined && p >= 0);
    const lo = Math.min(...known);
    const hi = Math.max(...known);
    const w = this.weights;
    const total = w.latency + w.throughput + w.cost + w.fragmentation;
    return args.nodes.map((node, i) => {
      const fit = this.fitOnNode(node, planned);
      const slo = Math.min(...services.map((s) => s.sloP99Ms));
      const latency = fit.length === 0 ? 0 : Math.max(...fit.map((r) => clamp01(1 - r.predictedP99Ms / slo)));
      const throughput = fit.length === 0 ? 0 : Math.max(...fit.map((r) => clamp01(1 - r.utilization)));
      const price = prices[i];
      // Cheapest candidate 1, dearest 0; without any price labels cost cannot rank, so every node gets 1.
      const cost = known.length === 0 ? 1 : price === undefined || price < 0 ? 0 : hi === lo ? 1 : (hi - price) / (hi - lo);
      const fragmentation = this.fragmentation(node, resource);
      const raw = total <= 0 ? 0 : (w.latency * latency + w.throughput * throughput + w.cost * cost + w.fragmentation * fragmentation) / total;
      const score = Math.min(MAX_EXTENDER_PRIORITY, Math.max(MIN_EXTENDER_PRIORITY, Math.round(raw * MAX_EXTENDER_PRIORITY)));
      return { node: node.name, latency, throughput, cost, fragmentation, score };
    });
  }

  prioritize(args: ExtenderArgs): HostPriority[] {
    return this.explain(args).map((s) => ({ Host: s.node, Score: s.score }));
  }

  /**
   * The planned replicas that say how this pod would do on this node: those the plan put on it,
   * else those of the same slice on a node of the same GPU type (the prediction carries over to
   * an identical slice), else none.
   */
  private fitOnNode(node: NodeView, planned: readonly PlanReplica[]): PlanReplica[] {
    const planNode = this.planNodeOf(node);
    const here = planned.filter((r) => r.node === planNode);
    if (here.length > 0) return here;
    const type = this.gpuTypeOf(node);
    if (type === undefined) return planned.filter((r) => r.gpu === undefined);
    return planned.filter((r) => this.gpuTypeOfNode.get(r.node) === type);
  }

  /**
   * How well the request fits the node's advertised partition, so small requests go where the
   * GPUs are carved small and whole MIG profiles stay free for the pods that need them:
   * - a MIG request: the share of the node's MIG compute slices that are of the requested profile;
   * - a whole-GPU request: the share of the node's GPU capacity advertised as whole GPUs;
   * - no GPU request: 1 on nodes without GPU resources, 0 on GPU nodes (keep them for GPU pods).
   */
  private fragmentation(node: NodeView, resource: string | undefined): number {
    let migSlices = 0;
    let wholeGpus = 0;
    for (const [name, value] of Object.entries(node.allocatable)) {
      const q = parseQuantity(value) ?? 0;
      const g = migComputeSlices(name);
      if (g !== undefined) migSlices += g * q;
      else if (name === RESOURCE_GPU) wholeGpus += q;
    }
    if (resource === undefined) return migSlices + wholeGpus === 0 ? 1 : 0;
    if (resource === RESOURCE_GPU) return wholeGpus === 0 ? 0 : wholeGpus / (wholeGpus + migSlices / 7);
    const g = migComputeSlices(resource);
    if (g === undefined || migSlices === 0) return 0;
    return clamp01((g * (parseQuantity(node.allocatable[resource]) ?? 0)) / migSlices);
  }
}
