import { LABEL_MANAGED_BY, LABEL_PART_OF, MANAGED_BY } from '../constants.js';
import { labelValue } from '../names.js';
import type { RenderContext } from './context.js';

/** Any Kubernetes object the renderer writes: the common header, the rest kind-specific. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
}

/** Makes a kubernetes-models interface (`IDeployment`, metadata optional there) name its object. */
export type Named<T> = T & { metadata: { name: string } };

/** An object and the file (relative to the output folder) it is written to. */
export interface PlacedObject {
  readonly path: string;
  readonly object: KubeObject;
}

/** Labels every rendered object carries: which fleet, and that Tessera manages it. */
export function commonLabels(ctx: RenderContext): Record<string, string> {
  return { [LABEL_PART_OF]: labelValue(ctx.fleet.metadata.name), [LABEL_MANAGED_BY]: MANAGED_BY };
}

/** `apps/v1` + `Deployment` → `deployment-<name>.yaml` inside `dir`. */
export function objectPath(dir: string, object: KubeObject): string {
  const file = `${object.kind.toLowerCase()}-${object.metadata.name}.yaml`;
  return dir.length === 0 ? file : `${dir}/${file}`;
}
