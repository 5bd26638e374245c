import { TesseraError, type Fleet, type NodeSpec } from '../../../core/index.js';
import { gpuTypeInfo, migProfileInfo, type GpuType } from '../../../hardware/index.js';
import type { Plan, PlanGpu, PlanSlice } from '../../../plan/index.js';
import { LABEL_GPU_PRODUCT, MIG_RESOURCE_PREFIX, RESOURCE_GPU, SHARED_PRODUCT_SUFFIX } from '../constants.js';
import { isDns1123Subdomain } from '../names.js';
import type { ResolvedRenderOptions } from './options.js';

/** What the renderer knows about one node of the plan. */
export interface NodeFacts {
  /** The plan's node instance name; also the Kubernetes node name the patches address. */
  readonly planNode: string;
  readonly spec: NodeSpec;
  /** GPU type as the plan writes it, and its catalog entry (undefined for CPU nodes). */
  readonly gpuTypeName: string | undefined;
  readonly gpuType: GpuType | undefined;
  readonly gpuCount: number;
  readonly pricePerHour: number | undefined;
  /** GFD `nvidia.com/gpu.product` of the GPUs without the sharing suffix. */
  readonly baseProduct: string | undefined;
  /** The label value pods must select: `-SHARED` added when the node's GPUs are time-sliced/MPS-shared (§2.3). */
  readonly product: string | undefined;
  /** Device-plugin sharing replicas for the node (one config per node), when it has `gpu-share` slices. */
  readonly sharingReplicas: number | undefined;
  /** The plan's GPUs on this node, by GPU index. */
  readonly gpus: ReadonlyMap<number, PlanGpu>;
}

export interface RenderContext {
  readonly fleet: Readonly<Fleet>;
  readonly plan: Plan;
  readonly options: ResolvedRenderOptions;
  readonly nodes: ReadonlyMap<string, NodeFacts>;
  readonly slices: ReadonlyMap<string, PlanSlice>;
  /** Things that render but deserve a person's attention (printed by the CLI, kept in the result). */
  readonly warnings: string[];
}

/** Node instance names of a spec node: the name, plus `-<index>` when `count` > 1 (as src/plan/inventory.ts names them). */
export function nodeInstanceNames(node: NodeSpec): string[] {
  const count = node.count ?? 1;
  return count === 1 ? [node.name] : Array.from({ length: count }, (_, i) => `${node.name}-${i}`);
}

