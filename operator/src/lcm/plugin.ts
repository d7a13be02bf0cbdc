/**
 * The LCM plugin interface (EdgeGallery's "LCM Controller" contract): what an infrastructure
 * plugin must do so the AppInstance controller can instantiate, operate, upgrade and terminate
 * an app on an edge host without knowing how the host runs it. One plugin per
 * `EdgeHost.spec.infrastructure.type`, found through LcmPluginRegistry.
 *
 * Plugins never decide anything: they observe (and wake whoever follows a release when it
 * changes) and act when told, and report failures as
 * LcmError, whose kind is the condition reason and whose `transient` the runtime turns into a
 * requeue decision. Every edge access of the operator besides the EdgeHost probes goes through
 * a plugin. Credentials (kubeconfig, registry password) never appear in an error, log line or
 * return value.
 */
import type { ReasonedError } from '../runtime/reconcile.js';
import type { EdgeIdentity } from '../tenancy/identity.js';

/** The label on what the operator made (edge namespaces, hub Secrets), and its value. */
export const managedBy = { label: 'app.kubernetes.io/managed-by', value: 'mecm-operator' } as const;

/**
 * The label naming the AppInstance (its UID) that a Helm release or an edge namespace was made
 * for: on the release's storage Secrets (a Helm release label) and on the namespace.
 */
export const ownerUidLabel = 'mecm.io/owner-uid';

/** Where a release lives. `kubeconfig` is YAML text; plugins never log it nor put it in errors. */
export interface ReleaseTarget {
  readonly kubeconfig: string;
  readonly releaseName: string;
  readonly namespace: string;
  /**
   * Install only: create the namespace when it is missing, as `ensureNamespace` does. An
   * existing namespace is used as it is.
   */
  readonly createNamespace: boolean;
  /**
   * Whom the release is for (the AppInstance's hub namespace, a tenant): helm slots are shared
   * fairly between owners, so one owner's hung hooks cannot hold them all. Default: `namespace`.
   */
  readonly owner?: string;
  /**
   * The UID of the AppInstance the release is for. Install and upgrade label the release with it
   * (`ownerUidLabel`), a namespace made for it carries it, and upgrade, rollback, uninstall,
   * unlock, scale and adopt refuse a release labelled with another UID (`OwnedByAnother`).
   * Unset (tools, tests): no label is written and none is checked.
   */
  readonly ownerUid?: string;
  /**
   * The tenant's identity on the edge. When set, every change the plugin makes for this target
   * (helm install, upgrade, rollback, uninstall, unlock; scale and adopt patches) is made as
   * that identity, after `ensureIdentity`, so the edge API server refuses what the tenant's
   * grant does not cover (`Forbidden`). Reads, and namespace creation and deletion, use the
   * admin credential; a namespace made for the target is labelled with the tenant.
   * Unset: everything runs with the admin credential (no tenancy).
   */
  readonly identity?: EdgeIdentity;
}

export interface RegistryCredentials {
  readonly username: string;
  readonly password: string;
}

export interface InstallRequest extends ReleaseTarget {
  /** `oci://host[:port]/repository/chart:version`, as the AppPackage controller pushed it. */
  readonly chartRef: string;
  /** Talk plain HTTP to the chart's registry (an `insecure` edge repository). */
  readonly plainHttp: boolean;
  readonly registryCredentials?: RegistryCredentials;
  /** The complete values of the release: an upgrade resets to the chart's defaults plus these. */
  readonly values: Readonly<Record<string, unknown>>;
  /** Bound on the whole operation; past it the operation is stopped and fails with `Timeout`. */
  readonly timeoutMs: number;
}

/** Helm's release states, the words `helm list` prints. */
export const RELEASE_STATES = [
  'unknown', 'deployed', 'uninstalled', 'superseded', 'failed', 'uninstalling',
  'pending-install', 'pending-upgrade', 'pending-rollback',
] as const;
export type ReleaseState = (typeof RELEASE_STATES)[number];

/** The latest revision of a release as the infrastructure records it. */
export interface Release {
  readonly exists: true;
  readonly name: string;
  readonly namespace: string;
  readonly revision: number;
  readonly status: ReleaseState;
  /** Chart name and version of this revision. */
  readonly chart: string;
  readonly chartVersion: string;
  readonly appVersion?: string;
  /** When this revision was deployed (RFC 3339). */
  readonly updated: string;
  /**
   * The owner UID label of this revision (see ReleaseTarget.ownerUid); undefined on a release
   * made before owners were recorded, or by someone other than the operator.
   */
  readonly ownerUid?: string;
}

export interface AbsentRelease {
  readonly exists: false;
}

export type ReleaseStatus = Release | AbsentRelease;

export const Absent: AbsentRelease = Object.freeze({ exists: false });

/**
 * A release whose last operation never finished (the process that ran it died): every further
 * install/upgrade/rollback is refused with `OperationInProgress` until `unlock` recovers it.
 */
export function isLocked(status: ReleaseStatus): boolean {
  return status.exists && (status.status.startsWith('pending-') || status.status === 'uninstalling');
}

