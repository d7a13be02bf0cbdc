/**
 * The order flow end to end on the real hub with the operator's controllers running: the
 * appstore (test client reading answers as appstore-be does) lists hosts (as they are now, though
 * North keeps the list between changes), uploads EdgeGallery's
 * etherpad package for two edges, polls data[0].status until Finished, and deletes the order
 * until data[0].message is Delete server success — by then the CRs are gone and a second
 * DELETE answers the same. Every answer is free of null.
 */
import assert from 'node:assert/strict';
import { waitFor } from '../../../testenv/src/process.js';
import type { AppInstance } from '../../src/api/appinstance.js';
import type { AppPackage } from '../../src/api/apppackage.js';
import type { EdgeHost } from '../../src/api/edgehost.js';
import { mecmTypes } from '../../src/api/resources.js';
import { ResourceClient } from '../../src/runtime/kube/resource-client.js';
import { envStartTimeoutMs } from '../support/env.js';
import { edgegalleryPackage } from '../support/testdata.js';
import { assertNoNull, type AppstoreClient } from './support/appstore-client.js';
import { startNorth, type NorthEnv } from './support/north-env.js';

describe('North order flow (etherpad on two edges)', function () {
  let north: NorthEnv;
  let appstore: AppstoreClient;

  before(async function () {
    this.timeout(envStartTimeoutMs);
    north = await startNorth('order');
    appstore = await north.appstore();
    // The user's RoleBinding is kept by North's user-bindings controller from the Tenant.
    await waitFor('the appstore user may list AppInstances', async () => (await appstore.withToken(await north.jwt(north.tenantId)).raw('GET', '/north/v1/mechosts')).status === 200, 30_000, 200);
  });

  after(async function () {
    this.timeout(120_000);
    for (const { call, answer } of appstore?.answers ?? []) {
      if (answer.status === 200 && answer.text.startsWith('{')) assert.doesNotThrow(() => assertNoNull(JSON.parse(answer.text)), call);
    }
    await north?.stop();
  });

  it('lists the hosts the Tenant grants, by address, as K8S', async () => {
    const hosts = await appstore.mecHosts();
    const ours = hosts.filter((h) => north.hostIps.includes(h.mechostIp));
    assert.deepEqual(ours.map((h) => h.mechostIp), [...north.hostIps]);
    assert.ok(ours.every((h) => h.vim === 'K8S'));
  });

  it('lists what the EdgeHosts say now: a host leaves with its grant label and comes back with it, a new address shows at once', async function () {
    this.timeout(60_000);
    const hosts = new ResourceClient<EdgeHost>(north.op.direct, mecmTypes.edgeHost);
    const listed = async () => (await appstore.mecHosts()).map((h) => h.mechostIp).filter((ip) => ip.startsWith(north.hostIps[0]!.split('.').slice(0, 3).join('.')));
    const [first, second] = north.hostIps as [string, string];
    const moved = `${second.split('.').slice(0, 3).join('.')}.200`;
    await hosts.patch(north.hostNames[0]!, undefined, 'merge', { metadata: { labels: { 'north-test': null } } });
    await hosts.patch(north.hostNames[1]!, undefined, 'merge', { spec: { address: moved } });
    try {
      await waitFor('the ungranted host gone, the other at its new address', async () => JSON.stringify(await listed()) === JSON.stringify([moved]), 20_000, 200);
    } finally {
      await hosts.patch(north.hostNames[0]!, undefined, 'merge', { metadata: { labels: { 'north-test': north.run } } });
      await hosts.patch(north.hostNames[1]!, undefined, 'merge', { spec: { address: second } });
    }
    await waitFor('both back', async () => JSON.stringify(await listed()) === JSON.stringify([first, second]), 20_000, 200);
  });

  it('runs an order to Finished, then deletes it to Delete server success', async function () {
    this.timeout(420_000);
    const id = await appstore.createOrder(north.tenantId, edgegalleryPackage('etherpad.csar'), north.hostIps, 'etherpad');
    const packages = new ResourceClient<AppPackage>(north.op.direct, mecmTypes.appPackage);
    const instances = new ResourceClient<AppInstance>(north.op.direct, mecmTypes.appInstance);
    const pkg = await packages.get(`order-${id}`, north.namespace);
    assert.match(pkg.spec.source.http?.url ?? '', /\/v2\/mecm\/north\/.+\/packages\/blobs\/sha256:[a-f0-9]{64}$/, 'bytes in the hub registry, by digest');
    assert.equal(`sha256:${pkg.spec.sha256}`, pkg.spec.source.http?.url.split('/').pop());
    assert.equal((await instances.list({ namespace: north.namespace })).items.length, 2, 'one AppInstance per host');

    const seen = new Set<string>();
    let word = '';
    // The appstore's own loop: a final word ends it (Finished, or one of the three errors).
    await waitFor('a final word', async () => {
      word = await appstore.orderStatus(north.tenantId, id);
      seen.add(word);
      return word === 'Finished' || /error/i.test(word);
    }, 360_000, 1000);
    assert.equal(word, 'Finished', appstore.answers.at(-1)?.answer.text);
    assert.ok(seen.size >= 2, `progress was shown before Finished (${[...seen].join(', ')})`);

    let message = '';
    await waitFor('Delete server success', async () => {
      message = await appstore.deleteOrder(north.tenantId, id);
      return message === 'Delete server success';
    }, 240_000, 1000);
    assert.equal((await instances.list({ namespace: north.namespace })).items.filter((i) => i.metadata.name?.startsWith(`order-${id}`)).length, 0, 'instances gone');
    await waitFor('package gone', async () => (await packages.list({ namespace: north.namespace })).items.every((p) => p.metadata.name !== `order-${id}`), 60_000, 250);
    assert.equal(await appstore.deleteOrder(north.tenantId, id), 'Delete server success', 'a repeated DELETE is idempotent');
    assert.equal(await appstore.orderStatus(north.tenantId, id), 'Instantiate Error', 'a deleted order has no rows (the appstore reads that as failure, as with EdgeGallery)');
  });
});
