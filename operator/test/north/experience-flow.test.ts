/**
 * The experience flow end to end on the real hub with the operator's controllers running, as
 * the appstore's ProjectService drives lcmcontroller v2: upload, distribute to two edges, poll
 * until every host is Distributed, instantiate under ids the appstore picks, poll until every
 * pod is Running, its pods and node port as the edge has them, then its cleanup — terminate
 * (result ignored), delete from each host (must be 200), delete. EdgeGallery's posiu package needs the service a provider package produces, so
 * the provider goes through the same flow first, on both edges.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '../../../testenv/src/process.js';
import type { AppInstance } from '../../src/api/appinstance.js';
import type { AppPackage } from '../../src/api/apppackage.js';
import type { AppRule } from '../../src/api/apprule.js';
import { mecmTypes } from '../../src/api/resources.js';
import { ResourceClient } from '../../src/runtime/kube/resource-client.js';
import { providerPackage } from '../support/apps.js';
import { envStartTimeoutMs } from '../support/env.js';
import { clientFor } from '../support/hub-client.js';
import { edgegalleryPackage } from '../support/testdata.js';
import { assertNoNull, type AppstoreClient } from './support/appstore-client.js';
import { startNorth, type NorthEnv } from './support/north-env.js';

describe('North experience flow (provider and posiu on two edges)', function () {
  let north: NorthEnv;
  let appstore: AppstoreClient;
  let dir: string;
  let instances: ResourceClient<AppInstance>;
  const packageIds: Record<string, string> = {};
  const instanceIds: Array<{ id: string; app: string; hostIp: string }> = [];

  before(async function () {
    this.timeout(envStartTimeoutMs);
    north = await startNorth('exp');
    appstore = await north.appstore();
    instances = new ResourceClient<AppInstance>(north.op.direct, mecmTypes.appInstance);
    dir = await mkdtemp(join(tmpdir(), 'north-exp-'));
    await writeFile(join(dir, 'provider.csar'), await providerPackage());
    await waitFor('the appstore user is bound', async () => (await appstore.raw('GET', '/north/v1/mechosts')).status === 200, 30_000, 200);
  });

  after(async function () {
    this.timeout(120_000);
    for (const { call, answer } of appstore?.answers ?? []) {
      if (answer.status === 200 && answer.text.startsWith('{')) assert.doesNotThrow(() => assertNoNull(JSON.parse(answer.text)), call);
    }
    await north?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('answers the health check', async () => {
    await appstore.health();
  });

  it('uploads and distributes both packages until every host is Distributed', async function () {
    this.timeout(360_000);
    packageIds.provider = await appstore.uploadPackage(north.tenantId, join(dir, 'provider.csar'));
    packageIds.posiu = await appstore.uploadPackage(north.tenantId, edgegalleryPackage('test-posiu-apprules.csar'));
    assert.match(packageIds.posiu, /^[a-f0-9]{64}$/);
    for (const id of Object.values(packageIds)) await appstore.distribute(north.tenantId, id, north.hostIps);
    for (const id of Object.values(packageIds)) {
      await waitFor(`package ${id} distributed`, () => appstore.distributed(north.tenantId, id), 300_000, 2000);
    }
    assert.equal(await appstore.appPkgName(north.tenantId, packageIds.posiu), 'test_posiu', 'the name from the package\'s manifest');
  });

  it('instantiates under the appstore\'s ids until every pod is Running, provider first', async function () {
    this.timeout(600_000);
    for (const app of ['provider', 'posiu'] as const) {
      const appName = await appstore.appPkgName(north.tenantId, packageIds[app]!);
      for (const hostIp of north.hostIps) {
        const id = randomUUID();
        await appstore.instantiate(north.tenantId, id, { hostIp, appName, packageId: packageIds[app]! });
        instanceIds.push({ id, app, hostIp });
      }
      for (const { id } of instanceIds.filter((i) => i.app === app)) {
        await waitFor(`${app} ${id} running`, () => appstore.running(north.tenantId, id), 300_000, 3000);
      }
    }
    const instance = await instances.get(`lcm-${instanceIds[0]!.id}`, north.namespace);
    assert.equal(instance.metadata.labels?.['north.mecm.io/app-instance-id'], instanceIds[0]!.id, 'the appstore\'s id is recorded');
    const rules = (await new ResourceClient<AppRule>(north.op.direct, mecmTypes.appRule).list({ namespace: north.namespace })).items;
    for (const { id, app } of instanceIds) {
      const running = await instances.get(`lcm-${id}`, north.namespace);
      assert.equal(running.spec.appInstanceId, id, `${app}: North asks for the appstore's id`);
      assert.equal(running.status?.appInstanceId, id, `${app}: the MEP knows the app by the appstore's id`);
      const owned = rules.filter((r) => r.metadata.ownerReferences?.some((o) => o.name === `lcm-${id}`));
      for (const rule of owned) assert.equal(rule.spec.appInstanceId, id, `${app}: its AppRule carries the appstore's id`);
      if (app === 'posiu') assert.equal(owned.length, 1, 'posiu\'s package has rules: one AppRule per instance');
    }
  });

  it('shows posiu\'s pods and its NodePort Service with the node port each edge allocated, as the appstore reads them', async function () {
    this.timeout(60_000);
    for (const { id, hostIp } of instanceIds.filter((i) => i.app === 'posiu')) {
      const edge = await clientFor(north.op.shared.edges[north.hostIps.indexOf(hostIp)]!);
      try {
        const onEdge = await edge.request<{ items: Array<{ metadata: { namespace: string }; spec: { ports: Array<{ nodePort?: number }> } }> }>({
          method: 'GET', path: '/api/v1/services', query: { fieldSelector: 'metadata.name=positioning-service' },
        });
        const namespace = (await instances.get(`lcm-${id}`, north.namespace)).spec.namespace;
        const service = onEdge.items.find((s) => s.metadata.namespace === namespace);
        assert.ok(service?.spec.ports[0]?.nodePort, `posiu's Service on the edge in ${namespace}`);
        // Within a few seconds of Ready the edge may not have been read yet: the answer comes from the status until it is.
        let shown = await appstore.workStatus(north.tenantId, id);
        await waitFor(`posiu ${id}'s services`, async () => (shown = await appstore.workStatus(north.tenantId, id)).services.length > 0, 30_000, 1000);
        assert.deepEqual(shown.services, [{ serviceName: 'positioning-service', nodePort: String(service.spec.ports[0].nodePort) }]);
        assert.ok(shown.pods.length > 0 && shown.pods.every((p) => p.podstatus === 'Running'), 'every pod Running');
        const pods = await edge.request<{ items: Array<{ metadata: { name: string } }> }>({ method: 'GET', path: `/api/v1/namespaces/${namespace}/pods` });
        assert.deepEqual(shown.pods.map((p) => p.podname).sort(), pods.items.map((p) => p.metadata.name).sort(), 'the pods the edge runs, by name');
      } finally {
        edge.close();
      }
    }
  });

  it('refuses an app instance id that is taken, as lcmcontroller did (400, 31013)', async () => {
    const taken = instanceIds[0]!;
    const answer = await appstore.raw('POST', `/lcmcontroller/v2/tenants/${north.tenantId}/app_instances/${taken.id}/instantiate`, {
      json: { hostIp: taken.hostIp, appName: 'posiu', packageId: packageIds.posiu, parameters: {} },
    });
    assert.equal(answer.status, 400);
    assert.equal((JSON.parse(answer.text) as { retCode: number }).retCode, 31013);
  });

  it('cleans up as the appstore does: terminate, delete from each host, delete', async function () {
    this.timeout(300_000);
    for (const { id } of [...instanceIds].reverse()) await appstore.terminate(north.tenantId, id);
    for (const id of Object.values(packageIds)) {
      for (const hostIp of north.hostIps) await appstore.deleteFromHost(north.tenantId, id, hostIp);
      await appstore.deletePackage(north.tenantId, id);
    }
    const packages = new ResourceClient<AppPackage>(north.op.direct, mecmTypes.appPackage);
    await waitFor('instances gone', async () => (await instances.list({ namespace: north.namespace })).items.length === 0, 240_000, 500);
    await waitFor('packages gone', async () => (await packages.list({ namespace: north.namespace })).items.length === 0, 120_000, 500);
    const gone = await appstore.raw('GET', `/lcmcontroller/v2/tenants/${north.tenantId}/packages/${packageIds.posiu}`);
    assert.equal(gone.status, 404);
  });
});
