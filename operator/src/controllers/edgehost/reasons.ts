/**
 * Condition types and reasons of EdgeHost, declared together. A failure reason says what is
 * wrong; its message (built where the failure is found) says what to do.
 */
export const ConditionType = {
  Ready: 'Ready',
  Reachable: 'Reachable',
  RepositoryReachable: 'RepositoryReachable',
  MEPReachable: 'MEPReachable',
} as const;

export const Reason = {
  // Reachable
  EdgeClusterReachable: 'EdgeClusterReachable',
  KubeconfigSecretNotFound: 'KubeconfigSecretNotFound',
  KubeconfigKeyMissing: 'KubeconfigKeyMissing',
  KubeconfigInvalid: 'KubeconfigInvalid',
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
  // Ready
  EdgeHostReady: 'EdgeHostReady',
} as const;

export type Reason = (typeof Reason)[keyof typeof Reason];

/**
 * What a probe found wrong. `transient` failures (no answer) may be a flaky link and count
 * against the grace period; the others (bad Secret, untrusted certificate, rejected
 * credentials) are the user's to fix and show at once.
 */
export interface ProbeFailure {
  readonly reason: Reason;
  readonly message: string;
  readonly transient: boolean;
}
