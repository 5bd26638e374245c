import type { CodeTable } from '../code-table.js';

/** Kubernetes: rendering a plan into manifests, the scheduler extender, applying to a cluster (docs/kubernetes.md). */
export const K8S_CODES = {
  TESSERA_ERR_K8S_PLAN_INVALID: { httpStatus: 400, summary: 'The plan file is not a Plan the renderer can use; every problem is listed with its path.' },
  TESSERA_ERR_K8S_PLAN_MISMATCH: { httpStatus: 400, summary: 'The plan and the fleet spec disagree (a service, model or node of one is missing from the other).' },
  TESSERA_ERR_K8S_OPTIONS: { httpStatus: 400, summary: 'A render or extender option is out of range (namespace, image, autoscaler, port, weights).' },
  TESSERA_ERR_K8S_UNSUPPORTED: { httpStatus: 400, summary: 'The plan holds something the renderer cannot express as Kubernetes objects (an unknown GPU type, an unreadable share).' },
  TESSERA_ERR_K8S_INVALID_OBJECT: { httpStatus: 500, summary: 'A rendered object failed schema validation; nothing was written.' },
  TESSERA_ERR_K8S_OUTPUT: { httpStatus: 400, summary: 'The output folder cannot be written, or holds files Tessera did not render.' },
  TESSERA_ERR_K8S_EXTENDER_ARGS: { httpStatus: 400, summary: 'A scheduler-extender request is not ExtenderArgs JSON.' },
  TESSERA_ERR_K8S_EXTENDER_LISTEN: { httpStatus: 500, summary: 'The scheduler extender could not listen on its address.' },
  TESSERA_ERR_K8S_APPLY: { httpStatus: 502, summary: 'The Kubernetes API server refused or failed a server-side apply.' },
} as const satisfies CodeTable;
