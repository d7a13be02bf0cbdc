/**
 * The manager owns what controllers share: the hub client, informers, metrics, leader
 * election and the probe endpoints. Informers run in every replica (a standby has a warm
 * cache); controllers' workers run only in the leader and stop at once when it loses the lease.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { Controller } from './controller.js';
import { Informer, type InformerSelection } from './informer.js';
import { KubeClient } from './kube/client.js';
import type { KubeObject, ResourceType } from './kube/resource.js';
import { LeaderElector, type LeaderElectionOptions } from './leader.js';
import type { Logger } from './logger.js';
import { RuntimeMetrics } from './metrics.js';

export interface ManagerOptions {
  readonly hub: KubeConfig;
  readonly log: Logger;
  readonly metrics?: RuntimeMetrics;
  readonly qps?: number;
  readonly burst?: number;
  readonly requestTimeoutMs?: number;
  /** Omit to run without leader election (one replica, or tests). */
  readonly leaderElection?: Omit<LeaderElectionOptions, 'onStartedLeading' | 'onStoppedLeading'>;
}

export class Manager {
  readonly metrics: RuntimeMetrics;
  /** One informer per resource type and selection, shared by every controller that watches it. */
  private readonly informers = new Map<string, Informer<KubeObject>>();
  private readonly controllers: Controller[] = [];
  private elector: LeaderElector | undefined;
  private leading = false;
  private abort = new AbortController();
  private running: Promise<void> | undefined;

  private constructor(readonly hub: KubeClient, private readonly leaseClient: KubeClient, private readonly options: ManagerOptions, metrics: RuntimeMetrics) {
    this.metrics = metrics;
  }

  static async create(options: ManagerOptions): Promise<Manager> {
    const metrics = options.metrics ?? new RuntimeMetrics();
    const hub = await KubeClient.create(options.hub, {
      name: 'hub', qps: options.qps, burst: options.burst, timeoutMs: options.requestTimeoutMs, onRequest: metrics.observeRequest,
    });
    // Lease calls get their own client: a short timeout, and never queued behind reconcile traffic.
    const leaseTimeout = Math.min(10_000, (options.leaderElection?.renewDeadlineMs ?? 30_000) / 2);
    const leaseClient = await KubeClient.create(options.hub, { name: 'hub-lease', qps: 5, burst: 5, timeoutMs: leaseTimeout, onRequest: metrics.observeRequest });
    return new Manager(hub, leaseClient, options, metrics);
  }

  get log(): Logger {
    return this.options.log;
  }

  /**
   * The hub informer of `type` (and selection), created on first use and shared afterwards: one
   * watch per type however many controllers read it. Resync periods belong to each handler
   * (Controller.watch), not to the informer.
   */
  informer<T extends KubeObject>(type: ResourceType, selection: InformerSelection = {}): Informer<T> {
    const key = JSON.stringify([type.group, type.version, type.plural, selection.namespace ?? '', selection.labelSelector ?? '', selection.metadataOnly ?? false]);
    let informer = this.informers.get(key);
    if (!informer) {
      informer = new Informer<KubeObject>(this.hub, type, this.options.log.child({ informer: type.plural }), {
        ...selection,
        transform: withoutManagedFields,
        onRestart: (reason) => this.metrics.informerRestarts.inc({ resource: type.plural, reason }),
      });
      this.informers.set(key, informer);
    }
    return informer as unknown as Informer<T>;
  }

  addController(controller: Controller): void {
    this.controllers.push(controller);
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /** Ready when every cache has synced and, if leading, every controller's workers run. */
  readiness(): { ok: true } | { ok: false; reason: string } {
    const unsynced = [...this.informers.values()].filter((i) => !i.hasSynced).map((i) => i.type.plural);
    if (unsynced.length) return { ok: false, reason: `caches not synced: ${unsynced.join(', ')}` };
    if (this.leading && this.controllers.some((c) => !c.running)) return { ok: false, reason: 'controllers starting' };
    return { ok: true };
  }

  /** Starts informers, waits for their caches, then leads (or waits to lead). */
  async start(): Promise<void> {
    this.abort = new AbortController();
    for (const informer of this.informers.values()) informer.start();
    await Promise.all([...this.informers.values()].map((i) => i.waitForSync()));
    const election = this.options.leaderElection;
    if (!election) {
      this.startControllers();
      return;
    }
    this.elector = new LeaderElector(this.leaseClient, {
      ...election,
      onStartedLeading: () => this.startControllers(),
      onStoppedLeading: () => this.stopControllers(),
    }, this.options.log);
    this.running = this.elector.run(this.abort.signal);
  }

  /** Stops controllers (releasing the lease if held), then informers, then closes clients. */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.running;
    await this.stopControllers();
    await Promise.all([...this.informers.values()].map((i) => i.stop()));
    this.hub.close();
    this.leaseClient.close();
  }

  private startControllers(): void {
    this.leading = true;
    this.metrics.leader.set({ name: this.options.leaderElection?.name ?? 'none' }, 1);
    for (const controller of this.controllers) controller.start();
    // Work that arrived before we led is in the informers' caches: enqueue all of it.
    for (const informer of this.informers.values()) informer.resyncNow();
  }

  private async stopControllers(): Promise<void> {
    this.leading = false;
    this.metrics.leader.set({ name: this.options.leaderElection?.name ?? 'none' }, 0);
    await Promise.all(this.controllers.map((c) => c.stop()));
  }
}

/**
 * Every hub object as cached, without metadata.managedFields: no controller reads them, and
 * they are often the largest part of an object. A PUT of a cached object leaves the server's
 * managedFields as they are (it keeps them when a write omits them).
 */
function withoutManagedFields<T extends KubeObject>(object: T): T {
  if (!object.metadata.managedFields) return object;
  const { managedFields: _dropped, ...metadata } = object.metadata;
  return { ...object, metadata };
}

