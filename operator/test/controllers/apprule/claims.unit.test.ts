/** holderOf as a table: which of the AppRules naming one appInstanceId on one host holds it. */
import assert from 'node:assert/strict';
import type { AppInstance } from '../../../src/api/appinstance.js';
import type { AppRule, AppRuleStatus } from '../../../src/api/apprule.js';
import { claimOf, holderOf, ownedByIdsInstance } from '../../../src/controllers/apprule/claims.js';
import { appRule } from './builders.js';

const id = 'inst-web';

type ClaimantOptions = { uid?: string; owner?: string; ownerUid?: string; ownerKind?: string; namespace?: string; status?: AppRuleStatus };

function claimant(name: string, created: string, options: ClaimantOptions = {}): AppRule {
  const ownerReferences = options.owner
    ? [{ apiVersion: 'mecm.io/v1alpha1', kind: options.ownerKind ?? 'AppInstance', name: options.owner, uid: options.ownerUid ?? `uid-${options.owner}`, controller: true }]
    : undefined;
  return appRule({
    spec: { appInstanceId: id }, ...(options.status ? { status: options.status } : {}),
    metadata: { name, namespace: options.namespace ?? 'apps', uid: options.uid ?? `uid-${name}`, creationTimestamp: created, ...(ownerReferences ? { ownerReferences } : {}) },
  });
}

function instance(name: string, appInstanceId: string | undefined, namespace = 'apps'): AppInstance {
  return {
    apiVersion: 'mecm.io/v1alpha1', kind: 'AppInstance', metadata: { name, namespace, uid: namespace === 'apps' ? `uid-${name}` : `uid-${namespace}-${name}` },
    spec: { hostRef: { name: 'edge-1' }, packageRef: { name: 'pkg' } },
    ...(appInstanceId ? { status: { appInstanceId } } : {}),
  } as AppInstance;
}

describe('AppRule claims: who holds an appInstanceId on a host', () => {
  const instances = new Map([instance('web', id), instance('other', 'inst-other'), instance('fresh', undefined), instance('web', id, 'tenant-b')]
    .map((i) => [`${i.metadata.namespace}/${i.metadata.name}`, i]));
  const lookup = (key: string) => instances.get(key);
  const early = '2026-11-27T09:00:00Z';
  const late = '2026-11-27T10:00:00Z';
  const applied = (reason: string): AppRuleStatus => ({ taskId: 't-1', conditions: [{ type: 'Applied', status: 'False', reason, message: '', lastTransitionTime: early }] });
  const sent = applied('ApplyingRules');
  const refused = applied('AppInstanceIdInUse');

  const cases: Array<[string, AppRule[], string | undefined]> = [
    ['no claimant holds nothing', [], undefined],
    ['a lone claimant holds it', [claimant('a', late)], 'a'],
    ['the oldest holds it', [claimant('young', late), claimant('old', early)], 'old'],
    ['at the same second, the lower UID holds it', [claimant('b', early, { uid: 'uid-2' }), claimant('a', early, { uid: 'uid-1' })], 'a'],
    ['at the same second, the one that already sent the MEP a change holds it', [claimant('b', early, { uid: 'uid-1' }), claimant('a', early, { uid: 'uid-2', status: sent })], 'a'],
    ['at the same second, one refused since it sent a change does not', [claimant('b', early, { uid: 'uid-1' }), claimant('a', early, { uid: 'uid-2', status: refused })], 'b'],
    ['a younger one that sent a change does not outrank the oldest', [claimant('old', early), claimant('young', late, { status: sent })], 'old'],
    ['the rule of the AppInstance with that id outranks an older one', [claimant('hand', early), claimant('owned', late, { owner: 'web' })], 'owned'],
    ['an owner whose id is another does not outrank', [claimant('hand', early), claimant('owned', late, { owner: 'other' })], 'hand'],
    ['an owner without an id yet does not outrank', [claimant('hand', early), claimant('owned', late, { owner: 'fresh' })], 'hand'],
    ['an owner reference with another UID (a namesake) does not outrank', [claimant('hand', early), claimant('owned', late, { owner: 'web', ownerUid: 'forged' })], 'hand'],
    ['an owner reference that is no AppInstance does not outrank', [claimant('hand', early), claimant('owned', late, { owner: 'web', ownerKind: 'ConfigMap' })], 'hand'],
    ['an owner is looked up in the rule\'s own namespace', [claimant('hand', early), claimant('owned', late, { owner: 'missing' })], 'hand'],
    ['of two rules of the same instance, the older holds it', [claimant('second', late, { owner: 'web' }), claimant('first', early, { owner: 'web' }), claimant('hand', '2026-01-01T00:00:00Z')], 'first'],
  ];
  for (const [name, claimants, expected] of cases) {
    it(name, () => assert.equal(holderOf(claimants, lookup)?.metadata.name, expected));
  }

  it('matches the owner by namespace, name and UID, and the id in its status', () => {
    assert.equal(ownedByIdsInstance(claimant('a', early, { owner: 'web' }), lookup), true);
    // Tenant B's rule names tenant A's instance (its UID) as owner: owners are looked up in B's namespace, where "web" is another.
    assert.equal(ownedByIdsInstance(claimant('b', early, { owner: 'web', ownerUid: 'uid-web', namespace: 'tenant-b' }), lookup), false);
    assert.equal(ownedByIdsInstance(claimant('b', early, { owner: 'web', ownerUid: 'uid-tenant-b-web', namespace: 'tenant-b' }), lookup), true,
      'B\'s own "web", which (in this table) has the same id');
  });

  it('keys a claim by host and appInstanceId', () => {
    assert.equal(claimOf(appRule({ spec: { hostRef: { name: 'edge-9' }, appInstanceId: 'x-1' } })), 'edge-9/x-1');
  });
});
