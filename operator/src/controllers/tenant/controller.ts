/**
 * Tenant controller: shows what an admin's grant governs and what the tenant uses. A reconcile:
 *
 *   Tenant (informer) ─► observeTenant ─► decideStatus ─► recordStatus
 *                        informers only    pure            one write, only when changed;
 *                                                          an event when Ready flips
 *
 * It enforces nothing itself: the other controllers check their objects against the same rules
 * (tenancy/). Its status is what they and the admin read: status.namespaces (what it governs)
 * tells the other controllers whose objects to look at again when governance moves.
 *
 * A Tenant is reconciled again when what it reports may have changed:
 *   another Tenant's spec ─► the Tenants sharing a namespace or pattern with it, or naming it in
 *                            status.conflicts (so a conflict that ends is cleared on both sides)
 *   an EdgeHost comes, goes or changes labels ─► the Tenants naming it, and those with a selector
 *   an AppInstance comes or goes ─► the Tenants listing its namespace
 *   an AppPackage comes, goes or changes status.sizeBytes ─► the same
 * Other updates (status writes of the namespaced kinds) do not wake it.
 */
import type { AppInstance } from '../../api/appinstance.js';
import type { AppPackage } from '../../api/apppackage.js';
import type { EdgeHost } from '../../api/edgehost.js';
import { mecmTypes } from '../../api/resources.js';
import type { Tenant } from '../../api/tenant.js';
import { Controller, defaultResyncMs } from '../../runtime/controller.js';
import type { EventRecorder } from '../../runtime/events.js';
import type { Informer } from '../../runtime/informer.js';
import { objectKey } from '../../runtime/kube/resource.js';
import { ResourceClient } from '../../runtime/kube/resource-client.js';
import type { Manager } from '../../runtime/manager.js';
import { done, type ReconcileContext, type Reconciler, type ReconcileResult } from '../../runtime/reconcile.js';
import { edgeNamespacePatterns } from '../../tenancy/patterns.js';
import { recordStatus } from './actions/record-status.js';
import { decideStatus } from './decide.js';
import { observeTenant, type TenantSources } from './observe.js';

export interface TenantControllerOptions {
  readonly workers: number;
  readonly events: EventRecorder;
}

/** Indexes of the Tenant informer, by what another object's event is matched with. */
const byNamespace = 'tenant:namespace';
const byPattern = 'tenant:edgeNamespacePattern';
const byConflict = 'tenant:conflictsWith';
const byHostName = 'tenant:hostName';
const bySelector = 'tenant:hostSelector';
const anySelector = '*';

export class TenantReconciler implements Reconciler {
  constructor(
    private readonly sources: TenantSources,
    private readonly client: ResourceClient<Tenant>,
    private readonly events: EventRecorder,
  ) {}

  async reconcile(name: string, context: ReconcileContext): Promise<ReconcileResult> {
    const tenant = this.sources.tenants.get(name);
    if (!tenant) return done;
    const status = decideStatus({ tenant, observation: observeTenant(tenant, this.sources), now: new Date() });
    await recordStatus(tenant, status, { client: this.client, events: this.events, log: context.log });
    return done;
  }
}

/** Wires the Tenant controller: Tenants, and the EdgeHosts, AppInstances and AppPackages their status counts. */
export function registerTenantController(manager: Manager, options: TenantControllerOptions): Controller {
  const sources: TenantSources = {
    tenants: manager.informer<Tenant>(mecmTypes.tenant),
    hosts: manager.informer<EdgeHost>(mecmTypes.edgeHost),
    instances: manager.informer<AppInstance>(mecmTypes.appInstance),
    packages: manager.informer<AppPackage>(mecmTypes.appPackage),
  };
  const { tenants, hosts, instances, packages } = sources;
  tenants.addIndexer(byNamespace, (t) => t.spec.namespaces);
  tenants.addIndexer(byPattern, (t) => [...edgeNamespacePatterns(t)]);
  tenants.addIndexer(byConflict, (t) => (t.status?.conflicts ?? []).map((c) => c.tenant));
  tenants.addIndexer(byHostName, (t) => t.spec.hosts?.names ?? []);
  tenants.addIndexer(bySelector, (t) => t.spec.hosts?.selector ? [anySelector] : []);

  const reconciler = new TenantReconciler(sources, new ResourceClient<Tenant>(manager.hub, mecmTypes.tenant), options.events);
  const controller = new Controller({ name: 'tenant', reconciler, workers: options.workers, metrics: manager.metrics, log: manager.log });
  controller.watch(tenants, { resyncMs: defaultResyncMs });
  controller.watch(tenants, { map: (t) => relatedTenants(tenants, t), updateMatters: (previous, t) => previous.metadata.generation !== t.metadata.generation });
  controller.watch(hosts, {
    map: (host) => keysOf([...tenants.byIndex(byHostName, host.metadata.name ?? ''), ...tenants.byIndex(bySelector, anySelector)]),
    updateMatters: (previous, host) => JSON.stringify(previous.metadata.labels ?? {}) !== JSON.stringify(host.metadata.labels ?? {}),
  });
  const listing = (object: AppInstance | AppPackage) => keysOf(tenants.byIndex(byNamespace, object.metadata.namespace ?? ''));
  // Counts change only when an object comes or goes; bytes when a download records its size.
  controller.watch(instances, { map: listing, updateMatters: () => false });
  controller.watch(packages, { map: listing, updateMatters: (previous, p) => previous.status?.sizeBytes !== p.status?.sizeBytes });
  manager.addController(controller);
  return controller;
}

/** The other Tenants whose status `tenant`'s spec may change: sharing a namespace or pattern now, or recorded as in conflict with it. */
function relatedTenants(tenants: Informer<Tenant>, tenant: Tenant): string[] {
  const name = tenant.metadata.name ?? '';
  const related = [
    ...tenant.spec.namespaces.flatMap((n) => tenants.byIndex(byNamespace, n)),
    ...edgeNamespacePatterns(tenant).flatMap((p) => tenants.byIndex(byPattern, p)),
    ...tenants.byIndex(byConflict, name),
  ];
  return keysOf(related.filter((t) => t.metadata.name !== name));
}

function keysOf(objects: readonly Tenant[]): string[] {
  return [...new Set(objects.map(objectKey))];
}
