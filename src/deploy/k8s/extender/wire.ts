import { z } from 'zod';
import { TesseraError } from '../../../core/index.js';

/*
 * The kube-scheduler extender wire format, k8s.io/kube-scheduler/extender/v1 (gpu-k8s.md §5.1).
 * The Go structs carry no json tags, so the keys are the Go field names — PascalCase — while the
 * embedded v1.Pod and v1.NodeList are ordinary Kubernetes JSON (camelCase). kube-scheduler POSTs
 * ExtenderArgs to `<urlPrefix>/<verb>`; a filter answers ExtenderFilterResult, a prioritize
 * answers HostPriorityList.
 */

/** The parts of a v1.Node the extender reads; the object itself is passed back untouched. */
export interface NodeView {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  /** `status.allocatable` as sent (quantity strings). */
  readonly allocatable: Readonly<Record<string, unknown>>;
  /** The node object exactly as received, for `ExtenderFilterResult.Nodes.items`. */
  readonly raw: unknown;
}

/** The parts of a v1.Pod the extender reads. */
export interface PodView {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Effective requests per resource: max(sum over containers, any init container), from requests or else limits. */
  readonly requests: Readonly<Record<string, number>>;
}

export interface ExtenderArgs {
  readonly pod: PodView;
  readonly nodes: readonly NodeView[];
  /** The NodeList's own fields besides `items` (kind, apiVersion, metadata), echoed in the answer. */
  readonly nodeListMeta: Readonly<Record<string, unknown>>;
}

/** ExtenderFilterResult; FailedAndUnresolvableNodes wins over FailedNodes (preemption will not help those). */
export interface ExtenderFilterResult {
  Nodes: { items: unknown[]; [field: string]: unknown } | null;
  NodeNames: string[] | null;
  FailedNodes: Record<string, string>;
  FailedAndUnresolvableNodes: Record<string, string>;
  Error: string;
}

export interface HostPriority {
  Host: string;
  Score: number;
}
export type HostPriorityList = HostPriority[];

/** A request that is not ExtenderArgs (`TESSERA_ERR_K8S_EXTENDER_ARGS`); its message goes into `Error`. */
export class ExtenderArgsError extends TesseraError {
  constructor(message: string) {
    super('TESSERA_ERR_K8S_EXTENDER_ARGS', message);
    this.name = 'ExtenderArgsError';
  }
}

const stringMap = z.record(z.string(), z.string());
const resourceList = z.record(z.string(), z.union([z.string(), z.number()]));
const container = z.looseObject({
  name: z.string().optional(),
  resources: z.looseObject({ requests: resourceList.nullish(), limits: resourceList.nullish() }).nullish(),
});
const pod = z.looseObject({
  metadata: z.looseObject({ name: z.string().optional(), namespace: z.string().optional(), labels: stringMap.nullish() }),
  spec: z.looseObject({ containers: z.array(container), initContainers: z.array(container).nullish() }),
});
const node = z.looseObject({
  metadata: z.looseObject({ name: z.string().min(1), labels: stringMap.nullish() }),
  status: z.looseObject({ allocatable: resourceList.nullish() }).nullish(),
});
const args = z.looseObject({
  Pod: pod.nullish(),
  Nodes: z.looseObject({ items: z.array(z.unknown()).nullish() }).nullish(),
  NodeNames: z.array(z.string()).nullish(),
});

function issues(error: z.ZodError, prefix: string): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${prefix}${i.path.map(String).join('.')}: ${i.message}`)
    .join('; ');
}

type Container = z.infer<typeof container>;

function containerRequests(c: Container, parse: (v: unknown) => number | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  const requests = c.resources?.requests ?? {};
  const limits = c.resources?.limits ?? {};
  for (const key of new Set([...Object.keys(requests), ...Object.keys(limits)])) {
    // Extended resources may be given as limits only; the request then defaults to the limit.
    const v = parse(requests[key] ?? limits[key]);
    if (v === undefined) throw new ExtenderArgsError(`Pod container '${c.name ?? '?'}' resource '${key}' is not a quantity`);
    out[key] = v;
  }
  return out;
}

/** Reads a request body into ExtenderArgs; throws ExtenderArgsError saying what is wrong. */
export function parseExtenderArgs(body: unknown, parseQuantity: (v: unknown) => number | undefined): ExtenderArgs {
  const top = args.safeParse(body);
  if (!top.success) throw new ExtenderArgsError(`not ExtenderArgs: ${issues(top.error, '')}`);
  const { Pod, Nodes, NodeNames } = top.data;
  if (Pod === undefined || Pod === null) throw new ExtenderArgsError('ExtenderArgs.Pod is missing');
  if (Nodes === undefined || Nodes === null) {
    throw new ExtenderArgsError(
      NodeNames !== undefined && NodeNames !== null
        ? 'ExtenderArgs carries NodeNames only: this extender reads node objects, configure it with nodeCacheCapable: false'
        : 'ExtenderArgs.Nodes is missing',
    );
  }
  const nodes: NodeView[] = (Nodes.items ?? []).map((raw, i) => {
    const n = node.safeParse(raw);
    if (!n.success) throw new ExtenderArgsError(`ExtenderArgs.Nodes.items[${i}] is not a v1.Node: ${issues(n.error, '')}`);
    return { name: n.data.metadata.name, labels: n.data.metadata.labels ?? {}, allocatable: n.data.status?.allocatable ?? {}, raw };
  });
  const sum: Record<string, number> = {};
  for (const c of Pod.spec.containers) for (const [k, v] of Object.entries(containerRequests(c, parseQuantity))) sum[k] = (sum[k] ?? 0) + v;
  for (const c of Pod.spec.initContainers ?? []) for (const [k, v] of Object.entries(containerRequests(c, parseQuantity))) sum[k] = Math.max(sum[k] ?? 0, v);
  const { items: _items, ...nodeListMeta } = Nodes;
  return {
    pod: { name: Pod.metadata.name ?? '', namespace: Pod.metadata.namespace ?? 'default', labels: Pod.metadata.labels ?? {}, requests: sum },
    nodes,
    nodeListMeta,
  };
}
