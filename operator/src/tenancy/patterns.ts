/**
 * Edge namespace patterns: a name (`team-a-web`) or a prefix and `*` (`team-a-*`). Two
 * patterns overlap when some namespace matches both; a namespace two Tenants' patterns match
 * belongs to neither, so `a-*` (Tenant a) and `a-b-*` (Tenant a-b) leave `a-b-x` to no one.
 */
import type { Tenant } from '../api/tenant.js';

/** The patterns in force for a Tenant: its spec's, or `<name>-*`. */
export function edgeNamespacePatterns(tenant: Tenant): readonly string[] {
  return tenant.spec.edgeNamespaces?.length ? tenant.spec.edgeNamespaces : [`${tenant.metadata.name ?? ''}-*`];
}

export function matchesPattern(pattern: string, namespace: string): boolean {
  return pattern.endsWith('*') ? namespace.startsWith(pattern.slice(0, -1)) : namespace === pattern;
}

/** Whether a namespace exists that both patterns match. */
export function patternsOverlap(a: string, b: string): boolean {
  const prefixA = a.endsWith('*'), prefixB = b.endsWith('*');
  if (prefixA && prefixB) {
    const [x, y] = [a.slice(0, -1), b.slice(0, -1)];
    return x.startsWith(y) || y.startsWith(x);
  }
  if (prefixA) return matchesPattern(a, b);
  if (prefixB) return matchesPattern(b, a);
  return a === b;
}
