/**
 * Which Tenant governs a namespace, and the checks made against it: hosts, edge namespaces,
 * counts by age, package bytes and whose services an app may use.
 */
import assert from 'node:assert/strict';
import {
  countVerdict, governanceOf, governedVerdict, hostVerdict, edgeNamespaceVerdict, mayUseServicesOf, packageBytesLeft, tenantName, type Governance,
} from '../../src/tenancy/governance.js';
import type { Verdict } from '../../src/tenancy/verdict.js';
import { aged, tenant } from './builders.js';

const teamA = tenant('team-a', ['a', 'a-gitops']);
const teamB = tenant('team-b', ['b']);
const tenants = [teamA, teamB];

function refusal(verdict: Verdict): string {
  assert.equal(verdict.ok, false, 'expected a refusal');
  return verdict.ok ? '' : verdict.message;
}

function governedBy(t: ReturnType<typeof tenant>, ...others: ReturnType<typeof tenant>[]): Governance {
  return { kind: 'Governed', tenant: t, others };
}

describe('tenancy governance', () => {
  describe('governanceOf', () => {
    it('finds the one Tenant that lists the namespace, with the others beside it', () => {
      const g = governanceOf('a-gitops', tenants, true);
      assert.equal(g.kind, 'Governed');
      assert.equal(tenantName(g), 'team-a');
      assert.deepEqual(g.kind === 'Governed' ? g.others.map((t) => t.metadata.name) : [], ['team-b']);
      assert.equal(governedVerdict(g).ok, true);
    });

    it('leaves a namespace no Tenant lists ungoverned, and refuses it saying an admin must list it', () => {
      const g = governanceOf('c', tenants, true);
      assert.deepEqual(g, { kind: 'Ungoverned', namespace: 'c' });
      assert.equal(tenantName(g), undefined);
      assert.match(refusal(governedVerdict(g)), /namespace c is governed by no Tenant: an admin must list it in a Tenant's spec.namespaces/);
    });

    it('lets no one govern a namespace two Tenants list, naming both', () => {
      const g = governanceOf('b', [...tenants, tenant('team-c', ['b'])], true);
      assert.deepEqual(g, { kind: 'Contested', namespace: 'b', tenants: ['team-b', 'team-c'] });
      assert.equal(tenantName(g), undefined);
      assert.match(refusal(governedVerdict(g)), /listed by Tenants team-b and team-c, so neither governs it: an admin must remove it from all but one/);
    });

    it('allows everything when tenancy is not enforced, Tenants or not', () => {
      for (const namespace of ['a', 'c']) {
        const g = governanceOf(namespace, tenants, false);
        assert.deepEqual(g, { kind: 'Unenforced' });
        assert.equal(governedVerdict(g).ok, true);
        assert.equal(hostVerdict(g, { name: 'edge-9' }).ok, true);
        assert.equal(edgeNamespaceVerdict(g, 'anything').ok, true);
        assert.equal(countVerdict(g, 'appInstances', aged('x', '2026-01-01T00:00:00Z'), []).ok, true);
      }
    });
  });

  describe('hostVerdict', () => {
    const byName = governedBy(tenant('team-a', ['a'], { hosts: { names: ['edge-1'] } }));
    const bySelector = governedBy(tenant('team-a', ['a'], { hosts: { selector: { matchLabels: { pool: 'shared' } } } }));
    const both = governedBy(tenant('team-a', ['a'], { hosts: { names: ['edge-1'], selector: { matchExpressions: [{ key: 'pool', operator: 'In', values: ['shared'] }] } } }));
    const everything = governedBy(tenant('team-a', ['a'], { hosts: { selector: {} } }));
    const nothing = governedBy(tenant('team-a', ['a']));

    const rows: Array<[string, Governance, { name: string; labels?: Record<string, string> }, boolean]> = [
      ['a host named', byName, { name: 'edge-1' }, true],
      ['a host not named', byName, { name: 'edge-2', labels: { pool: 'shared' } }, false],
      ['a host the selector matches', bySelector, { name: 'edge-2', labels: { pool: 'shared' } }, true],
      ['a host the selector does not match', bySelector, { name: 'edge-2', labels: { pool: 'private' } }, false],
      ['a host without labels under a selector', bySelector, { name: 'edge-2' }, false],
      ['a named host under names and selector', both, { name: 'edge-1' }, true],
      ['a selected host under names and selector', both, { name: 'edge-3', labels: { pool: 'shared' } }, true],
      ['any host under the empty selector', everything, { name: 'edge-7' }, true],
      ['any host when neither names nor selector grant', nothing, { name: 'edge-1', labels: { pool: 'shared' } }, false],
    ];
    for (const [what, g, host, ok] of rows) {
      it(`${ok ? 'grants' : 'refuses'} ${what}`, () => {
        const verdict = hostVerdict(g, host);
        assert.equal(verdict.ok, ok);
        if (!ok) assert.match(refusal(verdict), new RegExp(`Tenant team-a does not grant EdgeHost ${host.name}: an admin must add it to the Tenant's spec.hosts`));
      });
    }

    it('refuses every host of an ungoverned or contested namespace with the governance message', () => {
      assert.match(refusal(hostVerdict(governanceOf('c', tenants, true), { name: 'edge-1' })), /governed by no Tenant/);
      assert.match(refusal(hostVerdict(governanceOf('a', [teamA, tenant('x', ['a'])], true), { name: 'edge-1' })), /so neither governs it/);
    });
  });

  describe('edgeNamespaceVerdict', () => {
    it('allows a namespace under the Tenant\'s own pattern', () => {
      const g = governedBy(tenant('team-a', ['a'], { edgeNamespaces: ['shop', 'web-*'] }));
      assert.equal(edgeNamespaceVerdict(g, 'shop').ok, true);
      assert.equal(edgeNamespaceVerdict(g, 'web-1').ok, true);
      assert.match(refusal(edgeNamespaceVerdict(g, 'shop-2')), /Tenant team-a does not grant edge namespace shop-2: its edge namespaces are shop, web-\* \(spec.edgeNamespaces\)/);
    });

    it('uses the default pattern <tenant>-* when the Tenant names none', () => {
      const g = governedBy(tenant('team-a', ['a']));
      assert.equal(edgeNamespaceVerdict(g, 'team-a-web').ok, true);
      assert.match(refusal(edgeNamespaceVerdict(g, 'team-b-web')), /its edge namespaces are team-a-\*/);
    });

    it('leaves a namespace under nested defaults to the longer prefix: both Tenants keep the rest', () => {
      // Tenant a's default a-* holds Tenant a-b's default a-b-*.
      const a = tenant('a', ['ns-a']), ab = tenant('a-b', ['ns-ab']);
      assert.equal(edgeNamespaceVerdict(governedBy(ab, a), 'a-b-web').ok, true);
      assert.match(refusal(edgeNamespaceVerdict(governedBy(a, ab), 'a-b-web')),
        /edge namespace a-b-web belongs to Tenant a-b, whose pattern a-b-\* names it more specifically than a-\* of Tenant a/);
      assert.equal(edgeNamespaceVerdict(governedBy(a, ab), 'a-web').ok, true);
      assert.equal(edgeNamespaceVerdict(governedBy(a, ab), 'a-b').ok, true, 'a-b itself is not under a-b-*');
    });

    it('gives a name to the Tenant that names it, over another\'s prefix', () => {
      const a = tenant('a', ['ns-a']), web = tenant('web', ['ns-web'], { edgeNamespaces: ['a-web'] });
      assert.equal(edgeNamespaceVerdict(governedBy(web, a), 'a-web').ok, true);
      assert.match(refusal(edgeNamespaceVerdict(governedBy(a, web), 'a-web')), /belongs to Tenant web, whose pattern a-web names it more specifically than a-\* of Tenant a/);
    });

    it('gives what the same pattern of two Tenants matches to neither, saying what to do', () => {
      const a = tenant('a', ['ns-a'], { edgeNamespaces: ['shop-*'] }), b = tenant('b', ['ns-b'], { edgeNamespaces: ['shop-*', 'b-*'] });
      for (const [mine, theirs] of [[a, b], [b, a]] as const) {
        assert.match(refusal(edgeNamespaceVerdict(governedBy(mine, theirs), 'shop-1')),
          /edge namespace shop-1 matches pattern shop-\* of both Tenant (a|b) and Tenant (a|b), so it belongs to neither: an admin must give one of them other spec.edgeNamespaces/);
      }
      assert.equal(edgeNamespaceVerdict(governedBy(b, a), 'b-web').ok, true, 'b keeps its other pattern');
    });
  });

  describe('countVerdict', () => {
    const limited = governedBy(tenant('team-a', ['a'], { limits: { appInstances: 2 } }));
    const first = aged('u-3', '2026-01-01T00:00:00Z');
    const second = aged('u-1', '2026-01-01T00:00:05Z');
    // Same second as `second`: the UID breaks the tie ('u-1' < 'u-2').
    const third = aged('u-2', '2026-01-01T00:00:05Z');
    const fourth = aged('u-0', '2026-01-02T00:00:00Z');
    const all = [fourth, third, second, first];

    it('lets the oldest objects in, whatever order they are listed in', () => {
      assert.equal(countVerdict(limited, 'appInstances', first, all).ok, true);
      assert.equal(countVerdict(limited, 'appInstances', second, all).ok, true);
    });

    it('breaks a same-second tie by UID, and refuses the rest naming the limit', () => {
      assert.match(refusal(countVerdict(limited, 'appInstances', third, all)),
        /Tenant team-a allows 2 AppInstances \(spec.limits.appInstances\) and 2 older ones exist: delete one or ask an admin to raise the limit/);
      assert.match(refusal(countVerdict(limited, 'appInstances', fourth, all)), /and 3 older ones exist/);
    });

    it('lets a newer object in when an older one goes', () => {
      assert.equal(countVerdict(limited, 'appInstances', third, [first, third, fourth]).ok, true);
    });

    it('counts each kind against its own limit, and an absent limit is none', () => {
      assert.equal(countVerdict(limited, 'appPackages', fourth, all).ok, true);
      const packages = governedBy(tenant('team-a', ['a'], { limits: { appPackages: 0 } }));
      assert.match(refusal(countVerdict(packages, 'appPackages', first, [first])), /allows 0 AppPackages \(spec.limits.appPackages\)/);
    });
  });

  describe('packageBytesLeft', () => {
    const self = aged('me', '2026-01-01T00:00:00Z', 700);
    const others = [aged('p1', '2026-01-01T00:00:00Z', 300), aged('p2', '2026-01-01T00:00:00Z'), aged('p3', '2026-01-01T00:00:00Z', 200)];

    it('is the limit less what the other packages hold (its own size not counted)', () => {
      const g = governedBy(tenant('team-a', ['a'], { limits: { packageBytes: 1000 } }));
      assert.equal(packageBytesLeft(g, self, [self, ...others]), 500);
    });

    it('is never negative', () => {
      const g = governedBy(tenant('team-a', ['a'], { limits: { packageBytes: 100 } }));
      assert.equal(packageBytesLeft(g, self, [self, ...others]), 0);
    });

    it('is undefined without a limit, and when tenancy is off or no Tenant governs', () => {
      assert.equal(packageBytesLeft(governedBy(tenant('team-a', ['a'])), self, others), undefined);
      assert.equal(packageBytesLeft({ kind: 'Unenforced' }, self, others), undefined);
      assert.equal(packageBytesLeft({ kind: 'Ungoverned', namespace: 'c' }, self, others), undefined);
    });
  });

  describe('mayUseServicesOf', () => {
    const platform = tenant('platform', ['platform'], { sharedServices: true });
    const all = [teamA, teamB, platform];
    const of = (namespace: string) => governanceOf(namespace, all, true);
    const rows: Array<[string, Governance, Governance, boolean]> = [
      ['the same Tenant (another of its namespaces)', of('a'), of('a-gitops'), true],
      ['another Tenant', of('a'), of('b'), false],
      ['a Tenant with sharedServices', of('a'), of('platform'), true],
      ['an ungoverned provider', of('a'), of('c'), false],
      ['a provider, from an ungoverned consumer', of('c'), of('platform'), false],
      ['a provider, from a contested consumer', governanceOf('a', [...all, tenant('x', ['a'])], true), of('platform'), false],
      ['anything, with tenancy off', { kind: 'Unenforced' }, { kind: 'Unenforced' }, true],
    ];
    for (const [what, consumer, provider, expected] of rows) {
      it(`${expected ? 'allows' : 'refuses'} ${what}`, () => assert.equal(mayUseServicesOf(consumer, provider), expected));
    }
  });
});
