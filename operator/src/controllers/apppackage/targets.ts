/**
 * Which EdgeHosts receive a package: those matching `distribution.hostSelector` plus those
 * named in `distribution.hostNames` (metav1.LabelSelector semantics; an absent selector
 * selects nothing, an empty one everything).
 */
import type { AppPackage } from '../../api/apppackage.js';
import type { EdgeHost } from '../../api/edgehost.js';
import { matchesSelector } from '../../runtime/selector.js';

/** Names of the EdgeHosts that should hold the package, sorted; named hosts that do not exist are included. */
export function targetHosts(pkg: AppPackage, hosts: readonly EdgeHost[]): string[] {
  const distribution = pkg.spec.distribution;
  const names = new Set(distribution?.hostNames ?? []);
  const selector = distribution?.hostSelector;
  if (selector) for (const host of hosts) if (matchesSelector(host.metadata.labels ?? {}, selector)) names.add(host.metadata.name ?? '');
  return [...names].filter(Boolean).sort();
}
