/**
 * North's pure mappings, as tables: CR status → deployment state → EdgeGallery's words, appstore
 * tenant ids → namespaces, addresses → EdgeHosts, Tenants → the appstore users' RoleBindings,
 * names and parameters of the objects North writes, and answers without null.
 */
import assert from 'node:assert/strict';
import type { AppInstance } from '../../src/api/appinstance.js';
import type { AppPackage } from '../../src/api/apppackage.js';
import type { EdgeHost } from '../../src/api/edgehost.js';
import type { Tenant } from '../../src/api/tenant.js';
import { withoutNulls } from '../../src/north/answers.js';
import { deploymentState, worstFirst, type DeploymentState } from '../../src/north/deployment-state.js';
import { lookupHost, mecHostOf } from '../../src/north/hosts.js';
import { edgeNamespaceFor, parseOrderParameters, releaseNameFor } from '../../src/north/objects.js';
import { distributionWord, orderWord, podWord } from '../../src/north/status-words.js';
import { appstoreNamespaces, resolveTenant } from '../../src/north/tenants.js';
import { grantedHostList } from '../../src/north/host-list.js';
import { RevisionCache } from '../../src/north/revision-cache.js';
import { bindingName, desiredBindings, planBindings } from '../../src/north/user-bindings.js';
import { governanceOf } from '../../src/tenancy/governance.js';
import { dataView } from './support/fixed-deps.js';

const cond = (type: string, status: 'True' | 'False', message = '') => ({ type, status, reason: 'R', message, lastTransitionTime: '2026-01-01T00:00:00Z' });
const pkg = (status: AppPackage['status'], deleting = false): AppPackage => ({
  apiVersion: 'mecm.io/v1alpha1', kind: 'AppPackage', metadata: { name: 'p', namespace: 'n', ...(deleting ? { deletionTimestamp: 'x' } : {}) },
  spec: { source: { http: { url: 'http://x' } } }, status,
});
const inst = (status: AppInstance['status'], deleting = false): AppInstance => ({
  apiVersion: 'mecm.io/v1alpha1', kind: 'AppInstance', metadata: { name: 'i', namespace: 'n', ...(deleting ? { deletionTimestamp: 'x' } : {}) },
  spec: { packageRef: { name: 'p' }, hostRef: { name: 'h' }, namespace: 'e' }, status,
});
const onHost = (state: 'Distributing' | 'Distributed' | 'Error', message?: string) => [{ name: 'h', state, ...(message ? { message } : {}) }];

describe('North deployment state and status words', () => {
  const rows: Array<[string, DeploymentState['kind'], string, string, string, AppPackage | undefined, AppInstance | undefined]> = [
    ['downloading', 'Creating', 'Creating', 'Distributing', 'Pending', pkg({}), inst({})],
    ['refused at download', 'CreateFailed', 'Create Error', 'Error', 'Failed', pkg({ conditions: [cond('Stalled', 'True', 'digest mismatch')] }), inst({})],
    ['parsed, pushing', 'Distributing', 'Distributing', 'Distributing', 'Pending', pkg({ conditions: [cond('Parsed', 'True')], hosts: onHost('Distributing') }), inst({})],
    ['push failed', 'DistributeFailed', 'Distribute Error', 'Error', 'Failed', pkg({ conditions: [cond('Parsed', 'True')], hosts: onHost('Error', 'registry down') }), inst({})],
    ['on host, no instance', 'Distributed', 'Distributed', 'Distributed', 'Pending', pkg({ hosts: onHost('Distributed') }), undefined],
    ['installing', 'Instantiating', 'Instantiating', 'Distributed', 'Pending', pkg({ hosts: onHost('Distributed') }), inst({ phase: 'Installing' })],
    ['install failed', 'InstantiateFailed', 'Instantiate Error', 'Distributed', 'Failed', pkg({ hosts: onHost('Distributed') }), inst({ conditions: [cond('Stalled', 'True', 'chart broken')] })],
    ['ready', 'Running', 'Finished', 'Distributed', 'Running', pkg({ hosts: onHost('Distributed') }), inst({ conditions: [cond('Ready', 'True')] })],
    ['instance deleting', 'Terminating', 'Deleting', 'Deleting', 'Terminating', pkg({ hosts: onHost('Distributed') }), inst({ conditions: [cond('Ready', 'True')] }, true)],
  ];
  for (const [what, kind, order, distribution, pod, p, i] of rows) {
    it(`${what}: ${kind} → ${order} / ${distribution} / ${pod}`, () => {
      const state = deploymentState(p, i, 'h');
      assert.equal(state.kind, kind);
      assert.equal(orderWord(state), order);
      assert.equal(distributionWord(state), distribution);
      assert.equal(podWord(state), pod);
    });
  }

  it('carries the failure message and sorts failures, then the least advanced, first', () => {
    const failed = deploymentState(pkg({ conditions: [cond('Parsed', 'True')], hosts: onHost('Error', 'registry down') }), undefined, 'h');
    assert.deepEqual(failed, { kind: 'DistributeFailed', message: 'registry down' });
    const sorted = ([{ kind: 'Running' }, { kind: 'Instantiating' }, failed] as DeploymentState[]).sort(worstFirst);
    assert.deepEqual(sorted.map((s) => s.kind), ['DistributeFailed', 'Instantiating', 'Running']);
  });
});

