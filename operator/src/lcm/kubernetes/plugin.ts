/**
 * The Kubernetes LCM plugin: apps as Helm releases on the edge cluster, driven by the real
 * helm client (helm.ts) with the host's kubeconfig; readiness, operate, drift, the release's
 * Pods and Services (resources.ts) and the release namespace (namespace.ts) go through the edge
 * API, on the operator's one EdgeClients cache.
 *
 * Within one operator process, operations that change a release (install, upgrade, rollback,
 * uninstall, unlock, adopt) are serialised per release: a second one while the first runs fails
 * at once with OperationInProgress instead of racing helm's own lock. Reads are never blocked.
 *
 * Ownership (ownership.ts): install and upgrade label the release with `target.ownerUid`;
 * status reports the label; every other change (upgrade, rollback, uninstall, unlock, scale,
 * adopt) first refuses a release labelled with another UID, whatever the caller decided.
 *
 * Tenancy (grant.ts): for a target with an identity, every change (helm install, upgrade,
 * rollback, uninstall, unlock; scale and adopt patches) first ensures the tenant's grant on the
 * edge with the admin credential, then runs as the identity, so the edge refuses what the grant
 * does not cover (Forbidden). Reads, the owner checks and namespaces stay with the admin.
 */
import type { KubeClient, KubeClientOptions } from '../../runtime/kube/client.js';
import {
  Absent, isLocked, LcmError,
  type DriftReport, type InstallRequest, type LcmPlugin, type NamespaceState, type OperateMode, type Release,
  type ReleaseResources, type ReleaseStatus, type ReleaseTarget, type WorkloadSummary,
} from '../plugin.js';
import { findDrift } from './drift.js';
import { EdgeClients } from '../../edge/clients.js';
import { lcmErrorOf } from './edge-api.js';
import { Helm } from './helm.js';
import { parseManifest, workloadsOf, type ManifestObject } from './manifest.js';
import { ensureGrant } from './grant.js';
import { deleteNamespace, ensureNamespace, namespaceState } from './namespace.js';
import { adoptRelease, refuseAnothers, revisionOwner } from './ownership.js';
import { readResources } from './resources.js';
import { scaleWorkloads } from './scale.js';
import { readWorkloads } from './workloads.js';

export interface KubernetesPluginOptions {
  /** Path of the helm binary. */
  readonly helmBinary: string;
  /** Most helm processes at once (default 8). */
  readonly maxConcurrentHelm?: number;
  /** Most helm processes at once for one owner (ReleaseTarget.owner; default half of maxConcurrentHelm). */
  readonly maxConcurrentHelmPerOwner?: number;
  /** Timeout of reads: helm get/history and API requests (default 30 s). */
  readonly readTimeoutMs?: number;
  /** Timeout of rollback, uninstall and unlock (default 5 min). */
  readonly operationTimeoutMs?: number;
  /** Revisions helm keeps per release (default 10). */
  readonly historyMax?: number;
  /** After SIGTERM at a deadline, how long helm gets before SIGKILL (default 10 s). */
  readonly killGraceMs?: number;
  /**
   * Where helm's per-call scratch folders (kubeconfig, values, helm homes) go; default the OS
   * temp folder. With a read-only root filesystem, mount an emptyDir (medium Memory keeps
   * kubeconfigs off disk) and point this or TMPDIR at it.
   */
  readonly scratchDir?: string;
  /** The operator's shared edge API clients; without it the plugin makes (and closes) its own. */
  readonly clients?: EdgeClients;
  /** Options of the plugin's own edge API clients, when `clients` is not given. */
  readonly kubeClient?: Omit<KubeClientOptions, 'name' | 'timeoutMs'>;
  /** How long a grant just made (or withdrawn) may take to be honoured by an edge (default 10 s). */
  readonly grantSettleTimeoutMs?: number;
}

export class KubernetesPlugin implements LcmPlugin {
  readonly type = 'kubernetes';
  private readonly helm: Helm;
  private readonly clients: EdgeClients;
  private readonly ownsClients: boolean;
  private readonly busy = new Set<string>();
  private readonly operationTimeoutMs: number;
  private readonly grantSettleTimeoutMs: number;

