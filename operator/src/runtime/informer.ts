/**
 * A list-watch cache of one resource type on one cluster (client-go's reflector + indexer):
 *
 *   list (paged) ──► replace store, emitting add/update/delete for the difference
 *        ▲                         │
 *        │ 410 Gone                ▼
 *        └──────────────── watch from resourceVersion (bookmarks on) ──► apply events
 *                                  │ error / silent stream / server timeout
 *                                  ▼
 *                     re-watch (after jittered exponential backoff on errors)
 *
 * Objects deleted while no watch ran are found by the relist's difference and reported as
 * deleted. One informer serves every controller that watches its type (client-go's shared
 * informer): each handler sets its own resync period, every object reported again to that
 * handler alone as an update, so a controller gets its periodic reconcile without another
 * watch. Handlers that throw are logged and never stop the loop.
 */
import { backoffDelay, type BackoffOptions } from './backoff.js';
import type { KubeClient } from './kube/client.js';
import { ApiError, isGone } from './kube/errors.js';
import { collectionPath, objectKey, type KubeObject, type ResourceType } from './kube/resource.js';
import { metadataOnlyAccept, ResourceClient } from './kube/resource-client.js';
import { errorMessage, sleep, type Logger } from './logger.js';

export interface InformerHandlers<T> {
  onAdd?(object: T): void;
  onUpdate?(previous: T, object: T): void;
  onDelete?(object: T): void;
}

export interface HandlerOptions {
  /** Report every cached object again to these handlers this often (0 or absent = never). */
  readonly resyncMs?: number;
}

/** What makes two informers the same list-watch: a shared informer is keyed by these. */
export interface InformerSelection {
  readonly namespace?: string;
  readonly labelSelector?: string;
  /** Cache metadata only (PartialObjectMetadata): for kinds whose contents must not sit in memory. */
  readonly metadataOnly?: boolean;
}

export interface InformerOptions<T = KubeObject> extends InformerSelection {
  /** Server-side watch timeout; each watch picks a value between this and twice it. Default 150 s. */
  readonly watchTimeoutSeconds?: number;
  /** A watch with no byte for this long is dead (watchdog). Default: watch timeout + 30 s. */
  readonly idleTimeoutMs?: number;
  readonly backoff?: BackoffOptions;
  readonly pageSize?: number;
  readonly onRestart?: (reason: 'relist' | 'error') => void;
  /**
   * Keeps only what the cache's readers need of each object (e.g. drops managedFields), so a
   * cache of a whole edge cluster stays small. Applied before anything is stored or reported.
   */
  readonly transform?: (object: T) => T;
}

type IndexFunction<T> = (object: T) => readonly string[];

/** The index by namespace every informer keeps (inNamespace). */
const namespaceIndex = 'runtime:namespace';

export class Informer<T extends KubeObject> {
  private readonly store = new Map<string, T>();
  private readonly handlers: Array<{ readonly handlers: InformerHandlers<T>; readonly resyncMs: number }> = [];
  private resyncTimers: NodeJS.Timeout[] = [];
  private readonly indexers = new Map<string, IndexFunction<T>>();
  private readonly indices = new Map<string, Map<string, Set<string>>>();
  private readonly resources: ResourceClient<T>;
  private abort = new AbortController();
  private running: Promise<void> | undefined;
  private synced = false;
  private syncWaiters: Array<() => void> = [];
  private lastResourceVersion = '';
  private lastAttemptFailed = false;
  /** Watch restarts and relists since start; for tests and metrics. */
  readonly stats = { lists: 0, watches: 0, errors: 0 };

  constructor(
    readonly client: KubeClient,
    readonly type: ResourceType,
    private readonly log: Logger,
    private readonly options: InformerOptions<T> = {},
  ) {
    this.resources = new ResourceClient<T>(client, type);
    this.addIndexer(namespaceIndex, (o) => [o.metadata.namespace ?? '']);
  }

  /** The cached objects of one namespace, from the index every informer keeps. */
  inNamespace(namespace: string): T[] {
    return this.byIndex(namespaceIndex, namespace);
  }

