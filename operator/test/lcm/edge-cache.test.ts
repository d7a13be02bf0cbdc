/**
 * The Kubernetes plugin's edge caches on a real edge: a followed release is read from watches
 * of Helm's storage Secrets and of the workloads — no request and no helm process once the
 * cache has synced — its follower is woken when the release or a workload changes, reads right
 * after a change the operator made show that change (fence), and a cache whose watch fails is
 * not trusted: reads go to the API and say the edge is unreachable.
 */
import assert from 'node:assert/strict';
import yaml from 'js-yaml';
import type { Cluster } from '../../../testenv/src/environment.js';
import { waitFor } from '../../../testenv/src/process.js';
import { TcpProxy } from '../../../testenv/src/tcp-proxy.js';
import { KubernetesPlugin } from '../../src/lcm/kubernetes/plugin.js';
import { LcmError, type ReleaseTarget } from '../../src/lcm/plugin.js';
import type { KubeClient, RequestSample } from '../../src/runtime/kube/client.js';
import { coreTypes } from '../../src/runtime/kube/resource.js';
import { ResourceClient } from '../../src/runtime/kube/resource-client.js';
import { envStartTimeoutMs, sharedEnv } from '../support/env.js';
import { clientFor } from '../support/hub-client.js';
import { installRequest, pushDemoChart, serviceAccountKubeconfig, targetOn, type PushedChart } from './support.js';

const run = Date.now().toString(36);
const namespace = `lcm-cache-${run}`;
const deployments = { group: 'apps', version: 'v1', plural: 'deployments', kind: 'Deployment', namespaced: true } as const;

