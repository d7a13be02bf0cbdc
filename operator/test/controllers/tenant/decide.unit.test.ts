/**
 * Tenant decideStatus: governed namespaces, conflicts on both sides, granted hosts, usage in
 * governed namespaces only, Ready/Conflicting, and no change when nothing changed.
 */
import assert from 'node:assert/strict';
import type { Tenant, TenantStatus } from '../../../src/api/tenant.js';
import { decideStatus, maxListedHosts } from '../../../src/controllers/tenant/decide.js';
import type { HostFacts, NamespaceUsage, TenantObservation } from '../../../src/controllers/tenant/observe.js';
import { tenant } from '../../tenancy/builders.js';

const now = new Date('2026-12-01T10:00:00Z');
const later = new Date('2026-12-01T11:00:00Z');

function observation(others: Tenant[], hosts: HostFacts[] = [], usage: Record<string, NamespaceUsage> = {}): TenantObservation {
  return { others, hosts, usage: new Map(Object.entries(usage)) };
}

const condition = (status: TenantStatus, type: string) => status.conditions?.find((c) => c.type === type);

describe('Tenant decideStatus', () => {
  const teamA = tenant('team-a', ['a', 'a-gitops'], { hosts: { names: ['edge-1', 'edge-9'], selector: { matchLabels: { pool: 'shared' } } } });
  const hosts: HostFacts[] = [
    { name: 'edge-1' },
    { name: 'edge-2', labels: { pool: 'shared' } },
    { name: 'edge-3', labels: { pool: 'private' } },
  ];
  const usage = {
    a: { appInstances: 2, appPackages: 1, packageBytes: 1000 },
    'a-gitops': { appInstances: 1, appPackages: 2, packageBytes: 500 },
  };

  it('reports a grant without conflicts Ready, with what it governs, grants and uses', () => {
    const status = decideStatus({ tenant: teamA, observation: observation([tenant('team-b', ['b'])], hosts, usage), now });
    assert.deepEqual(status.namespaces, ['a', 'a-gitops']);
    assert.deepEqual(status.edgeNamespaces, ['team-a-*']);
    assert.deepEqual(status.hosts, ['edge-1', 'edge-2'], 'edge-9 is named but does not exist; edge-3 does not match');
    assert.equal(status.hostCount, 2);
    assert.deepEqual(status.conflicts, []);
    assert.deepEqual(status.usage, { appInstances: 3, appPackages: 3, packageBytes: 1500 });
    assert.equal(status.observedGeneration, 1);
    assert.deepEqual([condition(status, 'Ready')?.status, condition(status, 'Ready')?.reason], ['True', 'GrantInForce']);
    assert.deepEqual([condition(status, 'Conflicting')?.status, condition(status, 'Conflicting')?.reason], ['False', 'NoConflicts']);
  });

  it('governs neither side of a shared hub namespace, shows the conflict on both, and counts only what it governs', () => {
    const teamB = tenant('team-b', ['b', 'a-gitops']);
    const a = decideStatus({ tenant: teamA, observation: observation([teamB], hosts, usage), now });
    const b = decideStatus({ tenant: teamB, observation: observation([teamA], [], { b: { appInstances: 4, appPackages: 0, packageBytes: 0 }, ...usage }), now });

    assert.deepEqual(a.namespaces, ['a']);
    assert.deepEqual(a.conflicts, [{ kind: 'Namespace', tenant: 'team-b', detail: 'a-gitops' }]);
    assert.deepEqual(a.usage, { appInstances: 2, appPackages: 1, packageBytes: 1000 });
    assert.deepEqual(b.namespaces, ['b']);
    assert.deepEqual(b.conflicts, [{ kind: 'Namespace', tenant: 'team-a', detail: 'a-gitops' }]);
    assert.deepEqual(b.usage, { appInstances: 4, appPackages: 0, packageBytes: 0 });
    for (const [status, other] of [[a, 'team-b'], [b, 'team-a']] as const) {
      const ready = condition(status, 'Ready');
      assert.deepEqual([ready?.status, ready?.reason], ['False', 'NamespaceConflict']);
      assert.equal(ready?.message, `hub namespace a-gitops is also listed by Tenant ${other}, so neither governs it. An admin must remove each shared hub namespace from all but one Tenant's spec.namespaces.`);
      assert.deepEqual([condition(status, 'Conflicting')?.status, condition(status, 'Conflicting')?.reason], ['True', 'NamespaceConflict']);
    }
  });

  it('shows an edge namespace pattern two Tenants hold as an EdgeNamespace conflict, nested prefixes as none', () => {
    const shop = tenant('shop', ['shop'], { edgeNamespaces: ['shop-*', 'team-a-*'] });
    const nested = tenant('team-a-web', ['web']);
    const status = decideStatus({ tenant: teamA, observation: observation([shop, nested]), now });
    assert.deepEqual(status.namespaces, ['a', 'a-gitops'], 'a pattern conflict takes no hub namespace away');
    assert.deepEqual(status.conflicts, [{ kind: 'EdgeNamespace', tenant: 'shop', detail: 'team-a-*' }]);
    const ready = condition(status, 'Ready');
    assert.deepEqual([ready?.status, ready?.reason], ['False', 'EdgeNamespaceConflict']);
    assert.match(ready?.message ?? '', /edge namespace pattern team-a-\* is also held by Tenant shop, so the edge namespaces it matches belong to neither\. An admin must give one of the Tenants other spec.edgeNamespaces\./);
  });

  it('says NamespaceConflict when both kinds conflict, lists hub namespaces first, and counts what it leaves out of the message', () => {
    const many = Array.from({ length: 7 }, (_, i) => tenant(`other-${i}`, ['a'], { edgeNamespaces: ['team-a-*'] }));
    const status = decideStatus({ tenant: teamA, observation: observation(many), now });
    assert.equal(status.conflicts?.length, 14);
    assert.deepEqual(status.conflicts?.slice(6, 8).map((c) => c.kind), ['Namespace', 'EdgeNamespace']);
    const conflicting = condition(status, 'Conflicting');
    assert.equal(conflicting?.reason, 'NamespaceConflict');
    assert.match(conflicting?.message ?? '', /; and 9 more \(status\.conflicts\)\. An admin must remove each shared hub namespace .* and give one of the Tenants other spec.edgeNamespaces\.$/);
    assert.deepEqual(status.namespaces, ['a-gitops']);
  });

  it('lists at most 1024 hosts, sorted, and counts them all', () => {
    const everything = tenant('team-a', ['a'], { hosts: { selector: {} } });
    const fleet = Array.from({ length: 1500 }, (_, i) => ({ name: `edge-${String(i).padStart(4, '0')}` }));
    const status = decideStatus({ tenant: everything, observation: observation([], fleet.reverse()), now });
    assert.equal(status.hosts?.length, maxListedHosts);
    assert.equal(status.hosts?.[0], 'edge-0000');
    assert.equal(status.hostCount, 1500);
  });

  it('grants no host without spec.hosts', () => {
    const status = decideStatus({ tenant: tenant('team-a', ['a']), observation: observation([], hosts), now });
    assert.deepEqual([status.hosts, status.hostCount], [[], 0]);
  });

  it('leaves the status as it was when nothing changed, times included', () => {
    const first = decideStatus({ tenant: teamA, observation: observation([], hosts, usage), now });
    const second = decideStatus({ tenant: { ...teamA, status: first }, observation: observation([], hosts, usage), now: later });
    assert.deepEqual(second, first);
  });

  it('keeps a conflict\'s transition time while it lasts and moves it when it ends', () => {
    const rival = tenant('team-b', ['a']);
    const first = decideStatus({ tenant: teamA, observation: observation([rival]), now });
    const still = decideStatus({ tenant: { ...teamA, status: first }, observation: observation([rival]), now: later });
    assert.equal(condition(still, 'Ready')?.lastTransitionTime, '2026-12-01T10:00:00Z');
    const resolved = decideStatus({ tenant: { ...teamA, status: still }, observation: observation([]), now: later });
    assert.deepEqual([condition(resolved, 'Ready')?.status, condition(resolved, 'Ready')?.lastTransitionTime], ['True', '2026-12-01T11:00:00Z']);
    assert.deepEqual(resolved.conflicts, []);
    assert.deepEqual(resolved.namespaces, ['a', 'a-gitops']);
  });
});
