/**
 * Which Tenant governs a hub namespace, and the checks every controller makes against it
 * before touching an edge: the host, the edge namespace, the quota. Pure: the Tenants are
 * passed in (the controllers read them from the shared informer).
 */
import type { Tenant } from '../api/tenant.js';
import { matchesSelector } from '../runtime/selector.js';
import { bestMatch, edgeNamespacePatterns, specificity } from './patterns.js';
import { allowed, refused, type Verdict } from './verdict.js';

export type Governance =
  /** Tenancy is turned off (--enforce-tenancy=false): one trusted team, everything allowed. */
  | { readonly kind: 'Unenforced' }
  | { readonly kind: 'Governed'; readonly tenant: Tenant; readonly others: readonly Tenant[] }
  | { readonly kind: 'Ungoverned'; readonly namespace: string }
  /** Listed by more than one Tenant, so governed by none. */
  | { readonly kind: 'Contested'; readonly namespace: string; readonly tenants: readonly string[] };

export function governanceOf(namespace: string, tenants: readonly Tenant[], enforced: boolean): Governance {
  if (!enforced) return { kind: 'Unenforced' };
  const claimants = tenants.filter((t) => t.spec.namespaces.includes(namespace));
  if (claimants.length === 0) return { kind: 'Ungoverned', namespace };
  if (claimants.length > 1) return { kind: 'Contested', namespace, tenants: claimants.map(nameOf).sort() };
  const tenant = claimants[0]!;
  return { kind: 'Governed', tenant, others: tenants.filter((t) => t !== tenant) };
}

/** The hub namespaces `tenant` governs: those of its spec.namespaces no other Tenant lists. */
export function governedNamespaces(tenant: Tenant, others: readonly Tenant[]): string[] {
  return tenant.spec.namespaces.filter((n) => !others.some((o) => o !== tenant && o.spec.namespaces.includes(n)));
}

/** The governing Tenant's name; undefined when tenancy is off or no single Tenant governs. */
export function tenantName(g: Governance): string | undefined {
  return g.kind === 'Governed' ? nameOf(g.tenant) : undefined;
}

/** Whether objects of the namespace may use edges at all. */
export function governedVerdict(g: Governance): Verdict {
  switch (g.kind) {
    case 'Unenforced': case 'Governed': return allowed;
    case 'Ungoverned': return refused(`namespace ${g.namespace} is governed by no Tenant: an admin must list it in a Tenant's spec.namespaces before its objects may use an EdgeHost`);
    case 'Contested': return refused(`namespace ${g.namespace} is listed by Tenants ${g.tenants.join(' and ')}, so neither governs it: an admin must remove it from all but one`);
  }
}

/** Whether the namespace's Tenant grants `host`. */
export function hostVerdict(g: Governance, host: { readonly name: string; readonly labels?: Readonly<Record<string, string>> }): Verdict {
  if (g.kind !== 'Governed') return governedVerdict(g);
  const grant = g.tenant.spec.hosts;
  if (grant?.names?.includes(host.name)) return allowed;
  if (grant?.selector && matchesSelector(host.labels ?? {}, grant.selector)) return allowed;
  return refused(`Tenant ${nameOf(g.tenant)} does not grant EdgeHost ${host.name}: an admin must add it to the Tenant's spec.hosts (names or selector)`);
}

/**
 * Whether the namespace's Tenant may install into `namespace` on an edge: one of its patterns
 * matches, and no other Tenant's matches as or more specifically (patterns.ts).
 */
