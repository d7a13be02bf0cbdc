/**
 * The AppInstance actions that have logic of their own, on a scripted LCM plugin (the plugin
 * itself runs against real clusters in operator/test/lcm): what each does to the status, which
 * events it records, and how a failed LCM operation shows.
 */
import assert from 'node:assert/strict';
import type { AppInstanceEventReason } from '../../../src/api/appinstance-conditions.js';
import type { AppInstance, AppInstanceStatus } from '../../../src/api/appinstance.js';
import { runAssignId } from '../../../src/controllers/appinstance/actions/assign-id.js';
import { operation, type ActionContext } from '../../../src/controllers/appinstance/actions/context.js';
import { recordFailure } from '../../../src/controllers/appinstance/actions/failure.js';
import { runInstall } from '../../../src/controllers/appinstance/actions/install.js';
import { runNotPermitted } from '../../../src/controllers/appinstance/actions/not-permitted.js';
import { runReady } from '../../../src/controllers/appinstance/actions/ready.js';
import { runRemediate } from '../../../src/controllers/appinstance/actions/remediate.js';
import { runScale } from '../../../src/controllers/appinstance/actions/scale.js';
import { runAdopt } from '../../../src/controllers/appinstance/actions/adopt.js';
import { runBadValues, runGiveUp, runOwnedByAnother, runRulesIncomplete } from '../../../src/controllers/appinstance/actions/stalls.js';
import { runBlockTermination, runWaitForEdge, runWaitForRules } from '../../../src/controllers/appinstance/actions/waits.js';
import type { DesiredRelease, EdgeAccess } from '../../../src/controllers/appinstance/decide.js';
import { appInstanceDraft } from '../../../src/controllers/appinstance/summarize.js';
import {
  Absent, LcmError, type DriftReport, type InstallRequest, type LcmPlugin, type NamespaceState, type Release, type ReleaseResources, type ReleaseStatus,
  type ReleaseTarget, type WorkloadSummary,
} from '../../../src/lcm/plugin.js';
import type { EventType } from '../../../src/runtime/events.js';
import { testLogger } from '../../support/logger.js';

/** An LCM plugin that records its calls and answers as told; `failing` makes the next call throw. */
class ScriptedPlugin implements LcmPlugin {
  readonly type = 'scripted';
  readonly calls: string[] = [];
  namespace: 'Created' | 'Ours' | 'Theirs' = 'Created';
  failing: LcmError | undefined;
  revision = 1;

  private async call<T>(name: string, answer: T): Promise<T> {
    this.calls.push(name);
    const failure = this.failing;
    this.failing = undefined;
    if (failure) throw failure;
    return answer;
  }

  followed = new Set<string>();

  async follow(key: string): Promise<void> {
    this.followed.add(key);
  }

  unfollow(key: string): void {
    this.followed.delete(key);
  }

  private release(target: ReleaseTarget): Release {
    return { exists: true, name: target.releaseName, namespace: target.namespace, revision: this.revision, status: 'deployed', chart: 'demo', chartVersion: '1.0.0', updated: '' };
  }

  status(target: ReleaseTarget): Promise<ReleaseStatus> { return this.call('status', this.release(target)); }
  install(request: InstallRequest): Promise<Release> { return this.call('install', this.release(request)); }
  upgrade(request: InstallRequest): Promise<Release> { return this.call('upgrade', this.release(request)); }
  rollback(target: ReleaseTarget): Promise<Release> { return this.call('rollback', this.release(target)); }
  uninstall(): Promise<void> { return this.call('uninstall', undefined); }
  adopt(): Promise<void> { return this.call('adopt', undefined); }
  unlock(): Promise<ReleaseStatus> { return this.call('unlock', Absent); }
  workloads(): Promise<WorkloadSummary> { return this.call('workloads', { workloads: [], ready: 0, desired: 0, allReady: true }); }
  scale(): Promise<void> { return this.call('scale', undefined); }
  drift(): Promise<DriftReport> { return this.call('drift', { missing: [], checked: 0 }); }
  resources(): Promise<ReleaseResources> { return this.call('resources', { pods: [], services: [] }); }
  ensureNamespace(): Promise<'Created' | 'Ours' | 'Theirs'> { return this.call('ensureNamespace', this.namespace); }
  namespaceState(): Promise<NamespaceState> { return this.call('namespaceState', { owner: 'Absent' }); }
  deleteNamespace(): Promise<'Deleted' | 'Kept' | 'Absent'> { return this.call('deleteNamespace', 'Deleted'); }
  ensureIdentity(): Promise<readonly string[]> { return this.call('ensureIdentity', []); }
}

