/**
 * What a subscription delivers, as tables over plain objects: the subjects of a namespace, what
 * is due against what was delivered (latest state only, deletions, filter changes), message ids
 * across retries and restarts, the notification bodies, and the per-reconcile decision.
 */
import assert from 'node:assert/strict';
import { MAX_FOLLOWED_OBJECTS, type DeliveredRecord } from '../../src/api/notificationsubscription.js';
import { allowed, refused } from '../../src/tenancy/verdict.js';
import { decideSubscription } from '../../src/north/subscriptions/decide.js';
import { appLcmOpOccIdOf, notificationOf, type Envelope } from '../../src/north/subscriptions/notification.js';
import { planDeliveries, recordDelivery, type DeliveryPlan, type Outgoing } from '../../src/north/subscriptions/plan.js';
import { admits, subjectsOf, type InstanceSubject, type Subject } from '../../src/north/subscriptions/subjects.js';
import { appInstance, appPackage, instanceStatus, subscription } from './support/subscription-fixtures.js';

const uid = 'uid-subscription';

function outgoingOf(plan: DeliveryPlan): readonly Outgoing[] {
  assert.equal(plan.kind, 'Plan');
  return plan.kind === 'Plan' ? plan.outgoing : [];
}

/** Delivers every message of the plan (as the controller records successes). */
function deliverAll(plan: DeliveryPlan): DeliveredRecord[] {
  assert.equal(plan.kind, 'Plan');
  if (plan.kind !== 'Plan') return [];
  return plan.outgoing.reduce<DeliveredRecord[]>((records, message) => recordDelivery(records, message), [...plan.records]);
}

const summary = (plan: DeliveryPlan) => outgoingOf(plan).map((m) => `${m.subject.kind}/${m.subject.name}/${m.subject.host} ${m.subject.state.kind} #${m.sequence}`);

describe('Subscriptions: subjects of a namespace', () => {
  it('makes one subject per package host and one per instance, the instance in its deployment state', () => {
    const subjects = subjectsOf([appPackage('etherpad', ['edge-1', 'edge-2'], 'Distributed')], [appInstance('etherpad-1', 'etherpad', 'edge-1', 'Running')]);
    assert.deepEqual(subjects.map((s) => `${s.kind}/${s.name}/${s.host}=${s.state.kind}`),
      ['AppInstance/etherpad-1/edge-1=Running', 'AppPackage/etherpad/edge-1=Distributed', 'AppPackage/etherpad/edge-2=Distributed']);
  });

  it('shows an instance whose package is still distributing in the package\'s state', () => {
    const [instance] = subjectsOf([appPackage('etherpad', ['edge-1'], 'Distributing')], [appInstance('etherpad-1', 'etherpad', 'edge-1', 'Running')]);
    assert.equal(instance?.state.kind, 'Distributing');
  });

  it('takes the appstore\'s ids from North\'s label and annotation, else the uid', () => {
    const north = subjectsOf(
      [appPackage('lcm-p', ['edge-1'], 'Distributed', { annotations: { 'north.mecm.io/package-id': 'p-42' }, labels: { 'north.mecm.io/order': 'order-7' } })],
      [appInstance('lcm-i', 'lcm-p', 'edge-1', 'Running', { labels: { 'north.mecm.io/app-instance-id': 'i-42' } })]);
    assert.deepEqual(north.map((s) => [s.kind, s.id, s.orderId]), [['AppInstance', 'i-42', undefined], ['AppPackage', 'p-42', 'order-7']]);
    const plain = subjectsOf([appPackage('p', ['edge-1'])], [appInstance('i', 'p', 'edge-1')]);
    assert.deepEqual(plain.map((s) => s.id), ['uid-i', 'uid-p']);
    // An annotation too long for status.delivered[].id would make every status write fail.
    const long = subjectsOf([appPackage('p', ['edge-1'], 'Creating', { annotations: { 'north.mecm.io/package-id': 'x'.repeat(254) } })], []);
    assert.deepEqual(long.map((s) => s.id), ['uid-p']);
  });

  it('filters by notification type, package (instances by their package), instance and host', () => {
    const subjects = subjectsOf(
      [appPackage('a', ['edge-1', 'edge-2'], 'Distributed'), appPackage('b', ['edge-1'], 'Distributed')],
      [appInstance('a-1', 'a', 'edge-1', 'Running'), appInstance('b-1', 'b', 'edge-1', 'Running')]);
    const keys = (filter: Parameters<typeof admits>[0]) => subjects.filter((s) => admits(filter, s)).map((s) => `${s.kind[3]}:${s.name}@${s.host}`);
    assert.deepEqual(keys(undefined), ['I:a-1@edge-1', 'I:b-1@edge-1', 'P:a@edge-1', 'P:a@edge-2', 'P:b@edge-1']);
    assert.deepEqual(keys({ notificationTypes: ['AppLcmOpOccNotification'] }), ['I:a-1@edge-1', 'I:b-1@edge-1']);
    assert.deepEqual(keys({ appPackages: ['a'] }), ['I:a-1@edge-1', 'P:a@edge-1', 'P:a@edge-2']);
    assert.deepEqual(keys({ appInstances: ['b-1'], notificationTypes: ['AppLcmOpOccNotification'] }), ['I:b-1@edge-1']);
    assert.deepEqual(keys({ hosts: ['edge-2'] }), ['P:a@edge-2']);
    assert.deepEqual(keys({ notificationTypes: [], appPackages: [] }), keys(undefined), 'empty lists admit all');
  });
});