describe('Kubernetes LCM plugin: edge caches', function () {
  let edge: Cluster;
  let plugin: KubernetesPlugin;
  let api: KubeClient;
  let v1: PushedChart;
  let v2: PushedChart;
  let web: ReleaseTarget;
  const requests: RequestSample[] = [];
  let wakes = 0;

  before(async function () {
    this.timeout(envStartTimeoutMs);
    edge = (await sharedEnv()).edges[0]!;
    const helm = (await edge.binaries).helm;
    [v1, v2] = await Promise.all(['0.1.0', '0.2.0'].map((v) => pushDemoChart(helm, edge.registryUrl!, `mecm/${namespace}/pkg`, v))) as [PushedChart, PushedChart];
    plugin = new KubernetesPlugin({
      helmBinary: helm, readTimeoutMs: 20_000, operationTimeoutMs: 60_000, killGraceMs: 5_000,
      kubeClient: { onRequest: (sample) => requests.push(sample) },
    });
    api = await clientFor(edge);
    web = await targetOn(edge, namespace, 'web');
  });

  after(async function () {
    await plugin?.uninstall(web).catch(() => undefined);
    await plugin?.close();
    await new ResourceClient(api, coreTypes.namespace).delete(namespace).catch(() => undefined);
    api?.close();
  });

  /** Requests the plugin makes while `read` runs (the caches' watches aside: they were opened before). */
  const requestsDuring = async (read: () => Promise<unknown>): Promise<number> => {
    const before = requests.length;
    await read();
    return requests.length - before;
  };

  it('wakes the follower on install and as the workload becomes ready; then answers status, workloads and drift without a request', async function () {
    await plugin.follow('ns/web', web, () => { wakes += 1; });
    await plugin.install(installRequest(web, v1, { message: 'v1' }));
    // Right after the install the release shows, whether or not the watch has seen it yet.
    const status = await plugin.status(web);
    assert.ok(status.exists);
    assert.deepEqual([status.revision, status.status, status.chart, status.chartVersion, status.appVersion], [1, 'deployed', 'lcmdemo', '0.1.0', 'app-0.1.0']);

    await waitFor('the follower woken by the release and its Deployment', async () => wakes >= 2, 30_000, 50);
    await waitFor('the Deployment ready, as the cache has it', async () => (await plugin.workloads(web)).allReady, 30_000, 100);
    // Once synced and caught up (the watches of the manifest's other kinds start at the first
    // drift check), the reads of a steady release cost nothing on the edge.
    await waitFor('reads served from the cache', async () => (await requestsDuring(() => Promise.all([plugin.status(web), plugin.drift(web)]))) === 0, 30_000, 100);
    const quiet = await requestsDuring(async () => {
      for (let i = 0; i < 5; i++) {
        assert.ok((await plugin.status(web)).exists);
        assert.equal((await plugin.workloads(web)).allReady, true);
        assert.deepEqual((await plugin.drift(web)).missing, []);
      }
    });
    assert.equal(quiet, 0, 'fifteen reads of a steady release made no request');
  });

  it('shows the operator\'s own change at once (revision 2 after upgrade, absent after uninstall), however late the watch', async function () {
    const upgraded = await plugin.upgrade(installRequest(web, v2, { message: 'v2' }));
    assert.equal(upgraded.revision, 2);
    const status = await plugin.status(web);
    assert.ok(status.exists);
    assert.deepEqual([status.revision, status.chartVersion], [2, '0.2.0'], 'never the revision before the upgrade');
    await waitFor('revision 2 from the cache alone', async () => (await requestsDuring(() => plugin.status(web))) === 0, 30_000, 100);
    assert.deepEqual(await plugin.status(web).then((s) => s.exists && s.revision), 2);
  });

  it('wakes the follower when someone deletes a workload, and reports it as drift', async function () {
    const before = wakes;
    await new ResourceClient(api, deployments).delete('web-web', namespace);
    await waitFor('the follower woken by the deletion', async () => wakes > before, 30_000, 50);
    await waitFor('the deletion as drift', async () => (await plugin.drift(web)).missing.length === 1, 30_000, 100);
    assert.deepEqual((await plugin.drift(web)).missing.map((o) => `${o.kind}/${o.name}`), ['Deployment/web-web']);
    assert.equal((await plugin.workloads(web)).workloads[0]?.state, 'Missing');
  });

  it('after uninstall says absent at once, and wakes nobody once unfollowed', async function () {
    await plugin.uninstall(web);
    assert.deepEqual(await plugin.status(web), { exists: false });
    plugin.unfollow('ns/web');
    const before = wakes;
    await plugin.install(installRequest(web, v1));
    await waitFor('the reinstall readable', async () => (await plugin.status(web)).exists, 30_000, 100);
    assert.equal(wakes, before, 'an unfollowed release wakes no one');
    await plugin.uninstall(web);
  });

  it('shares one cache per cluster among kubeconfigs, and replaces one whose credential the edge refuses', async function () {
    // A plugin of its own: no cache of this edge yet.
    const plugin = new KubernetesPlugin({ helmBinary: (await edge.binaries).helm, kubeClient: { onRequest: (sample) => requests.push(sample) } });
    try {
      // A kubeconfig whose ServiceAccount may read nothing follows first: the cache's watches are refused.
      const refused: ReleaseTarget = { ...web, kubeconfig: await serviceAccountKubeconfig(edge, api, `nobody-${run}`), releaseName: 'refused' };
      await plugin.follow('ns/refused', refused, () => undefined);
      await waitFor('reads with the refused credential fail as Unauthorized', async () =>
        plugin.status(refused).then(() => false, (e: unknown) => e instanceof LcmError && e.kind === 'Unauthorized'), 30_000, 100);
      // The admin's kubeconfig follows next: the failing cache is replaced, and serves both.
      const shared: ReleaseTarget = { ...web, releaseName: 'shared' };
      await plugin.follow('ns/shared', shared, () => undefined);
      await plugin.install(installRequest(shared, v1));
      await waitFor('both read from the one cache', async () =>
        (await requestsDuring(() => Promise.all([plugin.status(shared), plugin.status(refused)]))) === 0, 30_000, 100);
      assert.deepEqual(await plugin.status(refused), { exists: false });
      await plugin.uninstall(shared);
    } finally {
      await plugin.close();
    }
  });

  it('does not trust a cache whose watch broke: reads go to the edge and say it is unreachable, and recover', async function () {
    const server = new URL((yaml.load(await edge.kubeconfig()) as { clusters: Array<{ cluster: { server: string } }> }).clusters[0]!.cluster.server);
    const proxy = new TcpProxy(Number(server.port));
    const port = await proxy.start();
    try {
      const config = yaml.load(await edge.kubeconfig()) as { clusters: Array<{ cluster: { server: string } }> };
      config.clusters[0]!.cluster.server = `https://127.0.0.1:${port}`;
      const proxied: ReleaseTarget = { ...web, kubeconfig: yaml.dump(config), releaseName: 'proxied' };
      await plugin.follow('ns/proxied', proxied, () => undefined);
      await plugin.install(installRequest(proxied, v1));
      await waitFor('reads of the proxied release from the cache', async () => (await requestsDuring(() => plugin.status(proxied))) === 0, 30_000, 100);

      proxy.setMode('refuse');
      proxy.cutAll();
      await waitFor('the broken watch noticed: status fails as ClusterUnreachable', async () => {
        const outcome = await plugin.status(proxied).then(() => 'ok', (e: unknown) => (e instanceof LcmError ? e.kind : String(e)));
        return outcome === 'ClusterUnreachable';
      }, 30_000, 100);

      proxy.setMode('forward');
      await waitFor('the edge readable again', async () => (await plugin.status(proxied).catch(() => undefined))?.exists === true, 60_000, 200);
      await plugin.uninstall(proxied);
      plugin.unfollow('ns/proxied');
    } finally {
      await proxy.stop();
    }
  });
});