  /** Adds handlers; with `resyncMs`, every cached object is reported again to them alone that often. */
  addHandlers(handlers: InformerHandlers<T>, options: HandlerOptions = {}): void {
    const entry = { handlers, resyncMs: options.resyncMs ?? 0 };
    this.handlers.push(entry);
    if (this.running) this.startResync(entry);
  }

  /**
   * Adds a named index; `byIndex(name, value)` then returns the objects that map to value.
   * Controllers sharing the informer may add the same index: the first definition is kept.
   */
  addIndexer(name: string, index: IndexFunction<T>): void {
    if (this.indexers.has(name)) return;
    this.indexers.set(name, index);
    const values = new Map<string, Set<string>>();
    this.indices.set(name, values);
    for (const [key, object] of this.store) for (const value of index(object)) addTo(values, value, key);
  }

  byIndex(name: string, value: string): T[] {
    const keys = this.indices.get(name)?.get(value);
    if (!keys) return [];
    return [...keys].map((key) => this.store.get(key)).filter((o): o is T => o !== undefined);
  }

  get(key: string): T | undefined {
    return this.store.get(key);
  }

  list(): T[] {
    return [...this.store.values()];
  }

  get hasSynced(): boolean {
    return this.synced;
  }

  /**
   * Synced, and no list or watch has failed since the last one that worked: what the cache
   * holds is as fresh as the watch (a failed watch is noticed at once; a silent one only by
   * the watchdog).
   */
  get healthy(): boolean {
    return this.synced && !this.failing;
  }

  /** The last list or watch failed, and neither a list nor a watch event has succeeded since. */
  get failing(): boolean {
    return this.lastAttemptFailed;
  }

  /** The resourceVersion of the last list, event or bookmark the cache has seen. */
  get resourceVersion(): string {
    return this.lastResourceVersion;
  }

