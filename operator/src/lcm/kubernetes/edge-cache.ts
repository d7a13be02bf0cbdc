/**
 * What the Kubernetes plugin knows of an edge cluster without asking it each time: the
 * metadata of Helm's storage Secrets (the latest revision of every release, its state and
 * owner), the cluster's Deployments, StatefulSets, DaemonSets and Jobs, and the metadata of
 * every other kind a release's manifest has (started the first time drift is checked for it),
 * from watches made with the admin kubeconfig and shared by every release on that cluster.
 * Release state, readiness and drift then cost neither a helm process nor a request, and
 * whoever follows a release is woken when it or one of its objects changes, instead of polling.
 *
 *   follow(key, release) ─► the cluster's cache starts (reads go to the API until it has synced)
 *   a watch event on a release's Secret or workload ─► its followers are woken
 *   a change made by this operator ─► fence: that release is read from the API until the cache has seen the change
 *   a watch failing ─► every read goes to the API until it works again
 *   nobody following for idleMs ─► the cache stops
 */
import type { KubeClient } from '../../runtime/kube/client.js';
import { coreTypes, type KubeObject, type ResourceType } from '../../runtime/kube/resource.js';
import type { ListResult } from '../../runtime/kube/resource-client.js';
import { Informer } from '../../runtime/informer.js';
import type { Logger } from '../../runtime/logger.js';
import { WORKLOAD_KINDS, type WorkloadKind } from '../plugin.js';
import { discover, type ObjectCache } from './drift.js';
import { helmStorage } from './release-storage.js';
import { workloadTypes, type LiveWorkload, type WorkloadCache } from './workloads.js';

/** Helm's annotations on every object it made for a release (Helm ≥ 3.2). */
const releaseNameAnnotation = 'meta.helm.sh/release-name';
const releaseNamespaceAnnotation = 'meta.helm.sh/release-namespace';

/** How long a fence holds at most: past it the cache is trusted again even if it never showed the change. */
const fenceMs = 60_000;

/** How long discovery of an apiVersion is kept: a CRD installed later is found after this. */
const discoveryMs = 5 * 60_000;

const releaseKey = (namespace: string, release: string) => `${namespace}/${release}`;

/** What a read of the API returned right after this operator changed a release (see `fence`). */
interface Fence {
  readonly snapshot: ListResult<KubeObject>;
  readonly until: number;
}

export class EdgeCache implements WorkloadCache, ObjectCache {
  private readonly releases: Informer<KubeObject>;
  private readonly workloads: ReadonlyMap<WorkloadKind, Informer<LiveWorkload>>;
  /** Metadata watches of the other kinds manifests have, by `<group>/<version>/<plural>`. */
  private readonly others = new Map<string, Informer<KubeObject>>();
  private readonly discovered = new Map<string, { readonly at: number; readonly kinds: Promise<ReadonlyMap<string, ResourceType> | undefined> }>();
  private readonly followers = new Map<string, Map<string, () => void>>();
  private readonly fences = new Map<string, Fence>();
  private idleSince = Date.now();
  private running = false;

  constructor(readonly client: KubeClient, private readonly log: Logger) {
    this.releases = new Informer<KubeObject>(client, coreTypes.secret, log, {
      labelSelector: helmStorage.selector, metadataOnly: true, transform: storageMetadata,
    });
    this.releases.addIndexer('release', (s) => [releaseKey(s.metadata.namespace ?? '', s.metadata.labels?.[helmStorage.nameLabel] ?? '')]);
    this.releases.addHandlers(this.waking((s) => {
      const release = s.metadata.labels?.[helmStorage.nameLabel];
      return release === undefined ? undefined : releaseKey(s.metadata.namespace ?? '', release);
    }));
    this.workloads = new Map(WORKLOAD_KINDS.map((kind) => {
      const informer = new Informer<LiveWorkload>(client, workloadTypes[kind], log, { transform: workloadEssentials });
      informer.addHandlers(this.waking(releaseOfObject));
      return [kind, informer] as const;
    }));
  }

