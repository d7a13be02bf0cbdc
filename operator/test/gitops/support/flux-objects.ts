/**
 * The Flux objects the GitOps tests create (source.toolkit.fluxcd.io/v1 OCIRepository,
 * kustomize.toolkit.fluxcd.io/v1 Kustomization), typed as far as the tests read them.
 */
import type { Condition } from '../../../src/runtime/conditions.js';
import type { KubeObject, ResourceType } from '../../../src/runtime/kube/resource.js';

export const fluxTypes = {
  ociRepository: { group: 'source.toolkit.fluxcd.io', version: 'v1', plural: 'ocirepositories', kind: 'OCIRepository', namespaced: true },
  kustomization: { group: 'kustomize.toolkit.fluxcd.io', version: 'v1', plural: 'kustomizations', kind: 'Kustomization', namespaced: true },
} as const satisfies Record<string, ResourceType>;

export interface FluxStatus {
  readonly conditions?: readonly Condition[];
  readonly observedGeneration?: number;
}

export interface OCIRepository extends KubeObject {
  spec: { url: string; ref: { tag: string }; interval: string; insecure: boolean };
  status?: FluxStatus;
}

/** A Kustomization's CEL health check of one kind, or of every kind of a group (kind unset). */
export interface HealthCheckExpr {
  readonly apiVersion: string;
  readonly kind?: string;
  readonly current: string;
  readonly inProgress?: string;
  readonly failed?: string;
}

/**
 * kstatus over our conditions for every mecm.io kind, as CEL (docs/gitops.md). kstatus alone
 * counts an object without status as Current, and Flux looks right after applying, before the
 * operator has written a first status; here a missing status or conditions list cannot be
 * evaluated, which Flux counts as Unknown and waits on.
 */
export const mecmHealthCheckExprs: readonly HealthCheckExpr[] = [{
  apiVersion: 'mecm.io/v1alpha1',
  inProgress: "status.conditions.exists(c, c.type == 'Reconciling' && c.status == 'True')",
  failed: "status.conditions.exists(c, c.type == 'Stalled' && c.status == 'True')",
  current: "status.conditions.exists(c, c.type == 'Ready' && c.status == 'True')",
}];

export interface KustomizationSpec {
  readonly sourceRef: { readonly kind: 'OCIRepository'; readonly name: string; readonly namespace?: string };
  readonly path: string;
  readonly interval: string;
  readonly retryInterval: string;
  readonly timeout: string;
  readonly prune: boolean;
  readonly wait: boolean;
  readonly serviceAccountName?: string;
  readonly dependsOn?: ReadonlyArray<{ readonly name: string; readonly namespace?: string }>;
  readonly healthCheckExprs?: readonly HealthCheckExpr[];
}

export interface Kustomization extends KubeObject {
  spec: KustomizationSpec;
  status?: FluxStatus & {
    readonly lastAppliedRevision?: string;
    readonly inventory?: { readonly entries: ReadonlyArray<{ readonly id: string; readonly v: string }> };
  };
}