export const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet', 'Job'] as const;
export type WorkloadKind = (typeof WORKLOAD_KINDS)[number];

/**
 * Ready: rolled out and every desired replica ready (a Job: completed). Progressing: not yet.
 * Failed: will not get there by itself (Job failed, Deployment past its progress deadline).
 * Missing: in the release but not on the cluster.
 */
export type WorkloadState = 'Ready' | 'Progressing' | 'Failed' | 'Missing';

export interface WorkloadStatus {
  readonly kind: WorkloadKind;
  readonly namespace: string;
  readonly name: string;
  /** Ready replicas (DaemonSet: ready Pods; Job: succeeded completions). */
  readonly ready: number;
  /** Desired replicas (DaemonSet: nodes it should run on; Job: completions). */
  readonly desired: number;
  readonly state: WorkloadState;
}

export interface WorkloadSummary {
  readonly workloads: readonly WorkloadStatus[];
  /** Sums over all workloads. */
  readonly ready: number;
  readonly desired: number;
  /** Every workload is Ready (true when the release has none). */
  readonly allReady: boolean;
}

/** ETSI MEC 010-2 operate: the app's workloads stopped (scaled to zero) or started. */
export type OperateMode = 'Stopped' | 'Started';

/** Kubernetes' Pod phases. */
export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';

/** A Pod of a release's workloads, as the edge reports it. */
export interface ReleasePod {
  readonly name: string;
  readonly phase: PodPhase;
  readonly containers: readonly { readonly name: string; readonly ready: boolean }[];
}

/** A port of a Service; `nodePort` only where the edge allocated one (NodePort, LoadBalancer). */
export interface ReleaseServicePort {
  readonly name?: string;
  readonly protocol: string;
  readonly port: number;
  /** A number or a named container port, as the Service says it. */
  readonly targetPort: string;
  readonly nodePort?: number;
}

/** A Service of a release, as it is on the edge. */
export interface ReleaseService {
  readonly name: string;
  /** ClusterIP, NodePort, LoadBalancer or ExternalName. */
  readonly type: string;
  readonly ports: readonly ReleaseServicePort[];
}

/** What runs for a release on the edge and where it can be reached, sorted by name. */
export interface ReleaseResources {
  readonly pods: readonly ReleasePod[];
  readonly services: readonly ReleaseService[];
}

/** An object of a release, named well enough to find it on the cluster. */
export interface ObjectRef {
  readonly apiVersion: string;
  readonly kind: string;
  /** Absent for cluster-scoped objects. */
  readonly namespace?: string;
  readonly name: string;
}

export interface DriftReport {
  /** Objects of the release that are not on the cluster (deleted by someone). */
  readonly missing: readonly ObjectRef[];
  /** How many objects of the release were checked. */
  readonly checked: number;
}

/**
 * A release's namespace as the plugin sees it. Ours: the operator made it for this owner (its
 * owner UID label), or — made before owners were recorded — for this release (namespaces made
 * before even the release was recorded on them count as ours too); then `otherReleases` names
 * the Helm releases besides this one still in it, a release of this name labelled with another
 * owner's UID among them.
 */
export type NamespaceState =
  | { readonly owner: 'Absent' }
  | { readonly owner: 'Theirs' }
  | { readonly owner: 'Ours'; readonly otherReleases: readonly string[] };

/**
 * What an infrastructure plugin implements. Every method is idempotent and safe to call again
 * after the operator died mid-call; none waits for workloads to become ready (readiness is
 * observed with `workloads`). All failures are LcmError.
 */
