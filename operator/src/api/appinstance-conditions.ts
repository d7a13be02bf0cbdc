/**
 * Condition types, condition reasons and event reasons of AppInstance, declared once. Ready,
 * Reconciling and Stalled are kept by runtime/status.ts; Ready is derived by the controller's
 * summarize. A failed LCM operation shows its LcmError kind as the reason.
 */
import type { LcmErrorKind } from '../lcm/plugin.js';
import type { APP_INSTANCE_CONDITIONS } from './appinstance.js';

/** The conditions the AppInstance controller sets itself. */
export type AppInstanceConditionType = Exclude<(typeof APP_INSTANCE_CONDITIONS)[number], 'Ready' | 'Reconciling' | 'Stalled'>;

export type AppInstanceReason =
  // PackageReady
  | 'PackageDistributed' | 'PackageNotDistributed'
  // DependenciesReady
  | 'DependenciesReady' | 'DependencyMissing'
  // Instantiated
  | 'InstallSucceeded' | 'InstallFailed' | 'UpgradeSucceeded' | 'UpgradeFailed' | 'ReleaseDeployed'
  // RulesConfigured
  | 'RulesApplied' | 'NoRules' | 'RulesApplying' | 'RulesNotReady' | 'RulesIncomplete'
  // Reconciling
  | 'Initializing' | 'Installing' | 'Upgrading' | 'Remediating' | 'EdgeUnreachable' | 'WorkloadsNotReady'
  | 'DependentsExist' | 'RulesDeleting' | 'Uninstalling' | 'NamespaceDeleting'
  // Stalled (OwnedByAnother also as Instantiated=False: the release is another instance's;
  // NotPermitted also as RulesConfigured=False when the Tenant refuses the app's rules)
  | 'UnsupportedInfrastructure' | 'RetriesExhausted' | 'ValuesInvalid' | 'SecretNamespaceNotAllowed' | 'OwnedByAnother' | 'NotPermitted'
  // Reconciling, waiting for a valuesFrom source to appear
  | 'ValuesNotFound'
  // Ready
  | 'Ready'
  // A failed LCM operation (Reconciling when a retry may pass, Stalled otherwise)
  | LcmErrorKind;

/** Reasons of the Events the controller records on an AppInstance. */
export type AppInstanceEventReason =
  | 'Installed' | 'Upgraded' | 'DriftRepaired' | 'RolledBack' | 'Uninstalled' | 'ReleaseUnlocked'
  | 'Stopped' | 'Started' | 'NamespaceKept' | 'TerminationAbandoned' | 'ReleaseAdopted' | 'OwnedByAnother'
  | 'InstallFailed' | 'UpgradeFailed' | 'RemediateFailed' | 'AdoptFailed' | 'UnlockFailed' | 'ScaleFailed' | 'UninstallFailed'
  | 'DeleteNamespaceFailed' | 'NotPermitted';
