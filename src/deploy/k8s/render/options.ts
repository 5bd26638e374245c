import { TesseraError } from '../../../core/index.js';
import { isDns1123Label, isDns1123Subdomain } from '../names.js';

export type AutoscalerKind = 'keda' | 'hpa';
export type GpuSharingMode = 'time-slicing' | 'mps';

export interface RenderOptions {
  /** Runtime image. @default ghcr.io/tessera/runtime:0.1.0 */
  image?: string;
  /** Namespace of the serving objects. @default tessera */
  namespace?: string;
  /** @default keda */
  autoscaler?: AutoscalerKind;
  /** Also write Triton `config.pbtxt` files. @default false */
  triton?: boolean;
  /** Namespace of the NVIDIA GPU Operator (its MIG manager and device plugin read config maps there). @default gpu-operator */
  gpuOperatorNamespace?: string;
  /** Prometheus the KEDA trigger queries. @default http://prometheus-operated.monitoring.svc:9090 */
  prometheusUrl?: string;
  /** Pods name this scheduler (the profile that calls the Tessera extender); unset = the default scheduler. */
  schedulerName?: string;
  /** How `gpu-share` slices are shared (device-plugin `sharing.timeSlicing` or `sharing.mps`). @default time-slicing */
  gpuSharing?: GpuSharingMode;
}

export interface ResolvedRenderOptions {
  readonly image: string;
  readonly imageTag: string | undefined;
  readonly namespace: string;
  readonly autoscaler: AutoscalerKind;
  readonly triton: boolean;
  readonly gpuOperatorNamespace: string;
  readonly prometheusUrl: string;
  readonly schedulerName: string | undefined;
  readonly gpuSharing: GpuSharingMode;
}

export const DEFAULT_IMAGE = 'ghcr.io/tessera/runtime:0.1.0';

/**
 * A container image reference (distribution/reference grammar, simplified): registry host with
 * optional port, lower-case path components, optional tag and digest.
 */
const IMAGE_REF = /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d+)?(\/[a-z0-9]+([._-]+[a-z0-9]+)*)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?$/;

function tagOf(image: string): string | undefined {
  const noDigest = image.split('@')[0] ?? image;
  const lastSlash = noDigest.lastIndexOf('/');
  const colon = noDigest.lastIndexOf(':');
  return colon > lastSlash ? noDigest.slice(colon + 1) : undefined;
}

/** Fills defaults and checks every option; one error lists every problem. */
export function resolveRenderOptions(o: RenderOptions = {}): ResolvedRenderOptions {
  const problems: string[] = [];
  const image = o.image ?? DEFAULT_IMAGE;
  if (!IMAGE_REF.test(image)) problems.push(`--image '${image}' is not an image reference (e.g. ghcr.io/tessera/runtime:0.1.0)`);
  const namespace = o.namespace ?? 'tessera';
  if (!isDns1123Label(namespace)) problems.push(`--namespace '${namespace}' is not a DNS-1123 label (lower-case letters, digits, '-', ≤ 63)`);
  const gpuOperatorNamespace = o.gpuOperatorNamespace ?? 'gpu-operator';
  if (!isDns1123Label(gpuOperatorNamespace)) problems.push(`--gpu-operator-namespace '${gpuOperatorNamespace}' is not a DNS-1123 label`);
  const autoscaler = o.autoscaler ?? 'keda';
  if (autoscaler !== 'keda' && autoscaler !== 'hpa') problems.push(`--autoscaler must be keda or hpa (got '${String(autoscaler)}')`);
  const gpuSharing = o.gpuSharing ?? 'time-slicing';
  if (gpuSharing !== 'time-slicing' && gpuSharing !== 'mps') problems.push(`--gpu-sharing must be time-slicing or mps (got '${String(gpuSharing)}')`);
  const prometheusUrl = o.prometheusUrl ?? 'http://prometheus-operated.monitoring.svc:9090';
  if (!/^https?:\/\/[^\s/]+/.test(prometheusUrl)) problems.push(`--prometheus-url '${prometheusUrl}' is not an http(s) URL`);
  if (o.schedulerName !== undefined && !isDns1123Subdomain(o.schedulerName)) problems.push(`--scheduler-name '${o.schedulerName}' is not a DNS-1123 subdomain`);
  if (problems.length > 0) throw new TesseraError('TESSERA_ERR_K8S_OPTIONS', problems.join('; '), { details: { problems } });
  return Object.freeze({
    image,
    imageTag: tagOf(image),
    namespace,
    autoscaler,
    triton: o.triton ?? false,
    gpuOperatorNamespace,
    prometheusUrl,
    schedulerName: o.schedulerName,
    gpuSharing,
  });
}