const tenant = (name: string, namespaces: string[], appstore: Tenant['spec']['appstore'], extra: Partial<Tenant['spec']> = {}): Tenant =>
  ({ apiVersion: 'mecm.io/v1alpha1', kind: 'Tenant', metadata: { name }, spec: { namespaces, appstore, ...extra } });
const id = '0F9A2C3E-1B2D-4C5E-8F90-123456789ABC';

describe('North tenants', () => {
  it('maps a tenant id to the first namespace of the one Tenant naming it, case-insensitively', () => {
    const r = resolveTenant(id.toLowerCase(), [tenant('a', ['a-ns', 'a-two'], { tenantIds: [id] }), tenant('b', ['b-ns'], {})]);
    assert.equal(r.kind === 'Resolved' && r.namespace, 'a-ns');
  });
  it('refuses an id no Tenant or two Tenants name, and a first namespace another Tenant lists', () => {
    assert.match((resolveTenant(id, []) as { message: string }).message, /served by no Tenant/);
    assert.match((resolveTenant(id, [tenant('a', ['x'], { tenantIds: [id] }), tenant('b', ['y'], { tenantIds: [id] })]) as { message: string }).message, /a and b, so neither/);
    assert.match((resolveTenant(id, [tenant('a', ['x'], { tenantIds: [id] }), tenant('b', ['x'], {})]) as { message: string }).message, /another Tenant also lists/);
  });
});

const host = (name: string, address?: string): EdgeHost => ({
  apiVersion: 'mecm.io/v1alpha1', kind: 'EdgeHost', metadata: { name },
  spec: { ...(address ? { address } : {}), infrastructure: { type: 'kubernetes' }, repository: { url: 'oci://r' }, location: { city: 'Xian' }, affinity: ['X86', 'GPU'] },
});

describe('North hosts', () => {
  it('finds a host by its address, refuses unknown and shared addresses by name', () => {
    assert.equal(lookupHost('192.0.2.1', [host('a', '192.0.2.1')]).kind, 'Found');
    assert.match((lookupHost('192.0.2.9', []) as { message: string }).message, /no EdgeHost has spec.address 192.0.2.9/);
    assert.match((lookupHost('192.0.2.1', [host('b', '192.0.2.1'), host('a', '192.0.2.1')]) as { message: string }).message, /EdgeHosts a, b/);
  });
  it('lists a host as EdgeGallery did, strings only', () => {
    assert.deepEqual(mecHostOf(host('a', '192.0.2.1') as EdgeHost & { spec: { address: string } }), { mechostIp: '192.0.2.1', mechostName: 'a', mechostCity: 'Xian', vim: 'K8S', affinity: 'X86,GPU' });
  });
  it('lists the hosts the namespaces\' Tenants grant, by address as numbers, without a shared address', () => {
    const hosts = [host('ten', '10.0.0.10'), host('two', '10.0.0.2'), host('nine', '9.255.255.255'), host('no-address'),
      host('shared-1', '10.0.0.5'), host('shared-2', '10.0.0.5'), host('other', '10.0.0.3')];
    const world = { tenants: [tenant('t', ['t-ns'], {}, { hosts: { names: ['ten', 'two', 'nine', 'no-address', 'shared-1'] } })], hosts, packages: [], instances: [] };
    assert.deepEqual(grantedHostList(dataView(world), ['t-ns']).map((h) => h.mechostName), ['nine', 'two', 'ten']);
    assert.deepEqual(grantedHostList(dataView(world), ['ungoverned']), [], 'a namespace no Tenant governs is granted nothing');
  });
  it('asks for the namespaces of the Tenants naming an appstore user, or of every appstore Tenant for another caller', () => {
    const tenants = [tenant('b', ['b-ns'], { tenantIds: [id], userIds: ['u1'] }), tenant('a', ['a-ns'], { tenantIds: ['t-a'], userIds: ['u2'] }),
      tenant('own', ['own-ns'], { tenantIds: ['u3'] }), tenant('none', ['none-ns'], {})];
    assert.deepEqual(appstoreNamespaces(tenants, 'u1'), ['b-ns']);
    assert.deepEqual(appstoreNamespaces(tenants, 'U3'), ['own-ns'], 'a user whose id is the tenant id, case-insensitively');
    assert.deepEqual(appstoreNamespaces(tenants), ['a-ns', 'b-ns', 'own-ns']);
  });
});

