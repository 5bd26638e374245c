import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { INode } from 'kubernetes-models/v1/Node';
import { migPartedConfigName, type Placement } from '../../../hardware/index.js';
import type { PlanGpu } from '../../../plan/index.js';
import { LABEL_DEVICE_PLUGIN_CONFIG, LABEL_MIG_CONFIG, LABEL_NODE, LABEL_PRICE_PER_HOUR, RESOURCE_GPU } from '../constants.js';
import { labelValue } from '../names.js';
import { stableYaml } from '../stable-text.js';
import type { NodeFacts, RenderContext } from './context.js';
import { commonLabels, objectPath, type Named, type PlacedObject } from './objects.js';

/*
 * What the NVIDIA GPU Operator needs to give each node the plan's GPUs (gpu-k8s.md §2.3, §3.1,
 * §3.2): the MIG manager's mig-parted config (one ConfigMap, one named config per node layout,
 * chosen on each node by the `nvidia.com/mig.config` label), the device plugin's per-node sharing
 * configs (chosen by `nvidia.com/device-plugin.config`), and a patch per node with those labels
 * plus the two Tessera reads back (`tessera.dev/node`, `tessera.dev/price-per-hour`).
 */

export const MIG_PARTED_CONFIG_MAP = 'tessera-mig-parted-config';
export const DEVICE_PLUGIN_CONFIG_MAP = 'tessera-device-plugin-config';
/** The key the GPU Operator's MIG manager reads from its config map. */
export const MIG_PARTED_KEY = 'config.yaml';

/** One `mig-configs` entry of mig-parted's v1 spec (§3.1). */
interface MigConfigEntry {
  devices: 'all' | number[];
  'mig-enabled': boolean;
  'mig-devices'?: Record<string, number>;
}

/** A GPU's MIG layout as placements, or undefined when the plan uses it whole (or not at all). */
function migLayout(ctx: RenderContext, gpu: PlanGpu | undefined): Placement[] | undefined {
  if (gpu === undefined) return undefined;
  const placements: Placement[] = [];
  for (const id of gpu.slices) {
    const s = ctx.slices.get(id);
    if (s?.kind === 'mig') placements.push({ profile: s.profile, start: s.start ?? 0 });
  }
  return placements.length === 0 ? undefined : placements;
}

function counts(layout: readonly Placement[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of layout) out[p.profile] = (out[p.profile] ?? 0) + 1;
  return out;
}

/** The node's mig-parted config: its name and entries, or undefined when the node has no MIG GPU. */
export function nodeMigConfig(ctx: RenderContext, node: NodeFacts): { name: string; entries: MigConfigEntry[] } | undefined {
  if (node.gpuType === undefined || !node.gpuType.migCapable || node.gpuCount === 0) return undefined;
  const layouts = Array.from({ length: node.gpuCount }, (_, i) => migLayout(ctx, node.gpus.get(i)));
  if (layouts.every((l) => l === undefined)) return undefined;
  // GPUs with the same profile counts share an entry (mig-parted places instances itself; only counts are configured).
  const groups = new Map<string, { devices: number[]; layout: Placement[] | undefined }>();
  layouts.forEach((layout, i) => {
    const key = layout === undefined ? 'disabled' : JSON.stringify(Object.entries(counts(layout)).sort());
    const g = groups.get(key) ?? { devices: [], layout };
    g.devices.push(i);
    groups.set(key, g);
  });
  const all = groups.size === 1;
  const entries: MigConfigEntry[] = [...groups.values()]
    .sort((a, b) => (a.devices[0] ?? 0) - (b.devices[0] ?? 0))
    .map((g) =>
      g.layout === undefined
        ? { devices: all ? 'all' : g.devices, 'mig-enabled': false }
        : { devices: all ? 'all' : g.devices, 'mig-enabled': true, 'mig-devices': counts(g.layout) },
    );
  const only = [...groups.values()][0];
  // Uniform nodes take mig-parted's own naming (`all-1g.10gb`, `all-balanced`, or counts), so alike nodes share one config.
  const name = all && only?.layout !== undefined ? migPartedConfigName(node.gpuType, only.layout) : `tessera-node-${node.planNode}`;
  return { name: labelValue(name), entries };
}

/** The device plugin's sharing config name and body for a shared node (§2.3). */
function sharingConfig(ctx: RenderContext, node: NodeFacts): { name: string; body: unknown } | undefined {
  if (node.sharingReplicas === undefined) return undefined;
  const mode = ctx.options.gpuSharing;
  const key = mode === 'mps' ? 'mps' : 'timeSlicing';
  return {
    name: `tessera-${mode}-${node.sharingReplicas}`,
    body: { version: 'v1', sharing: { [key]: { resources: [{ name: RESOURCE_GPU, replicas: node.sharingReplicas }] } } },
  };
}

export function renderGpuOperator(ctx: RenderContext): PlacedObject[] {
  const ns = ctx.options.gpuOperatorNamespace;
  const labels = commonLabels(ctx);
  const out: PlacedObject[] = [];
  const migConfigs: Record<string, MigConfigEntry[]> = {
    // Kept so a node can be taken back to whole GPUs by relabelling it.
    'all-disabled': [{ devices: 'all', 'mig-enabled': false }],
  };
  const pluginConfigs: Record<string, string> = {};
  const nodeLabels = new Map<string, Record<string, string>>();
  for (const node of ctx.nodes.values()) {
    const l: Record<string, string> = { [LABEL_NODE]: node.planNode };
    if (node.pricePerHour !== undefined) l[LABEL_PRICE_PER_HOUR] = labelValue(String(node.pricePerHour));
    const mig = nodeMigConfig(ctx, node);
    if (mig !== undefined) {
      migConfigs[mig.name] = mig.entries;
      l[LABEL_MIG_CONFIG] = mig.name;
    }
    const share = sharingConfig(ctx, node);
    if (share !== undefined) {
      pluginConfigs[share.name] = stableYaml(share.body);
      l[LABEL_DEVICE_PLUGIN_CONFIG] = share.name;
    }
    nodeLabels.set(node.planNode, l);
  }
  if (Object.keys(migConfigs).length > 1) {
    const cm: Named<IConfigMap> = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: MIG_PARTED_CONFIG_MAP, namespace: ns, labels },
      data: { [MIG_PARTED_KEY]: stableYaml({ version: 'v1', 'mig-configs': migConfigs }) },
    };
    out.push({ path: objectPath('gpu-operator', cm), object: cm });
  }
  if (Object.keys(pluginConfigs).length > 0) {
    const cm: Named<IConfigMap> = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: DEVICE_PLUGIN_CONFIG_MAP, namespace: ns, labels }, data: pluginConfigs };
    out.push({ path: objectPath('gpu-operator', cm), object: cm });
  }
  for (const [name, l] of nodeLabels) {
    // A partial Node: server-side apply (or `kubectl patch --type merge`) sets only these labels.
    const patch: Named<INode> = { apiVersion: 'v1', kind: 'Node', metadata: { name, labels: l } };
    out.push({ path: objectPath('nodes', patch), object: patch });
  }
  return out;
}
