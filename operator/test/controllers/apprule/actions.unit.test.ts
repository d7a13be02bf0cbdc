/**
 * The AppRule actions one by one, against the MEP simulator over real HTTP: what each sends,
 * the conditions it sets, the status it writes (once, only when changed), its events, and how
 * it ends (requeue, or a throw the runtime backs off on).
 */
import assert from 'node:assert/strict';
import { MepSimulator } from '../../../../testenv/src/mep-simulator.js';
import type { AppRuleSpec } from '../../../src/api/apprule.js';
import { create } from '../../../src/controllers/apprule/actions/create.js';
import { deleteRules } from '../../../src/controllers/apprule/actions/delete.js';
import { inSync } from '../../../src/controllers/apprule/actions/in-sync.js';
import { releaseFinalizer } from '../../../src/controllers/apprule/actions/release-finalizer.js';
import { reportFailure, reportingFailure } from '../../../src/controllers/apprule/actions/report-failure.js';
import { stall } from '../../../src/controllers/apprule/actions/stall.js';
import { taskFailed } from '../../../src/controllers/apprule/actions/task-failed.js';
import { taskTimedOut } from '../../../src/controllers/apprule/actions/task-timed-out.js';
import { update } from '../../../src/controllers/apprule/actions/update.js';
import { waitForTask } from '../../../src/controllers/apprule/actions/wait-for-task.js';
import { desiredConfig } from '../../../src/controllers/apprule/decide.js';
import { recordTask } from '../../../src/controllers/apprule/draft.js';
import { RunningTasks } from '../../../src/controllers/apprule/running-tasks.js';
import { MepClient } from '../../../src/mep/client.js';
import { MepError } from '../../../src/mep/errors.js';
import { configDigest } from '../../../src/mep/digest.js';
import { requeueAfter, ReconcileError } from '../../../src/runtime/reconcile.js';
import { trafficRule } from '../../fixtures/mep.js';
import { actionContext, conditionOf, timing } from './action-context.js';
import { appRule, mepTask } from './builders.js';

/** Runs `fn` and returns what it throws (fails when it does not throw). */
async function thrown(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    await fn();
  } catch (error) {
    return error;
  }
  return assert.fail('expected a throw');
}

