import type { IDaemonSet } from 'kubernetes-models/apps/v1/DaemonSet';
import type { INamespace } from 'kubernetes-models/v1/Namespace';
import type { INodeSelectorTerm } from 'kubernetes-models/v1/NodeSelectorTerm';
import { LABEL_COMPONENT, LABEL_GPU_PRODUCT, LABEL_INSTANCE, LABEL_NAME, LABEL_NODE, RESOURCE_GPU } from '../constants.js';
import type { RenderContext } from './context.js';
import { compareNatural } from './context.js';
import { commonLabels, objectPath, type Named, type PlacedObject } from './objects.js';

export function renderNamespace(ctx: RenderContext): PlacedObject {
  const ns: Named<INamespace> = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ctx.options.namespace, labels: commonLabels(ctx) } };
  return { path: objectPath('', ns), object: ns };
}

export const PREPULL_NAME = 'tessera-runtime-prepull';

/**
 * Container-level warm-up: a DaemonSet holding the runtime image on every node the plan uses,
 * so a new replica (a scale-up, a rescheduled pod) starts without an image pull. Its container is
 * the runtime image itself idling in `node`, so no second image is needed.
 */
export function renderPrepull(ctx: RenderContext): PlacedObject | undefined {
  const nodes = [...ctx.nodes.values()];
  const products = [...new Set(nodes.map((n) => n.product).filter((p): p is string => p !== undefined))].sort(compareNatural);
  const cpuNodes = nodes.filter((n) => n.product === undefined && n.spec.gpus === undefined).map((n) => n.planNode);
  const terms: INodeSelectorTerm[] = [];
  if (products.length > 0) terms.push({ matchExpressions: [{ key: LABEL_GPU_PRODUCT, operator: 'In', values: products }] });
  if (cpuNodes.length > 0) terms.push({ matchExpressions: [{ key: LABEL_NODE, operator: 'In', values: cpuNodes }] });
  if (terms.length === 0) return undefined;
  const selector = { [LABEL_NAME]: PREPULL_NAME, [LABEL_INSTANCE]: PREPULL_NAME };
  const labels = { ...commonLabels(ctx), ...selector, [LABEL_COMPONENT]: 'image-prepull' };
  const ds: Named<IDaemonSet> = {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: PREPULL_NAME, namespace: ctx.options.namespace, labels },
    spec: {
      selector: { matchLabels: selector },
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '100%' } },
      template: {
        metadata: { labels },
        spec: {
          affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } } },
          tolerations: [{ key: RESOURCE_GPU, operator: 'Exists', effect: 'NoSchedule' }],
          terminationGracePeriodSeconds: 1,
          containers: [
            {
              name: 'hold',
              image: ctx.options.image,
              imagePullPolicy: 'IfNotPresent',
              command: ['node', '-e', 'setInterval(() => {}, 1 << 30)'],
              resources: { requests: { cpu: '1m', memory: '32Mi' }, limits: { memory: '64Mi' } },
              securityContext: { allowPrivilegeEscalation: false },
            },
          ],
        },
      },
    },
  };
  return { path: objectPath('prepull', ds), object: ds };
}