describe('Subscriptions: what is due', () => {
  const pkgs = (step: Parameters<typeof appPackage>[2]) => [appPackage('etherpad', ['edge-1'], step)];

  it('sends the current state of every followed object to a new subscription, sequence 1', () => {
    const plan = planDeliveries(uid, undefined, subjectsOf(pkgs('Distributed'), [appInstance('e-1', 'etherpad', 'edge-1', 'Instantiating')]), []);
    assert.deepEqual(summary(plan), ['AppInstance/e-1/edge-1 Instantiating #1', 'AppPackage/etherpad/edge-1 Distributed #1']);
    assert.equal(plan.kind === 'Plan' && plan.followed, 2);
  });

  it('sends nothing again once delivered', () => {
    const subjects = subjectsOf(pkgs('Distributed'), []);
    const records = deliverAll(planDeliveries(uid, undefined, subjects, []));
    assert.deepEqual(summary(planDeliveries(uid, undefined, subjects, records)), []);
  });

  it('collapses states that came and went while nothing was delivered: only the latest is sent', () => {
    const records = deliverAll(planDeliveries(uid, undefined, subjectsOf(pkgs('Creating'), []), []));
    // Creating → Distributing → Distributed happened while the callback was down.
    const plan = planDeliveries(uid, undefined, subjectsOf(pkgs('Distributed'), []), records);
    assert.deepEqual(summary(plan), ['AppPackage/etherpad/edge-1 Distributed #2']);
  });

  it('gives a retry of the same message the same id, in this process or another (ids are derived, not remembered)', () => {
    const subjects = subjectsOf(pkgs('Distributing'), []);
    const first = outgoingOf(planDeliveries(uid, undefined, subjects, []))[0];
    const again = outgoingOf(planDeliveries(uid, undefined, structuredClone(subjects), []))[0];
    assert.match(first?.messageId ?? '', /^msg_[0-9a-f]{32}$/);
    assert.equal(again?.messageId, first?.messageId);
  });

  it('gives the same state told again later a new id (A, B, A: three messages)', () => {
    const seen = new Set<string>();
    let records: DeliveredRecord[] = [];
    for (const step of ['Instantiating', 'Running', 'Instantiating'] as const) {
      const plan = planDeliveries(uid, undefined, subjectsOf(pkgs('Distributed'), [appInstance('e-1', 'etherpad', 'edge-1', step)]), records);
      for (const m of outgoingOf(plan)) seen.add(m.messageId);
      records = deliverAll(plan);
    }
    assert.equal(seen.size, 4, 'the package once, the instance three times');
    assert.equal(records.find((r) => r.kind === 'AppInstance')?.sequence, 3);
  });

  it('tells a gone object\'s deletion once, from its record, then forgets it', () => {
    const instance = appInstance('e-1', 'etherpad', 'edge-1', 'Running', { labels: { 'north.mecm.io/app-instance-id': 'i-42' } });
    const records = deliverAll(planDeliveries(uid, undefined, subjectsOf(pkgs('Distributed'), [instance]), []));
    const plan = planDeliveries(uid, undefined, subjectsOf(pkgs('Distributed'), []), records);
    assert.deepEqual(summary(plan), ['AppInstance/e-1/edge-1 Deleted #2']);
    const deleted = outgoingOf(plan)[0]?.subject as InstanceSubject;
    assert.equal(deleted.id, 'i-42', 'the id the client knows');
    assert.equal(deleted.operationType, 'TERMINATE');
    const after = deliverAll(plan);
    assert.deepEqual(after.map((r) => r.kind), ['AppPackage']);
    assert.deepEqual(summary(planDeliveries(uid, undefined, subjectsOf(pkgs('Distributed'), []), after)), []);
  });

  it('forgets objects the filter no longer admits, without telling a deletion', () => {
    const subjects = subjectsOf(pkgs('Distributed'), [appInstance('e-1', 'etherpad', 'edge-1', 'Running')]);
    const records = deliverAll(planDeliveries(uid, undefined, subjects, []));
    const narrowed = planDeliveries(uid, { notificationTypes: ['AppPkgNotification'] }, subjects, records);
    assert.deepEqual(summary(narrowed), []);
    assert.deepEqual(narrowed.kind === 'Plan' && narrowed.records.map((r) => r.kind), ['AppPackage']);
    // Gone and no longer admitted: forgotten too.
    const gone = planDeliveries(uid, { hosts: ['edge-9'] }, subjectsOf([], []), records);
    assert.deepEqual(gone.kind === 'Plan' && [gone.outgoing.length, gone.records.length], [0, 0]);
  });

  it('tells an object made again under the same name, even in the same state (its uid differs)', () => {
    const records = deliverAll(planDeliveries(uid, undefined, subjectsOf(pkgs('Distributed'), []), []));
    const again = [appPackage('etherpad', ['edge-1'], 'Distributed', { uid: 'uid-etherpad-2' })];
    assert.deepEqual(summary(planDeliveries(uid, undefined, subjectsOf(again, []), records)), ['AppPackage/etherpad/edge-1 Distributed #2']);
  });

  it('refuses to follow more objects than one subscription may', () => {
    const hosts = Array.from({ length: MAX_FOLLOWED_OBJECTS + 1 }, (_, i) => `edge-${i}`);
    const plan = planDeliveries(uid, undefined, subjectsOf([appPackage('wide', hosts)], []), []);
    assert.deepEqual(plan, { kind: 'TooManyObjects', followed: MAX_FOLLOWED_OBJECTS + 1 });
  });
});