describe('AppRule actions', () => {
  let mep: MepSimulator;
  let client: MepClient;
  let n = 0;
  /** A rule with an app instance id (and name) of its own, so tests share one MEP. */
  const freshRule = (options: { spec?: Partial<AppRuleSpec>; deleting?: boolean; appliedDigest?: string } = {}) => {
    n += 1;
    return appRule({
      spec: { appInstanceId: `inst-${n}`, appName: `app-${n}`, appDNSRule: [], ...options.spec },
      deleting: options.deleting, status: options.appliedDigest ? { appliedDigest: options.appliedDigest } : undefined,
    });
  };
  const settle = (taskId: string) => client.waitForTask(taskId, { timeoutMs: 3000, intervalMs: 20 });

  before(async () => {
    mep = await MepSimulator.start({ taskDurationMs: 40 });
    client = new MepClient({ url: mep.url, timeoutMs: 1000 });
  });
  after(async () => {
    client.close();
    await mep.stop();
  });
  afterEach(() => {
    mep.failTasks = false;
    mep.hangTasks = false;
  });

  it('Create POSTs once, follows the task, shows it as ApplyingRules and records RulesCreated', async () => {
    const rule = freshRule();
    const { ctx, writes, events } = actionContext(rule);
    assert.deepEqual(await create(ctx, client, desiredConfig(rule), false), requeueAfter(timing.taskPollMs));
    assert.equal(mep.countRequests('POST', rule.spec.appInstanceId), 1);
    assert.equal(writes.length, 1);
    const status = writes[0];
    assert.equal(ctx.tasks.get('apps/web')?.taskId, status?.taskId);
    assert.equal(status?.configResult, 'PROCESSING');
    assert.equal(status?.observedGeneration, 3);
    assert.deepEqual([conditionOf(status, 'Applied')?.status, conditionOf(status, 'Applied')?.reason], ['False', 'ApplyingRules']);
    assert.equal(conditionOf(status, 'Reconciling')?.status, 'True');
    assert.deepEqual([conditionOf(status, 'Ready')?.status, conditionOf(status, 'Ready')?.reason], ['False', 'ApplyingRules']);
    assert.deepEqual(events.map((e) => [e.type, e.reason]), [['Normal', 'RulesCreated']]);
    await settle(status?.taskId ?? '');
  });

  it('Create warns RulesLost first when the MEP held the rules before', async () => {
    const rule = freshRule({ appliedDigest: 'sha256:0' });
    const { ctx, events } = actionContext(rule);
    await create(ctx, client, desiredConfig(rule), true);
    assert.deepEqual(events.map((e) => [e.type, e.reason]), [['Warning', 'RulesLost'], ['Normal', 'RulesCreated']]);
  });

  it('Update PUTs the rules; when the MEP finds no rule to change it DELETEs instead (then Create follows)', async () => {
    const rule = freshRule();
    const id = rule.spec.appInstanceId;
    await settle((await client.create(id, desiredConfig(rule))).taskId);
    const changed = { ...desiredConfig(rule), appTrafficRule: [trafficRule('tr-1', { priority: 9 })] };
    const first = actionContext(rule);
    await update(first.ctx, client, changed);
    assert.equal(mep.countRequests('PUT', id), 1);
    assert.deepEqual(first.events.map((e) => e.reason), ['RulesUpdated']);
    await settle(first.writes[0]?.taskId ?? '');

    const same = actionContext(rule);
    await update(same.ctx, client, changed);
    assert.equal(mep.countRequests('PUT', id), 2, 'tried the PUT');
    assert.equal(mep.countRequests('DELETE', id), 1, 'then deleted');
    assert.deepEqual(same.events.map((e) => e.reason), ['RulesUpdated']);
    await settle(same.writes[0]?.taskId ?? '');
    assert.equal(mep.configuration(id), undefined);
  });

  it('Delete of a deleted rule sends the DELETE and records it, writing no status', async () => {
    const rule = freshRule();
    await settle((await client.create(rule.spec.appInstanceId, desiredConfig(rule))).taskId);
    const deleting = { ...rule, metadata: { ...rule.metadata, deletionTimestamp: '2026-11-27T10:00:00Z' } };
    const { ctx, writes, events } = actionContext(deleting);
    await deleteRules(ctx, client);
    assert.equal(mep.countRequests('DELETE', rule.spec.appInstanceId), 1);
    assert.deepEqual(writes, []);
    assert.deepEqual(events.map((e) => e.reason), ['RulesDeleted']);
    assert.ok(ctx.tasks.get('apps/web'), 'follows the delete task');
  });

  it('InSync records what the MEP holds, Ready, and one event; the drift check after writes and records nothing', async () => {
    const rule = freshRule();
    const config = desiredConfig(rule);
    const first = actionContext(rule);
    first.ctx.draft.markReconciling('ApplyingRules', 'Waiting for MEP task t.');
    assert.deepEqual(await inSync(first.ctx, config), requeueAfter(timing.driftCheckMs));
    const status = first.writes[0];
    assert.equal(status?.appliedDigest, configDigest(config));
    assert.deepEqual([status?.trafficRuleCount, status?.dnsRuleCount, status?.lastAppliedTime], [1, 0, '2026-11-27T10:00:00Z']);
    assert.deepEqual([conditionOf(status, 'Applied')?.status, conditionOf(status, 'Ready')?.status, conditionOf(status, 'Ready')?.reason], ['True', 'True', 'RulesApplied']);
    assert.equal(conditionOf(status, 'Ready')?.message, 'The MEP holds 1 traffic and 0 DNS rule(s) as specified.');
    assert.equal(conditionOf(status, 'Reconciling'), undefined, 'settled');
    assert.deepEqual(first.events.map((e) => [e.type, e.reason]), [['Normal', 'RulesApplied']]);

    const again = actionContext({ ...rule, status });
    await inSync(again.ctx, config);
    assert.deepEqual([again.writes, again.events], [[], []]);
  });

  it('ReportFailure: a transient failure leaves the rule Reconciling and is rethrown for backoff, with no event', async () => {
    const { ctx, writes, events } = actionContext(freshRule());
    const error = new MepError('Unreachable', 'no answer from the MEP: ECONNREFUSED');
    assert.equal(await thrown(() => reportFailure(ctx, error)), error);
    const status = writes[0];
    assert.deepEqual([conditionOf(status, 'Applied')?.reason, conditionOf(status, 'Ready')?.reason], ['MEPUnreachable', 'MEPUnreachable']);
    assert.equal(conditionOf(status, 'Reconciling')?.status, 'True');
    assert.equal(conditionOf(status, 'Stalled'), undefined);
    assert.match(conditionOf(status, 'Ready')?.message ?? '', /^The MEP refused or did not answer: no answer/);
    assert.deepEqual(events, []);
  });

  it('ReportFailure: a refusal stalls the rule, records one event, and looks again after stalledRetryMs', async () => {
    const rule = freshRule();
    const error = new MepError('Unauthorized', 'the MEP refused the token (HTTP 401)');
    const first = actionContext(rule);
    first.ctx.draft.markReconciling('ApplyingRules', 'x');
    assert.deepEqual(await reportFailure(first.ctx, error), requeueAfter(timing.stalledRetryMs));
    const status = first.writes[0];
    assert.deepEqual([conditionOf(status, 'Stalled')?.status, conditionOf(status, 'Stalled')?.reason], ['True', 'MEPUnauthorized']);
    assert.equal(conditionOf(status, 'Reconciling'), undefined);
    assert.equal(conditionOf(status, 'Ready')?.reason, 'MEPUnauthorized');
    assert.deepEqual(first.events.map((e) => [e.type, e.reason]), [['Warning', 'MEPUnauthorized']]);

    const again = actionContext({ ...rule, status });
    await reportFailure(again.ctx, error);
    assert.deepEqual([again.writes, again.events], [[], []], 'the same stall again: no write, no event');
  });

  it('a change the MEP refuses or does not take is reported like an observed failure', async () => {
    const refused = actionContext(freshRule({ spec: { appTrafficRule: [trafficRule('tr-1', { priority: 300 })] } }));
    const rule = refused.ctx.rule;
    assert.deepEqual(await reportingFailure(refused.ctx, () => create(refused.ctx, client, desiredConfig(rule), false)), requeueAfter(timing.stalledRetryMs));
    assert.equal(conditionOf(refused.writes[0], 'Stalled')?.reason, 'MEPInvalid');

    mep.failNext(1, 503);
    const failing = actionContext(freshRule());
    const error = await thrown(() => reportingFailure(failing.ctx, () => create(failing.ctx, client, desiredConfig(failing.ctx.rule), false)));
    assert.ok(error instanceof MepError && error.reason === 'MEPServerError' && error.transient);
    assert.equal(conditionOf(failing.writes[0], 'Reconciling')?.reason, 'MEPServerError');
  });

  it('TaskFailed says why in Applied and an event, and throws to retry with backoff', async () => {
    const { ctx, writes, events } = actionContext(freshRule());
    const task = mepTask('FAILURE', 'simulated dataplane failure');
    recordTask(ctx.draft, task);
    const error = await thrown(() => taskFailed(ctx, task));
    assert.ok(error instanceof ReconcileError && error.reason === 'MEPTaskFailed' && error.transient);
    assert.equal(error.message, 'simulated dataplane failure');
    assert.deepEqual([conditionOf(writes[0], 'Applied')?.reason, conditionOf(writes[0], 'Applied')?.message],
      ['MEPTaskFailed', 'MEP task task-failure failed: simulated dataplane failure']);
    assert.deepEqual(events.map((e) => [e.type, e.reason]), [['Warning', 'MEPTaskFailed']]);
  });

  it('TaskTimedOut stops following the task, clears PROCESSING from status and throws to retry', async () => {
    const rule = freshRule();
    const tasks = new RunningTasks();
    tasks.follow('apps/web', { taskId: 'task-processing', since: 0 });
    const { ctx, writes } = actionContext(rule, tasks);
    recordTask(ctx.draft, mepTask('PROCESSING'));
    const error = await thrown(() => taskTimedOut(ctx, 'task-processing', 2000));
    assert.ok(error instanceof ReconcileError && error.reason === 'MEPTaskTimedOut');
    assert.equal(tasks.get('apps/web'), undefined);
    assert.deepEqual([writes[0]?.configResult, writes[0]?.mepDetail], ['UNKNOWN', 'Task task-processing was still PROCESSING after 2 s.']);
    assert.equal(conditionOf(writes[0], 'Applied')?.reason, 'MEPTaskTimedOut');
  });

  it('WaitForTask writes the task\'s progress and polls again after taskPollMs', async () => {
    const { ctx, writes } = actionContext(freshRule());
    recordTask(ctx.draft, { ...mepTask('PROCESSING'), configPhase: '50' });
    assert.deepEqual(await waitForTask(ctx), requeueAfter(timing.taskPollMs));
    assert.equal(writes[0]?.configPhase, '50');
  });

  it('Stall: Applied False and Stalled with the reason, one event; a deleted rule gets neither write nor event', async () => {
    const { ctx, writes, events } = actionContext(freshRule());
    assert.deepEqual(await stall(ctx, 'HostNotFound', 'EdgeHost edge-1 does not exist.', 60_000), requeueAfter(60_000));
    assert.deepEqual([conditionOf(writes[0], 'Applied')?.reason, conditionOf(writes[0], 'Stalled')?.reason, conditionOf(writes[0], 'Ready')?.status],
      ['HostNotFound', 'HostNotFound', 'False']);
    assert.deepEqual(events.map((e) => [e.type, e.reason, e.message]), [['Warning', 'HostNotFound', 'EdgeHost edge-1 does not exist.']]);

    const deleted = actionContext(freshRule({ deleting: true }));
    await stall(deleted.ctx, 'MEPSecretInvalid', 'x', 60_000);
    assert.deepEqual([deleted.writes, deleted.events], [[], []]);
  });

  it('ReleaseFinalizer lets the rule go, warning RulesAbandoned when the MEP may keep the rules', async () => {
    const abandoned = actionContext(freshRule({ deleting: true }));
    await releaseFinalizer(abandoned.ctx, 'EdgeHost edge-1 is gone; its MEP may still hold the rules.');
    assert.equal(abandoned.released.value, true);
    assert.deepEqual(abandoned.events.map((e) => [e.type, e.reason]), [['Warning', 'RulesAbandoned']]);
    const clean = actionContext(freshRule({ deleting: true }));
    await releaseFinalizer(clean.ctx, undefined);
    assert.deepEqual([clean.released.value, clean.events], [true, []]);
  });

  it('ReleaseFinalizer lets a refused claimant go with a normal event, the MEP untouched', async () => {
    const refused = actionContext(freshRule({ deleting: true }));
    await releaseFinalizer(refused.ctx, undefined, 'Deleted without changing the MEP: appInstanceId x on EdgeHost edge-1 is held by AppRule apps/first.');
    assert.equal(refused.released.value, true);
    assert.deepEqual(refused.events.map((e) => [e.type, e.reason]), [['Normal', 'AppInstanceIdInUse']]);
    assert.deepEqual(refused.writes, []);
  });
});
