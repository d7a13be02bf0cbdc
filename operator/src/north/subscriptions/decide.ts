/**
 * What one reconcile of a subscription does (pure), from the subscription, its namespace's
 * governance and the subjects in the informer caches:
 *
 *   namespace not governed (tenancy enforced) ─► NotPermitted         (Stalled)
 *   spec.suspend                              ─► Suspended(SuspendedBySpec)
 *   suspended at this generation              ─► Suspended(CallbackFailing)   any spec edit resumes
 *   filter matches too many objects           ─► TooManyObjects       (Stalled)
 *   nothing new to tell                       ─► UpToDate
 *   backoff after a failure not over          ─► Wait(ms)
 *   otherwise                                 ─► Deliver(plan)        the delivery re-reads the
 *                                                                     objects from the API server
 *                                                                     before it sends anything
 */
import type { NotificationSubscription } from '../../api/notificationsubscription.js';
import type { SubscriptionSuspendReason } from '../../api/notificationsubscription-conditions.js';
import type { Verdict } from '../../tenancy/verdict.js';
import { planDeliveries, type DeliveryPlan } from './plan.js';
import type { Subject } from './subjects.js';

export interface SubscriptionObservation {
  readonly subscription: NotificationSubscription;
  readonly governed: Verdict;
  /** Every subject of the namespace, from the caches. */
  readonly subjects: readonly Subject[];
  /** When the backoff after the last failure ends (this process's memory; none after a restart). */
  readonly retryAt?: Date;
  readonly now: Date;
}

export type Plan = Extract<DeliveryPlan, { kind: 'Plan' }>;

export type SubscriptionStep =
  | { readonly kind: 'NotPermitted'; readonly message: string }
  | { readonly kind: 'Suspended'; readonly reason: SubscriptionSuspendReason }
  | { readonly kind: 'TooManyObjects'; readonly followed: number }
  | { readonly kind: 'UpToDate'; readonly plan: Plan }
  | { readonly kind: 'Wait'; readonly plan: Plan; readonly ms: number }
  | { readonly kind: 'Deliver'; readonly plan: Plan };

/** Whether the spec changed since the status was written: a new generation resumes and resets the failure run. */
export function specChanged(subscription: NotificationSubscription): boolean {
  return subscription.status?.observedGeneration !== subscription.metadata.generation;
}

export function decideSubscription(o: SubscriptionObservation): SubscriptionStep {
  const { subscription } = o;
  if (!o.governed.ok) return { kind: 'NotPermitted', message: o.governed.message };
  if (subscription.spec.suspend) return { kind: 'Suspended', reason: 'SuspendedBySpec' };
  const suspendedAt = subscription.status?.suspendedGeneration;
  if (suspendedAt !== undefined && suspendedAt === subscription.metadata.generation) return { kind: 'Suspended', reason: 'CallbackFailing' };
  const plan = planDeliveries(subscription.metadata.uid ?? '', subscription.spec.filter, o.subjects, subscription.status?.delivered ?? []);
  if (plan.kind === 'TooManyObjects') return plan;
  if (plan.outgoing.length === 0) return { kind: 'UpToDate', plan };
  const wait = o.retryAt && !specChanged(subscription) ? o.retryAt.getTime() - o.now.getTime() : 0;
  return wait > 0 ? { kind: 'Wait', plan, ms: wait } : { kind: 'Deliver', plan };
}
