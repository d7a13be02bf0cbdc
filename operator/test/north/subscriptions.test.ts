/**
 * NotificationSubscriptions on the real hub, with the operator's subscriptions controller
 * running (a Manager as the chart's ServiceAccount, options from the operator's own flags) and
 * local receivers. The suite plays the APM and LCM controllers by writing AppPackage and
 * AppInstance status through the API server, so every state is reached exactly when the test
 * wants it. Loopback receivers need the allowlist to allow 127.0.0.1 explicitly and http:
 * that is this suite's deliberate setting (--north-callback-allowlist=127.0.0.1/32
 * --north-callback-allow-http); 127.0.0.2 stays refused.
 *
 *   signed notifications in order, deletion told ─ retries with one webhook-id ─ suspension and
 *   resume ─ a restart in the middle of retries (same id after it; only the latest state after
 *   a change while down) ─ callbacks the allowlist refuses ─ a missing secret ─ tenancy ─ and,
 *   with the real AppPackage controller, the state it writes for a package it refuses
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { waitFor } from '../../../testenv/src/process.js';
import type { AppInstance } from '../../src/api/appinstance.js';
import type { AppPackage } from '../../src/api/apppackage.js';
import type { NotificationSubscription, NotificationSubscriptionSpec } from '../../src/api/notificationsubscription.js';
import { mecmTypes } from '../../src/api/resources.js';
import type { Tenant } from '../../src/api/tenant.js';
import { parseConfig } from '../../src/config.js';
import { registerSubscriptionController } from '../../src/north/subscriptions/controller.js';
import { EventRecorder } from '../../src/runtime/events.js';
import { coreTypes, type KubeObject } from '../../src/runtime/kube/resource.js';
import { ResourceClient } from '../../src/runtime/kube/resource-client.js';
import { Manager } from '../../src/runtime/manager.js';
import { Tenancy } from '../../src/tenancy/tenancy.js';
import { envStartTimeoutMs } from '../support/env.js';
import { testLogger } from '../support/logger.js';
import { operatorKubeConfig } from '../support/operator-identity.js';
import { startOperator, type TestOperator } from '../support/operator.js';
import { appInstance, appPackage, instanceStatus, packageStatus, type InstanceStep, type PackageStep } from './support/subscription-fixtures.js';
import { WebhookReceiver, type Received } from './support/webhook-receiver.js';

const waitMs = 30_000;
const notACsar = Buffer.from('this is not a CSAR, nor any zip archive\n');

/** The subscriptions controller as the operator wires it, from the operator's flags. */
async function startDelivery(op: TestOperator): Promise<Manager> {
  const config = parseConfig(['--north-callback-allowlist=127.0.0.1/32', '--north-callback-allow-http', '--north-callback-suspend-after=3'], {});
  if (config === 'help') throw new Error('unreachable');
  const manager = await Manager.create({ hub: await operatorKubeConfig(op.shared.hub), log: testLogger() });
  registerSubscriptionController(manager, {
    workers: 2, timeoutMs: 2000, parallel: 4, recheckMs: 1000,
    events: new EventRecorder(manager.hub, 'mecm-operator', 'test', testLogger()),
    tenancy: new Tenancy(manager.informer<Tenant>(mecmTypes.tenant), config.enforceTenancy),
    policy: { entries: config.callbacks.allowlist, allowHttp: config.callbacks.allowHttp },
    retry: { baseMs: 100, capMs: 800, jitter: 0.2, suspendAfterMs: config.callbacks.suspendAfterSeconds * 1000, suspendAfterFailures: 5 },
  });
  await manager.start();
  return manager;
}

/** The states of `name` a receiver got, in order. */
const statesOf = (received: readonly Received[], name: string) =>
  received.filter((r) => (r.body.notificationType === 'AppLcmOpOccNotification' ? r.body.appInstanceName : r.body.appPkgName) === name).map((r) => String(r.body.state));

/** Accepted states never go back in `written` order (a repeat of the same message is allowed). */
function assertInOrder(accepted: readonly string[], written: readonly string[]): void {
  let last = -1;
  for (const state of accepted) {
    const index = written.indexOf(state, Math.max(last, 0));
    assert.ok(index >= last && index >= 0, `${state} after ${written[last] ?? 'nothing'} (accepted ${accepted.join(', ')}; written ${written.join(', ')})`);
    last = index;
  }
}