  start(): void {
    this.running = true;
    for (const informer of this.informers()) informer.start();
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.informers().map((i) => i.stop()));
  }

  private informers(): Informer<KubeObject>[] {
    return [this.releases, ...this.workloads.values(), ...this.others.values()];
  }

  follow(key: string, namespace: string, release: string, wake: () => void): void {
    const target = releaseKey(namespace, release);
    let keys = this.followers.get(target);
    if (!keys) this.followers.set(target, keys = new Map());
    keys.set(key, wake);
  }

  unfollow(key: string, namespace: string, release: string): void {
    const target = releaseKey(namespace, release);
    const keys = this.followers.get(target);
    keys?.delete(key);
    if (keys?.size === 0) this.followers.delete(target);
    if (this.followers.size === 0) this.idleSince = Date.now();
  }

  /** Its watch of the releases fails: its credential may have been withdrawn. */
  get failing(): boolean {
    return this.releases.failing;
  }

  /** Takes over whom `other` wakes (a cache replacing it). */
  takeFollowers(other: EdgeCache): void {
    for (const [release, keys] of other.followers) this.followers.set(release, new Map(keys));
  }

  /** Nobody has followed a release here for `ms`. */
  idleFor(ms: number, now = Date.now()): boolean {
    return this.followers.size === 0 && now - this.idleSince >= ms;
  }

  /**
   * The storage Secrets (metadata) of a release as the watch has them; undefined when the cache
   * cannot be trusted for it (not synced, failing, or fenced): read the API then.
   */
  revisions(namespace: string, release: string): KubeObject[] | undefined {
    if (!this.releases.healthy) return undefined;
    const key = releaseKey(namespace, release);
    const cached = this.releases.byIndex('release', key);
    const fence = this.fences.get(key);
    if (fence) {
      if (!caughtUp(cached, fence.snapshot) && Date.now() < fence.until) return undefined;
      this.fences.delete(key);
    }
    return cached;
  }

  /**
   * Records what the API said of a release right after this operator changed it, so that reads
   * of it skip the cache until the cache has seen as much.
   */
  fence(namespace: string, release: string, snapshot: ListResult<KubeObject>): void {
    this.fences.set(releaseKey(namespace, release), { snapshot, until: Date.now() + fenceMs });
  }

  /** The workload as the watch has it (undefined: not on the cluster); 'NotCached' when its watch cannot be trusted. */
  workload(kind: WorkloadKind, namespace: string, name: string): LiveWorkload | undefined | 'NotCached' {
    const informer = this.workloads.get(kind);
    if (!informer?.healthy) return 'NotCached';
    return informer.get(`${namespace}/${name}`);
  }

  kinds(apiVersion: string): Promise<ReadonlyMap<string, ResourceType> | undefined> {
    const kept = this.discovered.get(apiVersion);
    if (kept && Date.now() - kept.at < discoveryMs) return kept.kinds;
    const kinds = discover(this.client, apiVersion);
    this.discovered.set(apiVersion, { at: Date.now(), kinds });
    kinds.catch(() => this.discovered.delete(apiVersion));
    return kinds;
  }

  exists(type: ResourceType, name: string, namespace?: string): boolean | 'NotCached' {
    const key = namespace && type.namespaced ? `${namespace}/${name}` : name;
    const workloadKind = WORKLOAD_KINDS.find((k) => workloadTypes[k].plural === type.plural && workloadTypes[k].group === type.group);
    const informer = workloadKind && type.version === 'v1' ? this.workloads.get(workloadKind) : this.watchOf(type);
    if (!informer?.healthy) return 'NotCached';
    const live = informer.get(key);
    return live !== undefined && !live.metadata.deletionTimestamp;
  }

  /** The metadata watch of `type`, started on first use (it is trusted once synced). */
  private watchOf(type: ResourceType): Informer<KubeObject> {
    const key = `${type.group}/${type.version}/${type.plural}`;
    let informer = this.others.get(key);
    if (!informer) {
      informer = new Informer<KubeObject>(this.client, type, this.log, { metadataOnly: true, transform: objectMetadata });
      informer.addHandlers(this.waking(releaseOfObject));
      this.others.set(key, informer);
      if (this.running) informer.start();
    }
    return informer;
  }

  private waking<T extends KubeObject>(releaseOf: (object: T) => string | undefined) {
    const wake = (object: T) => {
      const key = releaseOf(object);
      for (const follower of (key ? this.followers.get(key)?.values() : undefined) ?? []) follower();
    };
    return { onAdd: wake, onUpdate: (_: T, object: T) => wake(object), onDelete: wake };
  }
}

/**
 * Whether the cache shows at least what `snapshot` (an API read) showed of one release: each
 * Secret it listed at its resourceVersion or later, and none it did not list unless newer than
 * the read. resourceVersions are compared as numbers (etcd's revisions); any other kind never
 * catches up and waits out the fence.
 */
export function caughtUp(cached: readonly KubeObject[], snapshot: ListResult<KubeObject>): boolean {
  const version = (o: KubeObject | undefined) => Number(o?.metadata.resourceVersion ?? Number.NaN);
  const byName = new Map(cached.map((s) => [s.metadata.name, s]));
  const listed = new Set(snapshot.items.map((s) => s.metadata.name));
  const readAt = Number(snapshot.resourceVersion);
  return snapshot.items.every((s) => version(byName.get(s.metadata.name)) >= version(s))
    && cached.every((s) => listed.has(s.metadata.name) || version(s) > readAt);
}

/** The release an object belongs to, from Helm's annotations. */
function releaseOfObject(object: KubeObject): string | undefined {
  const annotations = object.metadata.annotations ?? {};
  const name = annotations[releaseNameAnnotation];
  return name ? releaseKey(annotations[releaseNamespaceAnnotation] ?? object.metadata.namespace ?? '', name) : undefined;
}

