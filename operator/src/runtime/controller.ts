/**
 * A controller: a work queue of object keys fed by informers, and N workers that run the
 * reconciler. A key is never reconciled by two workers at once. Workers run only between
 * start() and stop(); stop() aborts in-flight reconciles and waits for them to return.
 */
import { randomUUID } from 'node:crypto';
import type { BackoffOptions } from './backoff.js';
import type { Informer } from './informer.js';
import type { KubeObject } from './kube/resource.js';
import { objectKey } from './kube/resource.js';
import { errorMessage, type Logger } from './logger.js';
import type { RuntimeMetrics } from './metrics.js';
import { dispositionOf, reasonOf, type Reconciler, type ReconcileResult } from './reconcile.js';
import { WorkQueue } from './workqueue.js';

export interface ControllerOptions {
  readonly name: string;
  readonly reconciler: Reconciler;
  readonly workers?: number;
  readonly metrics: RuntimeMetrics;
  readonly log: Logger;
  readonly backoff?: BackoffOptions;
}

/**
 * Maps an observed object to the keys of the objects to reconcile (default: its own key). On an
 * update `previous` is the object before it, so what it no longer refers to is reconciled too.
 */
export type KeyMapper<T> = (object: T, previous?: T) => readonly string[];

/** Whether an update (previous → object) should reconcile; resyncs (same object twice) always do. */
export type UpdatePredicate<T> = (previous: T, object: T) => boolean;

/** How a controller watches an informer. */
export interface WatchOptions<T> {
  /** Keys of the objects to reconcile for an observed object (default: its own key). */
  readonly map?: KeyMapper<T>;
  /** Drops updates that cannot change a decision (e.g. another kind's status). */
  readonly updateMatters?: UpdatePredicate<T>;
  /** Reconcile every object this often again (this handler only; default never). */
  readonly resyncMs?: number;
}

/** The periodic reconcile of a controller's own kind, as controller-runtime's SyncPeriod. */
export const defaultResyncMs = 600_000;

/** An update of the spec (generation) or of the labels: what selectors and references read. */
export function specOrLabelsChanged(previous: KubeObject, object: KubeObject): boolean {
  return previous.metadata.generation !== object.metadata.generation
    || JSON.stringify(previous.metadata.labels ?? {}) !== JSON.stringify(object.metadata.labels ?? {});
}

export class Controller {
  readonly name: string;
  private queue: WorkQueue<string>;
  private workers: Promise<void>[] = [];
  private abort = new AbortController();
  private readonly options: ControllerOptions;

  constructor(options: ControllerOptions) {
    this.options = options;
    this.name = options.name;
    this.queue = this.newQueue();
  }

  get running(): boolean {
    return this.workers.length > 0;
  }

  /** Enqueues keys from a (shared) informer's events; see WatchOptions. */
  watch<T extends KubeObject>(informer: Informer<T>, options: WatchOptions<T> = {}): void {
    const map = options.map ?? ((o: T) => [objectKey(o)]);
    const updateMatters = options.updateMatters ?? (() => true);
    const enqueue = (object: T, previous?: T) => { for (const key of map(object, previous)) this.enqueue(key); };
    informer.addHandlers({
      onAdd: (object) => enqueue(object),
      onUpdate: (previous, object) => { if (previous === object || updateMatters(previous, object)) enqueue(object, previous); },
      onDelete: (object) => enqueue(object),
    }, { resyncMs: options.resyncMs });
  }

  enqueue(key: string): void {
    this.queue.add(key);
  }

  start(): void {
    if (this.running) return;
    if (this.queue.isShuttingDown) this.queue = this.newQueue();
    this.abort = new AbortController();
    const count = this.options.workers ?? 2;
    this.options.metrics.maxWorkers.set({ controller: this.name }, count);
    this.workers = Array.from({ length: count }, () => this.work(this.abort.signal));
  }

  /**
   * Stops handing out keys, aborts reconciles in flight and waits for them. Keys queued but not
   * started are dropped: the informers' next resync (or a restart) brings them back.
   */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.queue.drain();
    await Promise.all(this.workers);
    this.workers = [];
  }

  private newQueue(): WorkQueue<string> {
    return new WorkQueue<string>(this.options.backoff, this.options.metrics.queueHooks(this.options.name));
  }

  private async work(signal: AbortSignal): Promise<void> {
    const { metrics } = this.options;
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      metrics.activeWorkers.inc({ controller: this.name });
      const started = process.hrtime.bigint();
      try {
        await this.reconcileOne(key, signal);
      } finally {
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        metrics.workDuration.observe({ name: this.name }, seconds);
        metrics.reconcileTime.observe({ controller: this.name }, seconds);
        metrics.activeWorkers.dec({ controller: this.name });
        this.queue.done(key);
      }
    }
  }

  private async reconcileOne(key: string, signal: AbortSignal): Promise<void> {
    const { metrics, reconciler } = this.options;
    const reconcileId = randomUUID();
    const log = this.options.log.child({ controller: this.name, object: key, reconcileId });
    let result: ReconcileResult;
    try {
      result = await reconciler.reconcile(key, { log, reconcileId, signal });
    } catch (error) {
      metrics.reconcileErrors.inc({ controller: this.name });
      metrics.reconcileTotal.inc({ controller: this.name, result: 'error' });
      if (signal.aborted) return;
      this.onError(key, error, log);
      return;
    }
    this.queue.forget(key);
    if (result.kind === 'RequeueAfter') {
      metrics.reconcileTotal.inc({ controller: this.name, result: 'requeue_after' });
      this.queue.addAfter(key, result.ms);
    } else {
      metrics.reconcileTotal.inc({ controller: this.name, result: 'success' });
    }
  }

  private onError(key: string, error: unknown, log: Logger): void {
    const disposition = dispositionOf(error);
    const reason = reasonOf(error);
    if (disposition.kind === 'Terminal') {
      this.queue.forget(key);
      log.error('Reconcile failed; waiting for a change', { reason, error: errorMessage(error) });
    } else if (disposition.kind === 'RetryAfter') {
      this.queue.addAfter(key, disposition.ms);
      log.warn('Reconcile failed; retrying', { reason, error: errorMessage(error), retryInMs: disposition.ms });
    } else {
      const delay = this.queue.addRateLimited(key);
      log.warn('Reconcile failed; retrying', { reason, error: errorMessage(error), retryInMs: delay });
    }
  }
}