const now = new Date('2025-03-01T10:00:00Z');
const desired: DesiredRelease = {
  chartRef: 'oci://edge/mecm/team/app/demo:1.0.0', plainHttp: true, values: { a: 1 }, digest: 'sha256:want', timeoutMs: 60_000, createNamespace: true, rules: undefined, rulesLeftOut: [],
};

function setup(status: AppInstanceStatus = {}, appInstanceId?: string) {
  const plugin = new ScriptedPlugin();
  const access: EdgeAccess = { plugin, target: { kubeconfig: 'kubeconfig', releaseName: 'app', namespace: 'app-ns', createNamespace: false } };
  const instance: AppInstance = {
    apiVersion: 'mecm.io/v1alpha1', kind: 'AppInstance', metadata: { name: 'app', namespace: 'team', generation: 1 },
    spec: { packageRef: { name: 'pkg' }, hostRef: { name: 'edge-1' }, namespace: 'app-ns', ...(appInstanceId ? { appInstanceId } : {}) },
    // Observed before: failed attempts of this spec count.
    status: { observedGeneration: 1, ...status },
  };
  const events: Array<[EventType, AppInstanceEventReason, string]> = [];
  const ctx: ActionContext = {
    instance, draft: appInstanceDraft(instance, now), timing: { waitMs: 100, steadyCheckMs: 1000, deletionTimeoutMs: 60_000 }, log: testLogger(),
    event: async (type, reason, message) => { events.push([type, reason, message]); },
    commit: async () => false,
  };
  const condition = (type: string) => {
    const c = ctx.draft.result().conditions?.find((x) => x.type === type);
    return c && [c.status, c.reason, c.message];
  };
  return { plugin, access, ctx, events, condition, status: () => ctx.draft.value };
}

