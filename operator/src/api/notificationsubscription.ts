/**
 * NotificationSubscription (namespaced): a client's request to be told, at a callback URL,
 * whenever a deployment in the subscription's namespace changes state — a package on a host
 * (AppPkgNotification) or an app instance (AppLcmOpOccNotification), shaped after ETSI MEC
 * 010-2 and signed per Standard Webhooks. The operator delivers each followed object's latest
 * state at least once and never an older state after a newer one (docs/north.md,
 * Subscriptions). A subscription sees only its own namespace: that is the tenant boundary.
 */
import { Type, type Static } from 'typebox';
import { CATEGORY, type CustomObject } from './group.js';
import type { CrdDefinition } from './schema/crd.js';
import { cel, enumOf, listMap, listSet } from './schema/k8s.js';
import { conditions, localSecretKeyRef, objectName, observedGeneration, timestamp } from './schema/meta.js';

/** Condition types of a NotificationSubscription; Ready summarises, Reconciling/Stalled are kstatus's. */
export const NOTIFICATION_SUBSCRIPTION_CONDITIONS = ['Ready', 'Suspended', 'Reconciling', 'Stalled'] as const;

/** The notification families a subscription may ask for (the ETSI MEC 010-2 notification data types). */
export const NOTIFICATION_TYPES = ['AppPkgNotification', 'AppLcmOpOccNotification'] as const;

/** The kinds whose state is notified: a package on a host, and an app instance. */
export const SUBJECT_KINDS = ['AppPackage', 'AppInstance'] as const;

/** A deployment's state (operator/src/north/deployment-state.ts), as recorded after delivery. */
export const DELIVERED_STATES = [
  'Creating', 'CreateFailed', 'Distributing', 'DistributeFailed', 'Distributed', 'Instantiating', 'InstantiateFailed', 'Running', 'Terminating',
] as const;

/** Most objects one subscription follows (the size of status.delivered). */
export const MAX_FOLLOWED_OBJECTS = 2048;

const Filter = Type.Object({
  notificationTypes: Type.Optional(Type.Array(enumOf(NOTIFICATION_TYPES, 'A notification family.'), {
    description: 'Which notifications: AppPkgNotification (a package on a host) and/or AppLcmOpOccNotification (an app instance). Absent or empty: both.',
    maxItems: 2, ...listSet(),
  })),
  appPackages: Type.Optional(Type.Array(objectName('Name of an AppPackage in this namespace.'), {
    description: 'Only these AppPackages, and the AppInstances running them. Absent: every package.', maxItems: 256, ...listSet(),
  })),
  appInstances: Type.Optional(Type.Array(objectName('Name of an AppInstance in this namespace.'), {
    description: 'Only these AppInstances (package notifications are not narrowed by it: set notificationTypes for that). Absent: every instance.', maxItems: 256, ...listSet(),
  })),
  hosts: Type.Optional(Type.Array(objectName('Name of an EdgeHost.'), {
    description: 'Only deployments on these EdgeHosts. Absent: every host.', maxItems: 1024, ...listSet(),
  })),
}, { description: 'Which objects of this namespace the subscription follows; all given criteria must hold. Absent: everything in the namespace.' });

/** Desired state of a NotificationSubscription. */
export const NotificationSubscriptionSpec = Type.Object({
  callbackUri: Type.String({
    description: 'Where notifications are POSTed: an https URL (http only where the operator allows it), without user or password. Its host must be allowed by the operator\'s --north-callback-allowlist; the operator resolves it and connects only to an allowed address, and follows no redirects.',
    minLength: 1, maxLength: 2048,
    ...cel({
      rule: "isURL(self) && url(self).getScheme() in ['https', 'http'] && url(self).getHostname() != ''",
      message: 'callbackUri must be an absolute https:// (or http://) URL with a host, e.g. https://appstore.example/notifications',
    }),
  }),
  filter: Type.Optional(Filter),
  secretRef: Type.Optional(localSecretKeyRef(
    'Secret holding the Standard Webhooks signing secret (whsec_ followed by base64 of 24 to 64 random bytes). Every notification is then signed: webhook-signature is v1,<base64 HMAC-SHA256 of "<webhook-id>.<webhook-timestamp>.<body>">. Absent: notifications are not signed.',
    'secret')),
  suspend: Type.Optional(Type.Boolean({
    description: 'Stop delivering; what changes meanwhile is delivered (latest state only) when this is set back to false. Default false.',
    default: false,
  })),
}, { description: 'Where to send notifications, about what, and how to sign them.' });

const Failure = Type.Object({
  time: timestamp('When the attempt failed.'),
  reason: enumOf(['CallbackUnreachable', 'CallbackRefused', 'CallbackTimedOut'],
    'CallbackUnreachable: no connection or no valid answer; CallbackRefused: an HTTP status other than 2xx (redirects are not followed); CallbackTimedOut: no answer in time.'),
  message: Type.String({ description: 'What went wrong (never the callback\'s answer body).', maxLength: 1024 }),
  httpStatus: Type.Optional(Type.Integer({ description: 'The HTTP status the callback answered with.', minimum: 100, maximum: 999 })),
}, { description: 'The last failed delivery attempt.' });

