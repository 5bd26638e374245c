import type { Fleet } from '../../../core/index.js';
import type { Plan } from '../../../plan/index.js';
import { stableYaml } from '../stable-text.js';
import { renderAutoscaler } from './autoscaling.js';
import { renderNamespace, renderPrepull } from './cluster.js';
import { buildContext, compareNatural } from './context.js';
import { renderGpuOperator } from './gpu-operator.js';
import { renderServiceMonitor, renderServiceRules } from './monitoring.js';
import type { PlacedObject } from './objects.js';
import { resolveRenderOptions, type RenderOptions } from './options.js';
import { renderTriton } from './triton.js';
import { validateObjects } from './validate.js';
import { planWorkloads, renderServices, renderWorkload } from './workloads.js';

export interface RenderedFile {
  /** Relative to the output folder, `/`-separated. */
  readonly path: string;
  readonly content: string;
}

export interface RenderedObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace: string | undefined;
  readonly path: string;
}

export interface RenderResult {
  /** Every file, sorted by path: manifests, Triton configs, kustomization.yaml. */
  readonly files: readonly RenderedFile[];
  /** Every Kubernetes object, in file order. */
  readonly objects: readonly RenderedObject[];
  /** Distinct `apiVersion/kind`s rendered. */
  readonly kinds: readonly string[];
  readonly warnings: readonly string[];
}

export const KUSTOMIZATION = 'kustomization.yaml';

/**
 * Renders a plan into everything a platform engineer applies: per service its Deployments,
 * ConfigMaps, Service, PodDisruptionBudget, autoscalers and alert rules; per node the GPU
 * Operator configs and label patches; the image pre-pull DaemonSet and the ServiceMonitor.
 * Pure and deterministic (same inputs, same bytes), and every object is validated before it is
 * returned — so a caller that writes the result never writes an invalid set.
 */
export function renderPlan(fleet: Readonly<Fleet>, plan: Plan, options: RenderOptions = {}): RenderResult {
  const resolved = resolveRenderOptions(options);
  const ctx = buildContext(fleet, plan, resolved);
  const workloads = planWorkloads(ctx);
  const objects: PlacedObject[] = [renderNamespace(ctx), ...renderGpuOperator(ctx)];
  const prepull = renderPrepull(ctx);
  if (prepull !== undefined) objects.push(prepull);
  for (const w of workloads) objects.push(...renderWorkload(ctx, w), ...renderAutoscaler(ctx, w));
  objects.push(...renderServices(ctx, workloads));
  objects.push(renderServiceMonitor(ctx));
  for (const svc of plan.services) if (svc.replicas.length > 0) objects.push(renderServiceRules(ctx, svc));
  validateObjects(objects);

  objects.sort((a, b) => compareNatural(a.path, b.path));
  const header = `# Rendered by \`tessera k8s render\` from a plan of fleet '${fleet.metadata.name}'. Re-render instead of editing.\n`;
  const files: RenderedFile[] = objects.map((o) => ({ path: o.path, content: header + stableYaml(o.object) }));
  if (resolved.triton) for (const w of workloads) files.push(...renderTriton(w));
  files.push({
    path: KUSTOMIZATION,
    content: header + stableYaml({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: objects.map((o) => o.path) }),
  });
  files.sort((a, b) => compareNatural(a.path, b.path));
  const summaries = objects.map((o) => ({ apiVersion: o.object.apiVersion, kind: o.object.kind, name: o.object.metadata.name, namespace: o.object.metadata.namespace, path: o.path }));
  const kinds = [...new Set(summaries.map((o) => `${o.apiVersion}/${o.kind}`))].sort(compareNatural);
  return { files, objects: summaries, kinds, warnings: [...ctx.warnings] };
}