describe('North subscriptions on the real hub', function () {
  let op: TestOperator;
  let delivery: Manager | undefined;
  let receiver: WebhookReceiver;
  let elsewhere: WebhookReceiver;
  let namespace: string;
  let subscriptions: ResourceClient<NotificationSubscription>;
  let packages: ResourceClient<AppPackage>;
  let instances: ResourceClient<AppInstance>;
  const extraNamespaces: string[] = [];

  const subscribe = (name: string, spec: Partial<NotificationSubscriptionSpec> & { callbackUri: string }, ns = namespace) =>
    subscriptions.create({ apiVersion: 'mecm.io/v1alpha1', kind: 'NotificationSubscription', metadata: { name, namespace: ns }, spec });
  const statusOf = async (name: string, ns = namespace) => (await subscriptions.get(name, ns)).status ?? {};
  const condition = async (name: string, type: string, ns = namespace) => (await statusOf(name, ns)).conditions?.find((c) => c.type === type);
  // Merge patches keep what they do not name: conditions are always sent, emptied when the step has none.
  const setPackage = (name: string, step: PackageStep, hosts: string[]) => packages.patch(name, namespace, 'merge', { status: { conditions: [], ...packageStatus(step, hosts) } }, 'status');
  const setInstance = (name: string, step: InstanceStep, startTime?: string) => instances.patch(name, namespace, 'merge', { status: { conditions: [], ...instanceStatus(step, startTime) } }, 'status');
  const placed = <T extends { metadata: { namespace?: string } }>(object: T): T => ({ ...object, metadata: { ...object.metadata, namespace, uid: undefined } });
  const acceptedState = (path: string, name: string, state: string) => async () => statesOf(receiver.accepted(path), name).includes(state);

  before(async function () {
    this.timeout(envStartTimeoutMs);
    namespace = `subs-${Date.now().toString(36)}`;
    op = await startOperator({ namespace, controllers: [] });
    subscriptions = new ResourceClient<NotificationSubscription>(op.direct, mecmTypes.notificationSubscription);
    packages = new ResourceClient<AppPackage>(op.direct, mecmTypes.appPackage);
    instances = new ResourceClient<AppInstance>(op.direct, mecmTypes.appInstance);
    receiver = await WebhookReceiver.start('127.0.0.1');
    elsewhere = await WebhookReceiver.start('127.0.0.2');
    delivery = await startDelivery(op);
  });

  after(async function () {
    this.timeout(60_000);
    await delivery?.stop();
    await receiver?.stop();
    await elsewhere?.stop();
    const namespaces = new ResourceClient<KubeObject>(op.direct, coreTypes.namespace);
    for (const ns of [namespace, ...extraNamespaces]) await namespaces.delete(ns).catch(() => undefined);
    await op?.stop();
  });

  it('delivers signed notifications of a package and an instance, in order, and tells the deletion', async function () {
    this.timeout(120_000);
    const secret = `whsec_${randomBytes(32).toString('base64')}`;
    const secrets = new ResourceClient<KubeObject & { stringData: Record<string, string> }>(op.direct, coreTypes.secret);
    await secrets.create({ metadata: { name: 'hook-secret', namespace }, stringData: { secret } });
    receiver.behave('/s/flow', { secret });
    await subscribe('flow', { callbackUri: receiver.url('/s/flow'), secretRef: { name: 'hook-secret' } });

    const pkgWritten: PackageStep[] = ['Creating', 'Distributing', 'Distributed'];
    await packages.create(placed(appPackage('etherpad', ['edge-a'])));
    await waitFor('Creating told', acceptedState('/s/flow', 'etherpad', 'Creating'), waitMs);
    for (const step of pkgWritten.slice(1)) {
      await setPackage('etherpad', step, ['edge-a']);
      await waitFor(`${step} told`, acceptedState('/s/flow', 'etherpad', step), waitMs);
    }
    await instances.create(placed(appInstance('etherpad-1', 'etherpad', 'edge-a')));
    await waitFor('Instantiating told', acceptedState('/s/flow', 'etherpad-1', 'Instantiating'), waitMs);
    await setInstance('etherpad-1', 'Running');
    await waitFor('Running told', acceptedState('/s/flow', 'etherpad-1', 'Running'), waitMs);
    await instances.delete('etherpad-1', namespace);
    await waitFor('the deletion told', acceptedState('/s/flow', 'etherpad-1', 'Deleted'), waitMs);

    const got = receiver.accepted('/s/flow');
    assert.ok(got.every((r) => r.verified === true), 'every notification verifies with the independent Standard Webhooks verifier');
    const flow = await subscriptions.get('flow', namespace);
    assert.ok(got.every((r) => r.headers['webhook-id'] === r.body.id && r.body.subscriptionId === flow.metadata.uid), 'webhook-id is the body\'s id; subscriptionId the subscription\'s uid');
    assert.ok(got.every((r) => Math.abs(Number(r.headers['webhook-timestamp']) - Date.now() / 1000) < 120), 'timestamps are now, in seconds');
    assert.ok(got.every((r) => !r.raw.includes('null')), 'no JSON null');
    assertInOrder(statesOf(got, 'etherpad'), pkgWritten);
    assert.deepEqual([...new Set(statesOf(got, 'etherpad'))], pkgWritten);
    assert.deepEqual([...new Set(statesOf(got, 'etherpad-1'))], ['Instantiating', 'Running', 'Deleted']);
    const onboarded = got.find((r) => r.body.state === 'Distributed');
    assert.deepEqual([onboarded?.body.notificationType, onboarded?.body.status, onboarded?.body.hostStatus], ['AppPackageOnBoarded', 'Distributed', 'Distributed']);
    const running = got.find((r) => r.body.state === 'Running');
    assert.deepEqual([running?.body.notificationType, running?.body.operationType, running?.body.operationState, running?.body.status, running?.body.podStatus],
      ['AppLcmOpOccNotification', 'INSTANTIATE', 'COMPLETED', 'Finished', 'Running']);
    const deleted = got.find((r) => r.body.state === 'Deleted');
    assert.deepEqual([deleted?.body.operationType, deleted?.body.operationState, deleted?.body.appInstanceId], ['TERMINATE', 'COMPLETED', running?.body.appInstanceId]);

    await waitFor('the subscription up to date', async () => (await condition('flow', 'Ready'))?.reason === 'UpToDate', waitMs);
    const status = await statusOf('flow');
    assert.equal(status.succeeded, new Set(got.map((r) => r.headers['webhook-id'])).size);
    assert.deepEqual(status.delivered?.map((r) => [r.kind, r.name, r.host, r.state]), [['AppPackage', 'etherpad', 'edge-a', 'Distributed']], 'the deleted instance is forgotten');
    assert.equal(status.followed, 1);
  });

  it('retries a failing callback with the same webhook-id and the same body, and clears the failure once it answers', async function () {
    this.timeout(60_000);
    receiver.behave('/s/retry', { failNext: 3 });
    await subscribe('retry', { callbackUri: receiver.url('/s/retry'), filter: { notificationTypes: ['AppPkgNotification'], appPackages: ['etherpad'] } });
    await waitFor('delivered after three failures', async () => receiver.accepted('/s/retry').length === 1, waitMs);
    const attempts = receiver.at('/s/retry');
    assert.deepEqual(attempts.map((a) => a.status), [503, 503, 503, 204]);
    assert.equal(new Set(attempts.map((a) => a.headers['webhook-id'])).size, 1, 'one message id');
    assert.equal(new Set(attempts.map((a) => a.raw)).size, 1, 'the same bytes');
    assert.equal(attempts[0]?.headers['webhook-signature'], undefined, 'no secret, no signature');
    await waitFor('Ready again', async () => (await condition('retry', 'Ready'))?.reason === 'UpToDate', waitMs);
    const status = await statusOf('retry');
    assert.deepEqual([status.succeeded, status.failed, status.consecutiveFailures, status.lastFailure?.reason, status.lastFailure?.httpStatus], [1, 3, undefined, 'CallbackRefused', 503]);
  });

  it('suspends a callback that keeps failing, says why, sends nothing more, and resumes with the latest state when the spec changes', async function () {
    this.timeout(90_000);
    receiver.behave('/s/down', { always: 500 });
    await subscribe('down', { callbackUri: receiver.url('/s/down'), filter: { notificationTypes: ['AppPkgNotification'] } });
    await waitFor('Suspended', async () => (await condition('down', 'Suspended'))?.status === 'True', waitMs, 200);
    const suspended = await subscriptions.get('down', namespace);
    const status = suspended.status ?? {};
    const ready = status.conditions?.find((c) => c.type === 'Ready');
    assert.deepEqual([ready?.status, ready?.reason, status.lastFailure?.reason, status.lastFailure?.httpStatus, status.suspendedGeneration],
      ['False', 'CallbackFailing', 'CallbackRefused', 500, suspended.metadata.generation]);
    assert.ok((status.consecutiveFailures ?? 0) >= 5, `failures in a row: ${status.consecutiveFailures}`);
    assert.match(ready?.message ?? '', /failed \d+ times in a row over \d+ s .*HTTP 500/);
    const events = await new ResourceClient<KubeObject & { reason?: string; type?: string; involvedObject?: { name?: string } }>(op.direct, coreTypes.event).list({ namespace });
    assert.ok(events.items.some((e) => e.involvedObject?.name === 'down' && e.reason === 'CallbackFailing' && e.type === 'Warning'), 'a Warning event');

    // A change while suspended is not sent; the 'flow' subscription shows the change was seen.
    const before = receiver.at('/s/down').length;
    await setPackage('etherpad', 'Distributing', ['edge-a']);
    await waitFor('flow told the change', async () => statesOf(receiver.accepted('/s/flow'), 'etherpad').at(-1) === 'Distributing', waitMs);
    assert.equal(receiver.at('/s/down').length, before, 'nothing sent while suspended');

    receiver.behave('/s/down', { always: 0 });
    await subscriptions.patch('down', namespace, 'merge', { spec: { callbackUri: `${receiver.url('/s/down')}?resumed=1` } });
    await waitFor('resumed and told', async () => receiver.accepted('/s/down').length > 0, waitMs);
    assert.deepEqual(statesOf(receiver.accepted('/s/down'), 'etherpad'), ['Distributing'], 'the latest state only');
    await waitFor('Ready', async () => (await condition('down', 'Ready'))?.reason === 'UpToDate', waitMs);
    assert.deepEqual([(await condition('down', 'Suspended'))?.status, (await statusOf('down')).suspendedGeneration], ['False', undefined]);
    await setPackage('etherpad', 'Distributed', ['edge-a']);
  });

  it('survives a restart in the middle of retries: the same webhook-id after it, and only the latest state after a change while down', async function () {
    this.timeout(120_000);
    const path = '/s/restart';
    const written: InstanceStep[] = [];
    const write = async (step: InstanceStep, startTime?: string) => {
      written.push(step);
      await setInstance('web-1', step, startTime);
    };
    await subscribe('restart', { callbackUri: receiver.url(path), filter: { appInstances: ['web-1'], notificationTypes: ['AppLcmOpOccNotification'] } });
    written.push('Instantiating');
    await instances.create(placed(appInstance('web-1', 'etherpad', 'edge-a')));
    await waitFor('Instantiating told', acceptedState(path, 'web-1', 'Instantiating'), waitMs);

    // Phase 1: the callback fails; the operator stops while retrying; the callback recovers.
    receiver.behave(path, { always: 503 });
    await write('InstantiateFailed');
    await waitFor('two failed attempts', async () => receiver.at(path).filter((r) => r.status === 503).length >= 2, waitMs, 20);
    await delivery!.stop();
    const failedIds = new Set(receiver.at(path).filter((r) => r.status === 503).map((r) => r.headers['webhook-id']));
    assert.equal(failedIds.size, 1);
    receiver.behave(path, { always: 0 });
    delivery = await startDelivery(op);
    await waitFor('InstantiateFailed told after the restart', acceptedState(path, 'web-1', 'InstantiateFailed'), waitMs);
    const afterRestart = receiver.accepted(path).find((r) => r.body.state === 'InstantiateFailed');
    assert.equal(afterRestart?.headers['webhook-id'], [...failedIds][0], 'the same message id across the restart');

    // Phase 2: a new attempt is retried, the operator stops, the instance runs meanwhile.
    receiver.behave(path, { always: 503 });
    await write('Instantiating', '2026-03-01T00:00:00Z');
    await waitFor('two failed attempts of the new state', async () => receiver.at(path).filter((r) => r.status === 503 && r.body.state === 'Instantiating').length >= 2, waitMs, 20);
    await delivery!.stop();
    delivery = undefined;
    await write('Running', '2026-03-01T00:00:00Z');
    receiver.behave(path, { always: 0 });
    delivery = await startDelivery(op);
    await waitFor('Running told', acceptedState(path, 'web-1', 'Running'), waitMs);
    await waitFor('up to date', async () => (await condition('restart', 'Ready'))?.reason === 'UpToDate', waitMs);

    const accepted = statesOf(receiver.accepted(path), 'web-1');
    assertInOrder(accepted, written);
    assert.deepEqual(accepted, ['Instantiating', 'InstantiateFailed', 'Running'], 'the retried Instantiating was replaced by the newer Running');
    const ids = receiver.accepted(path).map((r) => r.headers['webhook-id']);
    assert.equal(new Set(ids).size, ids.length, 'nothing delivered twice: the records survived the restarts');
    const sequence = (await statusOf('restart')).delivered?.find((r) => r.name === 'web-1')?.sequence;
    assert.equal(sequence, 3);
  });

  it('refuses callbacks the allowlist does not allow, without a request, and says so', async function () {
    this.timeout(60_000);
    await subscribe('inside', { callbackUri: elsewhere.url('/s/inside') });
    await subscribe('metadata', { callbackUri: 'http://169.254.169.254/latest/meta-data' });
    for (const [name, address] of [['inside', '127.0.0.2'], ['metadata', '169.254.169.254']] as const) {
      await waitFor(`${name} refused`, async () => (await condition(name, 'Stalled'))?.reason === 'CallbackNotAllowed', waitMs);
      const ready = await condition(name, 'Ready');
      assert.equal(ready?.status, 'False');
      assert.ok(ready?.message.includes(address) && ready.message.includes('--north-callback-allowlist'), ready?.message);
    }
    assert.equal(elsewhere.received.length, 0, 'no request reached 127.0.0.2');
  });

  it('waits for a missing signing secret, naming it', async function () {
    this.timeout(60_000);
    await subscribe('unsigned', { callbackUri: receiver.url('/s/unsigned'), secretRef: { name: 'not-there' } });
    await waitFor('SecretNotFound', async () => (await condition('unsigned', 'Stalled'))?.reason === 'SecretNotFound', waitMs);
    assert.match((await condition('unsigned', 'Ready'))?.message ?? '', /not-there does not exist/);
    assert.equal(receiver.at('/s/unsigned').length, 0, 'nothing is sent unsigned when a signature was asked for');
  });

  it('delivers nothing for a namespace no Tenant governs', async function () {
    this.timeout(60_000);
    const ungoverned = `${namespace}-x`;
    extraNamespaces.push(ungoverned);
    await new ResourceClient<KubeObject>(op.direct, coreTypes.namespace).create({ metadata: { name: ungoverned } });
    await subscribe('stray', { callbackUri: receiver.url('/s/stray') }, ungoverned);
    await waitFor('NotPermitted', async () => (await condition('stray', 'Stalled', ungoverned))?.reason === 'NotPermitted', waitMs);
    assert.match((await condition('stray', 'Ready', ungoverned))?.message ?? '', /governed by no Tenant/);
    assert.equal(receiver.at('/s/stray').length, 0);
  });
});

