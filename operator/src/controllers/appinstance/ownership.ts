/**
 * Whose the Helm release on the edge is, as a pure function of its owner label (the
 * AppInstance UID helm stores with the release, read by the LCM plugin) and this instance:
 *
 *   labelled with this instance's UID ─────────────────────────► Ours
 *   labelled with another UID ─────────────────────────────────► Another (that UID)
 *   not labelled (made before owners were recorded)
 *     └ status.release records this name and namespace ────────► Adoptable (labelled next)
 *     └ not recorded ─────────────────────────────────────────► Another (unknown owner)
 *
 * So a release is adopted only by the instance that already recorded it, never by another.
 */
import type { AppInstance } from '../../api/appinstance.js';
import type { ReleaseTarget } from '../../lcm/plugin.js';
import type { ReleaseOwner } from './decide.js';

export function releaseOwner(labelledUid: string | undefined, instance: AppInstance, target: Pick<ReleaseTarget, 'releaseName' | 'namespace'>): ReleaseOwner {
  if (labelledUid) return labelledUid === instance.metadata.uid ? { kind: 'Ours' } : { kind: 'Another', uid: labelledUid };
  const recorded = instance.status?.release;
  return recorded?.name === target.releaseName && recorded.namespace === target.namespace ? { kind: 'Adoptable' } : { kind: 'Another', uid: undefined };
}
