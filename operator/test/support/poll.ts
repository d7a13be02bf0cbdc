import { setTimeout as delay } from 'node:timers/promises';

/** Options of `eventually`. */
export interface PollOptions {
  /** Give up after this long (default 30 s). */
  readonly timeoutMs?: number;
  /** Pause between attempts (default 100 ms). */
  readonly intervalMs?: number;
}

/**
 * Calls `attempt` until it resolves, and returns its value; when the deadline passes, throws the
 * last error. For waiting on eventually-consistent API server behaviour without fixed sleeps.
 */
export async function eventually<T>(attempt: () => Promise<T>, options: PollOptions = {}): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (Date.now() >= deadline) throw error;
    }
    await delay(options.intervalMs ?? 100);
  }
}