export function edgeNamespaceVerdict(g: Governance, namespace: string): Verdict {
  if (g.kind !== 'Governed') return governedVerdict(g);
  const patterns = edgeNamespacePatterns(g.tenant);
  const mine = bestMatch(g.tenant, namespace);
  if (!mine) {
    return refused(`Tenant ${nameOf(g.tenant)} does not grant edge namespace ${namespace}: its edge namespaces are ${patterns.join(', ')} (spec.edgeNamespaces)`);
  }
  for (const other of g.others) {
    const theirs = bestMatch(other, namespace);
    if (theirs === undefined || specificity(theirs) < specificity(mine)) continue;
    if (specificity(theirs) > specificity(mine)) {
      return refused(`edge namespace ${namespace} belongs to Tenant ${nameOf(other)}, whose pattern ${theirs} names it more specifically than ${mine} of Tenant ${nameOf(g.tenant)}`);
    }
    return refused(`edge namespace ${namespace} matches pattern ${mine} of both Tenant ${nameOf(g.tenant)} and Tenant ${nameOf(other)}, so it belongs to neither: an admin must give one of them other spec.edgeNamespaces`);
  }
  return allowed;
}

export type CountedKind = 'appInstances' | 'appPackages';

/**
 * Whether an object is within its Tenant's count limit: the oldest `limit` objects of the kind
 * in the Tenant's namespaces are (creation time, then UID), so a new one never displaces one
 * that runs. `siblings` are all objects of the kind in the Tenant's namespaces, itself included.
 * creationTimestamp counts whole seconds: between objects created in the same second, one
 * `admitted` already (the caller's proof it was let in, e.g. its controller's finalizer) comes
 * before the UID, so a sibling created a moment later cannot take its place.
 */
export function countVerdict<T extends Aged>(g: Governance, kind: CountedKind, self: T, siblings: readonly T[], admitted: (o: T) => boolean = () => false): Verdict {
  if (g.kind !== 'Governed') return governedVerdict(g);
  const limit = g.tenant.spec.limits?.[kind];
  if (limit === undefined) return allowed;
  const older = siblings.filter((s) => s.metadata.uid !== self.metadata.uid && compareAge(s, self, admitted) < 0).length;
  if (older < limit) return allowed;
  const what = kind === 'appInstances' ? 'AppInstances' : 'AppPackages';
  return refused(`Tenant ${nameOf(g.tenant)} allows ${limit} ${what} (spec.limits.${kind}) and ${older} older ones exist: delete one or ask an admin to raise the limit`);
}

/** What ordering by age needs of an object. */
export interface Aged {
  readonly metadata: { readonly uid?: string; readonly creationTimestamp?: string };
}

/** Oldest first: creation time, then (within a second) the admitted one, then UID. */
export function compareAge<T extends Aged>(a: T, b: T, admitted: (o: T) => boolean = () => false): number {
  const byTime = (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '');
  return byTime || Number(admitted(b)) - Number(admitted(a)) || (a.metadata.uid ?? '').localeCompare(b.metadata.uid ?? '');
}

/**
 * Whether an app in namespace governed by `consumer` may rely on a service produced in one
 * governed by `provider`: the same Tenant, or a provider Tenant marked sharedServices.
 */
export function mayUseServicesOf(consumer: Governance, provider: Governance): boolean {
  if (consumer.kind === 'Unenforced') return true;
  if (consumer.kind !== 'Governed' || provider.kind !== 'Governed') return false;
  return nameOf(consumer.tenant) === nameOf(provider.tenant) || provider.tenant.spec.sharedServices === true;
}

function nameOf(t: Tenant): string {
  return t.metadata.name ?? '';
}

/**
 * Bytes a package's download may take under its Tenant's spec.limits.packageBytes: the limit
 * less what the Tenant's other packages hold; undefined when there is no limit.
 */
export function packageBytesLeft(g: Governance, self: Aged, siblings: readonly (Aged & { readonly status?: { readonly sizeBytes?: number } })[]): number | undefined {
  if (g.kind !== 'Governed') return undefined;
  const limit = g.tenant.spec.limits?.packageBytes;
  if (limit === undefined) return undefined;
  const used = siblings.filter((s) => s.metadata.uid !== self.metadata.uid).reduce((sum, s) => sum + (s.status?.sizeBytes ?? 0), 0);
  return Math.max(0, limit - used);
}
