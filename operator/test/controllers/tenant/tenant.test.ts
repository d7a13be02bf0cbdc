/**
 * The Tenant controller on the real hub: a grant's status shows the namespaces it governs, the
 * EdgeHosts it grants (by name and by label, following label changes) and what its namespaces
 * use (following AppInstances and AppPackages as they come, go and record their size); a hub
 * namespace two Tenants list is governed by neither and both show the conflict until one lets
 * it go; an edge namespace pattern two Tenants hold shows on both.
 */
import assert from 'node:assert/strict';
import { waitFor } from '../../../../testenv/src/process.js';
import type { AppInstance } from '../../../src/api/appinstance.js';
import type { AppPackage } from '../../../src/api/apppackage.js';
import type { EdgeHost } from '../../../src/api/edgehost.js';
import { mecmTypes } from '../../../src/api/resources.js';
import type { Tenant, TenantSpec, TenantStatus } from '../../../src/api/tenant.js';
import type { KubeClient } from '../../../src/runtime/kube/client.js';
import { coreTypes, type KubeObject } from '../../../src/runtime/kube/resource.js';
import { ResourceClient } from '../../../src/runtime/kube/resource-client.js';
import { envStartTimeoutMs } from '../../support/env.js';
import { startOperator, type TestOperator } from '../../support/operator.js';

const run = Date.now().toString(36);
// Names of this run only: Tenants and EdgeHosts are cluster-scoped and the hub is shared.
const teamA = `tn-a-${run}`;
const teamB = `tn-b-${run}`;
const [nsA1, nsA2, nsB, nsOther] = ['a1', 'a2', 'b', 'other'].map((n) => `tn-${run}-${n}`) as [string, string, string, string];
const pool = `pool-${run}`;
const [named, pooled, elsewhere, absent] = ['named', 'pooled', 'elsewhere', 'absent'].map((n) => `tn-${run}-${n}`) as [string, string, string, string];
const waitMs = 30_000;

