/**
 * Public surface of src/deploy/k8s: render a plan into Kubernetes manifests and GPU Operator
 * configs (docs/kubernetes.md), the kube-scheduler extender, and the live-cluster apply port.
 */
export { loadPlanFile, parsePlan, planSchema } from './plan-input.js';
export { renderPlan, KUSTOMIZATION, type RenderResult, type RenderedFile, type RenderedObject } from './render/render.js';
export { resolveRenderOptions, DEFAULT_IMAGE, type RenderOptions, type ResolvedRenderOptions, type AutoscalerKind, type GpuSharingMode } from './render/options.js';
export { writeRender, RENDER_MARKER } from './render/write.js';
export { VALIDATED_KINDS, objectProblems } from './render/validate.js';
export type { KubeObject } from './render/objects.js';
export { dnsLabel, labelValue, isDns1123Label, isDns1035Label, isLabelKey, isLabelValue } from './names.js';
export { parseQuantity } from './quantity.js';
export { PlanScheduler, type PlanSchedulerOptions, type ExtenderWeights, type NodeScore } from './extender/plan-scheduler.js';
export { startExtenderServer, handleExtenderRequest, type ExtenderServer, type ExtenderServerOptions } from './extender/server.js';
export { parseExtenderArgs, ExtenderArgsError, type ExtenderArgs, type ExtenderFilterResult, type HostPriority, type HostPriorityList } from './extender/wire.js';
export * from './constants.js';
export type { ManifestApplier, ApplyOptions, AppliedObject } from './apply/manifest-applier.js';
export { ServerSideApplier, SERVER_SIDE_APPLY, type ObjectPatchClient } from './apply/server-side-applier.js';
export { createClusterApplier, readRenderedObjects, type ClusterApplierOptions } from './apply/cluster-applier.js';
