/**
 * What a delivery round means for the subscription (pure): it books the round into the status
 * (records, counters, the failure run, the last failure) and says what comes next.
 *
 *   every message delivered          ─► Settled
 *   stopped early without a failure  ─► Continue  (the operator is stopping: the rest next time)
 *   a failure                        ─► Retry(afterMs) with backoff, or Suspend once the run is
 *                                       long enough (status.suspendedGeneration = generation)
 *
 * Any message delivered in the round ends the failure run before the round's failures count.
 */
import type { NotificationSubscriptionStatus } from '../../api/notificationsubscription.js';
import type { DeliveryRound } from './deliver.js';
import { afterFailure, extendRun, type RetryPolicy } from './retry.js';
import { subjectKey } from './subjects.js';

export type RoundOutcome =
  | { readonly kind: 'Settled' }
  | { readonly kind: 'Continue'; readonly message: string }
  | { readonly kind: 'Retry'; readonly afterMs: number; readonly message: string }
  | { readonly kind: 'Suspend'; readonly message: string };

/** Records in a stable order, so an unchanged status is an equal one. */
export function sortedRecords<T extends { kind: string; name: string; host: string }>(records: readonly T[]): T[] {
  return [...records].sort((a, b) => subjectKey(a).localeCompare(subjectKey(b)));
}

/** Books `round` (of `sent` messages) into `status`, which it changes, and says what comes next. */
export function bookRound(
  status: NotificationSubscriptionStatus, round: DeliveryRound, sent: number, generation: number, policy: RetryPolicy, random: () => number = Math.random,
): RoundOutcome {
  status.delivered = sortedRecords(round.records);
  status.pending = sent - round.delivered;
  status.succeeded = (status.succeeded ?? 0) + round.delivered;
  status.failed = (status.failed ?? 0) + round.failedAttempts;
  if (round.lastDeliveryTime) status.lastDeliveryTime = round.lastDeliveryTime.toISOString();
  if (round.delivered > 0) {
    delete status.consecutiveFailures;
    delete status.failingSince;
  }
  const { failure } = round;
  if (!failure) return status.pending > 0 ? { kind: 'Continue', message: `${status.pending} notifications left to deliver.` } : { kind: 'Settled' };

  const previous = status.failingSince ? { consecutive: status.consecutiveFailures ?? 0, since: new Date(status.failingSince) } : undefined;
  const run = extendRun(previous, failure.time, round.failedAttempts);
  status.consecutiveFailures = run.consecutive;
  status.failingSince = run.since.toISOString();
  status.lastFailure = { time: failure.time.toISOString(), reason: failure.reason, message: failure.message, ...(failure.httpStatus ? { httpStatus: failure.httpStatus } : {}) };
  const next = afterFailure(run, failure.time, policy, random);
  if (next.kind === 'Suspend') {
    status.suspendedGeneration = generation;
    return { kind: 'Suspend', message: `Suspended: ${next.message}. Last failure: ${failure.message}.` };
  }
  return {
    kind: 'Retry', afterMs: next.afterMs,
    message: `${failure.message}; ${status.pending} notifications wait, retried in ${Math.ceil(next.afterMs / 1000)} s (failure ${run.consecutive} in a row).`,
  };
}
