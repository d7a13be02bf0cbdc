/**
 * The notification bodies (pure), shaped after ETSI MEC 010-2 — AppPkgNotification for a
 * package on a host, AppLcmOpOccNotification for an app instance — plus the EdgeGallery status
 * words North answers with, so an appstore-like client can act on a notification as it acts on
 * a poll. No field is ever null: what is unknown is absent.
 *
 *   package state     notificationType        instance state      operationType / operationState
 *   Distributed       AppPackageOnBoarded     Running             INSTANTIATE|OPERATE / COMPLETED
 *   Deleted           AppPackageDeleted       *Failed             INSTANTIATE|OPERATE / FAILED
 *   anything else     AppPkgStateChange       Terminating         TERMINATE / PROCESSING
 *                                             Deleted             TERMINATE / COMPLETED
 *                                             anything else       INSTANTIATE|OPERATE / PROCESSING
 */
import { createHash } from 'node:crypto';
import { API_VERSION } from '../../api/group.js';
import type { Json } from '../answers.js';
import type { DeploymentState } from '../deployment-state.js';
import { distributionWord, failureOf, orderWord, podWord } from '../status-words.js';
import type { InstanceSubject, PackageSubject, Subject, SubjectState } from './subjects.js';

/** What every notification of one message carries besides its subject. */
export interface Envelope {
  /** The message id (also webhook-id). */
  readonly id: string;
  /** The subscription's uid. */
  readonly subscriptionId: string;
  readonly namespace: string;
  readonly subscriptionName: string;
  readonly time: Date;
  /** The EdgeHost's address (the appstore's mecHost), when it has one. */
  readonly mecHost?: string;
}

export type OperationState = 'PROCESSING' | 'COMPLETED' | 'FAILED';

const apiPath = (namespace: string, plural: string, name: string) =>
  `/apis/${API_VERSION}/namespaces/${encodeURIComponent(namespace)}/${plural}/${encodeURIComponent(name)}`;

/** ETSI MEC TimeStamp: seconds and nanoseconds since the epoch. */
function timeStamp(time: Date): Json {
  const ms = time.getTime();
  return { seconds: Math.floor(ms / 1000), nanoSeconds: (ms % 1000) * 1_000_000 };
}

/** EdgeGallery's words for a state (none for a deleted object: EdgeGallery had no word for it). */
function words(state: SubjectState): { status?: string; hostStatus?: string; podStatus?: string; message?: string } {
  if (state.kind === 'Deleted') return {};
  const live: DeploymentState = state;
  return { status: orderWord(live), hostStatus: distributionWord(live), podStatus: podWord(live), message: failureOf(live) };
}

export function operationStateOf(state: SubjectState): OperationState {
  switch (state.kind) {
    case 'Running':
    case 'Deleted':
      return 'COMPLETED';
    case 'CreateFailed':
    case 'DistributeFailed':
    case 'InstantiateFailed':
      return 'FAILED';
    default:
      return 'PROCESSING';
  }
}

function packageNotification(subject: PackageSubject, envelope: Envelope): Json {
  const { status, hostStatus, message } = words(subject.state);
  const type = subject.state.kind === 'Distributed' ? 'AppPackageOnBoarded' : subject.state.kind === 'Deleted' ? 'AppPackageDeleted' : 'AppPkgStateChange';
  return {
    id: envelope.id, notificationType: type, subscriptionId: envelope.subscriptionId, timeStamp: timeStamp(envelope.time),
    appPkgId: subject.id, appPkgName: subject.name, namespace: envelope.namespace, hostName: subject.host, mecHost: envelope.mecHost, orderId: subject.orderId,
    state: subject.state.kind, status, hostStatus, message,
    _links: {
      subscription: { href: apiPath(envelope.namespace, 'notificationsubscriptions', envelope.subscriptionName) },
      appPkg: { href: apiPath(envelope.namespace, 'apppackages', subject.name) },
    },
  };
}

/** The id of an instance's current operation: its id, the operation and when it started. */
export function appLcmOpOccIdOf(subject: InstanceSubject): string {
  const text = [subject.id, subject.operationType, subject.operationStarted ?? ''].join('\n');
  return `op_${createHash('sha256').update(text).digest('hex').slice(0, 32)}`;
}

function instanceNotification(subject: InstanceSubject, envelope: Envelope): Json {
  const { status, podStatus, message } = words(subject.state);
  return {
    id: envelope.id, notificationType: 'AppLcmOpOccNotification', subscriptionId: envelope.subscriptionId, timeStamp: timeStamp(envelope.time),
    operationType: subject.operationType, operationState: operationStateOf(subject.state),
    appInstanceId: subject.id, appLcmOpOccId: appLcmOpOccIdOf(subject), appInstanceName: subject.name, appPkgName: subject.packageName,
    namespace: envelope.namespace, hostName: subject.host, mecHost: envelope.mecHost, orderId: subject.orderId,
    state: subject.state.kind, status, podStatus, message,
    _links: {
      subscription: { href: apiPath(envelope.namespace, 'notificationsubscriptions', envelope.subscriptionName) },
      appInstance: { href: apiPath(envelope.namespace, 'appinstances', subject.name) },
    },
  };
}

/** The notification about `subject`, undefined fields dropped (serialise with JSON.stringify). */
export function notificationOf(subject: Subject, envelope: Envelope): Json {
  return subject.kind === 'AppPackage' ? packageNotification(subject, envelope) : instanceNotification(subject, envelope);
}
