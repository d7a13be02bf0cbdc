/**
 * Appstore tenants → hub namespaces (pure). EdgeGallery's appstore names a tenant by a UUID (its
 * user's id) in every path; the admin maps it with a Tenant grant's `spec.appstore.tenantIds`.
 * The rule (docs/north.md):
 *
 * - the one Tenant naming the id serves it; an id two Tenants name serves neither;
 * - it lands in that Tenant's FIRST `spec.namespaces` entry — and only if that namespace is
 *   governed by this Tenant alone (a namespace two Tenants list is governed by neither);
 * - ids compare case-insensitively (the appstore sends lower case, an admin may write either).
 */
import type { Tenant } from '../api/tenant.js';
import { governanceOf } from '../tenancy/governance.js';

export type TenantResolution =
  | { readonly kind: 'Resolved'; readonly tenant: Tenant; readonly namespace: string }
  | { readonly kind: 'Refused'; readonly message: string };

export const uuidPattern = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';

const names = (tenants: readonly Tenant[]) => tenants.map((t) => t.metadata.name ?? '').sort().join(' and ');

export function resolveTenant(tenantId: string, tenants: readonly Tenant[]): TenantResolution {
  const id = tenantId.toLowerCase();
  const naming = tenants.filter((t) => t.spec.appstore?.tenantIds?.some((x) => x.toLowerCase() === id));
  if (naming.length === 0) {
    return { kind: 'Refused', message: `appstore tenant ${id} is served by no Tenant: an admin must add it to a Tenant's spec.appstore.tenantIds` };
  }
  if (naming.length > 1) {
    return { kind: 'Refused', message: `appstore tenant ${id} is named by Tenants ${names(naming)}, so neither serves it: an admin must remove it from all but one` };
  }
  const tenant = naming[0]!;
  const namespace = tenant.spec.namespaces[0]!;
  // Governance with enforcement: the mapping itself is a grant, whatever --enforce-tenancy says.
  const governance = governanceOf(namespace, tenants, true);
  if (governance.kind !== 'Governed') {
    return { kind: 'Refused', message: `appstore tenant ${id} maps to namespace ${namespace} (the first of Tenant ${tenant.metadata.name}'s spec.namespaces), which another Tenant also lists: an admin must remove it from all but one` };
  }
  return { kind: 'Resolved', tenant, namespace };
}

/**
 * The hub namespaces whose host lists a caller may ask for (sorted, each once): for an appstore
 * user, those of the Tenants naming them (spec.appstore.userIds or tenantIds); for any other
 * caller, those of every Tenant with an appstore tenant id. A Tenant counts only when one of its
 * ids resolves (resolveTenant). Whether the caller may list there is RBAC's to say.
 */
export function appstoreNamespaces(tenants: readonly Tenant[], userId?: string): string[] {
  const id = userId?.toLowerCase();
  const candidates = id === undefined ? tenants
    : tenants.filter((t) => t.spec.appstore?.userIds?.includes(userId!) || t.spec.appstore?.tenantIds?.some((x) => x.toLowerCase() === id));
  const namespaces = new Set<string>();
  for (const tenant of candidates) {
    const resolved = (tenant.spec.appstore?.tenantIds ?? []).map((x) => resolveTenant(x, tenants)).find((r) => r.kind === 'Resolved');
    if (resolved?.kind === 'Resolved') namespaces.add(resolved.namespace);
  }
  return [...namespaces].sort();
}
