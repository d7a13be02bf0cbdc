/**
 * What a subscription must deliver next (pure): the current subjects against what was last
 * delivered about each (status.delivered). Only the *latest* state of an object is ever sent —
 * intermediate states that came and went while a callback was down are collapsed — so nothing
 * older can follow something newer, whatever was retried or restarted in between.
 *
 *   subject matched, no record or another digest ─► send it (sequence = record's + 1)
 *   subject matched, same digest                  ─► nothing (delivered already)
 *   record, subject exists but no longer matched  ─► forget the record (the filter changed)
 *   record, subject gone, filter still admits it  ─► send Deleted, then forget the record
 *
 * A message's id hashes the subscription, the object, the sequence and the digest: a retry of
 * the same message, in this process or after a restart, carries the same webhook-id, and a new
 * state (or the same state again later) a new one.
 */
import { createHash } from 'node:crypto';
import { MAX_FOLLOWED_OBJECTS, type DeliveredRecord, type NotificationSubscriptionFilter } from '../../api/notificationsubscription.js';
import { admits, deletedSubject, subjectDigest, subjectKey, type Subject } from './subjects.js';

/** One notification to deliver. */
export interface Outgoing {
  readonly subject: Subject;
  /** The record's sequence once this is delivered. */
  readonly sequence: number;
  readonly digest: string;
  /** webhook-id: the same for every attempt of this message. */
  readonly messageId: string;
}

export type DeliveryPlan =
  | {
      readonly kind: 'Plan';
      /** Objects followed now. */
      readonly followed: number;
      /** In a stable order (by object). */
      readonly outgoing: readonly Outgoing[];
      /** The records to keep before anything is delivered (the filtered-out ones dropped). */
      readonly records: readonly DeliveredRecord[];
    }
  | { readonly kind: 'TooManyObjects'; readonly followed: number };

export function messageIdOf(subscriptionUid: string, subject: Subject, sequence: number, digest: string): string {
  const text = [subscriptionUid, subjectKey(subject), String(sequence), digest].join('\n');
  return `msg_${createHash('sha256').update(text).digest('hex').slice(0, 32)}`;
}

export function planDeliveries(
  subscriptionUid: string, filter: NotificationSubscriptionFilter | undefined,
  subjects: readonly Subject[], delivered: readonly DeliveredRecord[],
): DeliveryPlan {
  const matched = subjects.filter((s) => admits(filter, s));
  if (matched.length > MAX_FOLLOWED_OBJECTS) return { kind: 'TooManyObjects', followed: matched.length };
  const existing = new Set(subjects.map(subjectKey));
  const records = new Map(delivered.map((r) => [subjectKey(r), r]));
  const outgoing: Outgoing[] = [];
  const kept: DeliveredRecord[] = [];
  const send = (subject: Subject, previous: DeliveredRecord | undefined) => {
    const digest = subjectDigest(subject);
    if (previous?.digest === digest) return;
    const sequence = (previous?.sequence ?? 0) + 1;
    outgoing.push({ subject, sequence, digest, messageId: messageIdOf(subscriptionUid, subject, sequence, digest) });
  };
  for (const subject of matched) {
    const record = records.get(subjectKey(subject));
    if (record) kept.push(record);
    send(subject, record);
  }
  for (const record of delivered) {
    if (existing.has(subjectKey(record)) || !admits(filter, record)) continue;
    kept.push(record);
    send(deletedSubject(record), record);
  }
  const byKey = (a: { subject: Subject }, b: { subject: Subject }) => subjectKey(a.subject).localeCompare(subjectKey(b.subject));
  return { kind: 'Plan', followed: matched.length, outgoing: outgoing.sort(byKey), records: kept };
}

/** The records after `message` was delivered: its object's record replaced, or removed once its deletion was told. */
export function recordDelivery(records: readonly DeliveredRecord[], message: Outgoing): DeliveredRecord[] {
  const key = subjectKey(message.subject);
  const others = records.filter((r) => subjectKey(r) !== key);
  const { subject } = message;
  if (subject.state.kind === 'Deleted') return others;
  return [...others, {
    kind: subject.kind, name: subject.name, host: subject.host, sequence: message.sequence, state: subject.state.kind, digest: message.digest, id: subject.id,
  }];
}