  waitForSync(): Promise<void> {
    if (this.synced) return Promise.resolve();
    return new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  start(): void {
    if (this.running) return;
    this.abort = new AbortController();
    this.running = this.run(this.abort.signal);
    for (const entry of this.handlers) this.startResync(entry);
  }

  async stop(): Promise<void> {
    this.abort.abort();
    for (const timer of this.resyncTimers) clearInterval(timer);
    this.resyncTimers = [];
    await this.running;
    this.running = undefined;
  }

  private async run(signal: AbortSignal): Promise<void> {
    let needList = true;
    let failures = 0;
    while (!signal.aborted) {
      try {
        if (needList) {
          await this.relist();
          needList = false;
        }
        await this.watch(signal);
        failures = 0;
      } catch (error) {
        if (signal.aborted) break;
        if (isGone(error)) {
          this.log.info('Watch expired; listing again', { resource: this.type.plural });
          this.options.onRestart?.('relist');
          needList = true;
          continue;
        }
        this.stats.errors += 1;
        this.lastAttemptFailed = true;
        this.options.onRestart?.('error');
        const delay = backoffDelay(failures, this.options.backoff ?? { baseMs: 500, capMs: 30_000, jitter: 0.5 });
        failures += 1;
        this.log.warn('List or watch failed; retrying', { resource: this.type.plural, error: errorMessage(error), retryInMs: Math.round(delay) });
        await sleep(delay, signal);
      }
    }
  }

  private async relist(): Promise<void> {
    this.stats.lists += 1;
    const { items, resourceVersion } = await this.resources.list({
      namespace: this.options.namespace, labelSelector: this.options.labelSelector, pageSize: this.options.pageSize,
      metadataOnly: this.options.metadataOnly,
    });
    this.replace(items.map((item) => this.shaped(item)));
    this.lastResourceVersion = resourceVersion;
    this.lastAttemptFailed = false;
    if (!this.synced) {
      this.synced = true;
      for (const resolve of this.syncWaiters.splice(0)) resolve();
    }
  }

  private async watch(signal: AbortSignal): Promise<void> {
    this.stats.watches += 1;
    const base = this.options.watchTimeoutSeconds ?? 150;
    const timeoutSeconds = Math.round(base * (1 + Math.random()));
    const idleTimeoutMs = this.options.idleTimeoutMs ?? (timeoutSeconds + 30) * 1000;
    const events = this.client.watch<T>(collectionPath(this.type, this.options.namespace), {
      resourceVersion: this.lastResourceVersion, allowWatchBookmarks: true, timeoutSeconds,
      labelSelector: this.options.labelSelector,
    }, signal, idleTimeoutMs, this.options.metadataOnly ? metadataOnlyAccept.object : undefined);
    for await (const event of events) {
      if (event.type === 'ERROR') {
        const status = event.object as unknown as { code?: number; reason?: string; message?: string };
        throw new ApiError(status.code ?? 500, status.reason ?? 'WatchError', status.message ?? 'watch error');
      }
      const resourceVersion = event.object.metadata.resourceVersion;
      this.lastAttemptFailed = false;
      if (event.type === 'BOOKMARK') {
        if (resourceVersion) this.lastResourceVersion = resourceVersion;
        continue;
      }
      const object = this.shaped(this.withTypeMeta(event.object));
      if (event.type === 'DELETED') this.remove(object);
      else this.upsert(object);
      if (resourceVersion) this.lastResourceVersion = resourceVersion;
    }
  }

  private replace(items: T[]): void {
    const seen = new Set<string>();
    for (const item of items) {
      seen.add(objectKey(item));
      this.upsert(item);
    }
    for (const [key, object] of this.store) if (!seen.has(key)) this.remove(object);
  }

  private upsert(object: T): void {
    const key = objectKey(object);
    const previous = this.store.get(key);
    if (previous && previous.metadata.resourceVersion === object.metadata.resourceVersion) return;
    if (previous) this.unindex(key, previous);
    this.store.set(key, object);
    this.index(key, object);
    this.emit((h) => (previous ? h.onUpdate?.(previous, object) : h.onAdd?.(object)));
  }

  private remove(object: T): void {
    const key = objectKey(object);
    const previous = this.store.get(key);
    if (!previous) return;
    this.unindex(key, previous);
    this.store.delete(key);
    this.emit((h) => h.onDelete?.(object));
  }

  /** Reports every cached object again now (a new leader starts with all of them). */
  resyncNow(): void {
    this.resync();
  }

  private resync(only?: InformerHandlers<T>): void {
    for (const object of this.store.values()) this.emit((h) => h.onUpdate?.(object, object), only);
  }

  private startResync(entry: { readonly handlers: InformerHandlers<T>; readonly resyncMs: number }): void {
    if (entry.resyncMs <= 0) return;
    const timer = setInterval(() => this.resync(entry.handlers), entry.resyncMs);
    timer.unref();
    this.resyncTimers.push(timer);
  }

  private index(key: string, object: T): void {
    for (const [name, fn] of this.indexers) for (const value of fn(object)) addTo(this.indices.get(name)!, value, key);
  }

  private unindex(key: string, object: T): void {
    for (const [name, fn] of this.indexers) {
      const values = this.indices.get(name)!;
      for (const value of fn(object)) {
        const keys = values.get(value);
        keys?.delete(key);
        if (keys?.size === 0) values.delete(value);
      }
    }
  }

  private emit(call: (handlers: InformerHandlers<T>) => void, only?: InformerHandlers<T>): void {
    for (const { handlers } of this.handlers) {
      if (only && handlers !== only) continue;
      try {
        call(handlers);
      } catch (error) {
        this.log.error('Informer handler failed', { resource: this.type.plural, error: errorMessage(error) });
      }
    }
  }

  private shaped(object: T): T {
    return this.options.transform ? this.options.transform(object) : object;
  }

  private withTypeMeta(object: T): T {
    return object.kind ? object : { ...object, apiVersion: this.type.group ? `${this.type.group}/${this.type.version}` : this.type.version, kind: this.type.kind };
  }
}

function addTo(values: Map<string, Set<string>>, value: string, key: string): void {
  let keys = values.get(value);
  if (!keys) values.set(value, (keys = new Set()));
  keys.add(key);
}
