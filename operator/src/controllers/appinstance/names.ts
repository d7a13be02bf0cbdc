/** Names the AppInstance controller gives to what it makes on the hub. */
import type { AppInstance } from '../../api/appinstance.js';
import { API_VERSION } from '../../api/group.js';
import type { OwnerReference } from '../../runtime/kube/resource.js';

/** Held on every AppInstance until its release, rules and namespace are cleaned up. */
export const finalizer = 'mecm.io/appinstance-cleanup';

/** The hub Secret holding the app's AK/SK pair, in the instance's namespace. */
export function credentialsSecretName(instance: AppInstance): string {
  return `${instance.metadata.name ?? ''}-aksk`.slice(0, 253);
}

/**
 * The Helm release of `instance`: spec.releaseName, or its name cut to Helm's 53 characters
 * without the trailing '-' or '.' a cut can leave (Helm refuses those).
 */
export function releaseNameOf(instance: AppInstance): string {
  return instance.spec.releaseName ?? (instance.metadata.name ?? '').slice(0, 53).replace(/[-.]+$/, '');
}

/** Makes `instance` the controlling owner: its AppRule and AK/SK Secret go when it goes. */
export function ownedBy(instance: AppInstance): OwnerReference {
  return { apiVersion: API_VERSION, kind: 'AppInstance', name: instance.metadata.name ?? '', uid: instance.metadata.uid ?? '', controller: true, blockOwnerDeletion: true };
}
