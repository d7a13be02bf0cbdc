/**
 * What the namespaced controllers share about a Tenant's scope: the objects of a kind its
 * namespaces hold (for count and byte limits), and waking the objects a limit refused when a
 * sibling comes or goes, so the next one in line starts without waiting for a resync.
 */
import type { Condition } from '../runtime/conditions.js';
import { findCondition } from '../runtime/conditions.js';
import type { Controller } from '../runtime/controller.js';
import type { Informer } from '../runtime/informer.js';
import { objectKey, type KubeObject } from '../runtime/kube/resource.js';
import { governedNamespaces, type Governance } from '../tenancy/governance.js';
import type { Tenancy } from '../tenancy/tenancy.js';

/** The reason every controller shows a refusal of the grant with. */
export const notPermitted = 'NotPermitted';

/** An object whose conditions can say it was refused. */
export type Conditioned = KubeObject & { readonly status?: { readonly conditions?: readonly Condition[] } };

/** The hub namespaces `g`'s Tenant governs (none unless it is Governed). */
export function governedNamespacesOf(g: Governance): ReadonlySet<string> {
  return new Set(g.kind === 'Governed' ? governedNamespaces(g.tenant, g.others) : []);
}

/** What the objects of one namespace come from: an Informer (its namespace index). */
export interface ByNamespace<T> {
  inNamespace(namespace: string): readonly T[];
}

/** The objects of `source` in the namespaces `g`'s Tenant governs (none unless it is Governed). */
export function tenantSiblings<T extends KubeObject>(g: Governance, source: ByNamespace<T>): T[] {
  return [...governedNamespacesOf(g)].flatMap((n) => source.inNamespace(n));
}

const refusedIndex = 'notPermitted';

/**
 * Makes `controller` reconcile the objects of `own` that stall on NotPermitted when another
 * object of the kind in the same Tenant is added or deleted: a count or byte limit may now
 * let them in. Updates are ignored (they change neither counts nor age). Call once per
 * informer; it adds an index of the refused objects by namespace.
 */
export function wakeRefusedSiblings<T extends Conditioned>(controller: Controller, own: Informer<T>, tenancy: Tenancy): void {
  own.addIndexer(refusedIndex, (o) => findCondition(o.status?.conditions, 'Stalled')?.reason === notPermitted ? [o.metadata.namespace ?? ''] : []);
  controller.watch(own, {
    updateMatters: () => false,
    map: (object) => {
      const namespaces = governedNamespacesOf(tenancy.governance(object.metadata.namespace ?? ''));
      return [...namespaces].flatMap((n) => own.byIndex(refusedIndex, n)).filter((o) => o.metadata.uid !== object.metadata.uid).map(objectKey);
    },
  });
}
