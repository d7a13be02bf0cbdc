/**
 * Which EdgeHosts receive a package: those matching `distribution.hostSelector` plus those
 * named in `distribution.hostNames` (metav1.LabelSelector semantics; an absent selector
 * selects nothing, an empty one everything).
 */
import type { AppPackage } from '../../api/apppackage.js';
import type { EdgeHost } from '../../api/edgehost.js';

type Selector = NonNullable<NonNullable<AppPackage['spec']['distribution']>['hostSelector']>;

export function matchesSelector(labels: Readonly<Record<string, string>>, selector: Selector): boolean {
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) if (labels[key] !== value) return false;
  for (const { key, operator, values = [] } of selector.matchExpressions ?? []) {
    // Own keys only: a label key such as "constructor" must not find Object's.
    const value = Object.hasOwn(labels, key) ? labels[key] : undefined;
    const ok = operator === 'In' ? value !== undefined && values.includes(value)
      : operator === 'NotIn' ? value === undefined || !values.includes(value)
        : operator === 'Exists' ? value !== undefined : value === undefined;
    if (!ok) return false;
  }
  return true;
}

/** Names of the EdgeHosts that should hold the package, sorted; named hosts that do not exist are included. */
export function targetHosts(pkg: AppPackage, hosts: readonly EdgeHost[]): string[] {
  const distribution = pkg.spec.distribution;
  const names = new Set(distribution?.hostNames ?? []);
  const selector = distribution?.hostSelector;
  if (selector) for (const host of hosts) if (matchesSelector(host.metadata.labels ?? {}, selector)) names.add(host.metadata.name ?? '');
  return [...names].filter(Boolean).sort();
}