export interface LcmPlugin {
  /** The infrastructure type this plugin serves (`EdgeHost.spec.infrastructure.type`). */
  readonly type: string;
  /** The latest revision of the release, or Absent. */
  status(target: ReleaseTarget): Promise<ReleaseStatus>;
  /**
   * Calls `wake` whenever the release of `target` or one of its workloads changes on the
   * infrastructure, until `unfollow(key)`; a later call for `key` replaces the earlier one.
   * Following also lets the plugin answer status, workloads and drift from a watch of the
   * infrastructure instead of asking it each time.
   */
  follow(key: string, target: ReleaseTarget, wake: () => void): Promise<void>;
  unfollow(key: string): void;
  /** Installs a release that does not exist yet; fails with `Conflict` when the name is taken. */
  install(request: InstallRequest): Promise<Release>;
  /** Upgrades an existing release to the chart and values of `request` (values reset, not merged). */
  upgrade(request: InstallRequest): Promise<Release>;
  /** Rolls back to `revision`, or to the previous revision; creates a new revision. */
  rollback(target: ReleaseTarget, revision?: number): Promise<Release>;
  /** Uninstalls the release; an absent release is fine. Leaves the namespace alone. */
  uninstall(target: ReleaseTarget): Promise<void>;
  /**
   * Labels a release made before owners were recorded with `target.ownerUid`, every revision,
   * so that later revisions (upgrade, rollback) keep it. The caller must know the release is its
   * own (its status records it); one labelled with another UID is refused (`OwnedByAnother`).
   */
  adopt(target: ReleaseTarget): Promise<void>;
  /**
   * Recovers a release locked in pending-* (its operation's process died): rolls back to the
   * last revision that was deployed, or uninstalls when none ever was; a release stuck in
   * `uninstalling` is uninstalled. A release that is not locked is returned unchanged. The
   * caller must know that no other process still runs an operation on it.
   */
  unlock(target: ReleaseTarget): Promise<ReleaseStatus>;
  /** Readiness of the release's Deployments, StatefulSets, DaemonSets and Jobs. */
  workloads(target: ReleaseTarget): Promise<WorkloadSummary>;
  /** Stops (scales to zero, remembering the replicas) or starts (restores them) the release's workloads. */
  scale(target: ReleaseTarget, mode: OperateMode): Promise<void>;
  /** Objects of the release that are missing on the cluster. */
  drift(target: ReleaseTarget): Promise<DriftReport>;
  /**
   * The Pods the release's workloads run and the release's Services as they are on the edge
   * (with the node ports the edge allocated), read with the admin credential. For status pages
   * (North's instance status): nothing here is decided on. ReleaseNotFound for an absent release.
   */
  resources(target: ReleaseTarget): Promise<ReleaseResources>;
  /**
   * Makes the release's namespace when it is missing, marked as made for this release and owner:
   * 'Created' now, 'Ours' made earlier for it (for a target with an owner UID: labelled with that
   * UID), 'Theirs' someone else's (left as it is).
   */
  ensureNamespace(target: ReleaseTarget): Promise<'Created' | 'Ours' | 'Theirs'>;
  /** Whether the namespace exists and is ours (see NamespaceState); a refusal is an error, never Absent. */
  namespaceState(target: ReleaseTarget): Promise<NamespaceState>;
  /**
   * Deletes the namespace, with whatever is left in it, only when it is ours and no other
   * release is in it: 'Deleted' (or being deleted), 'Kept' otherwise, 'Absent' when gone.
   */
  deleteNamespace(target: ReleaseTarget): Promise<'Deleted' | 'Kept' | 'Absent'>;
  /**
   * With the admin credential, makes the edge hold exactly the grant of `target.identity` that
   * this target needs: its ServiceAccount (and namespace), its RoleBinding to `admin` in the
   * target's namespace when that namespace exists, and its ClusterRoleBinding to
   * `cluster-admin` when the identity is cluster-scoped — removed when it is not. Only reads
   * when all is in place; after a change, waits until the edge API server honours it. Returns
   * what it changed (empty: nothing). Refuses (`Forbidden`) a target namespace labelled for
   * another tenant. A target without identity needs nothing. Every change the plugin makes as
   * the identity ensures it first, so a caller needs it only to apply a changed grant at once.
   */
  ensureIdentity(target: ReleaseTarget): Promise<readonly string[]>;
}

/** Why an LCM operation failed: the condition reason of the failure. */
export const LCM_ERROR_KINDS = [
  /** The chart (or that version of it) is not in the registry. */
  'ChartNotFound',
  /** The chart's registry did not answer. */
  'RegistryUnreachable',
  /** The edge cluster did not answer, or its kubeconfig cannot be used. */
  'ClusterUnreachable',
  /** The cluster or the registry refused the credentials. */
  'Unauthorized',
  /**
   * The edge refused the tenant's identity (ReleaseTarget.identity): the chart or operation
   * reaches beyond the tenant's grant (cluster-scoped objects, other namespaces).
   */
  'Forbidden',
  /** The release is locked by an unfinished operation (see LcmPlugin.unlock), or one runs now. */
  'OperationInProgress',
  /** The chart cannot be rendered with these values, or the cluster refused what it rendered. */
  'InvalidValues',
  /** What the release would create collides with what exists: a taken release name, objects owned by another release, an allocated nodePort. */
  'Conflict',
  /** The release does not exist (upgrade, rollback) or that revision does not. */
  'ReleaseNotFound',
  /** The release is labelled as another AppInstance's (ReleaseTarget.ownerUid): it is left alone. */
  'OwnedByAnother',
  /** The operation did not finish in time and was stopped. */
  'Timeout',
  /** Anything else. */
  'Failed',
] as const;
export type LcmErrorKind = (typeof LCM_ERROR_KINDS)[number];

/** Kinds that may pass on a retry without anyone changing anything. */
const transientKinds: ReadonlySet<LcmErrorKind> = new Set<LcmErrorKind>(
  ['RegistryUnreachable', 'ClusterUnreachable', 'OperationInProgress', 'Timeout', 'Failed']);

/**
 * A failed LCM operation. `message` says what happened and, where it can, what to do; it
 * never holds a kubeconfig, token, key or password.
 */
export class LcmError extends Error implements ReasonedError {
  constructor(readonly kind: LcmErrorKind, message: string) {
    super(message);
    this.name = 'LcmError';
  }

  /** The condition reason: the kind itself. */
  get reason(): LcmErrorKind {
    return this.kind;
  }

  /** A retry with backoff may succeed without a change of spec. */
  get transient(): boolean {
    return transientKinds.has(this.kind);
  }
}
