import assert from 'node:assert/strict';
import type { AppRuleSpec } from '../../../src/api/apprule.js';
import {
  decide, type AppInstanceObservation, type DesiredRelease, type EdgeAccess, type ReleaseObservation, type ReleaseOwner, type RulesObservation,
} from '../../../src/controllers/appinstance/decide.js';
import { KubernetesPlugin } from '../../../src/lcm/kubernetes/plugin.js';
import { allowed, refused } from '../../../src/tenancy/verdict.js';

/** decide only carries the plugin; it is never called here. */
const plugin = new KubernetesPlugin({ helmBinary: '/nonexistent/helm' });
const access: EdgeAccess = { plugin, target: { kubeconfig: 'kubeconfig', releaseName: 'app', namespace: 'app', createNamespace: false } };
const ruleSpec: AppRuleSpec = { hostRef: { name: 'edge-1' }, appInstanceId: 'id-1', appName: 'app-id1', appSupportMp1: true };
const desired: DesiredRelease = {
  chartRef: 'oci://edge/mecm/ns/app/chart:1.0.0', plainHttp: true, values: { a: 1 }, digest: 'sha256:1', timeoutMs: 300_000, createNamespace: true, rules: ruleSpec, rulesLeftOut: [],
};
const rules = (kind: 'NotNeeded' | 'Ready' | 'PresentButUnneeded' | 'Missing' | 'Outdated' | 'NotReady'): RulesObservation =>
  kind === 'Missing' || kind === 'Outdated' ? { kind, spec: ruleSpec } : { kind };
const packageNotDistributed = { desired: { kind: 'NoPackage', message: 'AppPackage app is not distributed to edge-1 yet.' } } as const;
const edgeUnreachable = { edge: { kind: 'Unreachable' } } as const;
const kubeconfigRefused = { edge: { kind: 'KubeconfigRefused', message: 'Secret apps/edge is outside the operator\'s namespace' } } as const;
const infrastructureUnsupported = { infrastructure: { kind: 'Unsupported', message: 'openstack' } } as const;
const ours: ReleaseOwner = { kind: 'Ours' };
const theirs: ReleaseOwner = { kind: 'Another', uid: 'uid-of-b' };
const unknownOwner: ReleaseOwner = { kind: 'Another', uid: undefined };
const adoptable: ReleaseOwner = { kind: 'Adoptable' };
/** A release of `owner` in `status` (deployed, up to date by default). */
const releaseOf = (owner: ReleaseOwner, status: 'deployed' | 'failed' | 'pending-upgrade' | 'uninstalling' = 'deployed', upToDate = true): { release: ReleaseObservation } =>
  ({ release: { kind: 'Present', status, revision: 3, upToDate, owner } });

const healthy: AppInstanceObservation = {
  deleting: false, hasFinalizer: true, appInstanceId: 'id-1', suspended: false, permission: allowed, infrastructure: { kind: 'Supported' },
  desired: { kind: 'Known', release: desired }, missingDependencies: [], dependents: [], edge: { kind: 'Reachable', access },
  release: { kind: 'Present', status: 'deployed', revision: 2, upToDate: true, owner: ours },
  desiredState: 'Started', stopped: false, driftedObjects: [], rules: rules('Ready'),
  failures: 0, maxRetries: 3, remediation: 'Rollback', namespace: { kind: 'OursUnused' }, workloadsReady: true, allowIncompleteRules: false, deletionTimedOut: false,
};
const leftOut = { desired: { kind: 'Known', release: { ...desired, rulesLeftOut: ['appTrafficRule[1] "r2": action "REDIRECT" is not one of …'] } } } as const;
const at = (o: Partial<AppInstanceObservation>) => decide({ ...healthy, ...o }).kind;
/** Refused by the Tenant; observe then does not look at the edge (unless deleted after acting on it). */
const denied = refused('Tenant team-a does not grant edge namespace app: its edge namespaces are team-a-* (spec.edgeNamespaces)');
const notPermitted = { permission: denied, edge: { kind: 'NotPermitted', message: denied.ok ? '' : denied.message } } as const;

