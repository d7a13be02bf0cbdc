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
}

export interface Kustomization extends KubeObject {
  spec: KustomizationSpec;
  status?: FluxStatus & {
    readonly lastAppliedRevision?: string;
    readonly inventory?: { readonly entries: ReadonlyArray<{ readonly id: string; readonly v: string }> };
  };
}
