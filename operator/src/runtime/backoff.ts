/** Exponential backoff per key: base·2^failures, capped, with optional jitter. */
export interface BackoffOptions {
  readonly baseMs: number;
  readonly capMs: number;
  /** Fraction of the delay added at random (0 = none), so many retries do not align. */
  readonly jitter?: number;
}

export function backoffDelay(failures: number, options: BackoffOptions, random: () => number = Math.random): number {
  const exponent = Math.min(Math.max(failures, 0), 52);
  const delay = Math.min(options.baseMs * 2 ** exponent, options.capMs);
  const jitter = options.jitter ? delay * options.jitter * random() : 0;
  return Math.min(delay + jitter, options.capMs);
}

/**
 * `ms` moved by up to ±fraction at random: periodic checks of many objects made at one moment
 * (a start, a bulk apply) spread out instead of waking together every period.
 */
export function jittered(ms: number, fraction = 0.2, random: () => number = Math.random): number {
  return Math.round(ms * (1 + fraction * (2 * random() - 1)));
}

/** Counts failures per key; `next(key)` returns the delay for this failure and counts it. */
export class KeyedBackoff<K> {
  private readonly failures = new Map<K, number>();

  constructor(private readonly options: BackoffOptions, private readonly random: () => number = Math.random) {}

  next(key: K): number {
    const count = this.failures.get(key) ?? 0;
    this.failures.set(key, count + 1);
    return backoffDelay(count, this.options, this.random);
  }

  failuresOf(key: K): number {
    return this.failures.get(key) ?? 0;
  }

  forget(key: K): void {
    this.failures.delete(key);
  }
}