describe('AppInstance decide', () => {
  after(() => plugin.close());

  const cases: Array<[string, Partial<AppInstanceObservation>, string]> = [
    ['a healthy instance is Ready', {}, 'Ready'],
    ['is not Ready with APPD rules left out', leftOut, 'RulesIncomplete'],
    ['is Ready with APPD rules left out when the spec allows it', { ...leftOut, allowIncompleteRules: true }, 'Ready'],
    ['installs before it judges the rules', { ...leftOut, release: { kind: 'Absent' } }, 'Install'],
    ['waits for a valuesFrom source', { desired: { kind: 'BadValues', reason: 'ValuesNotFound', message: 'ConfigMap x does not exist.' } }, 'BadValues'],
    ['suspended does nothing', { suspended: true, release: { kind: 'Absent' } }, 'Nothing'],
    ['waits for the package on this host', { ...packageNotDistributed, release: { kind: 'Absent' } }, 'WaitForPackage'],
    ['refuses unsupported infrastructure before anything', { ...infrastructureUnsupported, ...packageNotDistributed }, 'Unsupported'],
    ['waits for required services', { missingDependencies: ['mep-location'], release: { kind: 'Absent' } }, 'WaitForDependencies'],
    ['waits for an unreachable edge', { ...edgeUnreachable, release: { kind: 'Absent' } }, 'WaitForEdge'],
    ['stalls on a kubeconfig Secret outside the operator\'s namespace', { ...kubeconfigRefused, release: { kind: 'Absent' } }, 'KubeconfigRefused'],
    ['deletion waits on such a kubeconfig like on an unreachable edge', { deleting: true, rules: rules('NotNeeded'), ...kubeconfigRefused }, 'WaitForEdge'],
    ['installs when absent', { release: { kind: 'Absent' } }, 'Install'],
    ['gives up after the retries', { release: { kind: 'Absent' }, failures: 4 }, 'GiveUp'],
    ['unlocks a pending-upgrade release', { release: { kind: 'Present', status: 'pending-upgrade', revision: 3, upToDate: false, owner: ours } }, 'Unlock'],
    ['unlocks a pending-install release', { release: { kind: 'Present', status: 'pending-install', revision: 1, upToDate: true, owner: ours } }, 'Unlock'],
    ['remediates a failed upgrade', { release: { kind: 'Present', status: 'failed', revision: 3, upToDate: true, owner: ours }, failures: 1 }, 'Remediate'],
    ['upgrades on a spec change', { release: { kind: 'Present', status: 'deployed', revision: 2, upToDate: false, owner: ours } }, 'Upgrade'],
    ['repairs drift with an upgrade', { driftedObjects: ['Deployment/web'] }, 'Upgrade'],
    ['scales down on Stopped', { desiredState: 'Stopped' }, 'Scale'],
    ['scales up on Started after a stop', { stopped: true }, 'Scale'],
    ['applies missing rules', { rules: rules('Missing') }, 'ApplyRules'],
    ['applies outdated rules', { rules: rules('Outdated') }, 'ApplyRules'],
    ['deletes rules no longer wanted', { rules: rules('PresentButUnneeded') }, 'DeleteRules'],
    ['waits for rules at the MEP', { rules: rules('NotReady') }, 'WaitForRules'],
    ['waits for workloads', { workloadsReady: false }, 'WaitForWorkloads'],
    ['a stopped instance is Ready without ready workloads', { desiredState: 'Stopped', stopped: true, workloadsReady: false }, 'Ready'],
    ['deletion removes rules first', { deleting: true, rules: rules('Ready') }, 'DeleteRules'],
    ['deletion is blocked by dependents', { deleting: true, rules: rules('NotNeeded'), dependents: ['other'] }, 'BlockTermination'],
    ['deletion uninstalls', { deleting: true, rules: rules('NotNeeded') }, 'Uninstall'],
    ['deletion removes our namespace', { deleting: true, rules: rules('NotNeeded'), release: { kind: 'Absent' } }, 'DeleteNamespace'],
    ['deletion then releases', { deleting: true, rules: rules('NotNeeded'), release: { kind: 'Absent' }, namespace: { kind: 'NotOurs' } }, 'ReleaseFinalizer'],
    ['deletion waits for the edge', { deleting: true, rules: rules('NotNeeded'), ...edgeUnreachable }, 'WaitForEdge'],
    ['deletion gives up on an edge gone for good', { deleting: true, rules: rules('NotNeeded'), ...edgeUnreachable, deletionTimedOut: true }, 'ReleaseFinalizer'],
    // The setup steps of a new instance, and the AK/SK Secret.
    ['a new instance gets its finalizer first', { hasFinalizer: false, appInstanceId: undefined, edge: { kind: 'NotObserved' }, suspended: true }, 'AddFinalizer'],
    ['then its id, even when suspended', { appInstanceId: undefined, edge: { kind: 'NotObserved' }, suspended: true }, 'AssignId'],
    ['makes the AK/SK Secret once the package is there', { desired: { kind: 'NoCredentials' }, release: { kind: 'Absent' } }, 'EnsureCredentials'],
    ['waits for services before making the AK/SK Secret', { desired: { kind: 'NoCredentials' }, missingDependencies: ['mep-location'] }, 'WaitForDependencies'],
    ['makes the AK/SK Secret before asking the edge', { desired: { kind: 'NoCredentials' }, ...edgeUnreachable }, 'EnsureCredentials'],
    ['an edge not observed yet is waited for', { edge: { kind: 'NotObserved' } }, 'WaitForEdge'],
    ['deletion never adds the finalizer', { deleting: true, hasFinalizer: false, rules: rules('NotNeeded') }, 'Uninstall'],
    ['deletion keeps our namespace while another release is in it',
      { deleting: true, rules: rules('NotNeeded'), release: { kind: 'Absent' }, namespace: { kind: 'OursShared', releases: ['neighbour'] } }, 'ReleaseFinalizer'],
    ['deletion waits for a namespace not looked at on an unreachable edge', { deleting: true, rules: rules('NotNeeded'), release: { kind: 'Absent' }, ...edgeUnreachable }, 'WaitForEdge'],
    // Ownership: another instance's release is never unlocked, upgraded, remediated, scaled or uninstalled.
    ['leaves another instance\'s release alone', releaseOf(theirs), 'OwnedByAnother'],
    ['does not unlock another instance\'s locked release', releaseOf(theirs, 'pending-upgrade'), 'OwnedByAnother'],
    ['does not remediate another instance\'s failed release', { ...releaseOf(theirs, 'failed'), failures: 1 }, 'OwnedByAnother'],
    ['does not upgrade another instance\'s release on a spec change', releaseOf(theirs, 'deployed', false), 'OwnedByAnother'],
    ['does not repair drift of another instance\'s release', { ...releaseOf(theirs), driftedObjects: ['Deployment/web'] }, 'OwnedByAnother'],
    ['does not scale another instance\'s release', { ...releaseOf(theirs), desiredState: 'Stopped' }, 'OwnedByAnother'],
    ['does not give up on (or retry) another instance\'s release', { ...releaseOf(theirs, 'deployed', false), failures: 9 }, 'OwnedByAnother'],
    ['leaves an unlabelled release this instance does not record alone', releaseOf(unknownOwner), 'OwnedByAnother'],
    ['adopts an unlabelled release this instance records, before anything else', releaseOf(adoptable, 'deployed', false), 'Adopt'],
    ['adopts before unlocking', releaseOf(adoptable, 'pending-upgrade'), 'Adopt'],
    ['upgrades its own release as before', releaseOf(ours, 'deployed', false), 'Upgrade'],
    ['still waits for the package before looking at the owner', { ...releaseOf(theirs), ...packageNotDistributed }, 'WaitForPackage'],
    ['deletion does not uninstall another instance\'s release: only the finalizer goes', { deleting: true, rules: rules('NotNeeded'), ...releaseOf(theirs) }, 'ReleaseFinalizer'],
    ['deletion does not uninstall an unlabelled release it does not record', { deleting: true, rules: rules('NotNeeded'), ...releaseOf(unknownOwner, 'uninstalling') }, 'ReleaseFinalizer'],
    ['deletion uninstalls an unlabelled release it records', { deleting: true, rules: rules('NotNeeded'), ...releaseOf(adoptable) }, 'Uninstall'],
    ['deletion still removes its own rules first', { deleting: true, rules: rules('Ready'), ...releaseOf(theirs) }, 'DeleteRules'],
    // Tenancy: nothing reaches the edge for an instance the Tenant does not permit.
    ['refuses an instance the Tenant does not permit before anything, the finalizer included',
      { ...notPermitted, hasFinalizer: false, appInstanceId: undefined, release: { kind: 'Absent' } }, 'NotPermitted'],
    ['refuses before waiting for the package', { ...notPermitted, ...packageNotDistributed }, 'NotPermitted'],
    ['refuses before making the AK/SK Secret', { ...notPermitted, desired: { kind: 'NoCredentials' } }, 'NotPermitted'],
    ['refuses before installing', { ...notPermitted, release: { kind: 'Absent' } }, 'NotPermitted'],
    ['refuses one that runs, without uninstalling, upgrading or scaling it', { permission: denied, ...releaseOf(ours, 'deployed', false), desiredState: 'Stopped' }, 'NotPermitted'],
    ['refuses before unsupported infrastructure', { ...notPermitted, ...infrastructureUnsupported }, 'NotPermitted'],
    ['refuses even while suspended', { ...notPermitted, suspended: true }, 'NotPermitted'],
    ['refuses when the owned AppRule is refused by the MEP grant', { rules: { kind: 'NotReady', reason: 'NotPermitted', message: 'Not permitted: the rules exceed' } }, 'NotPermitted'],
    ['deletion of an instance that never acted on the edge releases without asking it', { deleting: true, rules: rules('NotNeeded'), ...notPermitted }, 'ReleaseFinalizer'],
    ['deletion of a refused instance removes its AppRule first', { deleting: true, rules: rules('Ready'), ...notPermitted }, 'DeleteRules'],
    ['deletion of an instance that never acted on the edge is not blocked by dependents', { deleting: true, rules: rules('NotNeeded'), ...notPermitted, dependents: ['other'] }, 'ReleaseFinalizer'],
    ['deletion of a refused instance that installed earlier uninstalls its own release', { deleting: true, rules: rules('NotNeeded'), permission: denied }, 'Uninstall'],
    ['deletion of a refused instance leaves another instance\'s release alone', { deleting: true, rules: rules('NotNeeded'), permission: denied, ...releaseOf(theirs) }, 'ReleaseFinalizer'],
  ];
  for (const [name, observation, expected] of cases) {
    it(name, () => assert.equal(at(observation), expected));
  }

  it('says what the Tenant refuses, and which refusal (the instance or its rules)', () => {
    assert.deepEqual(decide({ ...healthy, ...notPermitted }), { kind: 'NotPermitted', what: 'Instance', message: denied.ok ? '' : denied.message });
    assert.deepEqual(decide({ ...healthy, rules: { kind: 'NotReady', reason: 'NotPermitted', message: 'Not permitted: x' } }), { kind: 'NotPermitted', what: 'Rules', message: 'Not permitted: x' });
    assert.deepEqual(decide({ ...healthy, deleting: true, rules: rules('NotNeeded'), ...notPermitted }),
      { kind: 'ReleaseFinalizer', abandoned: false, keptNamespace: [], notPermitted: denied.ok ? '' : denied.message });
  });

  it('rolls back a failed upgrade, and uninstalls a failed first install or by policy', () => {
    const failed = (revision: number) => ({ kind: 'Present', status: 'failed', revision, upToDate: true, owner: ours } as const);
    assert.deepEqual(decide({ ...healthy, release: failed(3) }), { kind: 'Remediate', how: 'Rollback', access });
    assert.deepEqual(decide({ ...healthy, release: failed(1) }), { kind: 'Remediate', how: 'Uninstall', access });
    assert.deepEqual(decide({ ...healthy, release: failed(3), remediation: 'Uninstall' }), { kind: 'Remediate', how: 'Uninstall', access });
    assert.deepEqual(decide({ ...healthy, release: failed(3), failures: 9 }), { kind: 'Remediate', how: 'Rollback', access }, 'rolls back even when out of retries');
    assert.deepEqual(decide({ ...healthy, release: failed(1), failures: 9 }), { kind: 'GiveUp' });
  });

  it('hands each action what it needs to run', () => {
    assert.deepEqual(decide({ ...healthy, release: { kind: 'Absent' } }), { kind: 'Install', access, desired });
    assert.deepEqual(decide({ ...healthy, driftedObjects: ['Deployment/web'] }), { kind: 'Upgrade', why: 'Drift', access, desired });
    assert.deepEqual(decide({ ...healthy, release: { kind: 'Present', status: 'pending-rollback', revision: 4, upToDate: true, owner: ours } }),
      { kind: 'Unlock', access, status: 'pending-rollback' });
    assert.deepEqual(decide({ ...healthy, desiredState: 'Stopped' }), { kind: 'Scale', to: 'Stopped', access });
    assert.deepEqual(decide({ ...healthy, rules: rules('Outdated') }), { kind: 'ApplyRules', spec: ruleSpec });
    assert.deepEqual(decide({ ...healthy, rules: { kind: 'NotReady', reason: 'MEPRefused', message: 'duplicate dns entry' } }),
      { kind: 'WaitForRules', reason: 'MEPRefused', message: 'duplicate dns entry' });
    assert.deepEqual(decide({ ...healthy, ...packageNotDistributed }), { kind: 'WaitForPackage', message: 'AppPackage app is not distributed to edge-1 yet.' });
    assert.deepEqual(decide({ ...healthy, ...infrastructureUnsupported }), { kind: 'Unsupported', message: 'openstack' });
    assert.deepEqual(decide(healthy), { kind: 'Ready', hasRules: true });
    assert.deepEqual(decide({ ...healthy, desired: { kind: 'Known', release: { ...desired, rules: undefined } }, workloadsReady: false }),
      { kind: 'WaitForWorkloads', hasRules: false });
    const deleting = { ...healthy, deleting: true, rules: rules('NotNeeded'), release: { kind: 'Absent' } } as const;
    assert.deepEqual(decide(deleting), { kind: 'DeleteNamespace', access });
    assert.deepEqual(decide({ ...deleting, namespace: { kind: 'OursShared', releases: ['a', 'b'] } }),
      { kind: 'ReleaseFinalizer', abandoned: false, keptNamespace: ['a', 'b'] });
    assert.deepEqual(decide({ ...deleting, ...edgeUnreachable, deletionTimedOut: true }), { kind: 'ReleaseFinalizer', abandoned: true, keptNamespace: [] });
  });

  it('names the other owner\'s release and UID, and adopts with the edge access', () => {
    assert.deepEqual(decide({ ...healthy, ...releaseOf(theirs) }), { kind: 'OwnedByAnother', foreign: { release: 'app/app', ownerUid: 'uid-of-b' } });
    assert.deepEqual(decide({ ...healthy, ...releaseOf(unknownOwner) }), { kind: 'OwnedByAnother', foreign: { release: 'app/app', ownerUid: undefined } });
    assert.deepEqual(decide({ ...healthy, ...releaseOf(adoptable) }), { kind: 'Adopt', access });
    assert.deepEqual(decide({ ...healthy, deleting: true, rules: rules('NotNeeded'), ...releaseOf(theirs) }),
      { kind: 'ReleaseFinalizer', abandoned: false, keptNamespace: [], leftToOwner: { release: 'app/app', ownerUid: 'uid-of-b' } });
  });
});
