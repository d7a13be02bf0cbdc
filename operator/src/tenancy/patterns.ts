/**
 * Edge namespace patterns: a name (`team-a-web`) or a prefix and `*` (`team-a-*`). Prefixes
 * nest (`a-*` of Tenant a holds `a-b-*` of Tenant a-b), so an edge namespace belongs to the
 * Tenant whose pattern matches it most specifically, as a router picks the longest prefix: a
 * name over any prefix, a longer prefix over a shorter one. Two Tenants with the same pattern
 * tie, and a namespace they tie on belongs to neither.
 */
import type { Tenant } from '../api/tenant.js';

/** The patterns in force for a Tenant: its spec's, or `<name>-*`. */
export function edgeNamespacePatterns(tenant: Tenant): readonly string[] {
  return tenant.spec.edgeNamespaces?.length ? tenant.spec.edgeNamespaces : [`${tenant.metadata.name ?? ''}-*`];
}

export function matchesPattern(pattern: string, namespace: string): boolean {
  return pattern.endsWith('*') ? namespace.startsWith(pattern.slice(0, -1)) : namespace === pattern;
}

/** How specifically `pattern` names what it matches: a name beats every prefix, a longer prefix a shorter one. */
export function specificity(pattern: string): number {
  return pattern.endsWith('*') ? pattern.length - 1 : Number.MAX_SAFE_INTEGER;
}

/** A Tenant's most specific pattern matching `namespace`, if any. */
export function bestMatch(tenant: Tenant, namespace: string): string | undefined {
  let best: string | undefined;
  for (const p of edgeNamespacePatterns(tenant)) {
    if (matchesPattern(p, namespace) && (best === undefined || specificity(p) > specificity(best))) best = p;
  }
  return best;
}

/** Patterns two Tenants both hold: the namespaces they match belong to neither. */
export function sharedPatterns(a: Tenant, b: Tenant): string[] {
  const theirs = new Set(edgeNamespacePatterns(b));
  return edgeNamespacePatterns(a).filter((p) => theirs.has(p));
}
