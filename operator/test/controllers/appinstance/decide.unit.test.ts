import assert from 'node:assert/strict';
import { decide, type AppInstanceObservation } from '../../../src/controllers/appinstance/decide.js';

const healthy: AppInstanceObservation = {
  deleting: false, suspended: false, packageDistributed: true, infrastructureSupported: true,
  missingDependencies: [], dependents: [], edgeReachable: true,
  release: { kind: 'Present', status: 'deployed', revision: 2, upToDate: true },
  desiredState: 'Started', stopped: false, driftedObjects: [], rules: 'Ready',
  failures: 0, maxRetries: 3, remediation: 'Rollback', ownNamespaceExists: true, workloadsReady: true, deletionTimedOut: false,
};
const at = (o: Partial<AppInstanceObservation>) => decide({ ...healthy, ...o }).kind;

describe('AppInstance decide', () => {
  const cases: Array<[string, Partial<AppInstanceObservation>, string]> = [
    ['a healthy instance is Ready', {}, 'Ready'],
    ['suspended does nothing', { suspended: true, release: { kind: 'Absent' } }, 'Nothing'],
    ['waits for the package on this host', { packageDistributed: false, release: { kind: 'Absent' } }, 'WaitForPackage'],
    ['refuses unsupported infrastructure before anything', { infrastructureSupported: false, packageDistributed: false }, 'Unsupported'],
    ['waits for required services', { missingDependencies: ['mep-location'], release: { kind: 'Absent' } }, 'WaitForDependencies'],
    ['waits for an unreachable edge', { edgeReachable: false, release: { kind: 'Absent' } }, 'WaitForEdge'],
    ['installs when absent', { release: { kind: 'Absent' } }, 'Install'],
    ['gives up after the retries', { release: { kind: 'Absent' }, failures: 4 }, 'GiveUp'],
    ['unlocks a pending-upgrade release', { release: { kind: 'Present', status: 'pending-upgrade', revision: 3, upToDate: false } }, 'Unlock'],
    ['unlocks a pending-install release', { release: { kind: 'Present', status: 'pending-install', revision: 1, upToDate: true } }, 'Unlock'],
    ['remediates a failed upgrade', { release: { kind: 'Present', status: 'failed', revision: 3, upToDate: true }, failures: 1 }, 'Remediate'],
    ['upgrades on a spec change', { release: { kind: 'Present', status: 'deployed', revision: 2, upToDate: false } }, 'Upgrade'],
    ['repairs drift with an upgrade', { driftedObjects: ['Deployment/web'] }, 'Upgrade'],
    ['scales down on Stopped', { desiredState: 'Stopped' }, 'Scale'],
    ['scales up on Started after a stop', { stopped: true }, 'Scale'],
    ['applies missing rules', { rules: 'Missing' }, 'ApplyRules'],
    ['applies outdated rules', { rules: 'Outdated' }, 'ApplyRules'],
    ['deletes rules no longer wanted', { rules: 'PresentButUnneeded' }, 'DeleteRules'],
    ['waits for rules at the MEP', { rules: 'NotReady' }, 'WaitForRules'],
    ['waits for workloads', { workloadsReady: false }, 'WaitForWorkloads'],
    ['a stopped instance is Ready without ready workloads', { desiredState: 'Stopped', stopped: true, workloadsReady: false }, 'Ready'],
    ['deletion removes rules first', { deleting: true, rules: 'Ready' }, 'DeleteRules'],
    ['deletion is blocked by dependents', { deleting: true, rules: 'NotNeeded', dependents: ['other'] }, 'BlockTermination'],
    ['deletion uninstalls', { deleting: true, rules: 'NotNeeded' }, 'Uninstall'],
    ['deletion removes our namespace', { deleting: true, rules: 'NotNeeded', release: { kind: 'Absent' } }, 'DeleteNamespace'],
    ['deletion then releases', { deleting: true, rules: 'NotNeeded', release: { kind: 'Absent' }, ownNamespaceExists: false }, 'ReleaseFinalizer'],
    ['deletion waits for the edge', { deleting: true, rules: 'NotNeeded', edgeReachable: false }, 'WaitForEdge'],
    ['deletion gives up on an edge gone for good', { deleting: true, rules: 'NotNeeded', edgeReachable: false, deletionTimedOut: true }, 'ReleaseFinalizer'],
  ];
  for (const [name, observation, expected] of cases) {
    it(name, () => assert.equal(at(observation), expected));
  }

  it('rolls back a failed upgrade, and uninstalls a failed first install or by policy', () => {
    const failed = (revision: number) => ({ kind: 'Present', status: 'failed', revision, upToDate: true } as const);
    assert.deepEqual(decide({ ...healthy, release: failed(3) }), { kind: 'Remediate', how: 'Rollback' });
    assert.deepEqual(decide({ ...healthy, release: failed(1) }), { kind: 'Remediate', how: 'Uninstall' });
    assert.deepEqual(decide({ ...healthy, release: failed(3), remediation: 'Uninstall' }), { kind: 'Remediate', how: 'Uninstall' });
    assert.deepEqual(decide({ ...healthy, release: failed(3), failures: 9 }), { kind: 'Remediate', how: 'Rollback' }, 'rolls back even when out of retries');
    assert.deepEqual(decide({ ...healthy, release: failed(1), failures: 9 }), { kind: 'GiveUp' });
  });
});
