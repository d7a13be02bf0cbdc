/**
 * Who owns a Helm release: the owner UID label (`ownerUidLabel`) on the release's storage
 * Secrets `sh.helm.release.v1.<name>.v<revision>` (labels owner=helm, name=<release>,
 * version=<revision>). Helm writes it with `--labels` and keeps it on later revisions (upgrade
 * merges labels, rollback copies them) but `helm get` does not print it, so it is read here,
 * as metadata only: never the Secrets' contents.
 *
 *   latest revision labelled with target.ownerUid ─► ours
 *                    labelled with another UID ───► OwnedByAnother: no change is made to it
 *                    not labelled ────────────────► made before owners were recorded (or by
 *                                                   someone else): the caller decides; adopt
 *                                                   labels it for the instance that records it
 */
import type { KubeClient } from '../../runtime/kube/client.js';
import { coreTypes, type KubeObject } from '../../runtime/kube/resource.js';
import { ResourceClient, type ListResult } from '../../runtime/kube/resource-client.js';
import { LcmError, ownerUidLabel, type ReleaseTarget } from '../plugin.js';
import { helmStorage, revisionOf } from './release-storage.js';

/** Metadata of Helm's storage Secrets in `namespace` matching `selector` (besides owner=helm). */
export async function storageSecrets(client: KubeClient, namespace: string, selector?: string): Promise<KubeObject[]> {
  return (await listStorageSecrets(client, namespace, selector)).items;
}

function listStorageSecrets(client: KubeClient, namespace: string, selector?: string): Promise<ListResult<KubeObject>> {
  const labelSelector = selector ? `${helmStorage.selector},${selector}` : helmStorage.selector;
  return new ResourceClient<KubeObject>(client, coreTypes.secret).list({ namespace, labelSelector, metadataOnly: true });
}

/** The storage Secrets (metadata) of one release, read from the API now, with the list's resourceVersion. */
export function listReleaseSecrets(client: KubeClient, target: ReleaseTarget): Promise<ListResult<KubeObject>> {
  return listStorageSecrets(client, target.namespace, `${helmStorage.nameLabel}=${target.releaseName}`);
}

/**
 * Throws OwnedByAnother when the latest revision of the release is labelled with another UID
 * than `target.ownerUid`. An absent or unlabelled release, or a target without an owner, passes.
 */
export async function refuseAnothers(client: KubeClient, target: ReleaseTarget, verb: string): Promise<void> {
  if (!target.ownerUid) return;
  const latest = (await releaseSecrets(client, target)).at(-1);
  const owner = latest?.metadata.labels?.[ownerUidLabel];
  if (owner && owner !== target.ownerUid) throw ownedByAnother(target, verb, owner);
}

/**
 * Labels every revision of the release with `target.ownerUid` (each under its resourceVersion,
 * so a revision helm rewrote meanwhile fails the patch and the adoption is retried). Refuses
 * when any revision is labelled with another UID.
 */
export async function adoptRelease(client: KubeClient, target: ReleaseTarget): Promise<void> {
  const uid = target.ownerUid;
  if (!uid) throw new LcmError('Failed', `Cannot adopt release ${target.namespace}/${target.releaseName}: no owner UID was given.`);
  const secrets = await releaseSecrets(client, target);
  const other = secrets.map((s) => s.metadata.labels?.[ownerUidLabel]).find((owner) => owner && owner !== uid);
  if (other) throw ownedByAnother(target, 'adopt', other);
  const api = new ResourceClient<KubeObject>(client, coreTypes.secret);
  for (const secret of secrets.filter((s) => s.metadata.labels?.[ownerUidLabel] !== uid)) {
    await api.patch(secret.metadata.name ?? '', target.namespace, 'merge', {
      metadata: { resourceVersion: secret.metadata.resourceVersion, labels: { [ownerUidLabel]: uid } },
    });
  }
}

/** The storage Secrets of the release, oldest revision first. */
async function releaseSecrets(client: KubeClient, target: ReleaseTarget): Promise<KubeObject[]> {
  const { items } = await listReleaseSecrets(client, target);
  return items.sort((a, b) => (revisionOf(a) || 0) - (revisionOf(b) || 0));
}

function ownedByAnother(target: ReleaseTarget, verb: string, owner: string): LcmError {
  return new LcmError('OwnedByAnother',
    `Cannot ${verb} release ${target.namespace}/${target.releaseName}: it belongs to AppInstance ${owner}, and is left alone. Use another release name or namespace.`);
}
