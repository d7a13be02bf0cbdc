/**
 * What North reads, all from the operator's shared informer caches (no API call per request):
 * Tenants, EdgeHosts by address, AppPackages and AppInstances. Every replica has warm caches,
 * so every replica serves North. `settled` waits for the caches to show a change (after a write,
 * or while instances terminate), woken by informer events rather than a timer.
 */
import type { AppInstance } from '../api/appinstance.js';
import type { AppPackage } from '../api/apppackage.js';
import type { EdgeHost } from '../api/edgehost.js';
import { mecmTypes } from '../api/resources.js';
import type { Tenant } from '../api/tenant.js';
import { specOrLabelsChanged } from '../runtime/controller.js';
import type { Informer } from '../runtime/informer.js';
import type { KubeObject } from '../runtime/kube/resource.js';
import type { Manager } from '../runtime/manager.js';
import { governanceOf, type Governance } from '../tenancy/governance.js';
import { addressesOf, addressIndex } from '../controllers/edgehost/addresses.js';

export interface NorthView {
  tenants(): readonly Tenant[];
  /** The governance of a hub namespace, with --enforce-tenancy as configured. */
  governance(namespace: string): Governance;
  hosts(): readonly EdgeHost[];
  hostsAt(address: string): readonly EdgeHost[];
  host(name: string): EdgeHost | undefined;
  /**
   * Changes whenever what a host list is made of changes — a Tenant or an EdgeHost added,
   * deleted, or given another spec or labels (their status writes do not count) — so an answer
   * computed from them can be kept until then (RevisionCache).
   */
  inventoryRevision(): string;
  appPackage(namespace: string, name: string): AppPackage | undefined;
  appInstance(namespace: string, name: string): AppInstance | undefined;
  appPackages(namespace: string): readonly AppPackage[];
  /** AppInstances of a namespace carrying label `key=value`. */
  appInstancesLabelled(namespace: string, key: string, value: string): readonly AppInstance[];
  /** Resolves when `done()` holds or `timeoutMs` passed; true when it holds. */
  settled(done: () => boolean, timeoutMs: number): Promise<boolean>;
}

export class InformerView implements NorthView {
  private readonly waiters = new Set<() => void>();
  private inventoryChanges = 0;
  private readonly tenantInformer: Informer<Tenant>;
  private readonly hostInformer: Informer<EdgeHost>;
  private readonly packageInformer: Informer<AppPackage>;
  private readonly instanceInformer: Informer<AppInstance>;

  constructor(manager: Manager, private readonly enforceTenancy: boolean) {
    this.tenantInformer = manager.informer<Tenant>(mecmTypes.tenant);
    this.hostInformer = manager.informer<EdgeHost>(mecmTypes.edgeHost);
    this.packageInformer = manager.informer<AppPackage>(mecmTypes.appPackage);
    this.instanceInformer = manager.informer<AppInstance>(mecmTypes.appInstance);
    this.hostInformer.addIndexer(addressIndex, addressesOf);
    const changed = () => {
      this.inventoryChanges++;
    };
    const inventory = { onAdd: changed, onDelete: changed, onUpdate: (previous: KubeObject, object: KubeObject) => { if (specOrLabelsChanged(previous, object)) changed(); } };
    this.tenantInformer.addHandlers(inventory);
    this.hostInformer.addHandlers(inventory);
    const wake = () => {
      for (const waiter of [...this.waiters]) waiter();
    };
    this.packageInformer.addHandlers({ onAdd: wake, onUpdate: wake, onDelete: wake });
    this.instanceInformer.addHandlers({ onAdd: wake, onUpdate: wake, onDelete: wake });
  }

  tenants(): readonly Tenant[] {
    return this.tenantInformer.list();
  }

  governance(namespace: string): Governance {
    return governanceOf(namespace, this.tenantInformer.list(), this.enforceTenancy);
  }

  hosts(): readonly EdgeHost[] {
    return this.hostInformer.list();
  }

  hostsAt(address: string): readonly EdgeHost[] {
    return this.hostInformer.byIndex(addressIndex, address);
  }

  host(name: string): EdgeHost | undefined {
    return this.hostInformer.get(name);
  }

  inventoryRevision(): string {
    return String(this.inventoryChanges);
  }

  appPackage(namespace: string, name: string): AppPackage | undefined {
    return this.packageInformer.get(`${namespace}/${name}`);
  }

  appInstance(namespace: string, name: string): AppInstance | undefined {
    return this.instanceInformer.get(`${namespace}/${name}`);
  }

  appPackages(namespace: string): readonly AppPackage[] {
    return this.packageInformer.inNamespace(namespace);
  }

  appInstancesLabelled(namespace: string, key: string, value: string): readonly AppInstance[] {
    return this.instanceInformer.inNamespace(namespace).filter((i) => i.metadata.labels?.[key] === value);
  }

  settled(done: () => boolean, timeoutMs: number): Promise<boolean> {
    if (done()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const finish = (result: boolean) => {
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve(result);
      };
      const check = () => {
        if (done()) finish(true);
      };
      const timer = setTimeout(() => finish(done()), timeoutMs);
      this.waiters.add(check);
    });
  }
}
