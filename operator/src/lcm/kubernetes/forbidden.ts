/**
 * Refusals of a tenant's edge identity. The edge API server answers what it does not authorize
 * with 403 and `<object> is forbidden: User "<user>" cannot <verb> resource ...`. When that user
 * is the tenant's identity (ReleaseTarget.identity), the chart or operation reaches beyond the
 * tenant's grant: kind Forbidden, not transient, the chart or the Tenant must change. When it
 * is any other user, the admin credential itself was refused (Unauthorized).
 */
import type { EdgeIdentity } from '../../tenancy/identity.js';

/** Whether `text` (helm's error, an API server message) is the edge refusing `identity` itself. */
export function refusesIdentity(text: string, identity: Pick<EdgeIdentity, 'user'> | undefined): boolean {
  return identity !== undefined && /\bforbidden\b/.test(text) && text.includes(`User "${identity.user}"`);
}

/** What the tenant (or the admin) can do about a refusal of `identity`. */
export function forbiddenAdvice(identity: Pick<EdgeIdentity, 'tenant' | 'clusterScoped'> | undefined): string {
  if (!identity) return 'The edge refused the tenant\'s identity; check the Tenant\'s grant.';
  if (identity.clusterScoped) {
    return `Tenant ${identity.tenant}'s edge identity was refused although it is bound to cluster-admin; the edge's admin must check its RBAC.`;
  }
  return `Tenant ${identity.tenant}'s grant allows changes only in its own edge namespaces: remove cluster-scoped objects ` +
    `(ClusterRoles, ClusterRoleBindings, CRDs, …) and objects of other namespaces from the chart, or ask the admin to set ` +
    `spec.allowClusterScopedObjects on Tenant ${identity.tenant}.`;
}
