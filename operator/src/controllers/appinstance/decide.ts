/**
 * The AppInstance workflow as a pure function: observed state in, the one next step out, each
 * step carrying what it needs to run. The state lives in the world (the Helm release on the
 * edge, the AppRule on the hub) and in `.status`, so a restart anywhere picks up where things
 * were.
 *
 *   create ─► AddFinalizer ─► AssignId ─► WaitForPackage ─► WaitForDependencies
 *         ─► EnsureCredentials ─► Install ─► (Remediate ↺) ─► Upgrade?
 *         ─► Scale (Stopped/Started) ─► Repair drift ─► ApplyRules ─► WaitForRules ─► Ready
 *
 *   delete ─► DeleteRules ─► (Blocked while others depend on us) ─► Uninstall
 *          ─► DeleteNamespace (ours, nothing else left in it) ─► ReleaseFinalizer
 *
 *   Not permitted by the namespace's Tenant (host, edge namespace, spec.limits.appInstances):
 *   NotPermitted (Stalled) before anything else, the edge not even read; a release installed
 *   while it was permitted stays. Deleted, it uninstalls what it installed (status.release);
 *   one that never acted on the edge lets its finalizer go without asking the edge.
 *
 *   A release that is another instance's (ownership.ts) is never touched: OwnedByAnother
 *   (Stalled) instead of Unlock/Upgrade/Remediate/Scale, and on delete the finalizer goes
 *   without Uninstall or DeleteNamespace. One made before owners were recorded is adopted
 *   (labelled) first by the instance whose status records it.
 */
import type { AppRuleSpec } from '../../api/apprule.js';
import type { LcmPlugin, ReleaseState, ReleaseTarget } from '../../lcm/plugin.js';
import type { Verdict } from '../../tenancy/verdict.js';
import type { Values } from './values.js';

/** The plugin of the host's infrastructure and where the release lives. */
export interface EdgeAccess {
  readonly plugin: LcmPlugin;
  readonly target: ReleaseTarget;
}

/** What the release should be: the chart in the host's repository and the complete values. */
export interface DesiredRelease {
  readonly chartRef: string;
  /** The host's repository talks plain HTTP. */
  readonly plainHttp: boolean;
  readonly values: Values;
  /** Digest of chartRef and values; equal to status.release.appliedDigest when nothing changed. */
  readonly digest: string;
  readonly timeoutMs: number;
  /** spec.createNamespace: make the namespace when it is missing. */
  readonly createNamespace: boolean;
  /** The AppRule spec the instance owns; undefined when the app needs nothing from the MEP. */
  readonly rules: AppRuleSpec | undefined;
  /** APPD rules that cannot be applied and that the spec does not replace: "appTrafficRule[1] "r2": why". */
  readonly rulesLeftOut: readonly string[];
}

export type DesiredObservation =
  /** The package is not (yet) in this host's repository, or the host does not exist. */
  | { readonly kind: 'NoPackage'; readonly message: string }
  /** The AK/SK Secret the values refer to does not exist yet. */
  | { readonly kind: 'NoCredentials' }
  /** A valuesFrom source is missing (it may appear) or not a YAML map we accept (a person must fix it). */
  | { readonly kind: 'BadValues'; readonly reason: 'ValuesNotFound' | 'ValuesInvalid'; readonly message: string }
  | { readonly kind: 'Known'; readonly release: DesiredRelease };

export type EdgeObservation =
  /** No plugin, host or kubeconfig, or the cluster does not answer. */
  | { readonly kind: 'Unreachable' }
  /** The host's kubeconfig Secret is outside the operator's namespace: not read. */
  | { readonly kind: 'KubeconfigRefused'; readonly message: string }
  /** Not looked at: the instance is new and has setup steps first. */
  | { readonly kind: 'NotObserved' }
  /** Not looked at: the Tenant does not permit the instance, and it never acted on the edge. */
  | { readonly kind: 'NotPermitted'; readonly message: string }
  | { readonly kind: 'Reachable'; readonly access: EdgeAccess };

