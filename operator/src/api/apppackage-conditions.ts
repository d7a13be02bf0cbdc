/**
 * Condition types, condition reasons and event reasons of AppPackage, declared once. The status
 * draft only accepts these, so a misspelt reason does not compile.
 *
 *   Downloaded   True  DownloadSucceeded
 *                False <DownloadFailureReason> | CredentialsSecretInvalid
 *                      | NotPermitted (larger than what is left of the Tenant's spec.limits.packageBytes; Stalled)
 *   Parsed       True  ParseSucceeded
 *                False <CsarErrorReason>                                   (Stalled)
 *   RulesValid   True  RulesValid
 *                False RulesInvalid (shown under rules: Warn, with a Warning event; Stalled under Strict)
 *   Verified     True  Verified | VerificationSkipped
 *                False <VerifyFailureReason> (Stalled when the policy refuses, shown under Warn)
 *                      | TrustedCASecretInvalid
 *   Distributed  True  DistributionSucceeded | NoTargetHosts
 *                False DistributionInProgress | DistributionFailed
 *                      (status.hosts[] says why per host, e.g. SecretNamespaceNotAllowed)
 *                      | NotPermitted (a target the Tenant does not grant; Stalled once the others are done)
 *   Stalled      True  NotPermitted: the namespace's Tenant does not allow the package (no grant, a
 *                      contested namespace, spec.limits.appPackages): nothing is downloaded or
 *                      distributed, what was distributed stays
 *   Ready        = Downloaded ∧ Parsed ∧ Distributed, not Stalled (controllers/apppackage/summarize.ts)
 */
import type { CsarErrorReason, VerifyResult } from '../csar/index.js';
import type { DownloadFailureReason } from '../packages/download.js';
import type { CommonConditionType } from '../runtime/status.js';
import type { APP_PACKAGE_CONDITIONS } from './apppackage.js';

/** The AppPackage's own condition types (Ready, Reconciling and Stalled are every kind's). */
export type AppPackageConditionType = Exclude<(typeof APP_PACKAGE_CONDITIONS)[number], CommonConditionType>;

/** Why a push to, or removal from, an edge repository failed. */
export type DistributionFailureReason = 'RepositoryUnreachable' | 'RepositoryUnauthorized' | 'RepositoryError' | 'ImageMirrorFailed';

export type AppPackageReason =
  | 'Progressing'
  | 'PackageReady'
  // Downloaded
  | 'DownloadSucceeded'
  | DownloadFailureReason
  | 'CredentialsSecretInvalid'
  // Parsed
  | 'ParseSucceeded'
  | CsarErrorReason
  // Verified ('Verified' | 'VerificationSkipped' | VerifyFailureReason)
  | VerifyResult['reason']
  | 'TrustedCASecretInvalid'
  // RulesValid ('RulesInvalid' is a VerifyFailureReason)
  | 'RulesValid'
  // Distributed, and removal from hosts
  | 'DistributionSucceeded'
  | 'NoTargetHosts'
  | 'DistributionInProgress'
  | 'DistributionFailed'
  | DistributionFailureReason
  // A host's repository Secret is outside the operator's namespace (shown per host)
  | 'SecretNamespaceNotAllowed'
  | 'RemovalPending'
  // The Tenant governing the namespace does not grant what the package needs
  | 'NotPermitted';

/** Reasons of the Events the AppPackage controller records, beyond its condition reasons. */
export type AppPackageEventReason =
  | AppPackageReason
  | 'Distributed'
  | 'Removed'
  | 'HostGone'
  | 'RemovalAbandoned';
