/**
 * Who holds an appInstanceId on a host. The MEP keys an app's configuration by appInstanceId
 * alone, so of the AppRules naming one id on one host only one may speak for it:
 *
 *   claimants of (host, appInstanceId)
 *     ─► the one owned by the AppInstance whose status.appInstanceId is that id
 *     ─► else the oldest (creationTimestamp, then UID)
 *
 * creationTimestamp counts whole seconds: between rules created in the same second, the one that
 * already speaks to the MEP for the id (status.taskId, and not refused) comes before the UID, so
 * a namesake created a moment later cannot take over rules already applied.
 *
 * Every other claimant is refused (AppInstanceIdInUse): it sends nothing to the MEP and, when
 * deleted, leaves the MEP's configuration alone. A holder keeps the id while it is being
 * deleted, so no claimant creates while it deletes. Pure: the caller passes the claimants (the
 * informer's `claim` index) and a lookup of AppInstances (their informer).
 */
import type { AppInstance } from '../../api/appinstance.js';
import type { AppRule } from '../../api/apprule.js';
import { GROUP } from '../../api/group.js';
import { findCondition } from '../../runtime/conditions.js';

/** The name of the AppRule informer's index by claimKey. */
export const claimIndex = 'claim';

/** The key of what an AppRule claims: the id on one host's MEP. */
export function claimKey(hostName: string, appInstanceId: string): string {
  return `${hostName}/${appInstanceId}`;
}

export function claimOf(rule: AppRule): string {
  return claimKey(rule.spec.hostRef.name, rule.spec.appInstanceId);
}

/**
 * Whether `rule` is owned by the AppInstance the id belongs to: an ownerReference of kind
 * AppInstance, in the rule's namespace (owners are never in another), with the instance's UID and
 * its status.appInstanceId equal to the rule's id.
 */
export function ownedByIdsInstance(rule: AppRule, instance: (key: string) => AppInstance | undefined): boolean {
  return (rule.metadata.ownerReferences ?? []).some((ref) => {
    if (ref.kind !== 'AppInstance' || !ref.apiVersion.startsWith(`${GROUP}/`)) return false;
    const owner = instance(`${rule.metadata.namespace}/${ref.name}`);
    return owner !== undefined && owner.metadata.uid === ref.uid && owner.status?.appInstanceId === rule.spec.appInstanceId;
  });
}

/** The claimant that holds the id (undefined: none). */
export function holderOf(claimants: readonly AppRule[], instance: (key: string) => AppInstance | undefined): AppRule | undefined {
  const ranked = claimants.map((rule) => ({ rule, owned: ownedByIdsInstance(rule, instance) }));
  ranked.sort((a, b) => Number(b.owned) - Number(a.owned) || created(a.rule) - created(b.rule)
    || Number(speaksForId(b.rule)) - Number(speaksForId(a.rule)) || compare(a.rule.metadata.uid, b.rule.metadata.uid));
  return ranked[0]?.rule;
}

/** The rule has sent the MEP a change for the id and was not refused since. */
function speaksForId(rule: AppRule): boolean {
  const applied = findCondition(rule.status?.conditions, 'Applied');
  return rule.status?.taskId !== undefined && applied?.reason !== 'AppInstanceIdInUse';
}

function created(rule: AppRule): number {
  const time = Date.parse(rule.metadata.creationTimestamp ?? '');
  return Number.isNaN(time) ? Number.MAX_SAFE_INTEGER : time;
}

function compare(a: string | undefined, b: string | undefined): number {
  return (a ?? '') < (b ?? '') ? -1 : (a ?? '') > (b ?? '') ? 1 : 0;
}
