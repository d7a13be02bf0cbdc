/** AppInstance status as tables: Ready derived from the other conditions only, and the edge facts put into status. */
import assert from 'node:assert/strict';
import type { AppInstanceStatus } from '../../../src/api/appinstance.js';
import { appInstanceDraft, recordObserved, type ObservedFacts } from '../../../src/controllers/appinstance/summarize.js';
import type { Condition } from '../../../src/runtime/conditions.js';
import type { Release } from '../../../src/lcm/plugin.js';

const condition = (type: string, status: 'True' | 'False', reason: string, message = `${type} ${reason}`): Condition =>
  ({ type, status, reason, message, lastTransitionTime: '2025-01-01T00:00:00Z', observedGeneration: 1 });
const installed = [
  condition('PackageReady', 'True', 'PackageDistributed'), condition('DependenciesReady', 'True', 'DependenciesReady'),
  condition('Instantiated', 'True', 'InstallSucceeded'), condition('RulesConfigured', 'True', 'NoRules'),
];
const readyOf = (status: AppInstanceStatus) => {
  const draft = appInstanceDraft({ metadata: { generation: 1 }, status }, new Date('2025-01-02T00:00:00Z'));
  const ready = draft.result().conditions?.find((c) => c.type === 'Ready');
  return [ready?.status, ready?.reason, ready?.message];
};

describe('AppInstance summarize', function () {
  it('counts failed attempts per spec: a generation not yet observed starts from none', function () {
    const gaveUp: AppInstanceStatus = { failures: 4, observedGeneration: 3 };
    assert.equal(appInstanceDraft({ metadata: { generation: 3 }, status: gaveUp }).value.failures, 4, 'the same spec keeps its count');
    assert.equal(appInstanceDraft({ metadata: { generation: 4 }, status: gaveUp }).value.failures, 0, 'a changed spec tries again');
  });

  const cases: Array<[string, AppInstanceStatus, unknown[]]> = [
    ['all four True: Ready, with the workloads', { conditions: installed, readyWorkloads: '2/2' }, ['True', 'Ready', 'The app runs: 2/2 workloads ready.']],
    ['a stopped app is Ready too', { conditions: installed, operationalState: 'STOPPED' }, ['True', 'Ready', 'The app is installed and stopped.']],
    ['Stalled wins over everything', { conditions: [...installed, condition('Stalled', 'True', 'RetriesExhausted', 'gave up'), condition('Reconciling', 'True', 'Installing')] },
      ['False', 'RetriesExhausted', 'gave up']],
    ['Reconciling says what is under way', { conditions: [...installed, condition('Reconciling', 'True', 'WorkloadsNotReady', 'Workloads ready: 0/1.')] },
      ['False', 'WorkloadsNotReady', 'Workloads ready: 0/1.']],
    ['the first condition that is not True, in order', {
      conditions: [condition('PackageReady', 'True', 'PackageDistributed'), condition('DependenciesReady', 'False', 'DependencyMissing', 'needs mep'),
        condition('Instantiated', 'False', 'InstallFailed'), condition('RulesConfigured', 'True', 'NoRules')],
    }, ['False', 'DependencyMissing', 'needs mep']],
    ['a condition not set yet is not Ready', { conditions: installed.slice(0, 3) }, ['False', 'Initializing', 'RulesConfigured is not known yet.']],
    ['a new instance is not Ready', {}, ['False', 'Initializing', 'PackageReady is not known yet.']],
  ];
  for (const [name, status, expected] of cases) {
    it(name, () => assert.deepEqual(readyOf(status), expected));
  }

  describe('recordObserved', function () {
    const release: Release = {
      exists: true, name: 'app', namespace: 'ns', revision: 3, status: 'deployed', chart: 'demo', chartVersion: '1.0.0', updated: '2025-01-01T00:00:00Z',
    };
    const cases: Array<[string, AppInstanceStatus, ObservedFacts, AppInstanceStatus]> = [
      ['nothing looked at: unchanged', { release: { name: 'app', revision: 1 } }, { release: undefined, workloads: undefined }, { release: { name: 'app', revision: 1 } }],
      ['the release as helm has it, keeping what only the controller knows',
        { release: { name: 'app', revision: 2, appliedDigest: 'sha256:1', createdNamespace: true } },
        { release, workloads: { workloads: [], ready: 1, desired: 2, allReady: false } },
        {
          release: { name: 'app', namespace: 'ns', revision: 3, chartName: 'demo', chartVersion: '1.0.0', status: 'deployed', appliedDigest: 'sha256:1', createdNamespace: true },
          workloads: { ready: 1, desired: 2 }, readyWorkloads: '1/2',
        }],
      ['a release gone from the edge shows uninstalled', { release: { name: 'app', revision: 2, status: 'deployed' } }, { release: 'Absent', workloads: undefined },
        { release: { name: 'app', revision: 2, status: 'uninstalled' } }],
      ['no release ever, none there: no release in status', {}, { release: 'Absent', workloads: undefined }, {}],
    ];
    for (const [name, status, facts, expected] of cases) {
      it(name, function () {
        recordObserved(status, facts);
        assert.deepEqual(status, expected);
      });
    }
  });
});