/** Whose the release on the edge is (see ownership.ts). */
export type ReleaseOwner =
  /** Labelled with this instance's UID. */
  | { readonly kind: 'Ours' }
  /** Not labelled (made before owners were recorded), and this instance's status records it. */
  | { readonly kind: 'Adoptable' }
  /** Labelled with another instance's UID, or not labelled and not recorded by this instance (`uid` unknown). */
  | { readonly kind: 'Another'; readonly uid: string | undefined };

export type ReleaseObservation =
  | { readonly kind: 'Absent' }
  | {
      readonly kind: 'Present';
      readonly status: ReleaseState;
      readonly revision: number;
      /** Chart and user values are what the spec asks for now. */
      readonly upToDate: boolean;
      readonly owner: ReleaseOwner;
    };

/** Another instance's release that the spec names: `namespace/name`, and its owner's UID when it is labelled. */
export interface ForeignRelease {
  readonly release: string;
  readonly ownerUid: string | undefined;
}

/** The owned AppRule against the desired rules. */
export type RulesObservation =
  | { readonly kind: 'NotNeeded' | 'Ready' | 'PresentButUnneeded' }
  | { readonly kind: 'Missing' | 'Outdated'; readonly spec: AppRuleSpec }
  /** Written, but the MEP does not hold it (yet): the AppRule's Ready reason and message. */
  | { readonly kind: 'NotReady'; readonly reason?: string; readonly message?: string };

/** The release namespace, looked at while deleting only. */
export type NamespaceObservation =
  /** Absent, someone else's, or not made for this instance. */
  | { readonly kind: 'NotOurs' }
  /** Made for this instance, but another owner's release is left in it. */
  | { readonly kind: 'OursShared'; readonly releases: readonly string[] }
  /** Made for this instance and nothing else is in it. */
  | { readonly kind: 'OursUnused' };

export type InfrastructureObservation =
  | { readonly kind: 'Supported' }
  | { readonly kind: 'Unsupported'; readonly message: string };

export interface AppInstanceObservation {
  readonly deleting: boolean;
  readonly hasFinalizer: boolean;
  readonly appInstanceId: string | undefined;
  readonly suspended: boolean;
  /** Whether the namespace's Tenant lets the instance use its host and edge namespace (and its count limit). */
  readonly permission: Verdict;
  readonly infrastructure: InfrastructureObservation;
  readonly desired: DesiredObservation;
  /** Required services not provided by a Ready instance on the same host. */
  readonly missingDependencies: readonly string[];
  /** Other instances on the host that require a service this one produces. */
  readonly dependents: readonly string[];
  readonly edge: EdgeObservation;
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
  readonly namespace: NamespaceObservation;
  readonly workloadsReady: boolean;
  /** spec.rules.allowIncomplete: Ready even with APPD rules left out. */
  readonly allowIncompleteRules: boolean;
  /** Deletion has waited longer than it may for an edge that does not answer. */
  readonly deletionTimedOut: boolean;
}

