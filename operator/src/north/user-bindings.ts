/**
 * The RoleBindings that let a Tenant's appstore users act in its namespaces through North:
 * in each hub namespace the Tenant governs, one RoleBinding `mecm-north-appstore-users` binds
 * the users of `spec.appstore.userIds` (as `<prefix><userId>`, the name North's JWT mapping
 * gives them) to the North tenant ClusterRole. North's SubjectAccessReviews then allow them
 * what the role grants there and nowhere else.
 *
 *   desiredBindings (pure: Tenants → bindings)   observed (RoleBindings labelled for the Tenant)
 *                      └────────── planBindings (pure) ──────────┘
 *                                        ▼
 *                        create / replace / delete, one write each
 *
 * A namespace two Tenants list is governed by neither, so it gets no binding; a Tenant gone or
 * without users leaves none behind.
 */
import { governanceOf } from '../tenancy/governance.js';
import type { Tenant } from '../api/tenant.js';
import type { KubeObject } from '../runtime/kube/resource.js';
import { stableJson } from '../util/stable-json.js';

export const bindingName = 'mecm-north-appstore-users';
export const tenantLabel = 'north.mecm.io/tenant';
export const managedByLabel = 'app.kubernetes.io/managed-by';
export const managedBy = 'mecm-north';

export interface RoleBinding extends KubeObject {
  roleRef: { apiGroup: string; kind: string; name: string };
  subjects?: Array<{ apiGroup?: string; kind: string; name: string; namespace?: string }>;
}

export interface BindingSettings {
  /** The ClusterRole bound (chart: <release>-north-tenant). */
  readonly role: string;
  /** Prefix of appstore user names (--north-jwt-user-prefix). */
  readonly userPrefix: string;
}

/** The bindings `tenant` should have, one per namespace it governs, none without appstore users. */
export function desiredBindings(tenant: Tenant, tenants: readonly Tenant[], settings: BindingSettings): RoleBinding[] {
  const users = [...new Set(tenant.spec.appstore?.userIds ?? [])].sort();
  if (users.length === 0) return [];
  const name = tenant.metadata.name ?? '';
  return tenant.spec.namespaces
    .filter((ns) => {
      const g = governanceOf(ns, tenants, true);
      return g.kind === 'Governed' && g.tenant.metadata.name === name;
    })
    .map((namespace) => ({
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding',
      metadata: { name: bindingName, namespace, labels: { [managedByLabel]: managedBy, [tenantLabel]: name } },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: settings.role },
      subjects: users.map((u) => ({ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: `${settings.userPrefix}${u}` })),
    }));
}

export type BindingStep =
  | { readonly kind: 'Create'; readonly binding: RoleBinding }
  /** roleRef cannot change in place: the binding is deleted and created again. */
  | { readonly kind: 'Replace'; readonly binding: RoleBinding; readonly uid: string | undefined }
  | { readonly kind: 'Delete'; readonly namespace: string; readonly name: string; readonly uid: string | undefined };

// Key order differs between what we build and what the API server returns: compare stably.
const same = (a: RoleBinding, b: RoleBinding) =>
  stableJson([a.roleRef, a.subjects ?? [], a.metadata.labels?.[tenantLabel]]) === stableJson([b.roleRef, b.subjects ?? [], b.metadata.labels?.[tenantLabel]]);

/** The writes that turn `observed` (this Tenant's bindings) into `desired`; none when they match. */
export function planBindings(desired: readonly RoleBinding[], observed: readonly RoleBinding[]): BindingStep[] {
  const steps: BindingStep[] = [];
  const wanted = new Map(desired.map((b) => [b.metadata.namespace ?? '', b]));
  for (const current of observed) {
    const ns = current.metadata.namespace ?? '';
    const want = current.metadata.name === bindingName ? wanted.get(ns) : undefined;
    if (!want) {
      steps.push({ kind: 'Delete', namespace: ns, name: current.metadata.name ?? '', uid: current.metadata.uid });
      continue;
    }
    if (!same(current, want)) steps.push({ kind: 'Replace', binding: want, uid: current.metadata.uid });
    wanted.delete(ns);
  }
  for (const binding of wanted.values()) steps.push({ kind: 'Create', binding });
  return steps;
}
