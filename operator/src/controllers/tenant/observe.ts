/**
 * Everything decideStatus needs for one Tenant, read from the shared informers only (no API
 * call): the other Tenants, the EdgeHosts it may grant, and what each of its hub namespaces
 * holds. Which namespaces it governs is decide's business, so every namespace of the spec is
 * counted here.
 */
import type { AppInstance } from '../../api/appinstance.js';
import type { AppPackage } from '../../api/apppackage.js';
import type { EdgeHost } from '../../api/edgehost.js';
import type { Tenant } from '../../api/tenant.js';
import type { Informer } from '../../runtime/informer.js';

/** What one hub namespace holds, against the Tenant's limits. */
export interface NamespaceUsage {
  readonly appInstances: number;
  readonly appPackages: number;
  readonly packageBytes: number;
}

/** An EdgeHost as a grant sees it: a name and the labels a selector reads. */
export interface HostFacts {
  readonly name: string;
  readonly labels?: Readonly<Record<string, string>>;
}

export interface TenantObservation {
  /** Every other Tenant. */
  readonly others: readonly Tenant[];
  /** The EdgeHosts the grant could name: every host when it has a selector, else the named ones that exist. */
  readonly hosts: readonly HostFacts[];
  /** Usage of each namespace of spec.namespaces. */
  readonly usage: ReadonlyMap<string, NamespaceUsage>;
}

/** The shared informers observe reads; instances and packages carry the `namespace` index. */
export interface TenantSources {
  readonly tenants: Informer<Tenant>;
  readonly hosts: Informer<EdgeHost>;
  readonly instances: Informer<AppInstance>;
  readonly packages: Informer<AppPackage>;
}

export function observeTenant(tenant: Tenant, sources: TenantSources): TenantObservation {
  const others = sources.tenants.list().filter((t) => t.metadata.name !== tenant.metadata.name);
  const grant = tenant.spec.hosts;
  const candidates = grant?.selector
    ? sources.hosts.list()
    : (grant?.names ?? []).map((name) => sources.hosts.get(name)).filter((h): h is EdgeHost => h !== undefined);
  const hosts = candidates.map((h) => ({ name: h.metadata.name ?? '', labels: h.metadata.labels }));
  const usage = new Map(tenant.spec.namespaces.map((namespace) => {
    const packages = sources.packages.inNamespace(namespace);
    return [namespace, {
      appInstances: sources.instances.inNamespace(namespace).length,
      appPackages: packages.length,
      packageBytes: packages.reduce((sum, p) => sum + (p.status?.sizeBytes ?? 0), 0),
    }] as const;
  }));
  return { others, hosts, usage };
}
