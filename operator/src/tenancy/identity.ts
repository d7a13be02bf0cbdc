/**
 * A tenant's identity on an edge cluster: a ServiceAccount the operator keeps (with the
 * EdgeHost's admin kubeconfig) and impersonates for every mutation made for the tenant's
 * apps, bound to `admin` in each edge namespace the tenant uses (`cluster-admin` with
 * spec.allowClusterScopedObjects). The edge API server, not the operator, then refuses a
 * chart that reaches beyond the grant.
 */

/** Namespace on each edge that holds the tenants' ServiceAccounts. */
export const EDGE_IDENTITY_NAMESPACE = 'mecm-tenants';

export interface EdgeIdentity {
  readonly tenant: string;
  readonly serviceAccount: string;
  readonly namespace: string;
  /** Impersonate-User. */
  readonly user: string;
  /** Impersonate-Group: what the API server gives a ServiceAccount's tokens. */
  readonly groups: readonly string[];
  readonly clusterScoped: boolean;
}

export function edgeIdentity(tenant: string, clusterScoped: boolean): EdgeIdentity {
  const serviceAccount = `mecm-tenant-${tenant}`;
  return {
    tenant, serviceAccount, namespace: EDGE_IDENTITY_NAMESPACE, clusterScoped,
    user: `system:serviceaccount:${EDGE_IDENTITY_NAMESPACE}:${serviceAccount}`,
    groups: ['system:serviceaccounts', `system:serviceaccounts:${EDGE_IDENTITY_NAMESPACE}`, 'system:authenticated'],
  };
}
