/**
 * A tenant's grant on one edge, kept with the admin credential:
 *
 *   Namespace mecm-tenants (managed-by) ─────────── made when missing
 *   └ ServiceAccount mecm-tenant-<tenant> ───────── made when missing
 *   RoleBinding <target ns>/mecm-tenant-<tenant> ── to ClusterRole admin; made when the target
 *                                                   namespace exists, remade when it is wrong
 *   ClusterRoleBinding mecm-tenant-<tenant> ─────── to cluster-admin: made (remade) when the
 *                                                   identity is cluster-scoped, DELETED when not
 *
 * The RoleBinding is kept even with the cluster grant, so withdrawing the cluster grant never
 * leaves the tenant without its namespace.
 *
 * GET, then create what is missing — not server-side apply: the steady state (everything in
 * place, the case before every install) costs reads only, answered from the API server's watch
 * cache, with no write, admission or audit entry per call. A binding's roleRef is immutable, so
 * a wrong binding (other role, other or more subjects) is deleted under its uid and made again;
 * an apply could not repair it either.
 *
 * The edge's RBAC authorizer learns a change from its own watch, a moment later. A change is
 * done only when a SelfSubjectAccessReview made as the identity agrees, so the helm call that
 * follows is neither refused by a grant just made nor allowed by one just withdrawn.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { KubeClient } from '../../runtime/kube/client.js';
import { isAlreadyExists, isNotFound } from '../../runtime/kube/errors.js';
import { apiVersionOf, collectionPath, coreTypes, objectPath, type KubeObject, type ResourceType } from '../../runtime/kube/resource.js';
import { EDGE_CLUSTER_ROLE, EDGE_NAMESPACE_ROLE, EDGE_TENANT_LABEL, type EdgeIdentity } from '../../tenancy/identity.js';
import { LcmError, managedBy } from '../plugin.js';
import { getIfExists } from './edge-api.js';

const rbacGroup = 'rbac.authorization.k8s.io';

export const grantTypes = {
  serviceAccount: { group: '', version: 'v1', plural: 'serviceaccounts', kind: 'ServiceAccount', namespaced: true },
  roleBinding: { group: rbacGroup, version: 'v1', plural: 'rolebindings', kind: 'RoleBinding', namespaced: true },
  clusterRoleBinding: { group: rbacGroup, version: 'v1', plural: 'clusterrolebindings', kind: 'ClusterRoleBinding', namespaced: false },
} as const satisfies Record<string, ResourceType>;

interface Subject {
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
}

export interface Binding extends KubeObject {
  roleRef?: { apiGroup: string; kind: string; name: string };
  subjects?: Subject[];
}

export interface GrantOptions {
  /** How long a change may take to be honoured by the edge's authorizer before the call fails (retried). */
  readonly settleTimeoutMs: number;
}

/** What the identity should and should not be allowed once a change is honoured. */
interface Expectation {
  readonly attributes: { readonly verb: string; readonly group: string; readonly resource: string; readonly namespace?: string };
  readonly allowed: boolean;
  readonly what: string;
}

/**
 * Makes the edge hold the grant of `identity` for `namespace` (see the module comment); returns
 * what it changed. `admin` uses the edge's admin credential, `asIdentity` impersonates the
 * identity (only for the access reviews). Refuses (Forbidden) a namespace labelled for another tenant.
 */
export async function ensureGrant(admin: KubeClient, asIdentity: KubeClient, identity: EdgeIdentity, namespace: string, options: GrantOptions): Promise<string[]> {
  const [home, account, target, roleBinding, clusterBinding] = await Promise.all([
    getIfExists(admin, coreTypes.namespace, identity.namespace),
    getIfExists(admin, grantTypes.serviceAccount, identity.serviceAccount, identity.namespace),
    getIfExists(admin, coreTypes.namespace, namespace),
    getIfExists<Binding>(admin, grantTypes.roleBinding, identity.bindingName, namespace),
    getIfExists<Binding>(admin, grantTypes.clusterRoleBinding, identity.bindingName),
  ]);
  const holder = target?.metadata.labels?.[EDGE_TENANT_LABEL];
  if (holder !== undefined && holder !== identity.tenant) {
    throw new LcmError('Forbidden', `Edge namespace ${namespace} belongs to tenant ${holder}, not ${identity.tenant}: tenant ${identity.tenant}'s identity is not bound there. Use a namespace of tenant ${identity.tenant}.`);
  }
  const changes: string[] = [];
  const expect: Expectation[] = [];
  if (!home && await createIfAbsent(admin, coreTypes.namespace, { metadata: { name: identity.namespace, labels: { [managedBy.label]: managedBy.value } } })) {
    changes.push(`created Namespace ${identity.namespace}`);
  }
  if (!account && await createIfAbsent(admin, grantTypes.serviceAccount, {
    metadata: { name: identity.serviceAccount, namespace: identity.namespace, labels: managed(identity) },
    // Never used for a token of its own: the operator impersonates it.
    automountServiceAccountToken: false,
  } as KubeObject)) {
    changes.push(`created ServiceAccount ${identity.namespace}/${identity.serviceAccount}`);
  }
  // A namespace being deleted takes no new objects; there is nothing to bind in it.
  if (target && !target.metadata.deletionTimestamp) {
    const done = await keepBinding(admin, grantTypes.roleBinding, roleBinding, desiredBinding(identity, EDGE_NAMESPACE_ROLE, namespace));
    if (done) {
      changes.push(`${done} RoleBinding ${namespace}/${identity.bindingName}`);
      expect.push({ attributes: { verb: 'create', group: '', resource: 'secrets', namespace }, allowed: true, what: `the RoleBinding in ${namespace}` });
    }
  }
  const clusterScope = { verb: 'create', group: rbacGroup, resource: 'clusterrolebindings' };
  if (identity.clusterScoped) {
    const done = await keepBinding(admin, grantTypes.clusterRoleBinding, clusterBinding, desiredBinding(identity, EDGE_CLUSTER_ROLE));
    if (done) {
      changes.push(`${done} ClusterRoleBinding ${identity.bindingName}`);
      expect.push({ attributes: clusterScope, allowed: true, what: 'the ClusterRoleBinding' });
    }
  } else if (clusterBinding && await deleteIfPresent(admin, grantTypes.clusterRoleBinding, clusterBinding)) {
    changes.push(`deleted ClusterRoleBinding ${identity.bindingName}`);
    expect.push({ attributes: clusterScope, allowed: false, what: 'the withdrawal of the ClusterRoleBinding' });
  }
  await Promise.all(expect.map((e) => settle(asIdentity, identity, e, options)));
  return changes;
}

