/** decideAction as a table: every observation, with and without deletion, maps to one action. */
import assert from 'node:assert/strict';
import { configurationRetryMs, decideAction, desiredConfig, type AppRuleAction } from '../../../src/controllers/apprule/decide.js';
import type { AppRuleObservation, PreviousTask } from '../../../src/controllers/apprule/observe.js';
import { MepClient } from '../../../src/mep/client.js';
import { MepError } from '../../../src/mep/errors.js';
import type { MepAppConfig } from '../../../src/mep/types.js';
import { dnsRule, trafficRule } from '../../fixtures/mep.js';
import { appRule, mepTask } from './builders.js';

const now = Date.parse('2026-11-27T10:00:00Z');
const taskTimeoutMs = 30_000;
// Never called: decide only hands it on to the action.
const client = new MepClient({ url: 'http://127.0.0.1:9', timeoutMs: 100 });
const spec = desiredConfig(appRule());
const refused = new MepError('Unauthorized', 'the MEP refused the token (HTTP 401)');
const none: PreviousTask = { kind: 'None' };
const idle = (current: MepAppConfig | undefined, previous: PreviousTask = none): AppRuleObservation => ({ kind: 'Idle', client, previous, current });
const running = (sinceMsAgo: number): AppRuleObservation => ({ kind: 'TaskRunning', task: mepTask('PROCESSING'), since: now - sinceMsAgo });

/** The fields of `action` that `expected` names. */
function picked(action: AppRuleAction, expected: object): object {
  return Object.fromEntries(Object.entries(action).filter(([key]) => key in expected));
}

