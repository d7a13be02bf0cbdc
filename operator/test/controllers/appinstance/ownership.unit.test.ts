import assert from 'node:assert/strict';
import type { AppInstance, AppInstanceStatus } from '../../../src/api/appinstance.js';
import { releaseOwner } from '../../../src/controllers/appinstance/ownership.js';

const instance = (status: AppInstanceStatus = {}): AppInstance => ({
  apiVersion: 'mecm.io/v1alpha1', kind: 'AppInstance', metadata: { name: 'app', namespace: 'team-a', uid: 'uid-a' },
  spec: { packageRef: { name: 'pkg' }, hostRef: { name: 'edge-1' }, namespace: 'shared' }, status,
});
const target = { releaseName: 'app', namespace: 'shared' };
const recorded = { release: { name: 'app', namespace: 'shared', revision: 2 } };

describe('AppInstance release ownership', () => {
  const cases: Array<[string, string | undefined, AppInstanceStatus, ReturnType<typeof releaseOwner>]> = [
    ['labelled with our UID: ours', 'uid-a', {}, { kind: 'Ours' }],
    ['labelled with another UID: theirs, even when our status records the name', 'uid-b', recorded, { kind: 'Another', uid: 'uid-b' }],
    ['unlabelled and recorded in our status: adoptable', undefined, recorded, { kind: 'Adoptable' }],
    ['unlabelled and not recorded: an unknown owner\'s, never adopted', undefined, {}, { kind: 'Another', uid: undefined }],
    ['unlabelled, recorded under another namespace: not ours', undefined, { release: { name: 'app', namespace: 'elsewhere' } }, { kind: 'Another', uid: undefined }],
    ['unlabelled, recorded under another name: not ours', undefined, { release: { name: 'other', namespace: 'shared' } }, { kind: 'Another', uid: undefined }],
  ];
  for (const [name, label, status, expected] of cases) {
    it(name, () => assert.deepEqual(releaseOwner(label, instance(status), target), expected));
  }
});
