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
import { coreTypes } from '../../runtime/kube/resource.js';
import type { Logger } from '../../runtime/logger.js';
import {
  Absent, isLocked, LcmError,
  type DriftReport, type InstallRequest, type LcmPlugin, type NamespaceState, type OperateMode, type Release,
  type ReleaseResources, type ReleaseStatus, type ReleaseTarget, type WorkloadSummary,
} from '../plugin.js';
import { findDrift } from './drift.js';
import { EdgeClients } from '../../edge/clients.js';
import { EdgeCaches, type EdgeCache } from './edge-cache.js';
import { getIfExists, lcmErrorOf } from './edge-api.js';
import { Helm } from './helm.js';
import { workloadsOf, type ManifestObject } from './manifest.js';
import { ensureGrant } from './grant.js';
import { deleteNamespace, ensureNamespace, namespaceState } from './namespace.js';
import { adoptRelease, listReleaseSecrets, refuseAnothers } from './ownership.js';
import { decodeRelease, latestRevision, type StoredRelease, type StoredRevision } from './release-storage.js';
import { readResources } from './resources.js';
import { scaleWorkloads } from './scale.js';
import { readWorkloads } from './workloads.js';

export interface KubernetesPluginOptions {
  /** Path of the helm binary. */
  readonly helmBinary: string;
  /** Most helm processes at once (default 8). */
  readonly maxConcurrentHelm?: number;
  /** Most helm processes at once for one owner (ReleaseTarget.owner; default all but a quarter of maxConcurrentHelm). */
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
  /** Where the edge caches' watches report failures (default: nowhere). */
  readonly log?: Logger;
}

/** Revisions whose decoded body is kept (one per release, the latest read). */
const maxKeptBodies = 8192;

export class KubernetesPlugin implements LcmPlugin {
  readonly type = 'kubernetes';
  private readonly helm: Helm;
  private readonly clients: EdgeClients;
  private readonly ownsClients: boolean;
  private readonly busy = new Set<string>();
  private readonly operationTimeoutMs: number;
  private readonly grantSettleTimeoutMs: number;
  private readonly caches: EdgeCaches;
  /** The latest revision read of each release, decoded, by `<edge>/<namespace>/<release>`; Map order is LRU order. */
  private readonly bodies = new Map<string, { readonly resourceVersion: string; readonly secretName: string; readonly stored: StoredRelease }>();

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
    this.caches = new EdgeCaches(options.log ?? quiet);
  }

  /** Helm's record of the latest revision, read from its storage Secret (no helm process). */
  async status(target: ReleaseTarget): Promise<ReleaseStatus> {
    return (await this.latest(target))?.release ?? Absent;
  }

  async follow(key: string, target: ReleaseTarget, wake: () => void): Promise<void> {
    const client = await this.client(target, 'admin', `Following release ${name(target)}`);
    this.caches.follow(key, client, target.namespace, target.releaseName, wake);
  }

  unfollow(key: string): void {
    this.caches.unfollow(key);
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
      const status = (await this.latest(target, 'fresh'))?.release ?? Absent;
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
      (client) => readWorkloads(client, workloadsOf(objects), this.caches.of(client)));
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
    return this.onEdge(target, `Checking release ${name(target)} for drift`, (client) => findDrift(client, objects, this.caches.of(client)));
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
    await this.caches.close();
    if (this.ownsClients) this.clients.close();
    await this.helm.close();
  }

  /** The objects of the latest revision's manifest; ReleaseNotFound when there is none. */
  private async objects(target: ReleaseTarget): Promise<readonly ManifestObject[]> {
    const latest = await this.latest(target);
    if (!latest) throw new LcmError('ReleaseNotFound', `Release ${name(target)} does not exist.`);
    return latest.objects;
  }

  /**
   * The latest revision of the release, decoded: which one it is from the edge cache when that
   * can be trusted (or `fresh` is asked), else from the API; its body from the API once per
   * revision. Undefined when the release has no revision.
   */
  private async latest(target: ReleaseTarget, fresh?: 'fresh'): Promise<StoredRelease | undefined> {
    return this.onEdge(target, `Reading release ${name(target)}`, async (client) => {
      const cached = fresh ? undefined : this.caches.of(client)?.revisions(target.namespace, target.releaseName);
      const revision = latestRevision(cached ?? (await listReleaseSecrets(client, target)).items);
      return revision ? this.body(client, target, revision) : undefined;
    });
  }

  private async body(client: KubeClient, target: ReleaseTarget, revision: StoredRevision): Promise<StoredRelease> {
    const key = `${client.host}/${target.namespace}/${target.releaseName}`;
    const kept = this.bodies.get(key);
    this.bodies.delete(key);
    if (kept?.resourceVersion === revision.resourceVersion && kept.secretName === revision.secretName) {
      this.bodies.set(key, kept);
      return kept.stored;
    }
    const secret = await getIfExists<{ metadata: object; data?: Record<string, string> }>(client, coreTypes.secret, revision.secretName, target.namespace);
    if (!secret) throw new LcmError('Failed', `Release ${name(target)} changed while it was read (revision ${revision.revision} is gone); it is read again.`);
    const stored = decodeRelease(secret.data?.release, revision, target.namespace);
    this.bodies.set(key, { resourceVersion: revision.resourceVersion, secretName: revision.secretName, stored });
    if (this.bodies.size > maxKeptBodies) this.bodies.delete(this.bodies.keys().next().value!);
    return stored;
  }

  /** Throws OwnedByAnother when the release is labelled with another owner than the target's. */
  private refuseAnothers(target: ReleaseTarget, verb: string): Promise<void> {
    return this.onEdge(target, `Reading the owner of release ${name(target)}`, (client) => refuseAnothers(client, target, verb));
  }

  private async present(target: ReleaseTarget, verb: string): Promise<Release> {
    const status = (await this.latest(target, 'fresh'))?.release ?? Absent;
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
      await this.fence(client, target);
      this.busy.delete(key);
    }
  }

  /**
   * After a change, tells the edge's cache (when there is one) what the API now says of the
   * release, so the next reads do not act on the state before the change. When even that read
   * fails, the cache is distrusted for the release until the fence expires.
   */
  private async fence(client: KubeClient, target: ReleaseTarget): Promise<void> {
    const cache: EdgeCache | undefined = this.caches.of(client);
    if (!cache) return;
    const snapshot = await listReleaseSecrets(client, target).catch(() => ({ items: [], resourceVersion: '' }));
    cache.fence(target.namespace, target.releaseName, snapshot);
  }
}

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };

const name = (t: ReleaseTarget) => `${t.namespace}/${t.releaseName}`;

/** Whose credential an edge call uses: the admin kubeconfig's, or the target's identity (when it has one). */
type Acting = 'admin' | 'identity';
