/**
 * A work queue keyed by object, with client-go's semantics:
 * - a key is queued at most once (duplicates collapse);
 * - a key added while a worker holds it is queued again when the worker calls done(key),
 *   so it never runs twice at once and the latest change is never lost;
 * - addAfter delays a key; addRateLimited delays it by its per-key exponential backoff;
 * - shutDown stops handing out keys; drain waits until keys in flight are done.
 */
import { KeyedBackoff, type BackoffOptions } from './backoff.js';

export interface WorkQueueHooks {
  onAdd?(): void;
  onRetry?(): void;
  onDepth?(depth: number): void;
  /** Seconds the key waited in the queue before a worker took it. */
  onQueueLatency?(seconds: number): void;
}

export const defaultQueueBackoff: BackoffOptions = { baseMs: 5, capMs: 1000_000 };

export class WorkQueue<K> {
  private readonly queue: K[] = [];
  private readonly dirty = new Set<K>();
  private readonly processing = new Set<K>();
  private readonly addedAt = new Map<K, number>();
  private readonly timers = new Map<K, { at: number; timer: NodeJS.Timeout }>();
  private readonly waiters: Array<(key: K | undefined) => void> = [];
  private readonly drainWaiters: Array<() => void> = [];
  private readonly backoff: KeyedBackoff<K>;
  private shuttingDown = false;

  constructor(backoff: BackoffOptions = defaultQueueBackoff, private readonly hooks: WorkQueueHooks = {}) {
    this.backoff = new KeyedBackoff(backoff);
  }

  get length(): number { return this.queue.length; }
  get inFlight(): number { return this.processing.size; }
  get isShuttingDown(): boolean { return this.shuttingDown; }

  add(key: K): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.hooks.onAdd?.();
    this.dirty.add(key);
    this.addedAt.set(key, Date.now());
    if (this.processing.has(key)) return;
    const waiter = this.waiters.shift();
    if (waiter) this.hand(key, waiter);
    else {
      this.queue.push(key);
      this.hooks.onDepth?.(this.queue.length);
    }
  }

  /** Adds `key` after `ms`; an earlier pending delay for the same key wins. */
  addAfter(key: K, ms: number): void {
    if (this.shuttingDown) return;
    if (ms <= 0) return this.add(key);
    const at = Date.now() + ms;
    const pending = this.timers.get(key);
    if (pending && pending.at <= at) return;
    if (pending) clearTimeout(pending.timer);
    const timer = setTimeout(() => {
      this.timers.delete(key);
      this.add(key);
    }, ms);
    timer.unref();
    this.timers.set(key, { at, timer });
  }

  /** Adds `key` after its next backoff delay; returns the delay chosen. */
  addRateLimited(key: K): number {
    const delay = this.backoff.next(key);
    this.hooks.onRetry?.();
    this.addAfter(key, delay);
    return delay;
  }

  /** Clears the failure count of `key` (after a success). */
  forget(key: K): void {
    this.backoff.forget(key);
  }

  failures(key: K): number {
    return this.backoff.failuresOf(key);
  }

  /** Resolves to the next key, or undefined once the queue is shut down. */
  get(): Promise<K | undefined> {
    const key = this.queue.shift();
    if (key !== undefined) {
      this.hooks.onDepth?.(this.queue.length);
      return new Promise((resolve) => this.hand(key, resolve));
    }
    if (this.shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Marks `key` finished; if it was added meanwhile, it is queued again. */
  done(key: K): void {
    this.processing.delete(key);
    if (this.dirty.has(key) && !this.shuttingDown) {
      this.dirty.delete(key);
      this.add(key);
    } else if (this.processing.size === 0) {
      for (const resolve of this.drainWaiters.splice(0)) resolve();
    }
  }

  /** Stops handing out keys and cancels delayed adds; workers waiting in get() receive undefined. */
  shutDown(): void {
    this.shuttingDown = true;
    for (const { timer } of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    for (const waiter of this.waiters.splice(0)) waiter(undefined);
  }

  /** Shuts down and resolves when no key is in flight any more. */
  async drain(): Promise<void> {
    this.shutDown();
    if (this.processing.size === 0) return;
    await new Promise<void>((resolve) => this.drainWaiters.push(resolve));
  }

  private hand(key: K, resolve: (key: K) => void): void {
    this.dirty.delete(key);
    this.processing.add(key);
    const added = this.addedAt.get(key);
    this.addedAt.delete(key);
    if (added !== undefined) this.hooks.onQueueLatency?.((Date.now() - added) / 1000);
    resolve(key);
  }
}
