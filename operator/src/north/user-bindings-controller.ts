/**
 * Keeps the RoleBindings of user-bindings.ts, as a small controller of North's own: keyed by
 * Tenant, it watches Tenants and the RoleBindings it labelled, and runs only in the leader like
 * every controller. It lives beside North (not in the Tenant controller) because it exists
 * only for North: with North off, no appstore user is bound anywhere.
 */
import { mecmTypes } from '../api/resources.js';
import type { Tenant } from '../api/tenant.js';
import { Controller } from '../runtime/controller.js';
import type { KubeClient } from '../runtime/kube/client.js';
import { isNotFound, isAlreadyExists } from '../runtime/kube/errors.js';
import { objectKey, type ResourceType } from '../runtime/kube/resource.js';
import { ResourceClient } from '../runtime/kube/resource-client.js';
import type { Manager } from '../runtime/manager.js';
import { done, type ReconcileContext, type Reconciler, type ReconcileResult } from '../runtime/reconcile.js';
import type { Informer } from '../runtime/informer.js';
import { desiredBindings, managedBy, managedByLabel, planBindings, tenantLabel, type BindingSettings, type BindingStep, type RoleBinding } from './user-bindings.js';

export const roleBindingType: ResourceType = { group: 'rbac.authorization.k8s.io', version: 'v1', plural: 'rolebindings', kind: 'RoleBinding', namespaced: true };

class UserBindingsReconciler implements Reconciler {
  private readonly client: ResourceClient<RoleBinding>;

  constructor(private readonly tenants: Informer<Tenant>, private readonly bindings: Informer<RoleBinding>, hub: KubeClient, private readonly settings: BindingSettings) {
    this.client = new ResourceClient<RoleBinding>(hub, roleBindingType, 'mecm-north');
  }

  async reconcile(name: string, context: ReconcileContext): Promise<ReconcileResult> {
    const all = this.tenants.list();
    const tenant = this.tenants.get(name);
    const desired = tenant ? desiredBindings(tenant, all, this.settings) : [];
    const observed = this.bindings.list().filter((b) => b.metadata.labels?.[tenantLabel] === name);
    for (const step of planBindings(desired, observed)) {
      await this.apply(step);
      context.log.info('Appstore user binding changed', { tenant: name, step: step.kind, namespace: step.kind === 'Delete' ? step.namespace : step.binding.metadata.namespace });
    }
    return done;
  }

  private async apply(step: BindingStep): Promise<void> {
    const ignore = (test: (e: unknown) => boolean) => (error: unknown) => {
      if (!test(error)) throw error;
    };
    switch (step.kind) {
      case 'Create':
        await this.client.create(step.binding).catch(ignore(isAlreadyExists));
        return;
      case 'Replace':
        await this.client.delete(step.binding.metadata.name ?? '', step.binding.metadata.namespace, { uid: step.uid }).catch(ignore(isNotFound));
        await this.client.create(step.binding).catch(ignore(isAlreadyExists));
        return;
      case 'Delete':
        await this.client.delete(step.name, step.namespace, { uid: step.uid }).catch(ignore(isNotFound));
    }
  }
}

export function registerUserBindingsController(manager: Manager, settings: BindingSettings): void {
  const tenants = manager.informer<Tenant>(mecmTypes.tenant);
  const bindings = manager.informer<RoleBinding>(roleBindingType, { labelSelector: `${managedByLabel}=${managedBy}` });
  const reconciler = new UserBindingsReconciler(tenants, bindings, manager.hub, settings);
  const controller = new Controller({ name: 'north-user-bindings', reconciler, workers: 1, metrics: manager.metrics, log: manager.log });
  // One Tenant's change can change which namespaces another governs: every Tenant is looked at again.
  controller.watch(tenants, { map: (t) => [...new Set([objectKey(t), ...tenants.list().map(objectKey)])], resyncMs: 600_000 });
  // Deleted Tenants still have their key through the label.
  controller.watch(bindings, { map: (b) => [b.metadata.labels?.[tenantLabel] ?? ''].filter(Boolean) });
  manager.addController(controller);
}