describe('Subscriptions: notification bodies', () => {
  const envelope: Envelope = { id: 'msg_1', subscriptionId: uid, namespace: 'team-a', subscriptionName: 'appstore', time: new Date('2026-01-02T03:04:05.678Z'), mecHost: '192.0.2.10' };
  const one = (subjects: Subject[], kind: Subject['kind']) => subjects.find((s) => s.kind === kind)!;
  const noNull = (value: unknown) => assert.ok(!JSON.stringify(value).includes('null'), JSON.stringify(value));

  it('a package distributed to a host is AppPackageOnBoarded, with the EdgeGallery words', () => {
    const body = notificationOf(one(subjectsOf([appPackage('etherpad', ['edge-1'], 'Distributed', { annotations: { 'north.mecm.io/package-id': 'p-42' } })], []), 'AppPackage'), envelope);
    assert.deepEqual(body, {
      id: 'msg_1', notificationType: 'AppPackageOnBoarded', subscriptionId: uid, timeStamp: { seconds: 1767323045, nanoSeconds: 678_000_000 },
      appPkgId: 'p-42', appPkgName: 'etherpad', namespace: 'team-a', hostName: 'edge-1', mecHost: '192.0.2.10', orderId: undefined,
      state: 'Distributed', status: 'Distributed', hostStatus: 'Distributed', message: undefined,
      _links: {
        subscription: { href: '/apis/mecm.io/v1alpha1/namespaces/team-a/notificationsubscriptions/appstore' },
        appPkg: { href: '/apis/mecm.io/v1alpha1/namespaces/team-a/apppackages/etherpad' },
      },
    });
    noNull(JSON.parse(JSON.stringify(body)));
  });

  it('a refused package is AppPkgStateChange with Create Error and the message', () => {
    const body = notificationOf(one(subjectsOf([appPackage('etherpad', ['edge-1'], 'CreateFailed')], []), 'AppPackage'), envelope) as Record<string, unknown>;
    assert.deepEqual([body.notificationType, body.state, body.status, body.hostStatus, body.message],
      ['AppPkgStateChange', 'CreateFailed', 'Create Error', 'Error', 'the package digest does not match spec.sha256']);
  });

  const instanceRows: Array<[string, ReturnType<typeof appInstance>, string, string, string | undefined, string | undefined]> = [
    ['running', appInstance('e-1', 'etherpad', 'edge-1', 'Running'), 'INSTANTIATE', 'COMPLETED', 'Finished', 'Running'],
    ['failed', appInstance('e-1', 'etherpad', 'edge-1', 'InstantiateFailed'), 'INSTANTIATE', 'FAILED', 'Instantiate Error', 'Failed'],
    ['installing', appInstance('e-1', 'etherpad', 'edge-1', 'Instantiating'), 'INSTANTIATE', 'PROCESSING', 'Instantiating', 'Pending'],
    ['being deleted', appInstance('e-1', 'etherpad', 'edge-1', 'Running', { deletionTimestamp: '2026-01-02T03:04:05Z' }), 'TERMINATE', 'PROCESSING', 'Deleting', 'Terminating'],
  ];
  for (const [what, instance, operationType, operationState, status, podStatus] of instanceRows) {
    it(`an instance ${what} is AppLcmOpOccNotification ${operationType}/${operationState} (${status}, pods ${podStatus})`, () => {
      const body = notificationOf(one(subjectsOf([appPackage('etherpad', ['edge-1'], 'Distributed')], [instance]), 'AppInstance'), envelope) as Record<string, unknown>;
      assert.deepEqual([body.notificationType, body.operationType, body.operationState, body.status, body.podStatus, body.appInstanceId, body.appPkgName],
        ['AppLcmOpOccNotification', operationType, operationState, status, podStatus, 'uid-e-1', 'etherpad']);
      assert.match(String(body.appLcmOpOccId), /^op_[0-9a-f]{32}$/);
      noNull(JSON.parse(JSON.stringify(body)));
    });
  }

  it('a deleted instance is TERMINATE/COMPLETED with no EdgeGallery word, a deleted package AppPackageDeleted', () => {
    const subjects = subjectsOf([appPackage('etherpad', ['edge-1'], 'Distributed')], [appInstance('e-1', 'etherpad', 'edge-1', 'Running')]);
    const records = deliverAll(planDeliveries(uid, undefined, subjects, []));
    const bodies = outgoingOf(planDeliveries(uid, undefined, [], records)).map((m) => JSON.parse(JSON.stringify(notificationOf(m.subject, envelope))) as Record<string, unknown>);
    assert.deepEqual(bodies.map((b) => [b.notificationType, b.operationType, b.operationState, b.state, b.status]), [
      ['AppLcmOpOccNotification', 'TERMINATE', 'COMPLETED', 'Deleted', undefined],
      ['AppPackageDeleted', undefined, undefined, 'Deleted', undefined],
    ]);
  });

  it('keeps one appLcmOpOccId through an operation and makes a new one for the next', () => {
    const pkg = [appPackage('etherpad', ['edge-1'], 'Distributed')];
    const op = (status: ReturnType<typeof instanceStatus>) => appLcmOpOccIdOf(one(subjectsOf(pkg, [{ ...appInstance('e-1', 'etherpad', 'edge-1'), status }]), 'AppInstance') as InstanceSubject);
    assert.equal(op(instanceStatus('Instantiating')), op(instanceStatus('Running')));
    assert.notEqual(op(instanceStatus('Running')), op(instanceStatus('Running', '2026-02-01T00:00:00Z')), 'an upgrade started later');
  });
});

