import type { KubeObject } from '../render/objects.js';

/*
 * The live-cluster port of the Kubernetes target. The `Cluster` port of src/adapt (apply a plan,
 * list replicas, restart, scale) will sit on top of this; for now rendering and applying meet
 * here. No Kubernetes API server runs where Tessera is developed, so everything up to the API call
 * is tested against a test double of the API client (docs/kubernetes.md).
 */

export interface ApplyOptions {
  /** Server-side apply field manager. @default tessera */
  readonly fieldManager?: string;
  /** Ask the API server to validate and admit without persisting (`dryRun=All`). */
  readonly dryRun?: boolean;
  /** Take over fields another manager owns instead of failing with a conflict. @default false */
  readonly force?: boolean;
}

export interface AppliedObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace: string | undefined;
  /** The server's resourceVersion after the apply, when it returned one. */
  readonly resourceVersion: string | undefined;
}

export interface ManifestApplier {
  /** Applies every object (server-side apply), in an order where each object's dependencies come first. */
  apply(objects: readonly KubeObject[], options?: ApplyOptions): Promise<AppliedObject[]>;
}
