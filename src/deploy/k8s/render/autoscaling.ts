import type { IScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject';
import type { IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import type { IHorizontalPodAutoscalerBehavior } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscalerBehavior';
import { METRIC_QUEUE_DEPTH, LABEL_INSTANCE } from '../constants.js';
import type { RenderContext } from './context.js';
import { objectPath, type Named, type PlacedObject } from './objects.js';
import type { Workload } from './workloads.js';

/*
 * One autoscaler per hot Deployment, on the runtime's queue depth (`tessera_serve_queue_depth`,
 * label `model` = service). Bounds come from the plan (see planWorkloads); the target per pod is
 * the queue a replica holds at its planned capacity. Cold pools are not autoscaled: the plan gives
 * a pool exactly one slice, and a pool at zero pods would get no requests to wake it.
 */

/** KEDA polls Prometheus this often (s); the HPA it drives reacts within the windows below. */
const POLLING_INTERVAL_S = 15;
const COOLDOWN_S = 300;

/**
 * Scale up at once (queues at an SLO grow fast): up to 4 pods or double every 15 s, whichever is
 * more. Scale down slowly: after 5 minutes of lower demand, at most half the pods a minute.
 * Written out rather than left to the defaults, so the manifest says what will happen.
 */
export const SCALING_BEHAVIOR: IHorizontalPodAutoscalerBehavior = {
  scaleUp: {
    stabilizationWindowSeconds: 0,
    selectPolicy: 'Max',
    policies: [
      { type: 'Pods', value: 4, periodSeconds: 15 },
      { type: 'Percent', value: 100, periodSeconds: 15 },
    ],
  },
  scaleDown: {
    stabilizationWindowSeconds: 300,
    selectPolicy: 'Max',
    policies: [{ type: 'Percent', value: 50, periodSeconds: 60 }],
  },
};

/**
 * Queue depth per pod at which a replica is at its planned capacity: by Little's law the
 * requests a replica holds while serving `capacityRps` with each taking its predicted p99 —
 * ceil(capacityRps × p99 / 1000), at least 1. Above it (on average over the Deployment's pods)
 * the replicas are past what the plan sized them for. The smallest replica of the group decides.
 */
export function queueDepthTarget(w: Workload): number {
  const perReplica = w.replicas.map((r) => Math.ceil((r.capacityRps * r.predictedP99Ms) / 1000));
  return Math.max(1, Math.min(...(perReplica.length === 0 ? [1] : perReplica)));
}

/** PromQL: the Deployment's total queue. `app_kubernetes_io_instance` comes from the ServiceMonitor's podTargetLabels. */
export function queueDepthQuery(ctx: RenderContext, w: Workload): string {
  const service = w.services[0]?.name ?? '';
  return `sum(${METRIC_QUEUE_DEPTH}{namespace="${ctx.options.namespace}",model="${service}",${LABEL_INSTANCE.replace(/[./-]/g, '_')}="${w.name}"})`;
}

export function renderAutoscaler(ctx: RenderContext, w: Workload): PlacedObject[] {
  if (w.kind !== 'service') return [];
  const ns = ctx.options.namespace;
  const labels = { ...w.podLabels };
  const target = String(queueDepthTarget(w));
  const ref = { apiVersion: 'apps/v1', kind: 'Deployment', name: w.name };
  if (ctx.options.autoscaler === 'hpa') {
    const hpa: Named<IHorizontalPodAutoscaler> = {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: w.name, namespace: ns, labels },
      spec: {
        scaleTargetRef: ref,
        minReplicas: w.minReplicas,
        maxReplicas: w.maxReplicas,
        // A Pods metric served by prometheus-adapter (docs/kubernetes.md gives the adapter rule).
        metrics: [
          {
            type: 'Pods',
            pods: { metric: { name: METRIC_QUEUE_DEPTH, selector: { matchLabels: { model: w.services[0]?.name ?? '' } } }, target: { type: 'AverageValue', averageValue: target } },
          },
        ],
        behavior: SCALING_BEHAVIOR,
      },
    };
    return [{ path: objectPath(w.dir, hpa), object: hpa }];
  }
  const scaledObject: Named<IScaledObject> = {
    apiVersion: 'keda.sh/v1alpha1',
    kind: 'ScaledObject',
    metadata: { name: w.name, namespace: ns, labels },
    spec: {
      scaleTargetRef: ref,
      pollingInterval: POLLING_INTERVAL_S,
      cooldownPeriod: COOLDOWN_S,
      minReplicaCount: w.minReplicas,
      maxReplicaCount: w.maxReplicas,
      advanced: { horizontalPodAutoscalerConfig: { behavior: SCALING_BEHAVIOR } },
      triggers: [
        {
          type: 'prometheus',
          // AverageValue: KEDA divides the query's total by the Deployment's pods and compares with the threshold.
          metricType: 'AverageValue',
          metadata: { serverAddress: ctx.options.prometheusUrl, query: queueDepthQuery(ctx, w), threshold: target },
        },
      ],
    },
  };
  return [{ path: objectPath(w.dir, scaledObject), object: scaledObject }];
}