  constructor(options: KubernetesPluginOptions) {
    this.ownsClients = !options.clients;
    this.clients = options.clients ?? new EdgeClients({ ...options.kubeClient, timeoutMs: options.readTimeoutMs ?? 30_000 });
    const clients = this.clients;
    this.helm = new Helm({
      binary: options.helmBinary, maxConcurrent: options.maxConcurrentHelm, maxPerOwner: options.maxConcurrentHelmPerOwner,
      readTimeoutMs: options.readTimeoutMs, historyMax: options.historyMax, killGraceMs: options.killGraceMs, scratchRoot: options.scratchDir,
      sanitizeKubeconfig: (kubeconfig) => clients.sanitized(kubeconfig),
    });
    this.operationTimeoutMs = options.operationTimeoutMs ?? 300_000;
    this.grantSettleTimeoutMs = options.grantSettleTimeoutMs ?? 10_000;
  }

  async status(target: ReleaseTarget): Promise<ReleaseStatus> {
    const status = await this.helm.status(target);
    if (!status.exists) return status;
    const ownerUid = await this.onEdge(target, `Reading the owner of release ${name(target)}`, (client) => revisionOwner(client, target, status.revision));
    return ownerUid ? { ...status, ownerUid } : status;
  }

  install(request: InstallRequest): Promise<Release> {
    return this.exclusive(request, 'install', async () => {
      if (request.createNamespace) await this.ensureNamespace(request);
      await this.ensureIdentity(request);
      return this.helm.install(request);
    });
  }

  upgrade(request: InstallRequest): Promise<Release> {
    return this.exclusive(request, 'upgrade', async () => {
      await this.refuseAnothers(request, 'upgrade');
      await this.ensureIdentity(request);
      return this.helm.upgrade(request);
    });
  }

  rollback(target: ReleaseTarget, revision?: number): Promise<Release> {
    return this.exclusive(target, 'rollback', async () => {
      await this.refuseAnothers(target, 'roll back');
      await this.ensureIdentity(target);
      await this.helm.rollback(target, this.operationTimeoutMs, revision);
      return this.present(target, 'rollback');
    });
  }

  uninstall(target: ReleaseTarget): Promise<void> {
    return this.exclusive(target, 'uninstall', async () => {
      await this.refuseAnothers(target, 'uninstall');
      await this.ensureIdentity(target);
      await this.helm.uninstall(target, this.operationTimeoutMs);
    });
  }

  adopt(target: ReleaseTarget): Promise<void> {
    return this.exclusive(target, 'adopt', async () => {
      await this.ensureIdentity(target);
      await this.onEdge(target, `Adopting release ${name(target)}`, (client) => adoptRelease(client, target), 'identity');
    });
  }

  unlock(target: ReleaseTarget): Promise<ReleaseStatus> {
    return this.exclusive(target, 'unlock', async () => {
      await this.refuseAnothers(target, 'unlock');
      const status = await this.status(target);
      if (!status.exists || !isLocked(status)) return status;
      await this.ensureIdentity(target);
      if (status.status !== 'uninstalling') {
        // Helm leaves the revision that was live as `deployed` until the new one succeeds.
        const history = await this.helm.history(target);
        const live = history.filter((h) => h.status === 'deployed' && h.revision < status.revision).at(-1);
        if (live) {
          await this.helm.rollback(target, this.operationTimeoutMs, live.revision);
          return this.present(target, 'unlock');
        }
      }
      await this.helm.uninstall(target, this.operationTimeoutMs);
      return Absent;
    });
  }

  async workloads(target: ReleaseTarget): Promise<WorkloadSummary> {
    const objects = await this.objects(target);
    return this.onEdge(target, `Reading the workloads of release ${name(target)}`,
      (client) => readWorkloads(client, workloadsOf(objects)));
  }

  async scale(target: ReleaseTarget, mode: OperateMode): Promise<void> {
    await this.refuseAnothers(target, 'scale');
    await this.ensureIdentity(target);
    const objects = await this.objects(target);
    await this.onEdge(target, `Setting release ${name(target)} ${mode}`,
      (client) => scaleWorkloads(client, workloadsOf(objects), mode), 'identity');
  }

