/** Condition types and reasons of AppPackage, in success/failure pairs. */
export const ConditionType = {
  Downloaded: 'Downloaded',
  Parsed: 'Parsed',
  Verified: 'Verified',
  Distributed: 'Distributed',
  Ready: 'Ready',
  Reconciling: 'Reconciling',
  Stalled: 'Stalled',
} as const;

export const Reason = {
  DownloadSucceeded: 'DownloadSucceeded',
  ParseSucceeded: 'ParseSucceeded',
  DistributionSucceeded: 'DistributionSucceeded',
  DistributionInProgress: 'DistributionInProgress',
  DistributionFailed: 'DistributionFailed',
  NoTargetHosts: 'NoTargetHosts',
  PackageReady: 'PackageReady',
  Progressing: 'Progressing',
  CredentialsSecretInvalid: 'CredentialsSecretInvalid',
} as const;
