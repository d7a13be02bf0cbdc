/**
 * Release namespaces on the edge. The plugin makes a missing namespace itself (not with helm's
 * --create-namespace), with the admin credential (a tenant's identity cannot make namespaces),
 * so that it carries, from its creation, the managed-by label, the release it was made for, the
 * owner it was made for (the AppInstance UID, `ownerUidLabel`) and its tenant (EDGE_TENANT_LABEL).
 * Deletion follows the tenancy rule:
 *
 *   namespaceState ─► Absent ───────────────────────────► nothing to delete
 *                  ├► Theirs (no managed-by label, another owner's UID, or
 *                  │          — unlabelled by owner — made for another release) ─► kept
 *                  └► Ours ─► another Helm release left in it (or one of this name
 *                           │  labelled with another owner's UID) ─► kept
 *                           └► none left ─► DELETE (uid precondition)
 *
 * A namespace without an owner UID was made before owners were recorded: the caller's own
 * record of having made it (AppInstance status.release.createdNamespace) is what adopts it, and
 * ensureNamespace never reports such a namespace as 'Ours' to a target that has an owner.
 *
 * A refused read (401/403) is an LcmError, never Absent: only a 404 means absent.
 */
import type { KubeClient } from '../../runtime/kube/client.js';
import { isAlreadyExists, isNotFound } from '../../runtime/kube/errors.js';
import { coreTypes, objectPath, collectionPath, type KubeObject } from '../../runtime/kube/resource.js';
import { EDGE_TENANT_LABEL } from '../../tenancy/identity.js';
import { managedBy, ownerUidLabel, type NamespaceState, type ReleaseTarget } from '../plugin.js';
import { getIfExists } from './edge-api.js';
import { storageSecrets } from './ownership.js';
import { helmStorage } from './release-storage.js';

/** On a namespace the operator made: the release it was made for. */
export const createdForReleaseAnnotation = 'mecm.io/created-for-release';

/** Makes the namespace of `target` when it is missing; an existing one is left as it is. */
export async function ensureNamespace(client: KubeClient, target: ReleaseTarget): Promise<'Created' | 'Ours' | 'Theirs'> {
  const existing = await getNamespace(client, target.namespace);
  if (existing) return foundOwner(existing, target);
  try {
    await client.request({
      method: 'POST', path: collectionPath(coreTypes.namespace),
      body: {
        apiVersion: 'v1', kind: 'Namespace',
        metadata: {
          name: target.namespace,
          labels: {
            [managedBy.label]: managedBy.value,
            ...(target.ownerUid ? { [ownerUidLabel]: target.ownerUid } : {}),
            ...(target.identity ? { [EDGE_TENANT_LABEL]: target.identity.tenant } : {}),
          },
          annotations: { [createdForReleaseAnnotation]: target.releaseName },
        },
      },
    });
    return 'Created';
  } catch (error) {
    if (!isAlreadyExists(error)) throw error;
    // Made by someone else between our read and our create: judge what is there.
    const raced = await getNamespace(client, target.namespace);
    return raced ? foundOwner(raced, target) : 'Theirs';
  }
}

/** Whether the namespace of `target` exists, whether it is ours, and which other releases it holds. */
export async function namespaceState(client: KubeClient, target: ReleaseTarget): Promise<NamespaceState> {
  const ns = await getNamespace(client, target.namespace);
  if (!ns) return { owner: 'Absent' };
  if (ownerOf(ns, target) === 'Theirs') return { owner: 'Theirs' };
  return { owner: 'Ours', otherReleases: await otherReleases(client, target) };
}

/** Deletes the namespace of `target` when namespaceState says it is ours and holds no other release. */
export async function deleteNamespace(client: KubeClient, target: ReleaseTarget): Promise<'Deleted' | 'Kept' | 'Absent'> {
  const ns = await getNamespace(client, target.namespace);
  if (!ns) return 'Absent';
  if (ownerOf(ns, target) === 'Theirs' || (await otherReleases(client, target)).length) return 'Kept';
  if (ns.metadata.deletionTimestamp) return 'Deleted';
  try {
    // The uid precondition: never delete a namespace of the same name made after our read.
    await client.request({
      method: 'DELETE', path: objectPath(coreTypes.namespace, target.namespace),
      body: { apiVersion: 'v1', kind: 'DeleteOptions', preconditions: { uid: ns.metadata.uid } },
    });
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  return 'Deleted';
}

/**
 * Ours: labelled as made by the operator, for this owner. Without an owner label it was made
 * before owners were recorded: ours when made for this release; with no release annotation
 * either it was made before that existed and counts as ours. The check for other releases
 * keeps it when it is shared. A namespace labelled for another tenant than the target's is
 * never ours, whatever else it says.
 */
function ownerOf(ns: KubeObject, target: ReleaseTarget): 'Ours' | 'Theirs' {
  const tenant = ns.metadata.labels?.[EDGE_TENANT_LABEL];
  if (target.identity && tenant !== undefined && tenant !== target.identity.tenant) return 'Theirs';
  if (ns.metadata.labels?.[managedBy.label] !== managedBy.value) return 'Theirs';
  const owner = ns.metadata.labels[ownerUidLabel];
  if (owner !== undefined) return owner === target.ownerUid ? 'Ours' : 'Theirs';
  const madeFor = ns.metadata.annotations?.[createdForReleaseAnnotation];
  return madeFor === undefined || madeFor === target.releaseName ? 'Ours' : 'Theirs';
}

/**
 * An existing namespace found by ensureNamespace: for a target with an owner, only a namespace
 * labelled with that owner is proof that it was made for it.
 */
function foundOwner(ns: KubeObject, target: ReleaseTarget): 'Ours' | 'Theirs' {
  if (target.ownerUid && ns.metadata.labels?.[ownerUidLabel] !== target.ownerUid) return 'Theirs';
  return ownerOf(ns, target);
}

/**
 * Names of the Helm releases in the namespace other than `target`'s, from helm's storage
 * Secrets (metadata only): a release of another name, or of this name labelled with another owner.
 */
async function otherReleases(client: KubeClient, target: ReleaseTarget): Promise<string[]> {
  const names = new Set((await storageSecrets(client, target.namespace)).map((s) => {
    const name = s.metadata.labels?.[helmStorage.nameLabel] ?? '';
    const owner = s.metadata.labels?.[ownerUidLabel];
    return name !== target.releaseName || (owner !== undefined && owner !== target.ownerUid) ? name : '';
  }).filter(Boolean));
  return [...names].sort();
}

function getNamespace(client: KubeClient, name: string): Promise<KubeObject | undefined> {
  return getIfExists(client, coreTypes.namespace, name);
}