describe('North revision cache', () => {
  it('computes again only when the revision moves on, and forgets all past its bound', () => {
    const cache = new RevisionCache<number>(2);
    let computed = 0;
    const get = (key: string, revision: string) => cache.get(key, revision, () => ++computed);
    assert.equal(get('a', '1'), 1);
    assert.equal(get('a', '1'), 1, 'same revision: kept');
    assert.equal(get('a', '2'), 2, 'new revision: computed again');
    get('b', '2');
    get('c', '2');
    assert.equal(get('a', '2'), 5, 'a third key cleared the cache');
  });
});

describe('North appstore user bindings', () => {
  const settings = { role: 'north-tenant', userPrefix: 'appstore:' };
  const a = tenant('a', ['a1', 'shared'], { userIds: ['u2', 'u1'] });
  const b = tenant('b', ['shared'], {});
  it('binds the users in each namespace the Tenant alone governs', () => {
    const desired = desiredBindings(a, [a, b], settings);
    assert.deepEqual(desired.map((d) => d.metadata.namespace), ['a1']);
    assert.deepEqual(desired[0]!.subjects!.map((s) => s.name), ['appstore:u1', 'appstore:u2']);
    assert.deepEqual(desiredBindings(b, [a, b], settings), [], 'no users, no bindings');
  });
  it('plans no write when the observed bindings match (whatever their key order), a replace when they differ, a delete for what is left', () => {
    const desired = desiredBindings(a, [a], settings);
    const asServer = desired.map((d) => ({ ...d, roleRef: { name: d.roleRef.name, kind: d.roleRef.kind, apiGroup: d.roleRef.apiGroup }, subjects: d.subjects!.map((s) => ({ name: s.name, kind: s.kind, apiGroup: s.apiGroup })) }));
    assert.deepEqual(planBindings(desired, asServer), []);
    const stale = { ...asServer[0]!, subjects: [] };
    assert.deepEqual(planBindings(desired, [stale]).map((s) => s.kind), ['Replace', 'Create'], 'the stale one replaced, the missing one (namespace shared) made');
    const gone = planBindings([], [{ ...asServer[0]!, metadata: { ...asServer[0]!.metadata, name: bindingName } }]);
    assert.deepEqual(gone.map((s) => s.kind), ['Delete']);
  });
});

describe('North objects', () => {
  it('picks an edge namespace under the Tenant\'s first granted prefix', () => {
    const t = tenant('team', ['team'], {}, { edgeNamespaces: ['team-apps-*'] });
    assert.equal(edgeNamespaceFor(t, governanceOf('team', [t], true), 'My_App', 'abcdef12-3456'), 'team-apps-my-app-abcdef12');
    const exact = tenant('team', ['team'], {}, { edgeNamespaces: ['team-only'] });
    assert.equal(edgeNamespaceFor(exact, governanceOf('team', [exact], true), 'x', 'id'), 'team-only');
  });
  it('names releases as valid labels of at most 53 characters, whatever the app name', () => {
    assert.equal(releaseNameFor('test_posiu', 'C2815270-9196-4684-bfe7-0d0ddcd77969'), 'test-posiu-c28152709196');
    const long = releaseNameFor(`${'a'.repeat(35)}--b`, 'c2815270-9196');
    assert.ok(long.length <= 53 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(long), long);
  });
  it('reads order parameters k=v;k=v and refuses what is not', () => {
    assert.deepEqual(parseOrderParameters('app_mp1_ip=192.168.226.12;app_n6_ip=10.0.0.1'), { app_mp1_ip: '192.168.226.12', app_n6_ip: '10.0.0.1' });
    assert.deepEqual(parseOrderParameters(''), {});
    assert.match(parseOrderParameters('novalue') as string, /not key=value/);
  });
  it('never answers null: fields and items are dropped at any depth', () => {
    assert.deepEqual(withoutNulls({ a: null, b: [1, null, { c: undefined, d: 'x' }], e: { f: null } }), { b: [1, { d: 'x' }], e: {} });
  });
});
