/**
 * Release namespaces on the edge. The plugin makes a missing namespace itself (not with helm's
 * --create-namespace) so that it carries, from its creation, the managed-by label and the
 * release it was made for. Deletion follows the tenancy rule:
 *
 *   namespaceState ─► Absent ───────────────────────────► nothing to delete
 *                  ├► Theirs (no label, or made for another release) ─► kept
 *                  └► Ours ─► another Helm release left in it ─► kept
 *                           └► none left ─► DELETE (uid precondition)
 *
 * A refused read (401/403) is an LcmError, never Absent: only a 404 means absent.
 */
import type { KubeClient } from '../../runtime/kube/client.js';
import { isAlreadyExists, isNotFound } from '../../runtime/kube/errors.js';
import { coreTypes, objectPath, collectionPath, type KubeObject } from '../../runtime/kube/resource.js';
import { ResourceClient } from '../../runtime/kube/resource-client.js';
import { managedBy, type NamespaceState, type ReleaseTarget } from '../plugin.js';

/** On a namespace the operator made: the release it was made for. */
export const createdForReleaseAnnotation = 'mecm.io/created-for-release';

/** Helm's storage Secrets carry these labels (helm.sh/helm/v3/pkg/storage/driver). */
const helmOwnerSelector = 'owner=helm';
const helmReleaseNameLabel = 'name';

/** Makes the namespace of `target` when it is missing; an existing one is left as it is. */
export async function ensureNamespace(client: KubeClient, target: ReleaseTarget): Promise<'Created' | 'Ours' | 'Theirs'> {
  const existing = await getNamespace(client, target.namespace);
  if (existing) return ownerOf(existing, target);
  try {
    await client.request({
      method: 'POST', path: collectionPath(coreTypes.namespace),
      body: {
        apiVersion: 'v1', kind: 'Namespace',
        metadata: {
          name: target.namespace, labels: { [managedBy.label]: managedBy.value },
          annotations: { [createdForReleaseAnnotation]: target.releaseName },
        },
      },
    });
    return 'Created';
  } catch (error) {
    if (!isAlreadyExists(error)) throw error;
    // Made by someone else between our read and our create: judge what is there.
    const raced = await getNamespace(client, target.namespace);
    return raced ? ownerOf(raced, target) : 'Theirs';
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
 * Ours: labelled as made by the operator, for this release. A namespace with the label but no
 * release annotation was made before the annotation existed and counts as ours; the check
 * for other releases keeps it when it is shared.
 */
function ownerOf(ns: KubeObject, target: ReleaseTarget): 'Ours' | 'Theirs' {
  if (ns.metadata.labels?.[managedBy.label] !== managedBy.value) return 'Theirs';
  const madeFor = ns.metadata.annotations?.[createdForReleaseAnnotation];
  return madeFor === undefined || madeFor === target.releaseName ? 'Ours' : 'Theirs';
}

/** Names of the Helm releases in the namespace other than `target`'s, from helm's storage Secrets (metadata only). */
async function otherReleases(client: KubeClient, target: ReleaseTarget): Promise<string[]> {
  const { items } = await new ResourceClient<KubeObject>(client, coreTypes.secret)
    .list({ namespace: target.namespace, labelSelector: helmOwnerSelector, metadataOnly: true });
  const names = new Set(items.map((s) => s.metadata.labels?.[helmReleaseNameLabel] ?? '').filter((n) => n && n !== target.releaseName));
  return [...names].sort();
}

async function getNamespace(client: KubeClient, name: string): Promise<KubeObject | undefined> {
  try {
    return await client.request<KubeObject>({ method: 'GET', path: objectPath(coreTypes.namespace, name) });
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}