const Delivered = Type.Object({
  kind: enumOf(SUBJECT_KINDS, 'AppPackage (a package on a host) or AppInstance.'),
  name: objectName('Name of the AppPackage or AppInstance.'),
  host: Type.String({ description: 'The EdgeHost (the package\'s target, or the instance\'s host).', maxLength: 253 }),
  sequence: Type.Integer({ description: 'How many notifications about this object were delivered.', format: 'int64', minimum: 1 }),
  state: enumOf(DELIVERED_STATES, 'The state last delivered.'),
  digest: Type.String({ description: 'Digest of the last delivered notification\'s content.', maxLength: 64 }),
  id: Type.String({ description: 'The id notified for the object (appPkgId or appInstanceId), repeated in its deletion notice.', maxLength: 253 }),
}, { description: 'What was last delivered about one followed object.' });

/** Observed state of a NotificationSubscription, written only by the operator. */
export const NotificationSubscriptionStatus = Type.Object({
  observedGeneration: Type.Optional(observedGeneration()),
  conditions: Type.Optional(conditions(NOTIFICATION_SUBSCRIPTION_CONDITIONS)),
  followed: Type.Optional(Type.Integer({ description: 'Objects the subscription follows now.', minimum: 0 })),
  pending: Type.Optional(Type.Integer({ description: 'Followed objects whose latest state is not delivered yet.', minimum: 0 })),
  succeeded: Type.Optional(Type.Integer({ description: 'Notifications delivered (accepted with 2xx) since the subscription was created.', format: 'int64', minimum: 0 })),
  failed: Type.Optional(Type.Integer({ description: 'Delivery attempts that failed since the subscription was created.', format: 'int64', minimum: 0 })),
  lastDeliveryTime: Type.Optional(timestamp('When a notification was last accepted.')),
  consecutiveFailures: Type.Optional(Type.Integer({ description: 'Failed attempts since the last accepted one.', minimum: 0 })),
  failingSince: Type.Optional(timestamp('When the current run of failures began.')),
  lastFailure: Type.Optional(Failure),
  suspendedGeneration: Type.Optional(Type.Integer({
    description: 'The metadata.generation the subscription was suspended at because its callback kept failing; any change of the spec resumes it.',
    format: 'int64', minimum: 0,
  })),
  delivered: Type.Optional(Type.Array(Delivered, {
    description: `What was last delivered per followed object (at most ${MAX_FOLLOWED_OBJECTS}), so a restarted operator neither repeats nor misses a state.`,
    maxItems: MAX_FOLLOWED_OBJECTS, ...listMap('kind', 'name', 'host'),
  })),
}, { description: 'Delivery progress and health, written by the operator.' });

export type NotificationSubscriptionSpec = Static<typeof NotificationSubscriptionSpec>;
export type NotificationSubscriptionStatus = Static<typeof NotificationSubscriptionStatus>;
export type NotificationSubscriptionFilter = Static<typeof Filter>;
export type DeliveryFailure = Static<typeof Failure>;
export type DeliveredRecord = Static<typeof Delivered>;
export type NotificationType = (typeof NOTIFICATION_TYPES)[number];
/** A NotificationSubscription object. */
export type NotificationSubscription = CustomObject<'NotificationSubscription', NotificationSubscriptionSpec, NotificationSubscriptionStatus>;

/** The NotificationSubscription CRD. */
export const notificationSubscriptionCrd: CrdDefinition = {
  kind: 'NotificationSubscription',
  plural: 'notificationsubscriptions',
  singular: 'notificationsubscription',
  shortNames: ['nsub'],
  categories: [CATEGORY],
  scope: 'Namespaced',
  description: 'NotificationSubscription asks the operator to POST a signed notification (ETSI MEC 010-2 AppPkgNotification or AppLcmOpOccNotification, Standard Webhooks headers) to a callback URL whenever a package on a host or an app instance in this namespace changes state. Retried with backoff; suspended when the callback keeps failing.',
  spec: NotificationSubscriptionSpec,
  status: NotificationSubscriptionStatus,
  printerColumns: [
    { name: 'Callback', type: 'string', jsonPath: '.spec.callbackUri', description: 'Where notifications go.' },
    { name: 'Objects', type: 'integer', jsonPath: '.status.followed', description: 'Objects followed.' },
    { name: 'Delivered', type: 'integer', jsonPath: '.status.succeeded', description: 'Notifications delivered.' },
    { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status', description: 'Whether every followed object\'s latest state was delivered.' },
    { name: 'Suspended', type: 'string', jsonPath: '.status.conditions[?(@.type=="Suspended")].status', description: 'Whether deliveries are suspended.' },
    { name: 'Reason', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].reason', description: 'Why the subscription is (not) Ready.', priority: 1 },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp', description: 'Time since the subscription was created.' },
  ],
};
