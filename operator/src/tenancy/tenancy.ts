/**
 * The controllers' view of tenancy: the Tenants (shared informer) and whether tenancy is
 * enforced (--enforce-tenancy). Objects of a namespace are reconciled again when a Tenant
 * that names it, or named it, changes.
 */
import type { Tenant } from '../api/tenant.js';
import type { Controller } from '../runtime/controller.js';
import type { Informer } from '../runtime/informer.js';
import { objectKey, type KubeObject } from '../runtime/kube/resource.js';
import { governanceOf, type Governance } from './governance.js';

export class Tenancy {
  constructor(readonly tenants: Informer<Tenant>, readonly enforced: boolean) {}

  governance(namespace: string): Governance {
    return governanceOf(namespace, this.tenants.list(), this.enforced);
  }

  /**
   * Makes `controller` reconcile the objects of `own` in a Tenant's namespaces when its spec or
   * governed namespaces change: those it names and named before the update, and those it
   * governed (status.namespaces, which a conflict elsewhere changes).
   */
  watchFor<T extends KubeObject>(controller: Controller, own: Informer<T>): void {
    controller.watch(this.tenants, {
      updateMatters: (previous, tenant) => previous.metadata.generation !== tenant.metadata.generation
        || JSON.stringify(previous.status?.namespaces ?? []) !== JSON.stringify(tenant.status?.namespaces ?? []),
      map: (tenant, previous) => {
        const namespaces = new Set([tenant, previous].flatMap((t) => t ? [...t.spec.namespaces, ...t.status?.namespaces ?? []] : []));
        return [...namespaces].flatMap((n) => own.inNamespace(n)).map(objectKey);
      },
    });
  }
}