  async drift(target: ReleaseTarget): Promise<DriftReport> {
    const objects = await this.objects(target);
    return this.onEdge(target, `Checking release ${name(target)} for drift`, (client) => findDrift(client, objects));
  }

  async resources(target: ReleaseTarget): Promise<ReleaseResources> {
    const objects = await this.objects(target);
    return this.onEdge(target, `Reading the Pods and Services of release ${name(target)}`, (client) => readResources(client, objects));
  }

  ensureNamespace(target: ReleaseTarget): Promise<'Created' | 'Ours' | 'Theirs'> {
    return this.onEdge(target, `Creating namespace ${target.namespace} for release ${target.releaseName}`, (client) => ensureNamespace(client, target));
  }

  namespaceState(target: ReleaseTarget): Promise<NamespaceState> {
    return this.onEdge(target, `Reading namespace ${target.namespace}`, (client) => namespaceState(client, target));
  }

  deleteNamespace(target: ReleaseTarget): Promise<'Deleted' | 'Kept' | 'Absent'> {
    return this.onEdge(target, `Deleting namespace ${target.namespace}`, (client) => deleteNamespace(client, target));
  }

  async ensureIdentity(target: ReleaseTarget): Promise<readonly string[]> {
    const identity = target.identity;
    if (!identity) return [];
    const asIdentity = await this.client(target, 'identity', `Granting tenant ${identity.tenant} namespace ${target.namespace}`);
    return this.onEdge(target, `Granting tenant ${identity.tenant} namespace ${target.namespace}`,
      (admin) => ensureGrant(admin, asIdentity, identity, target.namespace, { settleTimeoutMs: this.grantSettleTimeoutMs }));
  }

  /** Stops helm processes still running (SIGTERM: helm marks their releases failed) and closes clients. */
  async close(): Promise<void> {
    if (this.ownsClients) this.clients.close();
    await this.helm.close();
  }

  private async objects(target: ReleaseTarget): Promise<ManifestObject[]> {
    return parseManifest(await this.helm.manifest(target), target.namespace);
  }

  /** Throws OwnedByAnother when the release is labelled with another owner than the target's. */
  private refuseAnothers(target: ReleaseTarget, verb: string): Promise<void> {
    return this.onEdge(target, `Reading the owner of release ${name(target)}`, (client) => refuseAnothers(client, target, verb));
  }

  private async present(target: ReleaseTarget, verb: string): Promise<Release> {
    const status = await this.status(target);
    if (!status.exists) throw new LcmError('ReleaseNotFound', `Release ${name(target)} is gone after ${verb}.`);
    return status;
  }

  /**
   * Runs `use` with the edge client of `target`: the admin's, or (`as` identity) the one that
   * impersonates the target's identity when it has one. Failures become LcmError.
   */
  private async onEdge<T>(target: ReleaseTarget, what: string, use: (client: KubeClient) => Promise<T>, as: Acting = 'admin'): Promise<T> {
    const client = await this.client(target, as, what);
    try {
      return await use(client);
    } catch (error) {
      throw lcmErrorOf(error, what, target.identity);
    }
  }

  private async client(target: ReleaseTarget, as: Acting, what: string): Promise<KubeClient> {
    const impersonate = as === 'identity' ? target.identity : undefined;
    try {
      return await this.clients.get(target.kubeconfig, impersonate ? { impersonate } : {});
    } catch (error) {
      throw lcmErrorOf(error, what);
    }
  }

  private async exclusive<T>(target: ReleaseTarget, verb: string, run: () => Promise<T>): Promise<T> {
    const client = await this.client(target, 'admin', `Cannot ${verb} release ${name(target)}`);
    const key = `${client.host}/${target.namespace}/${target.releaseName}`;
    if (this.busy.has(key)) {
      throw new LcmError('OperationInProgress', `Cannot ${verb} release ${name(target)}: another operation on it is running in this operator; retry when it ends.`);
    }
    this.busy.add(key);
    try {
      return await run();
    } finally {
      this.busy.delete(key);
    }
  }
}

const name = (t: ReleaseTarget) => `${t.namespace}/${t.releaseName}`;

/** Whose credential an edge call uses: the admin kubeconfig's, or the target's identity (when it has one). */
type Acting = 'admin' | 'identity';
