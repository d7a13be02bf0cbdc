/**
 * Condition types and reasons of NotificationSubscription, declared once. The status draft only
 * accepts these, so a misspelt reason does not compile.
 *
 *   Suspended    True  CallbackFailing    every attempt failed for longer than the operator's bound;
 *                                         nothing is sent until the spec changes
 *                True  SuspendedBySpec    spec.suspend is true
 *                False Active
 *   Stalled      True  CallbackNotAllowed   the callback's scheme, credentials or resolved addresses
 *                                           are refused by --north-callback-allowlist (nothing sent)
 *                True  SecretNotFound | SecretKeyMissing | SecretInvalid   (the signing secret)
 *                True  TooManyObjects     the filter matches more objects than one subscription follows
 *                True  NotPermitted       no Tenant governs the namespace (tenancy enforced)
 *   Reconciling  True  Delivering         notifications are being sent
 *                True  RetryingDelivery   the last attempt failed; retried with backoff
 *   Ready        True  UpToDate           every followed object's latest state was delivered
 *                False the reason of Suspended, Stalled or Reconciling (summarize.ts)
 */
import type { CommonConditionType } from '../runtime/status.js';
import type { NOTIFICATION_SUBSCRIPTION_CONDITIONS } from './notificationsubscription.js';

/** The subscription's own condition types (Ready, Reconciling and Stalled are every kind's). */
export type SubscriptionConditionType = Exclude<(typeof NOTIFICATION_SUBSCRIPTION_CONDITIONS)[number], CommonConditionType>;

/** Why nothing can be delivered until the spec, a Secret, a Tenant or the operator's flags change. */
export type SubscriptionStallReason = 'CallbackNotAllowed' | 'SecretNotFound' | 'SecretKeyMissing' | 'SecretInvalid' | 'TooManyObjects' | 'NotPermitted';

/** Why deliveries are suspended. */
export type SubscriptionSuspendReason = 'CallbackFailing' | 'SuspendedBySpec';

export type SubscriptionReason =
  | 'UpToDate'
  | 'Active'
  | 'Delivering'
  | 'RetryingDelivery'
  | SubscriptionSuspendReason
  | SubscriptionStallReason;
