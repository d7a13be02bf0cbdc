/** Ready of a NotificationSubscription: not suspended, not stalled, nothing left to deliver. */
import type { SubscriptionConditionType, SubscriptionReason } from '../../api/notificationsubscription-conditions.js';
import type { ConditionReader, ReadySummary } from '../../runtime/status.js';

export function summarizeSubscription(conditions: ConditionReader<SubscriptionConditionType>): ReadySummary<SubscriptionReason> {
  for (const type of ['Suspended', 'Stalled', 'Reconciling'] as const) {
    const condition = conditions.get(type);
    if (condition?.status === 'True') return { ready: false, reason: condition.reason as SubscriptionReason, message: condition.message };
  }
  return { ready: true, reason: 'UpToDate', message: 'Every followed object\'s latest state was delivered.' };
}