export type AppInstanceAction =
  | { readonly kind: 'Nothing'; readonly reason: 'Suspended' }
  /** The Tenant refuses the instance (`what: 'Instance'`) or its rules (`'Rules'`, told by the owned AppRule). */
  | { readonly kind: 'NotPermitted'; readonly what: 'Instance' | 'Rules'; readonly message: string }
  | { readonly kind: 'AddFinalizer' }
  | { readonly kind: 'AssignId' }
  | { readonly kind: 'EnsureCredentials' }
  | { readonly kind: 'WaitForPackage'; readonly message: string }
  | { readonly kind: 'BadValues'; readonly reason: 'ValuesNotFound' | 'ValuesInvalid'; readonly message: string }
  | { readonly kind: 'RulesIncomplete'; readonly leftOut: readonly string[] }
  | { readonly kind: 'Unsupported'; readonly message: string }
  | { readonly kind: 'KubeconfigRefused'; readonly message: string }
  | { readonly kind: 'WaitForDependencies'; readonly missing: readonly string[] }
  | { readonly kind: 'WaitForEdge' }
  | { readonly kind: 'OwnedByAnother'; readonly foreign: ForeignRelease }
  | { readonly kind: 'Adopt'; readonly access: EdgeAccess }
  | { readonly kind: 'Unlock'; readonly access: EdgeAccess; readonly status: ReleaseState }
  | { readonly kind: 'Install'; readonly access: EdgeAccess; readonly desired: DesiredRelease }
  | { readonly kind: 'Upgrade'; readonly why: 'SpecChanged' | 'Drift'; readonly access: EdgeAccess; readonly desired: DesiredRelease }
  | { readonly kind: 'Remediate'; readonly how: 'Rollback' | 'Uninstall'; readonly access: EdgeAccess }
  | { readonly kind: 'GiveUp' }
  | { readonly kind: 'Scale'; readonly to: 'Stopped' | 'Started'; readonly access: EdgeAccess }
  | { readonly kind: 'ApplyRules'; readonly spec: AppRuleSpec }
  | { readonly kind: 'DeleteRules' }
  | { readonly kind: 'WaitForRules'; readonly reason?: string; readonly message?: string }
  | { readonly kind: 'WaitForWorkloads'; readonly hasRules: boolean }
  | { readonly kind: 'Ready'; readonly hasRules: boolean }
  | { readonly kind: 'BlockTermination'; readonly dependents: readonly string[] }
  | { readonly kind: 'Uninstall'; readonly access: EdgeAccess }
  | { readonly kind: 'DeleteNamespace'; readonly access: EdgeAccess }
  /**
   * `keptNamespace`: other releases that keep our namespace alive; `leftToOwner`: the release was
   * another's, untouched; `notPermitted`: the edge was not asked (the instance never acted on it).
   */
  | {
      readonly kind: 'ReleaseFinalizer'; readonly abandoned: boolean; readonly keptNamespace: readonly string[];
      readonly leftToOwner?: ForeignRelease; readonly notPermitted?: string;
    };

const pending = new Set<ReleaseState>(['pending-install', 'pending-upgrade', 'pending-rollback']);

