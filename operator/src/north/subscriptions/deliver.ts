/**
 * Deliver: sends a plan's notifications to the callback, a few at a time, and stops starting new
 * ones at the first failure (the endpoint is the same for all: when it fails, the rest would
 * too). Each success updates the delivery records at once, so what was sent before a failure or
 * an abort is not sent again. One message's body is kept, byte for byte, for its retries.
 */
import type { DeliveredRecord, NotificationSubscription } from '../../api/notificationsubscription.js';
import { forEachLimited } from '../../util/concurrency.js';
import { postNotification, type Attempt, type PostTarget } from './callback.js';
import { notificationOf } from './notification.js';
import { recordDelivery, type Outgoing } from './plan.js';
import { webhookHeaders } from './signing.js';

export interface DeliveryContext {
  readonly subscription: NotificationSubscription;
  readonly target: PostTarget;
  readonly key: Buffer | undefined;
  /** The EdgeHost's address, for mecHost. */
  readonly mecHost: (hostName: string) => string | undefined;
  /** Bodies of messages not yet delivered, by message id (kept across reconciles). */
  readonly bodies: Map<string, string>;
  readonly timeoutMs: number;
  readonly parallel: number;
  readonly signal: AbortSignal;
  readonly now: () => Date;
}

export interface DeliveryRound {
  readonly records: readonly DeliveredRecord[];
  readonly delivered: number;
  /** Attempts that failed (several when sends in parallel failed together). */
  readonly failedAttempts: number;
  readonly lastDeliveryTime?: Date;
  /** The first failure; the messages not tried are left for the retry. */
  readonly failure?: Extract<Attempt, { kind: 'Failed' }> & { readonly time: Date };
}

function bodyOf(message: Outgoing, ctx: DeliveryContext): string {
  const kept = ctx.bodies.get(message.messageId);
  if (kept) return kept;
  const { metadata } = ctx.subscription;
  const body = JSON.stringify(notificationOf(message.subject, {
    id: message.messageId, subscriptionId: metadata.uid ?? '', namespace: metadata.namespace ?? '', subscriptionName: metadata.name ?? '',
    time: ctx.now(), mecHost: ctx.mecHost(message.subject.host),
  }));
  ctx.bodies.set(message.messageId, body);
  return body;
}

export async function deliver(outgoing: readonly Outgoing[], records: readonly DeliveredRecord[], ctx: DeliveryContext): Promise<DeliveryRound> {
  let current = records;
  let delivered = 0;
  let failedAttempts = 0;
  let lastDeliveryTime: Date | undefined;
  let failure: DeliveryRound['failure'];
  await forEachLimited(outgoing, ctx.parallel, async (message) => {
    if (failure || ctx.signal.aborted) return;
    const body = bodyOf(message, ctx);
    const sentAt = ctx.now();
    const headers = webhookHeaders(message.messageId, Math.floor(sentAt.getTime() / 1000), body, ctx.key);
    const attempt = await postNotification(ctx.target, body, headers, { timeoutMs: ctx.timeoutMs, signal: ctx.signal });
    if (attempt.kind === 'Failed') {
      failedAttempts += 1;
      failure ??= { ...attempt, time: ctx.now() };
      return;
    }
    ctx.bodies.delete(message.messageId);
    current = recordDelivery(current, message);
    delivered += 1;
    lastDeliveryTime = ctx.now();
  });
  return { records: current, delivered, failedAttempts, ...(lastDeliveryTime ? { lastDeliveryTime } : {}), ...(failure ? { failure } : {}) };
}