describe('North subscriptions with the AppPackage controller running', function () {
  let op: TestOperator;
  let delivery: Manager | undefined;
  let receiver: WebhookReceiver;
  let source: Server;
  let namespace: string;

  before(async function () {
    this.timeout(envStartTimeoutMs);
    namespace = `subs-apm-${Date.now().toString(36)}`;
    op = await startOperator({ namespace, controllers: ['apppackage'] });
    receiver = await WebhookReceiver.start('127.0.0.1');
    // A package source that serves bytes which are not a CSAR.
    source = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(notACsar));
    await new Promise<void>((resolve) => source.listen(0, '127.0.0.1', resolve));
    delivery = await startDelivery(op);
  });

  after(async function () {
    this.timeout(60_000);
    await delivery?.stop();
    await receiver?.stop();
    source?.closeAllConnections();
    await new Promise<void>((resolve) => (source ? source.close(() => resolve()) : resolve()));
    await op?.stop();
  });

  it('tells the state the controller wrote: a package refused at inspection is Create Error with the controller\'s message', async function () {
    this.timeout(120_000);
    const subscriptions = new ResourceClient<NotificationSubscription>(op.direct, mecmTypes.notificationSubscription);
    const packages = new ResourceClient<AppPackage>(op.direct, mecmTypes.appPackage);
    await subscriptions.create({ apiVersion: 'mecm.io/v1alpha1', kind: 'NotificationSubscription', metadata: { name: 'apm', namespace }, spec: { callbackUri: receiver.url('/s/apm') } });
    const url = `http://127.0.0.1:${(source.address() as AddressInfo).port}/broken.csar`;
    await packages.create({
      apiVersion: 'mecm.io/v1alpha1', kind: 'AppPackage', metadata: { name: 'broken', namespace },
      spec: { source: { http: { url } }, sha256: createHash('sha256').update(notACsar).digest('hex'), distribution: { hostNames: ['edge-z'] } },
    });
    await waitFor('Create Error told', async () => receiver.accepted('/s/apm').some((r) => r.body.status === 'Create Error'), waitMs);
    const told = receiver.accepted('/s/apm').filter((r) => r.body.appPkgName === 'broken');
    const last = told.at(-1)!.body;
    const pkg = await packages.get('broken', namespace);
    const stalled = pkg.status?.conditions?.find((c) => c.type === 'Stalled');
    assert.deepEqual([last.state, last.hostName, last.hostStatus, last.message], ['CreateFailed', 'edge-z', 'Error', stalled?.message], 'the controller\'s own words');
    assertInOrder(told.map((r) => String(r.body.state)), ['Creating', 'CreateFailed']);
  });
});