export function decide(o: AppInstanceObservation): AppInstanceAction {
  if (o.deleting) return decideDeletion(o);
  // Before anything that writes, on the hub or the edge: a refused instance changes nothing.
  if (!o.permission.ok) return { kind: 'NotPermitted', what: 'Instance', message: o.permission.message };
  if (!o.hasFinalizer) return { kind: 'AddFinalizer' };
  // The id the MEP and the chart know the app by: fixed once, before anything uses it.
  if (!o.appInstanceId) return { kind: 'AssignId' };
  if (o.suspended) return { kind: 'Nothing', reason: 'Suspended' };
  if (o.infrastructure.kind === 'Unsupported') return { kind: 'Unsupported', message: o.infrastructure.message };
  const desired = o.desired;
  if (desired.kind === 'NoPackage') return { kind: 'WaitForPackage', message: desired.message };
  if (o.missingDependencies.length) return { kind: 'WaitForDependencies', missing: o.missingDependencies };
  if (desired.kind === 'NoCredentials') return { kind: 'EnsureCredentials' };
  if (desired.kind === 'BadValues') return { kind: 'BadValues', reason: desired.reason, message: desired.message };
  const edge = o.edge;
  if (edge.kind === 'KubeconfigRefused') return { kind: 'KubeconfigRefused', message: edge.message };
  if (edge.kind !== 'Reachable') return { kind: 'WaitForEdge' };
  const { access } = edge;
  const release = o.release;
  const want = desired.release;
  if (release.kind === 'Absent') return o.failures > o.maxRetries ? { kind: 'GiveUp' } : { kind: 'Install', access, desired: want };
  // Nothing below may touch another instance's release; one made before owners were recorded is labelled first.
  if (release.owner.kind === 'Another') return { kind: 'OwnedByAnother', foreign: foreign(access, release.owner) };
  if (release.owner.kind === 'Adoptable') return { kind: 'Adopt', access };
  if (pending.has(release.status)) return { kind: 'Unlock', access, status: release.status };
  if (release.status === 'failed') {
    // Back to the last good revision even when giving up: the app keeps running what worked.
    // A first install that failed has nothing to roll back to.
    if (release.revision > 1 && o.remediation === 'Rollback') return { kind: 'Remediate', how: 'Rollback', access };
    if (o.failures > o.maxRetries) return { kind: 'GiveUp' };
    return { kind: 'Remediate', how: 'Uninstall', access };
  }
  if (!release.upToDate) return o.failures > o.maxRetries ? { kind: 'GiveUp' } : { kind: 'Upgrade', why: 'SpecChanged', access, desired: want };
  if (o.driftedObjects.length) return { kind: 'Upgrade', why: 'Drift', access, desired: want };
  if ((o.desiredState === 'Stopped') !== o.stopped) return { kind: 'Scale', to: o.desiredState, access };
  const rules = o.rules;
  if (rules.kind === 'Missing' || rules.kind === 'Outdated') return { kind: 'ApplyRules', spec: rules.spec };
  if (rules.kind === 'PresentButUnneeded') return { kind: 'DeleteRules' };
  // The AppRule's refusal is the instance's: waiting would not end it, the grant or the rules must change.
  if (rules.kind === 'NotReady' && rules.reason === 'NotPermitted') return { kind: 'NotPermitted', what: 'Rules', message: rules.message ?? 'The AppRule is not permitted.' };
  if (rules.kind === 'NotReady') return { kind: 'WaitForRules', reason: rules.reason, message: rules.message };
  const hasRules = want.rules !== undefined;
  if (o.desiredState === 'Started' && !o.workloadsReady) return { kind: 'WaitForWorkloads', hasRules };
  // Fewer rules at the MEP than the APPD declares is not Ready unless the spec says it may be.
  if (want.rulesLeftOut.length && !o.allowIncompleteRules) return { kind: 'RulesIncomplete', leftOut: want.rulesLeftOut };
  return { kind: 'Ready', hasRules };
}

function decideDeletion(o: AppInstanceObservation): AppInstanceAction {
  if (o.rules.kind !== 'NotNeeded') return { kind: 'DeleteRules' };
  const edge = o.edge;
  // Never acted on the edge, so nothing there is ours and no one can depend on it.
  if (edge.kind === 'NotPermitted') return { kind: 'ReleaseFinalizer', abandoned: false, keptNamespace: [], notPermitted: edge.message };
  if (o.dependents.length) return { kind: 'BlockTermination', dependents: o.dependents };
  if (edge.kind !== 'Reachable') return o.deletionTimedOut ? { kind: 'ReleaseFinalizer', abandoned: true, keptNamespace: [] } : { kind: 'WaitForEdge' };
  if (o.release.kind === 'Present') {
    // Another instance's release, and so its namespace, stay as they are: only our finalizer goes.
    if (o.release.owner.kind === 'Another') {
      return { kind: 'ReleaseFinalizer', abandoned: false, keptNamespace: [], leftToOwner: foreign(edge.access, o.release.owner) };
    }
    return { kind: 'Uninstall', access: edge.access };
  }
  if (o.namespace.kind === 'OursUnused') return { kind: 'DeleteNamespace', access: edge.access };
  return { kind: 'ReleaseFinalizer', abandoned: false, keptNamespace: o.namespace.kind === 'OursShared' ? o.namespace.releases : [] };
}

function foreign({ target }: EdgeAccess, owner: Extract<ReleaseOwner, { kind: 'Another' }>): ForeignRelease {
  return { release: `${target.namespace}/${target.releaseName}`, ownerUid: owner.uid };
}