/** Natural order (`gpu2` before `gpu10`) so every list the renderer writes has one stable order. */
export function compareNatural(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

/** `share-0.25` → 4 replicas of the device; undefined when the profile is not a share of 1/n. */
export function shareReplicas(profile: string): number | undefined {
  const m = /^share-(\d*\.?\d+)$/.exec(profile);
  if (m === null) return undefined;
  const fraction = Number(m[1]);
  if (!(fraction > 0 && fraction <= 1)) return undefined;
  const n = Math.round(1 / fraction);
  return Math.abs(n * fraction - 1) < 0.02 ? n : undefined;
}

/** GPU index from a plan GPU id (`gpu-a-0/gpu3` → 3). */
export function gpuIndex(gpu: PlanGpu, fallback: number): number {
  const m = /\/gpu(\d+)$/.exec(gpu.id);
  return m === null ? fallback : Number(m[1]);
}

/** Builds the per-node facts; collects every plan/spec disagreement into one error. */
export function buildContext(fleet: Readonly<Fleet>, plan: Plan, options: ResolvedRenderOptions): RenderContext {
  const mismatches: string[] = [];
  const unsupported: string[] = [];
  const warnings: string[] = [];
  const specByInstance = new Map<string, NodeSpec>();
  for (const n of fleet.inventory.nodes) for (const inst of nodeInstanceNames(n)) specByInstance.set(inst, n);

  for (const svc of plan.services) {
    const spec = fleet.services.find((s) => s.name === svc.name);
    if (spec === undefined) mismatches.push(`the plan's service '${svc.name}' is not in the fleet spec`);
    else if (spec.model !== svc.model) mismatches.push(`service '${svc.name}' serves model '${svc.model}' in the plan but '${spec.model}' in the spec`);
  }

  const slices = new Map(plan.slices.map((s) => [s.id, s]));
  const planNodes = [...new Set([...plan.slices.map((s) => s.node), ...plan.gpus.map((g) => g.node)])].sort(compareNatural);
  const nodes = new Map<string, NodeFacts>();
  for (const planNode of planNodes) {
    const spec = specByInstance.get(planNode);
    if (spec === undefined) {
      mismatches.push(`the plan's node '${planNode}' is not an instance of any inventory node of the spec`);
      continue;
    }
    if (!isDns1123Subdomain(planNode)) unsupported.push(`node name '${planNode}' is not a DNS-1123 subdomain, so no Kubernetes node can carry it`);
    const planGpus = plan.gpus.filter((g) => g.node === planNode);
    const types = [...new Set(planGpus.map((g) => g.type))];
    if (types.length > 1) unsupported.push(`node '${planNode}' has GPUs of several types (${types.join(', ')}); the device plugin and GFD label one product per node`);
    const gpuTypeName = types[0] ?? spec.gpus?.type;
    const gpuType = gpuTypeName === undefined ? undefined : gpuTypeInfo(gpuTypeName);
    const labelled = spec.labels?.[LABEL_GPU_PRODUCT];
    const baseProduct = labelled !== undefined ? labelled.replace(new RegExp(`${SHARED_PRODUCT_SUFFIX}$`), '') : gpuType?.gfdProducts[0]?.label;
    if (gpuTypeName !== undefined && planGpus.length > 0 && baseProduct === undefined) {
      unsupported.push(`GPU type '${gpuTypeName}' of node '${planNode}' is not in the catalog; give its GFD label as labels."${LABEL_GPU_PRODUCT}" on the spec's node '${spec.name}'`);
    }
    if (plan.slices.some((s) => s.node === planNode && s.kind === 'mig')) {
      if (gpuType === undefined) warnings.push(`node '${planNode}' has MIG slices on GPU type '${gpuTypeName ?? '?'}', which the catalog does not know: no mig-parted config is rendered for it; partition it yourself`);
      else if (!gpuType.migCapable) unsupported.push(`node '${planNode}' has MIG slices but its GPU type ${gpuType.type} has no MIG`);
    }
    const shares = plan.slices.filter((s) => s.node === planNode && s.kind === 'gpu-share');
    const counts = new Set<number>();
    for (const s of shares) {
      const n = shareReplicas(s.profile);
      if (n === undefined) unsupported.push(`slice '${s.id}' has share profile '${s.profile}', which is not share-<1/n>`);
      else counts.add(n);
    }
    const sharingReplicas = counts.size === 0 ? undefined : Math.max(...counts);
    if (counts.size > 1) {
      warnings.push(`node '${planNode}' shares GPUs ${[...counts].sort((a, b) => a - b).join(' and ')} ways, but the device plugin applies one sharing config per node (gpu-k8s.md §2.3): it is rendered with ${sharingReplicas} replicas and bigger shares request several units, which may come from different GPUs`);
    }
    if (sharingReplicas !== undefined && plan.slices.some((s) => s.node === planNode && s.kind === 'gpu')) {
      warnings.push(`node '${planNode}' holds whole-GPU and shared slices, but the device plugin shares every GPU of a node alike (gpu-k8s.md §2.3): its whole-GPU replicas get a 1/${sharingReplicas} time-slice, not a GPU of their own; plan whole GPUs and shares on different nodes`);
    }
    const byIndex = new Map<number, PlanGpu>();
    planGpus.forEach((g, i) => byIndex.set(gpuIndex(g, i), g));
    nodes.set(planNode, {
      planNode,
      spec,
      gpuTypeName,
      gpuType,
      gpuCount: spec.gpus?.count ?? 0,
      pricePerHour: spec.pricePerHour,
      baseProduct,
      product: baseProduct === undefined ? undefined : sharingReplicas === undefined ? baseProduct : `${baseProduct}${SHARED_PRODUCT_SUFFIX}`,
      sharingReplicas,
      gpus: byIndex,
    });
  }
  if (mismatches.length > 0) {
    throw new TesseraError('TESSERA_ERR_K8S_PLAN_MISMATCH', `the plan does not belong to this fleet spec; re-plan with \`tessera plan -f <spec> --json\`:\n  ${mismatches.join('\n  ')}`, { details: { problems: mismatches } });
  }
  if (unsupported.length > 0) throw new TesseraError('TESSERA_ERR_K8S_UNSUPPORTED', unsupported.join('\n'), { details: { problems: unsupported } });
  return { fleet, plan, options, nodes, slices, warnings };
}

/** What one replica on this slice asks Kubernetes for. */
export interface SliceRequest {
  /** Extended resource and count (`nvidia.com/mig-3g.40gb`: 1), or undefined for CPU. */
  readonly resource: string | undefined;
  readonly units: number;
  /** CPU cores for `cpu` slices. */
  readonly cores: number | undefined;
  /** The label value to select nodes by (`nvidia.com/gpu.product`), for GPU slices. */
  readonly product: string | undefined;
  /** Short name of what the slice is, for object names: `3g.40gb`, `gpu`, `share-0.25`, `cpu-2`. */
  readonly profile: string;
  readonly gpuType: string | undefined;
}

export function sliceRequest(ctx: RenderContext, slice: PlanSlice): SliceRequest {
  const node = ctx.nodes.get(slice.node);
  const gpuType = node?.gpuTypeName;
  const product = node?.product;
  switch (slice.kind) {
    case 'mig': {
      const info = node?.gpuType === undefined ? undefined : migProfileInfo(node.gpuType, slice.profile);
      // Mixed strategy: "mig-" + profile with `+` as `.` (§2.2); the catalog says the same when it knows the profile.
      const resource = info?.resourceName ?? `${MIG_RESOURCE_PREFIX}${slice.profile.replace(/\+/g, '.')}`;
      return { resource, units: 1, cores: undefined, product, profile: slice.profile, gpuType };
    }
    case 'gpu':
      return { resource: RESOURCE_GPU, units: 1, cores: undefined, product, profile: slice.profile, gpuType };
    case 'gpu-share': {
      const n = shareReplicas(slice.profile) ?? 1;
      const replicas = node?.sharingReplicas ?? n;
      return { resource: RESOURCE_GPU, units: Math.max(1, Math.round(replicas / n)), cores: undefined, product, profile: slice.profile, gpuType };
    }
    case 'cpu':
      return { resource: undefined, units: 0, cores: Math.max(1, slice.cores ?? 1), product: undefined, profile: slice.profile, gpuType: undefined };
  }
}
