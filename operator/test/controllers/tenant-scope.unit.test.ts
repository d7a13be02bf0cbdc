/**
 * What the namespaced controllers share about a Tenant's scope: the namespaces it governs (not
 * those another Tenant also lists), the objects in them, and the count limit as the controllers
 * apply it (an object their finalizer proves admitted keeps its place within its second).
 */
import assert from 'node:assert/strict';
import { governedNamespacesOf, tenantSiblings } from '../../src/controllers/tenant-scope.js';
import { countVerdict, type Governance } from '../../src/tenancy/governance.js';
import { testTenant } from '../fixtures/tenant.js';

const teamA = testTenant('a', { namespaces: ['a', 'a-ci', 'shared'], limits: { appInstances: 1 } }, 'team-a');
const teamB = testTenant('b', { namespaces: ['b', 'shared'] }, 'team-b');
const governed: Governance = { kind: 'Governed', tenant: teamA, others: [teamB] };
const object = (namespace: string, uid: string, created = '2026-11-27T10:00:00Z', finalizers: string[] = []) =>
  ({ metadata: { namespace, name: uid, uid, creationTimestamp: created, finalizers } });

describe('controllers tenant scope', () => {
  it('governs the namespaces only its Tenant lists', () => {
    assert.deepEqual([...governedNamespacesOf(governed)].sort(), ['a', 'a-ci']);
    for (const g of [{ kind: 'Unenforced' }, { kind: 'Ungoverned', namespace: 'a' }, { kind: 'Contested', namespace: 'shared', tenants: ['team-a', 'team-b'] }] as const) {
      assert.equal(governedNamespacesOf(g).size, 0, g.kind);
    }
  });

  it('finds the objects of those namespaces and no others', () => {
    const all = [object('a', '1'), object('a-ci', '2'), object('shared', '3'), object('b', '4')];
    const byNamespace = { inNamespace: (n: string) => all.filter((o) => o.metadata.namespace === n) };
    assert.deepEqual(tenantSiblings(governed, byNamespace).map((o) => o.metadata.uid), ['1', '2']);
    assert.deepEqual(tenantSiblings({ kind: 'Unenforced' }, byNamespace), []);
  });

  describe('count limit within one second', () => {
    const admitted = (o: ReturnType<typeof object>) => o.metadata.finalizers.includes('mecm.io/test');
    // Same second, and the newcomer's UID sorts first: without the finalizer it would take the running one's place.
    const running = object('a', 'uid-z', '2026-11-27T10:00:00Z', ['mecm.io/test']);
    const newcomer = object('a', 'uid-a', '2026-11-27T10:00:00Z');
    const rows: Array<[string, ReturnType<typeof object>, boolean]> = [
      ['the admitted one keeps its place', running, true],
      ['the newcomer of the same second waits', newcomer, false],
    ];
    for (const [name, self, ok] of rows) {
      it(name, () => assert.equal(countVerdict(governed, 'appInstances', self, [running, newcomer], admitted).ok, ok));
    }

    it('falls back to the UID without the proof, and to time first in any case', () => {
      assert.equal(countVerdict(governed, 'appInstances', newcomer, [running, newcomer]).ok, true);
      const earlier = object('a', 'uid-y', '2026-11-27T09:59:59Z');
      assert.equal(countVerdict(governed, 'appInstances', running, [running, earlier], admitted).ok, false, 'an older one still comes first');
    });
  });
});