describe('Tenant controller on the real hub', function () {
  let operator: TestOperator;
  let direct: KubeClient;
  let tenants: ResourceClient<Tenant>;
  let hosts: ResourceClient<EdgeHost>;
  let packages: ResourceClient<AppPackage>;
  let instances: ResourceClient<AppInstance>;
  let namespaces: ResourceClient<KubeObject>;

  before(async function () {
    this.timeout(envStartTimeoutMs);
    operator = await startOperator({ namespace: `tenant-${run}`, controllers: ['tenant'] });
    direct = operator.direct;
    tenants = new ResourceClient(direct, mecmTypes.tenant);
    hosts = new ResourceClient(direct, mecmTypes.edgeHost);
    packages = new ResourceClient(direct, mecmTypes.appPackage);
    instances = new ResourceClient(direct, mecmTypes.appInstance);
    namespaces = new ResourceClient(direct, coreTypes.namespace);
    for (const name of [nsA1, nsA2, nsB, nsOther]) await namespaces.create({ metadata: { name } });
  });

  after(async () => {
    for (const name of [teamA, teamB]) await tenants?.delete(name).catch(() => undefined);
    for (const name of [named, pooled, elsewhere]) await hosts?.delete(name).catch(() => undefined);
    for (const name of [nsA1, nsA2, nsB, nsOther]) await namespaces?.delete(name).catch(() => undefined);
    await operator?.stop();
  });

  /** An EdgeHost nobody probes (no EdgeHost controller runs here) with `labels`. */
  const host = (name: string, labels: Record<string, string> = {}): EdgeHost => ({
    apiVersion: 'mecm.io/v1alpha1', kind: 'EdgeHost', metadata: { name, labels },
    spec: { infrastructure: { type: 'kubernetes', kubeconfigSecretRef: { name: 'none' } }, repository: { url: 'https://registry.example' }, paused: true },
  });
  const appPackage = (name: string, namespace: string): AppPackage => ({
    apiVersion: 'mecm.io/v1alpha1', kind: 'AppPackage', metadata: { name, namespace },
    spec: { source: { http: { url: 'https://files.example/app.csar' } }, suspend: true },
  } as AppPackage);
  const appInstance = (name: string, namespace: string): AppInstance => ({
    apiVersion: 'mecm.io/v1alpha1', kind: 'AppInstance', metadata: { name, namespace },
    spec: { packageRef: { name: 'app' }, hostRef: { name: named }, namespace: `${teamA}-web`, suspend: true },
  } as AppInstance);
  const tenant = (name: string, spec: TenantSpec): Tenant => ({ apiVersion: 'mecm.io/v1alpha1', kind: 'Tenant', metadata: { name }, spec });

  /** Waits until `name`'s status passes `check`; the last status is in the timeout's message. */
  async function statusOf(name: string, what: string, check: (status: TenantStatus) => boolean): Promise<TenantStatus> {
    let last: TenantStatus | undefined;
    await waitFor(`Tenant ${name}: ${what}`, async () => {
      last = (await tenants.get(name)).status;
      if (last && check(last)) return true;
      throw new Error(`last status ${JSON.stringify(last)}`);
    }, waitMs, 100);
    return last!;
  }
  const condition = (status: TenantStatus, type: string) => status.conditions?.find((c) => c.type === type);
  const ready = (status: TenantStatus) => condition(status, 'Ready')?.status === 'True';

  it('shows the namespaces it governs, the hosts it grants by name and label, and usage in its namespaces', async function () {
    this.timeout(60_000);
    await hosts.create(host(named));
    await hosts.create(host(pooled, { 'mecm.io/pool': pool }));
    await hosts.create(host(elsewhere, { 'mecm.io/pool': 'private' }));
    await packages.create(appPackage('app', nsA1));
    await instances.create(appInstance('web', nsA2));
    await instances.create(appInstance('web', nsOther));
    await tenants.create(tenant(teamA, {
      namespaces: [nsA1, nsA2], hosts: { names: [named, absent], selector: { matchLabels: { 'mecm.io/pool': pool } } }, limits: { appInstances: 5 },
    }));

    const status = await statusOf(teamA, 'governs, grants, uses', (s) => ready(s) && s.hostCount === 2 && s.usage?.appInstances === 1);
    assert.deepEqual(status.namespaces, [nsA1, nsA2]);
    assert.deepEqual(status.edgeNamespaces, [`${teamA}-*`]);
    assert.deepEqual(status.hosts, [named, pooled].sort(), 'a named host that does not exist is not listed');
    assert.deepEqual(status.usage, { appInstances: 1, appPackages: 1, packageBytes: 0 }, 'the instance in an ungoverned namespace is not counted');
    assert.deepEqual(status.conflicts, []);
    assert.deepEqual([condition(status, 'Conflicting')?.status, condition(status, 'Ready')?.reason], ['False', 'GrantInForce']);
  });

  it('follows EdgeHost labels, package sizes and instances coming and going', async function () {
    this.timeout(60_000);
    await hosts.patch(elsewhere, undefined, 'merge', { metadata: { labels: { 'mecm.io/pool': pool } } });
    await statusOf(teamA, 'a relabelled host granted', (s) => s.hostCount === 3 && s.hosts?.includes(elsewhere) === true);
    await hosts.patch(pooled, undefined, 'merge', { metadata: { labels: { 'mecm.io/pool': null } } });
    await statusOf(teamA, 'an unlabelled host no longer granted', (s) => s.hostCount === 2 && s.hosts?.includes(pooled) === false);

    // What a download records; the operator counts it against spec.limits.packageBytes.
    await packages.patch('app', nsA1, 'merge', { status: { sizeBytes: 123456 } }, 'status');
    await statusOf(teamA, 'the package\'s size in usage', (s) => s.usage?.packageBytes === 123456);

    await instances.create(appInstance('api', nsA1));
    await statusOf(teamA, 'a second instance counted', (s) => s.usage?.appInstances === 2);
    await instances.delete('web', nsA2);
    await statusOf(teamA, 'a deleted instance no longer counted', (s) => s.usage?.appInstances === 1);
  });

  it('governs a hub namespace two Tenants list with neither, shows the conflict on both, and clears it on both', async function () {
    this.timeout(60_000);
    await tenants.create(tenant(teamB, { namespaces: [nsB, nsA1] }));

    const a = await statusOf(teamA, 'the conflict', (s) => condition(s, 'Conflicting')?.status === 'True');
    const b = await statusOf(teamB, 'the conflict', (s) => condition(s, 'Conflicting')?.status === 'True');
    assert.deepEqual(a.namespaces, [nsA2]);
    assert.deepEqual(b.namespaces, [nsB]);
    assert.deepEqual(a.conflicts, [{ kind: 'Namespace', tenant: teamB, detail: nsA1 }]);
    assert.deepEqual(b.conflicts, [{ kind: 'Namespace', tenant: teamA, detail: nsA1 }]);
    assert.deepEqual(a.usage, { appInstances: 0, appPackages: 0, packageBytes: 0 }, `what ${nsA1} holds counts for neither`);
    for (const [status, other] of [[a, teamB], [b, teamA]] as const) {
      const readiness = condition(status, 'Ready');
      assert.deepEqual([readiness?.status, readiness?.reason], ['False', 'NamespaceConflict']);
      assert.equal(readiness?.message,
        `hub namespace ${nsA1} is also listed by Tenant ${other}, so neither governs it. An admin must remove each shared hub namespace from all but one Tenant's spec.namespaces.`);
    }

    // Team B lets the namespace go: both sides clear, team A governs it again.
    await tenants.patch(teamB, undefined, 'merge', { spec: { namespaces: [nsB] } });
    const cleared = await statusOf(teamA, 'the conflict cleared', (s) => ready(s) && s.conflicts?.length === 0);
    assert.deepEqual(cleared.namespaces, [nsA1, nsA2]);
    assert.equal(cleared.usage?.packageBytes, 123456);
    await statusOf(teamB, 'the conflict cleared', (s) => ready(s) && s.conflicts?.length === 0);
  });

  it('shows an edge namespace pattern two Tenants hold on both', async function () {
    this.timeout(60_000);
    // Team B spells out team A's default pattern.
    await tenants.patch(teamB, undefined, 'merge', { spec: { edgeNamespaces: [`${teamA}-*`, `${teamB}-*`] } });
    const a = await statusOf(teamA, 'the pattern conflict', (s) => condition(s, 'Ready')?.reason === 'EdgeNamespaceConflict');
    const b = await statusOf(teamB, 'the pattern conflict', (s) => condition(s, 'Ready')?.reason === 'EdgeNamespaceConflict');
    assert.deepEqual(a.conflicts, [{ kind: 'EdgeNamespace', tenant: teamB, detail: `${teamA}-*` }]);
    assert.deepEqual(b.conflicts, [{ kind: 'EdgeNamespace', tenant: teamA, detail: `${teamA}-*` }]);
    assert.deepEqual(a.namespaces, [nsA1, nsA2], 'a pattern conflict takes no hub namespace away');
    assert.match(condition(a, 'Ready')?.message ?? '', new RegExp(`edge namespace pattern ${teamA}-\\* is also held by Tenant ${teamB}, so the edge namespaces it matches belong to neither`));

    // Deleting team B ends the conflict for team A.
    await tenants.delete(teamB);
    await statusOf(teamA, 'the conflict gone with the other Tenant', (s) => ready(s) && s.conflicts?.length === 0);
  });
});
