/**
 * Objects for the subscription tests: AppPackages and AppInstances in the states a deployment
 * passes through (the conditions deployment-state.ts reads), a subscription, and an independent
 * Standard Webhooks verifier written from the specification (not the operator's signer), so a
 * test that passes proves the signatures are what any receiver would accept.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { AppInstance } from '../../../src/api/appinstance.js';
import type { AppPackage } from '../../../src/api/apppackage.js';
import type { NotificationSubscription, NotificationSubscriptionSpec } from '../../../src/api/notificationsubscription.js';

const at = '2026-01-02T03:04:05Z';
const condition = (type: string, message = '') => ({ type, status: 'True' as const, reason: 'Test', message, lastTransitionTime: at });

/** Package states a test can put on one host. */
export type PackageStep = 'Creating' | 'CreateFailed' | 'Distributing' | 'DistributeFailed' | 'Distributed';

/** The status an AppPackage has when its deployment on each of `hosts` is at `step`. */
export function packageStatus(step: PackageStep, hosts: readonly string[]): NonNullable<AppPackage['status']> {
  switch (step) {
    case 'Creating': return {};
    case 'CreateFailed': return { conditions: [condition('Stalled', 'the package digest does not match spec.sha256')] };
    case 'Distributing': return { conditions: [condition('Parsed')], hosts: hosts.map((name) => ({ name, state: 'Distributing' as const })) };
    case 'DistributeFailed': return { conditions: [condition('Parsed')], hosts: hosts.map((name) => ({ name, state: 'Error' as const, message: 'the registry refused the push' })) };
    case 'Distributed': return { conditions: [condition('Parsed')], hosts: hosts.map((name) => ({ name, state: 'Distributed' as const })) };
  }
}

export function appPackage(name: string, hosts: readonly string[], step: PackageStep = 'Creating', extra: Partial<AppPackage['metadata']> = {}): AppPackage {
  return {
    apiVersion: 'mecm.io/v1alpha1', kind: 'AppPackage', metadata: { name, namespace: 'team-a', uid: `uid-${name}`, ...extra },
    spec: { source: { http: { url: 'http://packages.example/p.csar' } }, distribution: { hostNames: [...hosts] } },
    status: packageStatus(step, hosts),
  };
}

/** Instance states (its package being Distributed). */
export type InstanceStep = 'Instantiating' | 'InstantiateFailed' | 'Running';

export function instanceStatus(step: InstanceStep, startTime = at): NonNullable<AppInstance['status']> {
  const lastOperation = { operationType: 'INSTANTIATE' as const, operationState: 'PROCESSING' as const, startTime, stateEnteredTime: startTime };
  switch (step) {
    case 'Instantiating': return { phase: 'Installing', lastOperation };
    case 'InstantiateFailed': return { conditions: [condition('Stalled', 'the chart failed to install')], lastOperation: { ...lastOperation, operationState: 'FAILED' } };
    case 'Running': return { conditions: [condition('Ready')], lastOperation: { ...lastOperation, operationState: 'COMPLETED' } };
  }
}

export function appInstance(name: string, packageName: string, host: string, step: InstanceStep = 'Instantiating', extra: Partial<AppInstance['metadata']> = {}): AppInstance {
  return {
    apiVersion: 'mecm.io/v1alpha1', kind: 'AppInstance', metadata: { name, namespace: 'team-a', uid: `uid-${name}`, ...extra },
    spec: { packageRef: { name: packageName }, hostRef: { name: host }, namespace: 'team-a-web' },
    status: instanceStatus(step),
  };
}

export function subscription(spec: Partial<NotificationSubscriptionSpec> = {}, status: NotificationSubscription['status'] = {}, generation = 1): NotificationSubscription {
  return {
    apiVersion: 'mecm.io/v1alpha1', kind: 'NotificationSubscription',
    metadata: { name: 'appstore', namespace: 'team-a', uid: 'uid-subscription', generation },
    spec: { callbackUri: 'https://appstore.example/notifications', ...spec }, status,
  };
}

/**
 * Standard Webhooks verification, from the specification: the secret is base64 after `whsec_`;
 * the signed content is `${id}.${timestamp}.${body}`; the header holds space-separated
 * `v1,<base64>` signatures, one of which must match; the timestamp must be within `toleranceS`.
 */
export function verifyStandardWebhook(secret: string, headers: Readonly<Record<string, string | undefined>>, body: string, nowS: number, toleranceS = 300): boolean {
  const id = headers['webhook-id'];
  const timestamp = headers['webhook-timestamp'];
  const signatures = headers['webhook-signature'];
  if (!id || !timestamp || !signatures || !/^\d+$/.test(timestamp)) return false;
  if (Math.abs(nowS - Number(timestamp)) > toleranceS) return false;
  const key = Buffer.from(secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret, 'base64');
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest();
  return signatures.split(' ').some((entry) => {
    const [version, value] = entry.split(',');
    if (version !== 'v1' || !value) return false;
    const given = Buffer.from(value, 'base64');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}
