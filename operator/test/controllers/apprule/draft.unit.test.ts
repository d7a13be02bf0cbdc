/** The AppRule status draft: Ready only from summarize, task fields from observation, one guarded write. */
import assert from 'node:assert/strict';
import type { AppRuleStatus } from '../../../src/api/apprule.js';
import { commitDraft, draftOf, recordObservedTask } from '../../../src/controllers/apprule/draft.js';
import { MepClient } from '../../../src/mep/client.js';
import { appRule, mepTask } from './builders.js';

const ready = (status: AppRuleStatus) => status.conditions?.find((c) => c.type === 'Ready');

describe('AppRule status draft', () => {
  it('summarises Ready from Applied, reason and message included', () => {
    const draft = draftOf(appRule());
    assert.deepEqual([ready(draft.result())?.status, ready(draft.result())?.reason], ['False', 'ApplyingRules'], 'nothing applied yet');
    draft.set('Applied', false, 'MEPTaskFailed', 'MEP task t failed: boom');
    assert.deepEqual([ready(draft.result())?.status, ready(draft.result())?.reason, ready(draft.result())?.message], ['False', 'MEPTaskFailed', 'MEP task t failed: boom']);
    draft.set('Applied', true, 'RulesApplied', 'The MEP holds 1 traffic and 0 DNS rule(s) as specified.');
    assert.deepEqual([ready(draft.result())?.status, ready(draft.result())?.reason], ['True', 'RulesApplied']);
  });

  it('records the task observe saw: polled, finished, or forgotten by the MEP', () => {
    const client = new MepClient({ url: 'http://127.0.0.1:9', timeoutMs: 100 });
    const running = draftOf(appRule());
    recordObservedTask(running, { kind: 'TaskRunning', task: { ...mepTask('PROCESSING'), configPhase: '50' }, since: 0 });
    assert.deepEqual([running.value.taskId, running.value.configResult, running.value.configPhase], ['task-processing', 'PROCESSING', '50']);
    const succeeded = draftOf(appRule({ status: { taskId: 'task-success', configResult: 'PROCESSING' } }));
    recordObservedTask(succeeded, { kind: 'Idle', client, previous: { kind: 'Succeeded', task: mepTask('SUCCESS') }, current: undefined });
    assert.deepEqual([succeeded.value.configResult, succeeded.value.configPhase], ['SUCCESS', '100']);
    const lost = draftOf(appRule({ status: { taskId: 't', configResult: 'PROCESSING' } }));
    recordObservedTask(lost, { kind: 'Idle', client, previous: { kind: 'Lost', taskId: 't' }, current: undefined });
    assert.deepEqual([lost.value.configResult, lost.value.mepDetail], ['UNKNOWN', 'The MEP no longer knows the task (it may have restarted).']);
    const untouched = draftOf(appRule({ status: { taskId: 't', configResult: 'SUCCESS' } }));
    recordObservedTask(untouched, { kind: 'HostNotFound', hostName: 'edge-1' });
    assert.deepEqual(untouched.value, { taskId: 't', configResult: 'SUCCESS' });
    client.close();
  });

  it('commits with observedGeneration, and never for an AppRule being deleted', async () => {
    const written: AppRuleStatus[] = [];
    const write = async (status: AppRuleStatus) => { written.push(status); return true; };
    assert.equal(await commitDraft(appRule(), draftOf(appRule()), write), true);
    assert.equal(written[0]?.observedGeneration, 3);
    const deleting = appRule({ deleting: true });
    assert.equal(await commitDraft(deleting, draftOf(deleting), write), false);
    assert.equal(written.length, 1);
  });
});
