import type { IPrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule';
import type { IServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import type { PlanService } from '../../../plan/index.js';
import {
  LABEL_INSTANCE,
  LABEL_PART_OF,
  LABEL_SCRAPE,
  LABEL_SERVICE,
  METRIC_MODEL_READY,
  METRIC_REQUEST_DURATION,
  METRIC_REQUESTS,
  METRICS_PATH,
  RUNTIME_PORT_NAME,
  SERVER_ERROR_STATUSES,
} from '../constants.js';
import { joinLabel, labelValue } from '../names.js';
import type { RenderContext } from './context.js';
import { commonLabels, objectPath, type Named, type PlacedObject } from './objects.js';
import { serviceLabels, serviceObjectName } from './workloads.js';

/** Share of requests failed by the server (not the client) above which the error-rate alert fires. */
export const ERROR_RATE_THRESHOLD = 0.01;
/** Window of the rates the alerts compare. */
const RATE_WINDOW = '5m';

/** One ServiceMonitor for the fleet: every Service labelled for scraping, pod instance copied onto the series. */
export function renderServiceMonitor(ctx: RenderContext): PlacedObject {
  const sm: Named<IServiceMonitor> = {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'ServiceMonitor',
    metadata: { name: joinLabel('tessera', ctx.fleet.metadata.name), namespace: ctx.options.namespace, labels: commonLabels(ctx) },
    spec: {
      selector: { matchLabels: { [LABEL_PART_OF]: labelValue(ctx.fleet.metadata.name), [LABEL_SCRAPE]: 'true' } },
      namespaceSelector: { matchNames: [ctx.options.namespace] },
      endpoints: [{ port: RUNTIME_PORT_NAME, path: METRICS_PATH, interval: '15s', scrapeTimeout: '10s' }],
      // The autoscalers' queries tell Deployments of one service apart by this label.
      podTargetLabels: [LABEL_INSTANCE, LABEL_SERVICE],
    },
  };
  return { path: objectPath('monitoring', sm), object: sm };
}

function seconds(ms: number): string {
  return String(Math.round(ms) / 1000);
}

/** The SLO, error-rate and readiness alerts of one service. */
export function renderServiceRules(ctx: RenderContext, svc: PlanService): PlacedObject {
  const ns = ctx.options.namespace;
  const sel = `namespace="${ns}",model="${svc.name}"`;
  const slo = seconds(svc.sloP99Ms);
  const labels = { severity: 'warning', service: svc.name };
  const rules: NonNullable<NonNullable<IPrometheusRule['spec']['groups']>[number]['rules']> = [
    {
      alert: 'TesseraSloP99Breach',
      expr: `histogram_quantile(0.99, sum by (le) (rate(${METRIC_REQUEST_DURATION}_bucket{${sel}}[${RATE_WINDOW}]))) > ${slo}`,
      for: '10m',
      labels,
      annotations: {
        summary: `${svc.name}: p99 latency above its ${svc.sloP99Ms} ms SLO`,
        description: `p99 of ${METRIC_REQUEST_DURATION} over ${RATE_WINDOW} has been above ${slo} s for 10 minutes (plan predicted ${svc.predictedP99Ms ?? 'n/a'} ms). Check the queue depth and re-plan if demand outgrew the plan.`,
      },
    },
    {
      alert: 'TesseraErrorRateHigh',
      expr: `sum(rate(${METRIC_REQUESTS}{${sel},status=~"${SERVER_ERROR_STATUSES.join('|')}"}[${RATE_WINDOW}])) / sum(rate(${METRIC_REQUESTS}{${sel}}[${RATE_WINDOW}])) > ${ERROR_RATE_THRESHOLD}`,
      for: '5m',
      labels,
      annotations: {
        summary: `${svc.name}: more than ${ERROR_RATE_THRESHOLD * 100}% of requests fail`,
        description: `Requests with status ${SERVER_ERROR_STATUSES.join(', ')} (server-side failures; client errors excluded) are above ${ERROR_RATE_THRESHOLD * 100}% of ${METRIC_REQUESTS} over ${RATE_WINDOW}.`,
      },
    },
  ];
  if (svc.pool === 'hot') {
    // Cold-pool models are unloaded by design, so only hot services must stay ready.
    rules.push({
      alert: 'TesseraModelNotReady',
      expr: `min(${METRIC_MODEL_READY}{${sel}}) == 0`,
      for: '10m',
      labels,
      annotations: { summary: `${svc.name}: a replica has not been ready for 10 minutes`, description: `${METRIC_MODEL_READY} is 0 on at least one pod: its model failed to load or warm up. See the pod's log.` },
    });
  }
  const name = serviceObjectName(svc.name);
  const rule: Named<IPrometheusRule> = {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: { name: joinLabel(name, 'alerts'), namespace: ns, labels: serviceLabels(ctx, svc.name) },
    spec: { groups: [{ name: `tessera.${name}`, rules }] },
  };
  return { path: objectPath(`services/${name}`, rule), object: rule };
}