describe('AppRule decideAction', () => {
  after(() => client.close());

  const cases: Array<[string, { deleting?: boolean; appliedDigest?: string }, AppRuleObservation, object]> = [
    ['stalls an AppRule the Tenant does not permit, saying the MEP is left as it is', {}, { kind: 'NotPermitted', message: 'Tenant team-a does not grant EdgeHost edge-1' },
      { kind: 'Stall', reason: 'NotPermitted', retryMs: configurationRetryMs,
        message: 'Not permitted: Tenant team-a does not grant EdgeHost edge-1. Nothing is sent to the MEP; what it holds stays.' }],
    ['releases a deleted AppRule that was never permitted without contacting the MEP', { deleting: true }, { kind: 'NotPermitted', message: 'no Tenant' },
      { kind: 'ReleaseFinalizer', abandoned: undefined, notPermitted: 'Deleted without contacting the MEP, which holds nothing of this AppRule: not permitted: no Tenant.' }],
    ['refuses a second claimant of the appInstanceId on the host, naming the holder', {}, { kind: 'AppInstanceIdInUse', hostName: 'edge-1', holder: 'apps/first' },
      { kind: 'Stall', reason: 'AppInstanceIdInUse', retryMs: configurationRetryMs,
        message: 'appInstanceId inst-web on EdgeHost edge-1 is held by AppRule apps/first; this AppRule sends nothing to the MEP while that one exists.' }],
    ['releases a deleted second claimant without deleting the holder\'s configuration', { deleting: true }, { kind: 'AppInstanceIdInUse', hostName: 'edge-1', holder: 'apps/first' },
      { kind: 'ReleaseFinalizer', abandoned: undefined, notHeld: 'Deleted without changing the MEP: appInstanceId inst-web on EdgeHost edge-1 is held by AppRule apps/first.' }],
    ['stalls when the EdgeHost does not exist', {}, { kind: 'HostNotFound', hostName: 'edge-1' },
      { kind: 'Stall', reason: 'HostNotFound', message: 'EdgeHost edge-1 does not exist.', retryMs: configurationRetryMs }],
    ['releases a deleted rule whose EdgeHost is gone, warning the MEP may keep it', { deleting: true }, { kind: 'HostNotFound', hostName: 'edge-1' },
      { kind: 'ReleaseFinalizer', abandoned: 'EdgeHost edge-1 is gone; its MEP may still hold the rules.' }],
    ['stalls when the EdgeHost has no MEP', {}, { kind: 'MEPNotConfigured', hostName: 'edge-1' },
      { kind: 'Stall', reason: 'MEPNotConfigured', retryMs: configurationRetryMs }],
    ['releases a deleted rule whose EdgeHost has no MEP', { deleting: true }, { kind: 'MEPNotConfigured', hostName: 'edge-1' },
      { kind: 'ReleaseFinalizer', abandoned: 'EdgeHost edge-1 has no MEP; its MEP may still hold the rules.' }],
    ['stalls on an unusable token or CA Secret', {}, { kind: 'SecretInvalid', message: 'Secret apps/mep has no key "token"' },
      { kind: 'Stall', reason: 'MEPSecretInvalid', message: 'Secret apps/mep has no key "token"', retryMs: configurationRetryMs }],
    ['stalls on an unusable Secret while deleting too (the MEP may hold the rules)', { deleting: true }, { kind: 'SecretInvalid', message: 'x' },
      { kind: 'Stall', reason: 'MEPSecretInvalid' }],
    ['stalls on a token or CA Secret outside the operator\'s namespace', {}, { kind: 'SecretNamespaceNotAllowed', message: 'Secret apps/mep is outside the operator\'s namespace' },
      { kind: 'Stall', reason: 'SecretNamespaceNotAllowed', message: 'Secret apps/mep is outside the operator\'s namespace', retryMs: configurationRetryMs }],
    ['stalls on it while deleting too', { deleting: true }, { kind: 'SecretNamespaceNotAllowed', message: 'x' }, { kind: 'Stall', reason: 'SecretNamespaceNotAllowed' }],
    ['reports a MEP that refused or did not answer', {}, { kind: 'MEPFailed', error: refused }, { kind: 'ReportFailure', error: refused }],
    ['reports it while deleting too', { deleting: true }, { kind: 'MEPFailed', error: refused }, { kind: 'ReportFailure', error: refused }],
    ['waits for our task within the timeout', {}, running(taskTimeoutMs - 1),
      { kind: 'WaitForTask', taskId: 'task-processing', since: now - taskTimeoutMs + 1 }],
    ['gives up on our task at the timeout', {}, running(taskTimeoutMs), { kind: 'TaskTimedOut', taskId: 'task-processing', timeoutMs: taskTimeoutMs }],
    ['waits for our task while deleting (never two changes at once)', { deleting: true }, running(0), { kind: 'WaitForTask' }],
    ['reports our failed task', {}, { kind: 'TaskFailed', task: mepTask('FAILURE', 'dataplane down') },
      { kind: 'TaskFailed', task: mepTask('FAILURE', 'dataplane down') }],
    ['creates what the MEP does not hold', {}, idle(undefined), { kind: 'Create', client, config: spec, rulesLost: false }],
    ['creates again, as lost, what the MEP held before', { appliedDigest: 'sha256:0' }, idle(undefined), { kind: 'Create', rulesLost: true }],
    ['creates after a task the MEP forgot (it restarted)', {}, idle(undefined, { kind: 'Lost', taskId: 't' }), { kind: 'Create' }],
    ['is in sync when the MEP holds exactly the spec', {}, idle(spec), { kind: 'InSync', config: spec }],
    ['is in sync right after our task succeeded', {}, idle(spec, { kind: 'Succeeded', task: mepTask('SUCCESS') }), { kind: 'InSync' }],
    ['deletes (to create) when the MEP holds another appName', {}, idle({ ...spec, appName: 'old' }), { kind: 'Delete', client, why: 'AppNameChanged' }],
    ['deletes (to create) when only appSupportMp1 differs', {}, idle({ ...spec, appSupportMp1: true }), { kind: 'Delete', why: 'Mp1Changed' }],
    ['updates other rules', {}, idle({ ...spec, appTrafficRule: [trafficRule('tr-1', { priority: 9 })] }), { kind: 'Update', client, config: spec }],
    ['updates other rules even when appSupportMp1 differs too', {}, idle({ ...spec, appSupportMp1: true, appDNSRule: [] }), { kind: 'Update' }],
    ['deletes the configuration of a deleted rule', { deleting: true }, idle(spec), { kind: 'Delete', why: 'Deleting' }],
    ['deletes even a drifted configuration of a deleted rule', { deleting: true }, idle({ ...spec, appName: 'old' }), { kind: 'Delete', why: 'Deleting' }],
    ['releases a deleted rule the MEP no longer holds', { deleting: true }, idle(undefined, { kind: 'Succeeded', task: mepTask('SUCCESS') }),
      { kind: 'ReleaseFinalizer', abandoned: undefined }],
  ];
  for (const [name, rule, observation, expected] of cases) {
    it(name, () => {
      const status = rule.appliedDigest ? { appliedDigest: rule.appliedDigest } : undefined;
      const action = decideAction({ rule: appRule({ deleting: rule.deleting, status }), observation, now, taskTimeoutMs });
      assert.deepEqual(picked(action, expected), expected);
    });
  }

  it('compares with the spec\'s defaults filled in: no appSupportMp1 is false, no rule list is empty', () => {
    const rule = appRule({ spec: { appSupportMp1: undefined, appDNSRule: undefined } });
    const held: MepAppConfig = { appName: 'web', appSupportMp1: false, appTrafficRule: [trafficRule('tr-1')], appDNSRule: [] };
    assert.deepEqual(desiredConfig(rule), held);
    assert.equal(decideAction({ rule, observation: idle(held), now, taskTimeoutMs }).kind, 'InSync');
    const withDns = { ...held, appDNSRule: [dnsRule('dns-1', 'web.mec.example')] };
    assert.equal(decideAction({ rule, observation: idle(withDns), now, taskTimeoutMs }).kind, 'Update');
  });
});
