/**
 * The AppInstance workflow as a pure function: observed state in, the one next step out.
 * The state lives in the world (the Helm release on the edge, the AppRule on the hub) and in
 * `.status`, so a restart anywhere picks up where things were.
 *
 *   create ─► WaitForPackage ─► WaitForDependencies ─► Install ─► (Remediate ↺) ─► Upgrade?
 *         ─► Scale (Stopped/Started) ─► Repair drift ─► ApplyRules ─► WaitForRules ─► Ready
 *
 *   delete ─► DeleteRules ─► (Blocked while others depend on us) ─► Uninstall
 *          ─► DeleteNamespace (if we made it) ─► ReleaseFinalizer
 */

export type ReleaseObservation =
  | { readonly kind: 'Absent' }
  | {
      readonly kind: 'Present';
      readonly status: 'deployed' | 'failed' | 'pending-install' | 'pending-upgrade' | 'pending-rollback' | 'uninstalling' | 'superseded' | 'uninstalled' | 'unknown';
      readonly revision: number;
      /** Chart and user values are what the spec asks for now. */
      readonly upToDate: boolean;
    };

export type RulesObservation = 'NotNeeded' | 'Missing' | 'Outdated' | 'NotReady' | 'Ready' | 'PresentButUnneeded';

export interface AppInstanceObservation {
  readonly deleting: boolean;
  readonly suspended: boolean;
  /** The package's chart is in this host's repository. */
  readonly packageDistributed: boolean;
  readonly infrastructureSupported: boolean;
  /** Required services not provided by a Ready instance on the same host. */
  readonly missingDependencies: readonly string[];
  /** Other instances on the host that require a service this one produces. */
  readonly dependents: readonly string[];
  /** The edge cluster answers; undefined when unknown. */
  readonly edgeReachable: boolean;
  readonly release: ReleaseObservation;
  readonly desiredState: 'Started' | 'Stopped';
  /** Workloads currently scaled to zero by a Stop. */
  readonly stopped: boolean;
  /** Objects of the release manifest missing on the edge. */
  readonly driftedObjects: readonly string[];
  readonly rules: RulesObservation;
  readonly failures: number;
  readonly maxRetries: number;
  readonly remediation: 'Rollback' | 'Uninstall';
  /** Namespace on the edge still exists and was created by the operator. */
  readonly ownNamespaceExists: boolean;
  readonly workloadsReady: boolean;
  /** Deletion has waited longer than it may for an edge that does not answer. */
  readonly deletionTimedOut: boolean;
}

export type AppInstanceAction =
  | { readonly kind: 'Nothing'; readonly reason: 'Suspended' }
  | { readonly kind: 'WaitForPackage' }
  | { readonly kind: 'Unsupported' }
  | { readonly kind: 'WaitForDependencies'; readonly missing: readonly string[] }
  | { readonly kind: 'WaitForEdge' }
  | { readonly kind: 'Unlock' }
  | { readonly kind: 'Install' }
  | { readonly kind: 'Upgrade'; readonly why: 'SpecChanged' | 'Drift' }
  | { readonly kind: 'Remediate'; readonly how: 'Rollback' | 'Uninstall' }
  | { readonly kind: 'GiveUp' }
  | { readonly kind: 'Scale'; readonly to: 'Stopped' | 'Started' }
  | { readonly kind: 'ApplyRules' }
  | { readonly kind: 'DeleteRules' }
  | { readonly kind: 'WaitForRules' }
  | { readonly kind: 'WaitForWorkloads' }
  | { readonly kind: 'Ready' }
  | { readonly kind: 'BlockTermination'; readonly dependents: readonly string[] }
  | { readonly kind: 'Uninstall' }
  | { readonly kind: 'DeleteNamespace' }
  | { readonly kind: 'ReleaseFinalizer'; readonly abandoned: boolean };

const pending = new Set(['pending-install', 'pending-upgrade', 'pending-rollback']);

export function decide(o: AppInstanceObservation): AppInstanceAction {
  if (o.deleting) return decideDeletion(o);
  if (o.suspended) return { kind: 'Nothing', reason: 'Suspended' };
  if (!o.infrastructureSupported) return { kind: 'Unsupported' };
  if (!o.packageDistributed) return { kind: 'WaitForPackage' };
  if (o.missingDependencies.length) return { kind: 'WaitForDependencies', missing: o.missingDependencies };
  if (!o.edgeReachable) return { kind: 'WaitForEdge' };
  const release = o.release;
  if (release.kind === 'Absent') return o.failures > o.maxRetries ? { kind: 'GiveUp' } : { kind: 'Install' };
  if (pending.has(release.status)) return { kind: 'Unlock' };
  if (release.status === 'failed') {
    // Back to the last good revision even when giving up: the app keeps running what worked.
    // A first install that failed has nothing to roll back to.
    if (release.revision > 1 && o.remediation === 'Rollback') return { kind: 'Remediate', how: 'Rollback' };
    if (o.failures > o.maxRetries) return { kind: 'GiveUp' };
    return { kind: 'Remediate', how: 'Uninstall' };
  }
  if (!release.upToDate) return o.failures > o.maxRetries ? { kind: 'GiveUp' } : { kind: 'Upgrade', why: 'SpecChanged' };
  if (o.driftedObjects.length) return { kind: 'Upgrade', why: 'Drift' };
  if ((o.desiredState === 'Stopped') !== o.stopped) return { kind: 'Scale', to: o.desiredState };
  if (o.rules === 'Missing' || o.rules === 'Outdated') return { kind: 'ApplyRules' };
  if (o.rules === 'PresentButUnneeded') return { kind: 'DeleteRules' };
  if (o.rules === 'NotReady') return { kind: 'WaitForRules' };
  if (o.desiredState === 'Started' && !o.workloadsReady) return { kind: 'WaitForWorkloads' };
  return { kind: 'Ready' };
}

function decideDeletion(o: AppInstanceObservation): AppInstanceAction {
  if (o.rules !== 'NotNeeded') return { kind: 'DeleteRules' };
  if (o.dependents.length) return { kind: 'BlockTermination', dependents: o.dependents };
  if (!o.edgeReachable) return o.deletionTimedOut ? { kind: 'ReleaseFinalizer', abandoned: true } : { kind: 'WaitForEdge' };
  if (o.release.kind === 'Present') return { kind: 'Uninstall' };
  if (o.ownNamespaceExists) return { kind: 'DeleteNamespace' };
  return { kind: 'ReleaseFinalizer', abandoned: false };
}
