/**
 * Condition types and reasons of EdgeHost, declared once. A failure reason says what is wrong;
 * its message (built where the failure is found) says what to do. Ready, Reconciling and
 * Stalled are kept by runtime/status.ts; Ready is derived by the controller's summarize.
 */
import type { EDGE_HOST_CONDITIONS } from './edgehost.js';

export type EdgeHostConditionType = Exclude<(typeof EDGE_HOST_CONDITIONS)[number], 'Ready'>;

export const EdgeHostCondition = {
  Reachable: 'Reachable',
  RepositoryReachable: 'RepositoryReachable',
  MEPReachable: 'MEPReachable',
} as const satisfies Record<EdgeHostConditionType, EdgeHostConditionType>;

export const EdgeHostReason = {
  // Reachable
  EdgeClusterReachable: 'EdgeClusterReachable',
  KubeconfigSecretNotFound: 'KubeconfigSecretNotFound',
  KubeconfigKeyMissing: 'KubeconfigKeyMissing',
  KubeconfigInvalid: 'KubeconfigInvalid',
  KubeconfigRejected: 'KubeconfigRejected',
  EdgeCertificateUntrusted: 'EdgeCertificateUntrusted',
  EdgeCredentialsRejected: 'EdgeCredentialsRejected',
  EdgeClusterUnreachable: 'EdgeClusterUnreachable',
  EdgeClusterError: 'EdgeClusterError',
  UnsupportedInfrastructure: 'UnsupportedInfrastructure',
  // RepositoryReachable
  RepositoryReachable: 'RepositoryReachable',
  RepositoryUnreachable: 'RepositoryUnreachable',
  RepositoryUnauthorized: 'RepositoryUnauthorized',
  RepositoryError: 'RepositoryError',
  RepositorySecretInvalid: 'RepositorySecretInvalid',
  // MEPReachable
  MEPReachable: 'MEPReachable',
  MEPUnreachable: 'MEPUnreachable',
  MEPUnauthorized: 'MEPUnauthorized',
  MEPError: 'MEPError',
  MEPSecretInvalid: 'MEPSecretInvalid',
  // Reachable, RepositoryReachable, MEPReachable: a Secret reference outside the operator's namespace
  SecretNamespaceNotAllowed: 'SecretNamespaceNotAllowed',
  // Ready
  EdgeHostReady: 'EdgeHostReady',
  /** Another EdgeHost has the same spec.address (the message names it): North addresses neither. */
  AddressConflict: 'AddressConflict',
} as const;

export type EdgeHostReason = (typeof EdgeHostReason)[keyof typeof EdgeHostReason];
