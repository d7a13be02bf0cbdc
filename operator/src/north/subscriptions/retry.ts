/**
 * When to try a failing callback again, and when to give up on it (pure). Failures are counted
 * per subscription — one callback, one endpoint — from the first failure after a success:
 *
 *   n attempts failed in a row ─► retry after base·2^(n-1) (capped, with jitter)
 *            └► suspend, once at least `suspendAfterFailures` attempts failed AND the run has
 *               lasted `suspendAfterMs`: a callback down for a minute is retried, one down for
 *               the bound is suspended (status says why; a change of the spec resumes it)
 *   success  ─► the run ends (consecutive 0)
 */
import { backoffDelay } from '../../runtime/backoff.js';

export interface RetryPolicy {
  readonly baseMs: number;
  readonly capMs: number;
  /** Fraction of the delay added at random, so retries of many subscriptions do not align. */
  readonly jitter: number;
  readonly suspendAfterMs: number;
  readonly suspendAfterFailures: number;
}

/** A run of failed attempts with no success between them. */
export interface FailureRun {
  readonly consecutive: number;
  /** When the first failure of the run happened. */
  readonly since: Date;
}

export type AfterFailure =
  | { readonly kind: 'Retry'; readonly afterMs: number }
  | { readonly kind: 'Suspend'; readonly message: string };

/** The run once `attempts` more attempts failed at `now`. */
export function extendRun(run: FailureRun | undefined, now: Date, attempts = 1): FailureRun {
  return run ? { consecutive: run.consecutive + attempts, since: run.since } : { consecutive: attempts, since: now };
}

/** What to do after a failure that made `run`. */
export function afterFailure(run: FailureRun, now: Date, policy: RetryPolicy, random: () => number = Math.random): AfterFailure {
  const lasted = now.getTime() - run.since.getTime();
  if (run.consecutive >= policy.suspendAfterFailures && lasted >= policy.suspendAfterMs) {
    return {
      kind: 'Suspend',
      message: `the callback failed ${run.consecutive} times in a row over ${Math.round(lasted / 1000)} s (since ${run.since.toISOString()}); nothing is sent until the spec changes (any edit, e.g. of the callbackUri once it works again, resumes with each object's latest state)`,
    };
  }
  return { kind: 'Retry', afterMs: Math.round(backoffDelay(run.consecutive - 1, { baseMs: policy.baseMs, capMs: policy.capMs, jitter: policy.jitter }, random)) };
}