describe('Subscriptions: the decision of one reconcile', () => {
  const subjects = subjectsOf([appPackage('etherpad', ['edge-1'], 'Distributed')], []);
  const now = new Date('2026-01-02T03:04:05Z');
  const decide = (sub: ReturnType<typeof subscription>, extra: Partial<Parameters<typeof decideSubscription>[0]> = {}) =>
    decideSubscription({ subscription: sub, governed: allowed, subjects, now, ...extra }).kind;

  it('delivers what is due, and is up to date once it is delivered', () => {
    assert.equal(decide(subscription()), 'Deliver');
    const records = deliverAll(planDeliveries(uid, undefined, subjects, []));
    assert.equal(decide(subscription({}, { delivered: records })), 'UpToDate');
  });

  it('refuses an ungoverned namespace before anything else', () => {
    assert.equal(decide(subscription({ suspend: true }), { governed: refused('namespace team-a is governed by no Tenant') }), 'NotPermitted');
  });

  it('stays suspended at the generation it was suspended at, and resumes at the next', () => {
    assert.equal(decide(subscription({}, { suspendedGeneration: 3, observedGeneration: 3 }, 3)), 'Suspended');
    assert.equal(decide(subscription({}, { suspendedGeneration: 3, observedGeneration: 3 }, 4)), 'Deliver');
    assert.equal(decide(subscription({ suspend: true })), 'Suspended');
  });

  it('waits out the backoff, unless the spec changed', () => {
    const retryAt = new Date(now.getTime() + 5000);
    assert.deepEqual(decideSubscription({ subscription: subscription({}, { observedGeneration: 1 }), governed: allowed, subjects, now, retryAt }).kind, 'Wait');
    assert.equal(decide(subscription({}, { observedGeneration: 1 }), { retryAt: new Date(now.getTime() - 1) }), 'Deliver');
    assert.equal(decide(subscription({}, { observedGeneration: 1 }, 2), { retryAt }), 'Deliver', 'a new spec is tried at once');
  });
});