function managed(identity: EdgeIdentity): Record<string, string> {
  return { [managedBy.label]: managedBy.value, [EDGE_TENANT_LABEL]: identity.tenant };
}

function desiredBinding(identity: EdgeIdentity, role: string, namespace?: string): Binding {
  return {
    metadata: { name: identity.bindingName, ...(namespace ? { namespace } : {}), labels: managed(identity) },
    roleRef: { apiGroup: rbacGroup, kind: 'ClusterRole', name: role },
    subjects: [{ kind: 'ServiceAccount', name: identity.serviceAccount, namespace: identity.namespace }],
  };
}

/** Exactly the desired role and one subject, the identity's ServiceAccount. */
function bindsExactly(live: Binding, desired: Binding): boolean {
  const [want] = desired.subjects ?? [];
  const [only, ...more] = live.subjects ?? [];
  return live.roleRef?.apiGroup === desired.roleRef?.apiGroup && live.roleRef?.kind === desired.roleRef?.kind
    && live.roleRef?.name === desired.roleRef?.name && !more.length && only !== undefined && want !== undefined
    && only.kind === want.kind && only.name === want.name && only.namespace === want.namespace;
}

/** Makes `desired` when missing, remakes `live` when it binds anything else; says which it did. */
async function keepBinding(admin: KubeClient, type: ResourceType, live: Binding | undefined, desired: Binding): Promise<'created' | 'replaced' | undefined> {
  if (live && !live.metadata.deletionTimestamp && bindsExactly(live, desired)) return undefined;
  if (live) await deleteIfPresent(admin, type, live);
  await createIfAbsent(admin, type, desired);
  return live ? 'replaced' : 'created';
}

/** POSTs `object`; false when it already existed (made by a concurrent call). */
async function createIfAbsent(admin: KubeClient, type: ResourceType, object: KubeObject): Promise<boolean> {
  try {
    await admin.request({ method: 'POST', path: collectionPath(type, object.metadata.namespace), body: { apiVersion: apiVersionOf(type), kind: type.kind, ...object } });
    return true;
  } catch (error) {
    if (isAlreadyExists(error)) return false;
    throw error;
  }
}

/** Deletes that incarnation of `live` (uid precondition); false when it was gone already. */
async function deleteIfPresent(admin: KubeClient, type: ResourceType, live: KubeObject): Promise<boolean> {
  try {
    await admin.request({
      method: 'DELETE', path: objectPath(type, live.metadata.name ?? '', live.metadata.namespace),
      body: { apiVersion: 'v1', kind: 'DeleteOptions', preconditions: { uid: live.metadata.uid } },
    });
    return true;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
}

/** Whether the identity may do `attributes` now, as the edge's authorizer answers it. */
async function allowed(asIdentity: KubeClient, attributes: Expectation['attributes']): Promise<boolean> {
  const review = await asIdentity.request<{ status?: { allowed?: boolean } }>({
    method: 'POST', path: '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
    body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: attributes } },
  });
  return review.status?.allowed === true;
}

/**
 * Waits until the authorizer answers as `expectation` says. A grant that is not honoured in
 * time fails (transient: retried). A withdrawal that is not is left: the identity then holds
 * the permission through a binding the operator did not make, which is the edge admin's choice.
 */
async function settle(asIdentity: KubeClient, identity: EdgeIdentity, expectation: Expectation, options: GrantOptions): Promise<void> {
  const deadline = Date.now() + options.settleTimeoutMs;
  for (let wait = 20; ; wait = Math.min(wait * 2, 500)) {
    if (await allowed(asIdentity, expectation.attributes) === expectation.allowed) return;
    if (Date.now() >= deadline) break;
    await delay(Math.min(wait, Math.max(0, deadline - Date.now())));
  }
  if (expectation.allowed) {
    throw new LcmError('Failed', `The edge has not honoured ${expectation.what} of tenant ${identity.tenant} within ${options.settleTimeoutMs} ms; the operation is retried.`);
  }
}
