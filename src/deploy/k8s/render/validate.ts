import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject';
import { PrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import { DaemonSet } from 'kubernetes-models/apps/v1/DaemonSet';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Node } from 'kubernetes-models/v1/Node';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { ClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding';
import { RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding';
import { TesseraError } from '../../../core/index.js';
import { isDns1035Label, isDns1123Label, isDns1123Subdomain, isLabelKey, isLabelValue } from '../names.js';
import type { KubeObject, PlacedObject } from './objects.js';

/*
 * Every rendered object is checked before anything is written: against its JSON schema through
 * the typed models (kubernetes-models for core kinds, @kubernetes-models/keda and
 * @kubernetes-models/prometheus-operator for the CRDs), and against the API server's naming
 * rules, which the schemas do not carry (object names, label keys and values).
 */

interface Validatable {
  validate(): void;
}
type ModelClass = new (data: never) => Validatable;

const MODELS: Readonly<Record<string, ModelClass>> = {
  'v1/ConfigMap': ConfigMap,
  'v1/Namespace': Namespace,
  'v1/Node': Node,
  'v1/Service': Service,
  'v1/ServiceAccount': ServiceAccount,
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': ClusterRoleBinding,
  'rbac.authorization.k8s.io/v1/RoleBinding': RoleBinding,
  'apps/v1/Deployment': Deployment,
  'apps/v1/DaemonSet': DaemonSet,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'keda.sh/v1alpha1/ScaledObject': ScaledObject,
  'monitoring.coreos.com/v1/ServiceMonitor': ServiceMonitor,
  'monitoring.coreos.com/v1/PrometheusRule': PrometheusRule,
};

/** The kinds the validator knows: what the renderer writes, and the kinds of the deploy/k8s examples. */
export const VALIDATED_KINDS: readonly string[] = Object.keys(MODELS);

export interface ObjectProblem {
  readonly path: string;
  readonly object: string;
  readonly message: string;
}

function nameProblem(o: KubeObject): string | undefined {
  const name = o.metadata.name;
  // Services need DNS-1035 labels; Deployments, DaemonSets and Namespaces labels (their names end up in pod names and label values); the rest subdomains.
  if (o.kind === 'Service') return isDns1035Label(name) ? undefined : `name '${name}' is not a DNS-1035 label`;
  if (o.kind === 'Deployment' || o.kind === 'DaemonSet' || o.kind === 'Namespace') return isDns1123Label(name) ? undefined : `name '${name}' is not a DNS-1123 label`;
  return isDns1123Subdomain(name) ? undefined : `name '${name}' is not a DNS-1123 subdomain`;
}

/** Label maps anywhere in the object (metadata, pod templates, selectors, node selectors). */
function labelProblems(value: unknown, at: string, out: string[]): void {
  if (Array.isArray(value)) {
    value.forEach((v, i) => labelProblems(v, `${at}[${i}]`, out));
    return;
  }
  if (value === null || typeof value !== 'object') return;
  for (const [key, v] of Object.entries(value)) {
    const here = `${at}.${key}`;
    if ((key === 'labels' || key === 'matchLabels' || key === 'nodeSelector') && v !== null && typeof v === 'object' && !Array.isArray(v)) {
      for (const [k, lv] of Object.entries(v)) {
        if (!isLabelKey(k)) out.push(`${here}: '${k}' is not a valid label key`);
        if (typeof lv !== 'string' || !isLabelValue(lv)) out.push(`${here}["${k}"]: '${String(lv)}' is not a valid label value`);
      }
    } else if ((key === 'limits' || key === 'requests') && at.endsWith('.resources') && v !== null && typeof v === 'object') {
      // Resource names have the form of label keys (`cpu`, `nvidia.com/mig-3g.40gb`).
      for (const k of Object.keys(v)) if (!isLabelKey(k)) out.push(`${here}: '${k}' is not a valid resource name`);
    } else if (key === 'annotations' && v !== null && typeof v === 'object') {
      for (const k of Object.keys(v)) if (!isLabelKey(k)) out.push(`${here}: '${k}' is not a valid annotation key`);
    } else if (key !== 'data') {
      // ConfigMap data holds file text, not labels.
      labelProblems(v, here, out);
    }
  }
}

/** Problems of one object; empty when it is valid. */
export function objectProblems(o: KubeObject): string[] {
  const out: string[] = [];
  const Model = MODELS[`${o.apiVersion}/${o.kind}`];
  if (Model === undefined) out.push(`no schema for ${o.apiVersion} ${o.kind}`);
  else {
    try {
      new Model(o as never).validate();
    } catch (err) {
      out.push(`schema: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  const name = nameProblem(o);
  if (name !== undefined) out.push(name);
  if (o.metadata.namespace !== undefined && !isDns1123Label(o.metadata.namespace)) out.push(`namespace '${o.metadata.namespace}' is not a DNS-1123 label`);
  labelProblems(o, '', out);
  return out;
}

/** Validates every object; throws `TESSERA_ERR_K8S_INVALID_OBJECT` listing each problem of each object. */
export function validateObjects(objects: readonly PlacedObject[]): void {
  const problems: ObjectProblem[] = [];
  const seen = new Map<string, string>();
  for (const { path, object } of objects) {
    const id = `${object.kind}/${object.metadata.namespace ?? ''}/${object.metadata.name}`;
    const other = seen.get(id);
    if (other !== undefined) problems.push({ path, object: id, message: `same kind, namespace and name as ${other}` });
    seen.set(id, path);
    for (const message of objectProblems(object)) problems.push({ path, object: id, message });
  }
  if (problems.length > 0) {
    const list = problems.map((p) => `  ${p.path} (${p.object}): ${p.message}`).join('\n');
    throw new TesseraError('TESSERA_ERR_K8S_INVALID_OBJECT', `${problems.length} problem(s) in the rendered objects; nothing was written:\n${list}`, { details: { problems } });
  }
}
