/**
 * Placement (controllers/appdeployment/placement.ts): which hosts run a deployment. Table cases
 * for each exclusion, and fast-check properties of stability: a host joining never displaces a
 * host already picked, and picks do not depend on the order hosts are listed in.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { AppDeploymentPlacement } from '../../src/api/appdeployment.js';
import type { Tenant } from '../../src/api/tenant.js';
import { place, type HostView, type PlacementInput } from '../../src/controllers/appdeployment/placement.js';
import { governanceOf } from '../../src/tenancy/governance.js';

const host = (name: string, labels: Record<string, string> = {}, extra: Partial<HostView> = {}): HostView =>
  ({ name, labels, affinity: ['X86'], hardware: [], deleting: false, ...extra });

const unenforced = governanceOf('shop', [], false);

function input(placement: AppDeploymentPlacement, hosts: readonly HostView[], overrides: Partial<PlacementInput> = {}): PlacementInput {
  return { deploymentUid: 'uid-1', placement, edgeNamespaceTemplate: 'shop-{host}', architectures: [], hosts, previous: new Set(), governance: unenforced, ...overrides };
}
const names = (hosts: readonly { name: string }[]) => hosts.map((h) => h.name);

describe('AppDeployment placement', () => {
  it('takes named hosts and selected hosts, each with its own edge namespace', () => {
    const p = place(input({ hostNames: ['a'], hostSelector: { matchLabels: { pool: 'x' } } }, [host('a'), host('b', { pool: 'x' }), host('c', { pool: 'y' })]));
    assert.deepEqual([...names(p.selected)].sort(), ['a', 'b']);
    assert.deepEqual(p.selected.map((h) => h.edgeNamespace).sort(), ['shop-a', 'shop-b']);
    assert.deepEqual(p.excluded, []);
  });

  it('excludes hosts being deleted, hosts lacking the required affinity, hardware or package architecture, and says why', () => {
    const hosts = [
      host('gone', {}, { deleting: true }),
      host('arm', {}, { affinity: ['ARM64'] }),
      host('gpu', {}, { affinity: ['x86', 'GPU'], hardware: [{ type: 'GPU', vendor: 'NVIDIA' }] }),
      host('plain'),
    ];
    const p = place(input({ hostSelector: {}, requires: { affinity: ['gpu'], hardware: [{ type: 'gpu', vendor: 'nvidia' }] } }, hosts, { architectures: ['X86'] }));
    assert.deepEqual(names(p.selected), ['gpu']);
    assert.deepEqual(p.excluded.map((e) => [e.name, e.reason]), [['arm', 'RequirementsNotMet'], ['plain', 'RequirementsNotMet']]);
    assert.match(p.excluded[0]!.message, /affinity GPU.*affinity X86|affinity X86/);
    assert.match(p.excluded[1]!.message, /hardware gpu\/nvidia/);
  });

  it('excludes hosts whose edge namespace would not be a namespace name', () => {
    const p = place(input({ hostSelector: {} }, [host('edge.berlin'), host('ok')]));
    assert.deepEqual(names(p.selected), ['ok']);
    assert.deepEqual(p.excluded.map((e) => [e.name, e.reason]), [['edge.berlin', 'InvalidEdgeNamespace']]);
  });

  it('uses only hosts and edge namespaces the Tenant grants, and lists the refused hosts with the grant\'s message', () => {
    const tenant: Tenant = {
      apiVersion: 'mecm.io/v1alpha1', kind: 'Tenant', metadata: { name: 'shop', uid: 't' },
      spec: { namespaces: ['shop'], hosts: { selector: { matchLabels: { granted: 'yes' } } } },
    };
    const governed = governanceOf('shop', [tenant], true);
    const p = place(input({ hostSelector: {} }, [host('a', { granted: 'yes' }), host('b')], { governance: governed }));
    assert.deepEqual(names(p.selected), ['a']);
    assert.equal(p.excluded[0]?.reason, 'NotPermitted');
    assert.match(p.excluded[0]!.message, /Tenant shop does not grant EdgeHost b/);
    const otherNamespaces = place(input({ hostSelector: {} }, [host('a', { granted: 'yes' })], { governance: governed, edgeNamespaceTemplate: 'web-{host}' }));
    assert.deepEqual(otherNamespaces.selected, []);
    assert.match(otherNamespaces.excluded[0]!.message, /does not grant edge namespace web-a/);
  });

  it('spreads one host per label value, keeps hosts without the label out, and caps at maxHosts', () => {
    const hosts = [host('a1', { zone: 'a' }), host('a2', { zone: 'a' }), host('b1', { zone: 'b' }), host('c1', { zone: 'c' }), host('none')];
    const p = place(input({ hostSelector: {}, spreadByLabel: 'zone', maxHosts: 2 }, hosts));
    assert.equal(p.selected.length, 2);
    const byReason = (r: string) => p.excluded.filter((e) => e.reason === r).map((e) => e.name);
    assert.deepEqual(byReason('RequirementsNotMet'), ['none']);
    assert.equal(byReason('SpreadTaken').length, 1);
    assert.equal(byReason('OverMaxHosts').length, 1);
    const zones = p.selected.map((h) => hosts.find((x) => x.name === h.name)!.labels.zone);
    assert.equal(new Set(zones).size, 2);
  });

  it('keeps a host picked before over a better-ranked newcomer in its zone and within maxHosts', () => {
    const hosts = [host('a1', { zone: 'a' }), host('a2', { zone: 'a' })];
    const first = place(input({ hostSelector: {}, spreadByLabel: 'zone' }, hosts));
    const kept = first.selected[0]!.name;
    const other = kept === 'a1' ? 'a2' : 'a1';
    const again = place(input({ hostSelector: {}, spreadByLabel: 'zone' }, hosts, { previous: new Set([other]) }));
    assert.deepEqual(names(again.selected), [other], 'the host picked before stays');
  });

  it('is stable: a host joining never displaces one already picked, whatever the order of the list', () => {
    const hostName = fc.stringMatching(/^[a-z][a-z0-9]{0,8}$/);
    fc.assert(fc.property(
      fc.uniqueArray(hostName, { minLength: 1, maxLength: 25 }), hostName, fc.integer({ min: 1, max: 10 }), fc.integer({ min: 0, max: 3 }), fc.string(),
      (existing, newcomer, maxHosts, zones, uid) => {
        fc.pre(!existing.includes(newcomer));
        const labelled = (n: string) => host(n, zones ? { zone: `z${n.length % zones}` } : {});
        const placement: AppDeploymentPlacement = { hostSelector: {}, maxHosts, ...(zones ? { spreadByLabel: 'zone' } : {}) };
        const before = place(input(placement, existing.map(labelled), { deploymentUid: uid }));
        const picked = new Set(names(before.selected));
        const after = place(input(placement, [...existing, newcomer].reverse().map(labelled), { deploymentUid: uid, previous: picked }));
        for (const name of picked) assert.ok(names(after.selected).includes(name), `${name} stays picked`);
        const shuffled = place(input(placement, [...existing].reverse().map(labelled), { deploymentUid: uid }));
        assert.deepEqual(names(shuffled.selected), names(before.selected));
      },
    ), { numRuns: 300 });
  });
});
