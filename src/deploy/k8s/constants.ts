/**
 * Names every Kubernetes artefact Tessera renders or reads agrees on: label keys, the NVIDIA
 * resource and label names (../shared/reference/gpu-k8s.md §2.2, §3.2, §3.3), the runtime's port
 * and probe paths (Open Inference Protocol), and the metric names the serving runtime exports
 * (src/observe/serve-metrics.ts). Kept in one place so the renderer and the scheduler extender
 * cannot drift apart.
 */

/** `app.kubernetes.io/*` recommended labels. */
export const LABEL_NAME = 'app.kubernetes.io/name';
export const LABEL_INSTANCE = 'app.kubernetes.io/instance';
export const LABEL_COMPONENT = 'app.kubernetes.io/component';
export const LABEL_PART_OF = 'app.kubernetes.io/part-of';
export const LABEL_MANAGED_BY = 'app.kubernetes.io/managed-by';
export const LABEL_VERSION = 'app.kubernetes.io/version';
export const MANAGED_BY = 'tessera';

/** The service a pod serves; the scheduler extender finds the plan's replicas by it. */
export const LABEL_SERVICE = 'tessera.dev/service';
/** Cold pools: the pool a pod belongs to (its Services and the extender select by it). */
export const LABEL_POOL = 'tessera.dev/pool';
/** The plan's node name, written onto each Kubernetes node by the rendered node patches. */
export const LABEL_NODE = 'tessera.dev/node';
/** Price of the node, $/h, as a label value (`8`, `4.6`): the extender's cost term reads it. */
export const LABEL_PRICE_PER_HOUR = 'tessera.dev/price-per-hour';
/** On Services: scrape this one (a cold pool has several Services over the same pods; only one is scraped). */
export const LABEL_SCRAPE = 'tessera.dev/scrape';
/** Pod-template annotation: hash of the ConfigMap, so a new plan rolls the pods. */
export const ANNOTATION_CONFIG_HASH = 'tessera.dev/config-hash';

/** GFD label with the GPU model (§3.3); under time-slicing/MPS without rename it carries a `-SHARED` suffix (§2.3). */
export const LABEL_GPU_PRODUCT = 'nvidia.com/gpu.product';
/** MIG Manager: the mig-parted config a node should have (§3.2). */
export const LABEL_MIG_CONFIG = 'nvidia.com/mig.config';
/** Device plugin: the per-node config (time-slicing / MPS) out of its config map (§2.3). */
export const LABEL_DEVICE_PLUGIN_CONFIG = 'nvidia.com/device-plugin.config';
/** Whole GPUs, and time-sliced/MPS shares of them (§2.2, §2.3). */
export const RESOURCE_GPU = 'nvidia.com/gpu';
export const RESOURCE_PREFIX = 'nvidia.com/';
export const MIG_RESOURCE_PREFIX = 'nvidia.com/mig-';
export const SHARED_PRODUCT_SUFFIX = '-SHARED';

/** Port the runtime listens on inside the pod, and its name. */
export const RUNTIME_PORT = 8000;
export const RUNTIME_PORT_NAME = 'http';
/** Open Inference Protocol health endpoints. */
export const READY_PATH = '/v2/health/ready';
export const LIVE_PATH = '/v2/health/live';
export const METRICS_PATH = '/metrics';
/** Where the ConfigMap is mounted in the runtime container. */
export const CONFIG_DIR = '/etc/tessera';

/** Metrics the serving runtime exports (src/observe/serve-metrics.ts); label `model` is the service name. */
export const METRIC_QUEUE_DEPTH = 'tessera_serve_queue_depth';
export const METRIC_REQUEST_DURATION = 'tessera_serve_request_duration_seconds';
export const METRIC_REQUESTS = 'tessera_serve_requests_total';
export const METRIC_MODEL_READY = 'tessera_serve_model_ready';
/** Statuses of `tessera_serve_requests_total` that count against the server (client errors do not). */
export const SERVER_ERROR_STATUSES = ['error', 'timeout', 'rejected'] as const;

/** kube-scheduler extender score range (k8s.io/kube-scheduler/extender/v1: MinExtenderPriority, MaxExtenderPriority). */
export const MIN_EXTENDER_PRIORITY = 0;
export const MAX_EXTENDER_PRIORITY = 10;
