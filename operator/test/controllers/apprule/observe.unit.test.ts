/**
 * observeRule against the MEP simulator over real HTTP: the host, our task as polled (from
 * memory or from status), what the MEP holds, a MEP that fails as an observation; and the
 * bookkeeping beside it (RunningTasks, one MepClient per host). Secret reads are covered by
 * the cluster suite: these hosts refer to none.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { MepSimulator } from '../../../../testenv/src/mep-simulator.js';
import type { AppRuleStatus } from '../../../src/api/apprule.js';
import type { EdgeHost } from '../../../src/api/edgehost.js';
import { desiredConfig } from '../../../src/controllers/apprule/decide.js';
import { MepClients } from '../../../src/controllers/apprule/mep-clients.js';
import { observeRule, type AppRuleObservation, type ObserveDeps } from '../../../src/controllers/apprule/observe.js';
import { RunningTasks } from '../../../src/controllers/apprule/running-tasks.js';
import { sameConfig } from '../../../src/mep/digest.js';
import type { Governance } from '../../../src/tenancy/governance.js';
import { testTenant, wideMepGrant } from '../../fixtures/tenant.js';
import { appRule, edgeHost, mepTask } from './builders.js';

describe('AppRule observeRule', () => {
  let mep: MepSimulator;
  let host: EdgeHost | undefined;
  let tasks: RunningTasks;
  const clients = new MepClients(1000);
  let deps: ObserveDeps;
  let n = 0;
  const now = 1_000_000;
  const freshRule = (status?: AppRuleStatus) => {
    n += 1;
    return appRule({ spec: { appInstanceId: `inst-${n}`, appName: `app-${n}`, appDNSRule: [] }, status });
  };
  const clientOf = () => clients.client('edge-1', { url: mep.url, token: undefined, caPem: undefined });
  const settle = (taskId: string) => clientOf().waitForTask(taskId, { timeoutMs: 3000, intervalMs: 20 });

  before(async () => {
    mep = await MepSimulator.start({ taskDurationMs: 40 });
  });
  beforeEach(() => {
    host = edgeHost({ url: mep.url });
    tasks = new RunningTasks();
    deps = {
      claimants: () => [], instance: () => undefined,
      host: (name) => (name === host?.metadata.name ? host : undefined),
      governance: () => ({ kind: 'Unenforced' }),
      readSecret: () => assert.fail('these hosts refer to no Secret'),
      clients, tasks,
    };
  });
  afterEach(() => {
    mep.hangTasks = false;
    mep.failTasks = false;
  });
  after(async () => {
    clientOf().close();
    await mep.stop();
  });

  it('stops at a missing EdgeHost or one without a MEP', async () => {
    host = undefined;
    assert.deepEqual(await observeRule(freshRule(), deps, now), { kind: 'HostNotFound', hostName: 'edge-1' });
    host = edgeHost(undefined);
    assert.deepEqual(await observeRule(freshRule(), deps, now), { kind: 'MEPNotConfigured', hostName: 'edge-1' });
  });

  it('stops a second claimant of the appInstanceId before the host\'s MEP, its Secrets or the MEP, and lets the holder on', async () => {
    const holder = appRule({ metadata: { name: 'first', uid: 'uid-first', creationTimestamp: '2026-11-27T09:00:00Z' } });
    const second = appRule({ metadata: { name: 'second', uid: 'uid-second', creationTimestamp: '2026-11-27T10:00:00Z' } });
    const requests = mep.requests().length;
    deps = { ...deps, claimants: (hostName, id) => (hostName === 'edge-1' && id === 'inst-web' ? [second, holder] : []) };
    // The host is looked up (the grant judges it), but nothing of its MEP is used.
    assert.deepEqual(await observeRule(second, { ...deps, host: () => edgeHost(undefined) }, now),
      { kind: 'AppInstanceIdInUse', hostName: 'edge-1', holder: 'apps/first' });
    assert.equal(mep.requests().length, requests, 'nothing asked of the MEP');
    assert.equal((await observeRule(holder, deps, now)).kind, 'Idle');
  });

  describe('tenancy', () => {
    const governedApps = (namespace: string): Governance => (namespace === 'apps'
      ? { kind: 'Governed', tenant: testTenant('apps', { hosts: { names: ['edge-1'] }, mep: wideMepGrant }, 'team-a'), others: [] }
      : { kind: 'Ungoverned', namespace });

    it('refuses an AppRule the Tenant does not permit before the claimants, the host\'s Secrets or the MEP', async () => {
      const requests = mep.requests().length;
      const stranger = appRule({ metadata: { namespace: 'strangers' } });
      const observation = await observeRule(stranger, { ...deps, governance: governedApps, claimants: () => assert.fail('not read') }, now);
      assert.deepEqual(observation.kind === 'NotPermitted' && observation.message.startsWith('namespace strangers is governed by no Tenant'), true);
      assert.equal(mep.requests().length, requests, 'nothing asked of the MEP');
    });

    it('reads on for a refused AppRule being deleted after it spoke to the MEP: it takes out its own', async () => {
      const rule = appRule({ metadata: { namespace: 'strangers' }, deleting: true, status: { appliedDigest: 'sha256:0' }, spec: { appInstanceId: randomUUID() } });
      assert.equal((await observeRule(rule, { ...deps, governance: governedApps }, now)).kind, 'Idle');
      const never = appRule({ metadata: { namespace: 'strangers' }, deleting: true });
      assert.equal((await observeRule(never, { ...deps, governance: governedApps }, now)).kind, 'NotPermitted');
    });

    it('lets a refused claimant hold no appInstanceId against one that may speak', async () => {
      const id = randomUUID();
      const squatter = appRule({ metadata: { name: 'squatter', namespace: 'strangers', uid: 'uid-squatter', creationTimestamp: '2026-11-27T09:00:00Z' }, spec: { appInstanceId: id } });
      const owner = appRule({ metadata: { name: 'owner', uid: 'uid-owner', creationTimestamp: '2026-11-27T10:00:00Z' }, spec: { appInstanceId: id } });
      const claimants = () => [squatter, owner];
      assert.equal((await observeRule(owner, { ...deps, claimants, governance: governedApps }, now)).kind, 'Idle');
      // Without tenancy the older one holds the id, as before.
      assert.deepEqual(await observeRule(owner, { ...deps, claimants }, now), { kind: 'AppInstanceIdInUse', hostName: 'edge-1', holder: 'strangers/squatter' });
    });
  });

  it('reads what the MEP holds when no task of ours runs', async () => {
    const rule = freshRule();
    const empty = await observeRule(rule, deps, now);
    assert.deepEqual(empty.kind === 'Idle' && [empty.previous, empty.current], [{ kind: 'None' }, undefined]);
    await settle((await clientOf().create(rule.spec.appInstanceId, desiredConfig(rule))).taskId);
    const held = await observeRule(rule, deps, now);
    assert.ok(held.kind === 'Idle' && held.current && sameConfig(held.current, desiredConfig(rule)));
    assert.equal(held.client, clientOf(), 'the host\'s cached client');
  });

  it('polls our running task, from memory or (after a restart) from status, and reads nothing else meanwhile', async () => {
    mep.hangTasks = true;
    const rule = freshRule();
    const task = await clientOf().create(rule.spec.appInstanceId, desiredConfig(rule));
    const gets = mep.countRequests('GET', `/applications/${rule.spec.appInstanceId}`);
    tasks.follow('apps/web', { taskId: task.taskId, since: now - 500 });
    const remembered = await observeRule(rule, deps, now);
    assert.deepEqual(remembered.kind === 'TaskRunning' && [remembered.task.taskId, remembered.since], [task.taskId, now - 500]);

    tasks.forget('apps/web');
    const fromStatus = await observeRule({ ...rule, status: { taskId: task.taskId, configResult: 'PROCESSING' } }, deps, now);
    assert.deepEqual(fromStatus.kind === 'TaskRunning' && fromStatus.since, now, 'the wait starts now');
    assert.equal(mep.countRequests('GET', `/applications/${rule.spec.appInstanceId}`), gets, 'no GET of the configuration while the task runs');
    mep.hangTasks = false;
    await settle(task.taskId);
  });

  it('tells a succeeded, a failed and a forgotten task apart', async () => {
    const rule = freshRule();
    const created = await clientOf().create(rule.spec.appInstanceId, desiredConfig(rule));
    await settle(created.taskId);
    tasks.follow('apps/web', { taskId: created.taskId, since: now });
    const succeeded = await observeRule(rule, deps, now);
    assert.ok(succeeded.kind === 'Idle' && succeeded.previous.kind === 'Succeeded' && succeeded.current);
    assert.equal(succeeded.previous.task.configResult, 'SUCCESS');

    mep.failTasks = 'simulated dataplane failure';
    const failing = await clientOf().delete(rule.spec.appInstanceId);
    await settle(failing.taskId);
    tasks.follow('apps/web', { taskId: failing.taskId, since: now });
    const failed = await observeRule(rule, deps, now);
    assert.deepEqual(failed.kind === 'TaskFailed' && [failed.task.configResult, failed.task.detailed], ['FAILURE', 'simulated dataplane failure']);

    const unknown = randomUUID();
    tasks.follow('apps/web', { taskId: unknown, since: now });
    const lost = await observeRule(rule, deps, now);
    assert.deepEqual(lost.kind === 'Idle' && lost.previous, { kind: 'Lost', taskId: unknown });
  });

  it('observes a MEP that fails or refuses as MEPFailed, not as an exception', async () => {
    mep.failNext(1, 503);
    const unavailable = await observeRule(freshRule(), deps, now);
    assert.deepEqual(unavailable.kind === 'MEPFailed' && [unavailable.error.reason, unavailable.error.transient], ['MEPServerError', true]);
    mep.failNext(1, 401);
    const refused = await observeRule(freshRule(), deps, now);
    assert.deepEqual(refused.kind === 'MEPFailed' && [refused.error.reason, refused.error.transient], ['MEPUnauthorized', false]);
  });

  it('RunningTasks follows a task observed PROCESSING and forgets one observed over', () => {
    const memory = new RunningTasks();
    const running: AppRuleObservation = { kind: 'TaskRunning', task: mepTask('PROCESSING'), since: 5 };
    memory.observed('k', running);
    assert.deepEqual(memory.get('k'), { taskId: 'task-processing', since: 5 });
    memory.observed('k', { kind: 'SecretInvalid', message: 'x' });
    assert.ok(memory.get('k'), 'kept while the MEP cannot be asked');
    memory.observed('k', { kind: 'TaskFailed', task: mepTask('FAILURE') });
    assert.equal(memory.get('k'), undefined);
  });

  it('MepClients keeps one client per host until its URL, token or CA change', () => {
    const cache = new MepClients(1000);
    const target = { url: 'http://127.0.0.1:9', token: 'a', caPem: undefined };
    const first = cache.client('h', target);
    assert.equal(cache.client('h', { ...target }), first);
    const rotated = cache.client('h', { ...target, token: 'b' });
    assert.notEqual(rotated, first);
    const other = cache.client('other', target);
    assert.notEqual(other, rotated, 'one per host');
    rotated.close();
    other.close();
  });
});
