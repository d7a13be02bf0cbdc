/**
 * A tenant's identity on an edge cluster: a ServiceAccount the operator keeps (with the
 * EdgeHost's admin kubeconfig) and impersonates for every mutation made for the tenant's
 * apps, bound to `admin` in each edge namespace the tenant uses and, with
 * spec.allowClusterScopedObjects, to `cluster-admin` cluster-wide. The edge API server, not
 * the operator, then refuses a chart that reaches beyond the grant.
 */

/** Namespace on each edge that holds the tenants' ServiceAccounts. */
export const EDGE_IDENTITY_NAMESPACE = 'mecm-tenants';

/** On an edge namespace made for a tenant: the tenant's name. */
export const EDGE_TENANT_LABEL = 'mecm.io/tenant';

/**
 * The bootstrap ClusterRoles (present on every Kubernetes API server) the identity is bound
 * to: `admin` by a RoleBinding in each of the tenant's edge namespaces, `cluster-admin` by a
 * ClusterRoleBinding only when the tenant may create cluster-scoped objects.
 */
export const EDGE_NAMESPACE_ROLE = 'admin';
export const EDGE_CLUSTER_ROLE = 'cluster-admin';

export interface EdgeIdentity {
  readonly tenant: string;
  readonly serviceAccount: string;
  readonly namespace: string;
  /** Impersonate-User. */
  readonly user: string;
  /** Impersonate-Group: what the API server gives a ServiceAccount's tokens. */
  readonly groups: readonly string[];
  /** The tenant's spec.allowClusterScopedObjects: bound to cluster-admin, not only admin in its namespaces. */
  readonly clusterScoped: boolean;
  /** Name of the RoleBindings (one per edge namespace) and of the ClusterRoleBinding: the ServiceAccount's. */
  readonly bindingName: string;
}

export function edgeIdentity(tenant: string, clusterScoped: boolean): EdgeIdentity {
  const serviceAccount = `mecm-tenant-${tenant}`;
  return {
    tenant, serviceAccount, namespace: EDGE_IDENTITY_NAMESPACE, clusterScoped, bindingName: serviceAccount,
    user: `system:serviceaccount:${EDGE_IDENTITY_NAMESPACE}:${serviceAccount}`,
    groups: ['system:serviceaccounts', `system:serviceaccounts:${EDGE_IDENTITY_NAMESPACE}`, 'system:authenticated'],
  };
}