/** What the cache keeps of any other object: its name, version, and the release it belongs to. */
function objectMetadata(object: KubeObject): KubeObject {
  const { name, namespace, uid, resourceVersion, deletionTimestamp, annotations } = object.metadata;
  return { metadata: { name, namespace, uid, resourceVersion, ...(deletionTimestamp ? { deletionTimestamp } : {}), ...releaseAnnotations(annotations) } };
}

/** Helm's release annotations of an object, when it has them, as the only annotations kept. */
function releaseAnnotations(annotations: Record<string, string> | undefined): { annotations?: Record<string, string> } {
  const release = annotations?.[releaseNameAnnotation];
  return release ? { annotations: { [releaseNameAnnotation]: release, [releaseNamespaceAnnotation]: annotations?.[releaseNamespaceAnnotation] ?? '' } } : {};
}

/** What the cache keeps of a storage Secret: its name, version and labels. */
function storageMetadata(secret: KubeObject): KubeObject {
  const { name, namespace, uid, resourceVersion, labels, deletionTimestamp } = secret.metadata;
  return { metadata: { name, namespace, uid, resourceVersion, labels, ...(deletionTimestamp ? { deletionTimestamp } : {}) } };
}

/** What readiness (workloadStatus) and the wake-up need of a workload; the rest (pod templates, managedFields) is dropped. */
function workloadEssentials(workload: LiveWorkload): LiveWorkload {
  const { name, namespace, uid, resourceVersion, generation, deletionTimestamp, annotations } = workload.metadata;
  const spec = workload.spec ?? {};
  return {
    apiVersion: workload.apiVersion, kind: workload.kind,
    metadata: { name, namespace, uid, resourceVersion, generation, ...(deletionTimestamp ? { deletionTimestamp } : {}), ...releaseAnnotations(annotations) },
    spec: {
      ...(spec.replicas !== undefined ? { replicas: spec.replicas } : {}),
      ...(spec.completions !== undefined ? { completions: spec.completions } : {}),
      ...(spec.suspend !== undefined ? { suspend: spec.suspend } : {}),
      ...(spec.updateStrategy?.type ? { updateStrategy: { type: spec.updateStrategy.type } } : {}),
    },
    ...(workload.status ? { status: workload.status } : {}),
  };
}

/**
 * The caches of every edge cluster the plugin acts on, one per API server (host and port), and
 * who follows which release. EdgeHosts that reach one cluster with kubeconfigs of their own
 * share its cache: it watches with the first of their clients that followed, until that one's
 * watch fails (a withdrawn credential) and another follows; a cache nobody follows goes idle
 * and stops.
 */
export class EdgeCaches {
  private readonly caches = new Map<string, EdgeCache>();
  private readonly following = new Map<string, { readonly cache: EdgeCache; readonly namespace: string; readonly release: string }>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly log: Logger, private readonly idleMs = 10 * 60_000) {
    this.sweeper = setInterval(() => void this.sweep(), Math.min(idleMs, 60_000));
    this.sweeper.unref();
  }

  /** The cache of the cluster `client` talks to, when something follows a release there. */
  of(client: KubeClient): EdgeCache | undefined {
    return this.caches.get(client.host);
  }

  /** Wakes `wake` (until unfollowed) whenever the release or its workloads change; replaces what `key` followed before. */
  follow(key: string, client: KubeClient, namespace: string, release: string, wake: () => void): void {
    const cache = this.cacheFor(client);
    const current = this.following.get(key);
    if (current?.cache === cache && current.namespace === namespace && current.release === release) return;
    this.unfollow(key);
    cache.follow(key, namespace, release, wake);
    this.following.set(key, { cache, namespace, release });
  }

  private cacheFor(client: KubeClient): EdgeCache {
    const existing = this.caches.get(client.host);
    if (existing && (existing.client === client || !existing.failing)) return existing;
    const cache = new EdgeCache(client, this.log);
    if (existing) {
      cache.takeFollowers(existing);
      for (const [key, followed] of this.following) if (followed.cache === existing) this.following.set(key, { ...followed, cache });
      void existing.stop();
    }
    this.caches.set(client.host, cache);
    cache.start();
    return cache;
  }

  unfollow(key: string): void {
    const current = this.following.get(key);
    if (!current) return;
    current.cache.unfollow(key, current.namespace, current.release);
    this.following.delete(key);
  }

  get size(): number {
    return this.caches.size;
  }

  /** Stops the caches nobody has followed for idleMs. */
  async sweep(now = Date.now()): Promise<void> {
    const idle = [...this.caches].filter(([, cache]) => cache.idleFor(this.idleMs, now));
    for (const [host] of idle) this.caches.delete(host);
    await Promise.all(idle.map(([, cache]) => cache.stop()));
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    const all = [...this.caches.values()];
    this.caches.clear();
    this.following.clear();
    await Promise.all(all.map((cache) => cache.stop()));
  }
}