describe('AppInstance actions', function () {
  describe('AssignId', function () {
    it('takes the id the spec gives (the appstore\'s, through North)', function () {
      const { ctx, status } = setup({}, '4f0e2a6c-0b6a-4d4e-9a53-0d7c2f6f1a11');
      runAssignId(ctx);
      assert.equal(status().appInstanceId, '4f0e2a6c-0b6a-4d4e-9a53-0d7c2f6f1a11');
    });

    it('makes a new UUID when the spec gives none', function () {
      const { ctx, status } = setup();
      runAssignId(ctx);
      assert.match(status().appInstanceId ?? '', /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    });
  });

  describe('Install and Upgrade', function () {
    it('installs into a namespace it made, and records that it made it', async function () {
      const { plugin, access, ctx, events, condition, status } = setup({ appInstanceId: 'id', operationalState: 'NOT_INSTANTIATED', failures: 2 });
      await runInstall({ kind: 'Install', access, desired }, ctx);
      assert.deepEqual(plugin.calls, ['ensureNamespace', 'install']);
      assert.deepEqual(status().release, {
        createdNamespace: true, name: 'app', namespace: 'app-ns', revision: 1, chartName: 'demo', chartVersion: '1.0.0', status: 'deployed', appliedDigest: 'sha256:want',
      });
      assert.equal(status().failures, 0, 'a success resets the count');
      assert.equal(status().operationalState, 'STARTED');
      assert.deepEqual(condition('Instantiated'), ['True', 'InstallSucceeded', `Release app revision 1 deployed from ${desired.chartRef}.`]);
      assert.deepEqual(condition('Reconciling')?.slice(0, 2), ['True', 'Installing'], 'workloads and rules come next');
      assert.deepEqual(events, [['Normal', 'Installed', 'Release app revision 1.']]);
    });

    const namespaceCases: Array<[string, 'Created' | 'Ours' | 'Theirs', boolean | undefined, boolean | undefined]> = [
      ['made now', 'Created', undefined, true],
      ['made by an attempt that died before writing status', 'Ours', undefined, true],
      ['ours, but recorded as not made for this instance', 'Ours', false, false],
      ['someone else\'s namespace is never recorded as ours', 'Theirs', undefined, undefined],
    ];
    for (const [name, answer, recorded, expected] of namespaceCases) {
      it(`namespace ${name}`, async function () {
        const { plugin, access, ctx, status } = setup({ appInstanceId: 'id', ...(recorded === undefined ? {} : { release: { createdNamespace: recorded } }) });
        plugin.namespace = answer;
        await runInstall({ kind: 'Install', access, desired }, ctx);
        assert.equal(status().release?.createdNamespace, expected);
      });
    }

    it('leaves the namespace alone when spec.createNamespace is false, and on upgrade', async function () {
      const { plugin, access, ctx, events, condition } = setup({ appInstanceId: 'id', operationalState: 'STOPPED' });
      await runInstall({ kind: 'Install', access, desired: { ...desired, createNamespace: false } }, ctx);
      await runInstall({ kind: 'Upgrade', why: 'Drift', access, desired }, ctx);
      assert.deepEqual(plugin.calls, ['install', 'upgrade']);
      assert.equal(ctx.draft.value.operationalState, 'STOPPED', 'an upgrade does not start a stopped app');
      assert.deepEqual(condition('Instantiated')?.slice(0, 2), ['True', 'UpgradeSucceeded']);
      assert.deepEqual(events.map((e) => e.slice(0, 2)), [['Normal', 'Installed'], ['Warning', 'DriftRepaired']]);
    });

    it('a failed attempt counts, and stays Reconciling (remediated and retried) even when the error is not transient', async function () {
      const { plugin, access, ctx, events, condition, status } = setup({ appInstanceId: 'id', failures: 1 });
      const action = { kind: 'Install', access, desired } as const;
      const conflict = new LcmError('Conflict', 'nodePort 32391 is already allocated');
      plugin.failing = conflict;
      await assert.rejects(runInstall(action, ctx), conflict);
      await recordFailure(conflict, action, ctx);
      assert.equal(status().failures, 2);
      assert.equal(status().lastOperation?.operationState, 'FAILED');
      assert.deepEqual(condition('Instantiated'), ['False', 'InstallFailed', 'Conflict: nodePort 32391 is already allocated']);
      assert.deepEqual(condition('Reconciling')?.slice(0, 2), ['True', 'Conflict']);
      assert.equal(condition('Stalled'), undefined);
      assert.deepEqual(condition('Ready')?.slice(0, 2), ['False', 'Conflict']);
      assert.deepEqual(events, [['Warning', 'InstallFailed', 'Conflict: nodePort 32391 is already allocated']]);
    });
  });

  describe('failures of other LCM operations', function () {
    it('a failure a retry may fix is Reconciling; one that needs a change is Stalled, phase Failed', async function () {
      const transient = setup({ appInstanceId: 'id', phase: 'Ready' });
      const scale = { kind: 'Scale', to: 'Stopped', access: transient.access } as const;
      await recordFailure(new LcmError('ClusterUnreachable', 'no answer'), scale, transient.ctx);
      assert.deepEqual(transient.condition('Reconciling')?.slice(0, 2), ['True', 'ClusterUnreachable']);
      assert.equal(transient.status().phase, 'Ready');
      assert.deepEqual(transient.events.map((e) => e.slice(0, 2)), [['Warning', 'ScaleFailed']]);

      const refused = setup({ appInstanceId: 'id', phase: 'Ready' });
      await recordFailure(new LcmError('Unauthorized', '403 Forbidden'), { ...scale, access: refused.access }, refused.ctx);
      assert.deepEqual(refused.condition('Stalled')?.slice(0, 2), ['True', 'Unauthorized']);
      assert.equal(refused.condition('Reconciling'), undefined);
      assert.deepEqual(refused.condition('Ready')?.slice(0, 2), ['False', 'Unauthorized']);
      assert.equal(refused.status().phase, 'Failed');
      assert.equal(refused.status().failures, undefined, 'only installs and upgrades count');
    });

    it('a failure while observing shows in status, without an event', async function () {
      const { ctx, events, condition } = setup({ appInstanceId: 'id' });
      await recordFailure(new LcmError('Unauthorized', 'cannot get namespaces: 403'), undefined, ctx);
      assert.deepEqual(condition('Stalled')?.slice(0, 2), ['True', 'Unauthorized']);
      assert.deepEqual(events, []);
    });
  });

  it('Remediate by rollback forgets the applied digest, so the next step upgrades again', async function () {
    const { plugin, access, ctx, events, status } = setup({ appInstanceId: 'id', release: { appliedDigest: 'sha256:want', revision: 3 } });
    await runRemediate({ kind: 'Remediate', how: 'Rollback', access }, ctx);
    assert.deepEqual(plugin.calls, ['rollback']);
    assert.equal(status().release?.appliedDigest, undefined);
    assert.equal(status().lastOperation?.operationState, 'ROLLED_BACK');
    assert.equal(status().phase, 'Remediating');
    assert.deepEqual(events, [['Warning', 'RolledBack', 'Remediated a failed release by rollback.']]);

    const other = setup({ appInstanceId: 'id', release: { appliedDigest: 'sha256:want' } });
    await runRemediate({ kind: 'Remediate', how: 'Uninstall', access: other.access }, other.ctx);
    assert.deepEqual(other.plugin.calls, ['uninstall']);
    assert.equal(other.status().release?.appliedDigest, 'sha256:want');
  });

  it('Scale sets the ETSI operational state and records the operation', async function () {
    const { access, ctx, events, status } = setup({ appInstanceId: 'id', operationalState: 'STARTED' });
    await runScale({ kind: 'Scale', to: 'Stopped', access }, ctx);
    assert.equal(status().operationalState, 'STOPPED');
    assert.deepEqual([status().lastOperation?.operationType, status().lastOperation?.operationState], ['OPERATE', 'COMPLETED']);
    assert.deepEqual(events, [['Normal', 'Stopped', 'Workloads scaled to zero.']]);
  });

  it('OwnedByAnother stalls, naming the release, the owner\'s UID and the way out, and calls nothing on the edge', function () {
    const { plugin, ctx, condition, status } = setup({ appInstanceId: 'id' });
    assert.deepEqual(runOwnedByAnother({ kind: 'OwnedByAnother', foreign: { release: 'app-ns/app', ownerUid: 'uid-of-a' } }, ctx), { kind: 'Done' });
    const message = condition('Stalled')?.[2];
    assert.deepEqual(condition('Stalled')?.slice(0, 2), ['True', 'OwnedByAnother']);
    assert.match(String(message), /^Release app-ns\/app on edge-1 belongs to another AppInstance \(UID uid-of-a\); it is left alone\./);
    assert.match(String(message), /create an AppInstance with another spec\.releaseName or spec\.namespace/);
    assert.deepEqual(condition('Instantiated'), ['False', 'OwnedByAnother', message]);
    assert.deepEqual(condition('Ready')?.slice(0, 2), ['False', 'OwnedByAnother']);
    assert.equal(status().phase, 'Failed');
    assert.equal(status().release, undefined, 'the other\'s release is not recorded');
    assert.deepEqual(plugin.calls, []);

    const unknown = setup({ appInstanceId: 'id' });
    runOwnedByAnother({ kind: 'OwnedByAnother', foreign: { release: 'app-ns/app', ownerUid: undefined } }, unknown.ctx);
    assert.match(String(unknown.condition('Stalled')?.[2]), /belongs to someone else: it carries no owner label and this instance did not make it/);
  });

  it('NotPermitted stalls with the missing grant, calls nothing on the edge, and records one event per new refusal', async function () {
    const { plugin, ctx, events, condition } = setup({ appInstanceId: 'id' });
    const message = 'namespace team is governed by no Tenant: an admin must list it in a Tenant\'s spec.namespaces before its objects may use an EdgeHost';
    assert.deepEqual(await runNotPermitted({ kind: 'NotPermitted', what: 'Instance', message }, ctx), { kind: 'Done' });
    assert.deepEqual(plugin.calls, []);
    assert.deepEqual(condition('Stalled'), ['True', 'NotPermitted', message]);
    assert.deepEqual(condition('Ready'), ['False', 'NotPermitted', message]);
    assert.deepEqual(events, [['Warning', 'NotPermitted', message]]);
    // The same refusal again (the draft now holds it): no second event.
    const again = setup({ appInstanceId: 'id', conditions: ctx.draft.result().conditions });
    await runNotPermitted({ kind: 'NotPermitted', what: 'Instance', message }, again.ctx);
    assert.deepEqual(again.events, []);
  });

  it('NotPermitted for the rules keeps the release as deployed and says RulesConfigured=False', async function () {
    const { ctx, condition } = setup({ appInstanceId: 'id', release: { name: 'app', revision: 2 } });
    await runNotPermitted({ kind: 'NotPermitted', what: 'Rules', message: 'Not permitted: the rules exceed Tenant t\'s MEP grant' }, ctx);
    assert.deepEqual(condition('RulesConfigured'), ['False', 'NotPermitted', 'The app\'s rules: Not permitted: the rules exceed Tenant t\'s MEP grant']);
    assert.deepEqual(condition('Instantiated')?.slice(0, 2), ['True', 'ReleaseDeployed']);
    assert.deepEqual(condition('Stalled')?.slice(0, 2), ['True', 'NotPermitted']);
  });

  it('Adopt labels the release through the plugin and says so', async function () {
    const { plugin, access, ctx, events } = setup({ appInstanceId: 'id', release: { name: 'app', namespace: 'app-ns', revision: 2 } });
    await runAdopt({ kind: 'Adopt', access }, ctx);
    assert.deepEqual(plugin.calls, ['adopt']);
    assert.deepEqual(events, [['Normal', 'ReleaseAdopted', 'Release app-ns/app was made before owners were recorded; it now carries this instance\'s UID.']]);
  });

  it('a refused adoption shows as OwnedByAnother, Stalled, with an event', async function () {
    const { access, ctx, events, condition } = setup({ appInstanceId: 'id' });
    await recordFailure(new LcmError('OwnedByAnother', 'Cannot adopt release app-ns/app: it belongs to AppInstance uid-of-a'), { kind: 'Adopt', access }, ctx);
    assert.deepEqual(condition('Stalled')?.slice(0, 2), ['True', 'OwnedByAnother']);
    assert.deepEqual(events.map((e) => e.slice(0, 2)), [['Warning', 'AdoptFailed']]);
  });

  it('GiveUp stalls with the last failure; Ready settles and is derived True', function () {
    const failed = setup({ appInstanceId: 'id', failures: 4 });
    failed.ctx.draft.set('Instantiated', false, 'UpgradeFailed', 'InvalidValues: nodePort out of range');
    runGiveUp(failed.ctx);
    assert.deepEqual(failed.condition('Stalled'), ['True', 'RetriesExhausted',
      'Gave up after 4 failed attempts; change the spec to try again. Last: InvalidValues: nodePort out of range']);
    assert.equal(failed.status().phase, 'Failed');

    const running = setup({ appInstanceId: 'id', readyWorkloads: '1/1', release: { name: 'app', revision: 2 } });
    running.ctx.draft.markReconciling('WorkloadsNotReady', 'Workloads ready: 0/1.');
    runReady({ kind: 'Ready', hasRules: false }, running.ctx);
    assert.equal(running.condition('Reconciling'), undefined);
    assert.deepEqual(running.condition('Instantiated'), ['True', 'ReleaseDeployed', 'Release app revision 2 is deployed.'], 'installed by an attempt whose end was not seen');
    assert.deepEqual(running.condition('RulesConfigured')?.slice(0, 2), ['True', 'NoRules']);
    assert.deepEqual(running.condition('Ready'), ['True', 'Ready', 'The app runs: 1/1 workloads ready.']);
    assert.equal(running.status().phase, 'Ready');
  });

  it('RulesIncomplete: running, but not Ready, naming the rules left out and the way out', function () {
    const { ctx, condition, status } = setup({ appInstanceId: 'id', release: { name: 'app', revision: 1 } });
    for (let i = 0; i < 2; i += 1) {
      runRulesIncomplete({ kind: 'RulesIncomplete', leftOut: ['appTrafficRule[0] "r1": action "REDIRECT" is not one of DROP, …'] }, ctx);
    }
    assert.deepEqual(condition('RulesConfigured')?.slice(0, 2), ['False', 'RulesIncomplete']);
    assert.match(String(condition('RulesConfigured')?.[2]), /"r1": action "REDIRECT".*spec\.rules\.allowIncomplete/);
    assert.deepEqual(condition('Instantiated')?.slice(0, 2), ['True', 'ReleaseDeployed']);
    assert.deepEqual(condition('Stalled')?.slice(0, 2), ['True', 'RulesIncomplete']);
    assert.deepEqual(condition('Ready')?.slice(0, 2), ['False', 'RulesIncomplete']);
    assert.equal(status().phase, 'Failed');
  });

  it('BadValues: waits for a source that may appear, stalls on one that is not values', function () {
    const missing = setup({ appInstanceId: 'id' });
    assert.deepEqual(runBadValues({ kind: 'BadValues', reason: 'ValuesNotFound', message: 'ConfigMap team/v does not exist.' }, missing.ctx), { kind: 'RequeueAfter', ms: 100 });
    assert.deepEqual(missing.condition('Reconciling'), ['True', 'ValuesNotFound', 'ConfigMap team/v does not exist.']);
    const bomb = setup({ appInstanceId: 'id' });
    assert.deepEqual(runBadValues({ kind: 'BadValues', reason: 'ValuesInvalid', message: 'expands to more than 100000 nodes' }, bomb.ctx), { kind: 'Done' });
    assert.deepEqual(bomb.condition('Stalled')?.slice(0, 2), ['True', 'ValuesInvalid']);
  });

  describe('waits', function () {
    it('WaitForRules shows the AppRule\'s reason in the message, under a reason of our own', function () {
      const refused = setup({ appInstanceId: 'id' });
      runWaitForRules({ kind: 'WaitForRules', reason: 'MEPRefused', message: 'duplicate dns entry' }, refused.ctx);
      assert.deepEqual(refused.condition('RulesConfigured'), ['False', 'RulesNotReady', 'MEPRefused: duplicate dns entry']);
      assert.deepEqual(refused.condition('Ready'), ['False', 'RulesApplying', 'Waiting for the MEP: duplicate dns entry']);

      const fresh = setup({ appInstanceId: 'id' });
      runWaitForRules({ kind: 'WaitForRules', reason: undefined, message: undefined }, fresh.ctx);
      assert.deepEqual(fresh.condition('RulesConfigured'), ['False', 'RulesApplying', 'Waiting for the MEP.']);
      assert.deepEqual(fresh.condition('Reconciling'), ['True', 'RulesApplying', 'Waiting for the MEP: not yet applied']);
    });

    it('WaitForEdge keeps the phase it was in and looks again after at least a second', function () {
      const upgrading = setup({ appInstanceId: 'id', phase: 'Upgrading' });
      assert.deepEqual(runWaitForEdge(upgrading.ctx), { kind: 'RequeueAfter', ms: 1000 });
      assert.equal(upgrading.status().phase, 'Upgrading');
      assert.deepEqual(upgrading.condition('Reconciling')?.slice(0, 2), ['True', 'EdgeUnreachable']);
      const fresh = setup({ appInstanceId: 'id' });
      runWaitForEdge(fresh.ctx);
      assert.equal(fresh.status().phase, 'Installing');
    });

    it('BlockTermination names the dependents', function () {
      const { ctx, condition, status } = setup({ appInstanceId: 'id' });
      assert.deepEqual(runBlockTermination({ kind: 'BlockTermination', dependents: ['team/posiu'] }, ctx), { kind: 'RequeueAfter', ms: 100 });
      assert.deepEqual(condition('Ready'), ['False', 'DependentsExist', 'Cannot terminate while team/posiu depend on this app\'s services; delete them first.']);
      assert.equal(status().phase, 'Terminating');
    });
  });

  describe('operation (ETSI app_lcm_op_occ)', function () {
    const earlier = { operationType: 'INSTANTIATE', operationState: 'PROCESSING', startTime: '2025-03-01T09:00:00Z', stateEnteredTime: '2025-03-01T09:30:00Z' } as const;
    const cases: Array<[string, Parameters<typeof operation>[1], Parameters<typeof operation>[2], [string, string]]> = [
      ['the same state: both times stay', 'INSTANTIATE', 'PROCESSING', ['2025-03-01T09:00:00Z', '2025-03-01T09:30:00Z']],
      ['a new state of the same operation: start stays, state entered now', 'INSTANTIATE', 'FAILED', ['2025-03-01T09:00:00Z', '2025-03-01T10:00:00Z']],
      ['another operation starts now', 'OPERATE', 'COMPLETED', ['2025-03-01T10:00:00Z', '2025-03-01T10:00:00Z']],
      ['STARTING restarts the operation', 'INSTANTIATE', 'STARTING', ['2025-03-01T10:00:00Z', '2025-03-01T10:00:00Z']],
    ];
    for (const [name, type, state, [start, entered]] of cases) {
      it(name, function () {
        const next = operation({ lastOperation: earlier }, type, state, now);
        assert.deepEqual([next.operationType, next.operationState, next.startTime, next.stateEnteredTime], [type, state, start, entered]);
      });
    }
  });
});
