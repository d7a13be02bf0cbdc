/**
 * Failures of the Kubernetes LCM plugin as the controller sees them: each a typed LcmError
 * whose kind comes from what the real helm and the real API server said, and whose message
 * never holds the kubeconfig or registry credentials. Among them the real EdgeGallery
 * etherpad chart, whose fixed object names and fixed nodePort keep a second release of it off
 * a cluster, while a chart with release-scoped names has two releases side by side.
 */
import assert from 'node:assert/strict';
import yaml from 'js-yaml';
import type { Cluster } from '../../../testenv/src/environment.js';
import { waitFor } from '../../../testenv/src/process.js';
import type { KubernetesPlugin } from '../../src/lcm/kubernetes/plugin.js';
import { kubeconfigSecrets } from '../../src/lcm/kubernetes/redact.js';
import { LcmError, type LcmErrorKind, type ReleaseTarget } from '../../src/lcm/plugin.js';
import type { KubeClient } from '../../src/runtime/kube/client.js';
import { coreTypes } from '../../src/runtime/kube/resource.js';
import { ResourceClient } from '../../src/runtime/kube/resource-client.js';
import { envStartTimeoutMs, sharedEnv } from '../support/env.js';
import { clientFor } from '../support/hub-client.js';
import { basicAuthRegistry, helmJson, installRequest, newPlugin, pushDemoChart, pushEtherpadChart, targetOn, type PushedChart } from './support.js';

const run = Date.now().toString(36);
const namespaces = { a: `lcm-fail-${run}-a`, b: `lcm-fail-${run}-b` };

/** Asserts that `promise` rejects with an LcmError of `kind` that shows none of `secrets`; returns it. */
async function rejectsWith(promise: Promise<unknown>, kind: LcmErrorKind, secrets: readonly string[]): Promise<LcmError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof LcmError, `not an LcmError: ${String(error)}`);
    assert.equal(error.kind, kind, error.message);
    for (const secret of secrets) assert.ok(!error.message.includes(secret), `the message shows a secret: ${error.message}`);
    assert.ok(!/BEGIN|PRIVATE KEY/.test(error.message), error.message);
    return error;
  }
  assert.fail(`expected ${kind}, but it succeeded`);
}

describe('Kubernetes LCM plugin: failures, classified', function () {
  let edge: Cluster;
  let plugin: KubernetesPlugin;
  let api: KubeClient;
  let demo: PushedChart;
  let etherpad: PushedChart;
  let secrets: string[];

  before(async function () {
    this.timeout(envStartTimeoutMs);
    edge = (await sharedEnv()).edges[1]!;
    [demo, etherpad] = await Promise.all([
      pushDemoChart((await edge.binaries).helm, edge.registryUrl!, `mecm/lcm-fail-${run}/pkg`, '0.1.0'),
      pushEtherpadChart(edge.registryUrl!, `mecm/lcm-fail-${run}/etherpad`),
    ]);
    plugin = await newPlugin(edge);
    api = await clientFor(edge);
    secrets = kubeconfigSecrets(await edge.kubeconfig());
  });

  after(async function () {
    for (const name of ['ep-1', 'ep-2']) await plugin?.uninstall(await targetOn(edge, namespaces.a, name)).catch(() => undefined);
    await plugin?.uninstall(await targetOn(edge, namespaces.b, 'ep-3')).catch(() => undefined);
    await plugin?.close();
    for (const ns of Object.values(namespaces)) await new ResourceClient(api, coreTypes.namespace).delete(ns).catch(() => undefined);
    api?.close();
  });

  it('an unreachable cluster is ClusterUnreachable for helm and for API calls, without the kubeconfig in the message', async function () {
    const config = yaml.load(await edge.kubeconfig()) as { clusters: Array<{ cluster: { server: string } }> };
    config.clusters[0]!.cluster.server = 'https://127.0.0.1:9';
    const target: ReleaseTarget = { kubeconfig: yaml.dump(config), releaseName: 'nowhere', namespace: namespaces.a, createNamespace: true };
    const shown = [...secrets, target.kubeconfig];

    const error = await rejectsWith(plugin.status(target), 'ClusterUnreachable', shown);
    assert.match(error.message, /Reading release .*nowhere.*127\.0\.0\.1:9/);
    await rejectsWith(plugin.install(installRequest(target, demo)), 'ClusterUnreachable', shown);
    await rejectsWith(plugin.install(installRequest({ ...target, createNamespace: false }, demo)), 'ClusterUnreachable', shown);
    await rejectsWith(plugin.upgrade(installRequest(target, demo)), 'ClusterUnreachable', shown);
    await rejectsWith(plugin.workloads(target), 'ClusterUnreachable', shown);
    await rejectsWith(plugin.uninstall(target), 'ClusterUnreachable', shown);
  });

  it('a chart that is not in the registry is ChartNotFound; a registry that does not answer is RegistryUnreachable', async function () {
    const target = await targetOn(edge, namespaces.a, 'ghost');
    const credentials = { username: 'edge-user', password: 'registry-Secret-1234' };
    const shown = [...secrets, credentials.password, Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')];
    const missing = { ...demo, ref: demo.ref.replace(/lcmdemo:0\.1\.0$/, 'no-such-chart:0.1.0') };
    const error = await rejectsWith(plugin.install({ ...installRequest(target, missing), registryCredentials: credentials }), 'ChartNotFound', shown);
    assert.match(error.message, /no-such-chart:0\.1\.0: not found/);
    await rejectsWith(plugin.install(installRequest(target, { ...demo, ref: demo.ref.replace(/lcmdemo:0\.1\.0$/, 'lcmdemo:9.9.9') })), 'ChartNotFound', shown);
    await rejectsWith(plugin.install({ ...installRequest(target, { ...demo, ref: 'oci://127.0.0.1:9/mecm/x/lcmdemo:0.1.0' }), registryCredentials: credentials }),
      'RegistryUnreachable', shown);
    assert.deepEqual(await plugin.status(target), { exists: false }, 'no release was recorded');
  });

  it('registry credentials reach helm (and only helm): without them Unauthorized, with them installed', async function () {
    const credentials = { username: 'edge-user', password: 'registry-Secret-5678' };
    const guarded = await basicAuthRegistry(edge.registryUrl!, credentials.username, credentials.password);
    try {
      const target = await targetOn(edge, namespaces.a, 'guarded');
      const chart = { ...demo, ref: demo.ref.replace(new URL(edge.registryUrl!).host, guarded.host) };
      const shown = [...secrets, credentials.password, Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')];
      await rejectsWith(plugin.install(installRequest(target, chart)), 'Unauthorized', shown);
      await rejectsWith(plugin.install({ ...installRequest(target, chart), registryCredentials: { ...credentials, password: 'wrong-password' } }), 'Unauthorized', [...shown, 'wrong-password']);
      const release = await plugin.install({ ...installRequest(target, chart), registryCredentials: credentials });
      assert.equal(release.status, 'deployed');
      await plugin.uninstall(target);
    } finally {
      await guarded.close();
    }
  });

  it('values the chart cannot take are InvalidValues; a helm call past its deadline is stopped as Timeout', async function () {
    const target = await targetOn(edge, namespaces.a, 'badvalues');
    const error = await rejectsWith(plugin.install(installRequest(target, demo, { replicas: 'many' })), 'InvalidValues', secrets);
    assert.match(error.message, /cannot unmarshal string/);
    const failed = await plugin.status(target);
    assert.ok(failed.exists && failed.status === 'failed', 'helm records the failed install');
    await plugin.uninstall(target);

    const slow = await targetOn(edge, namespaces.a, 'slow');
    await rejectsWith(plugin.install({ ...installRequest(slow, demo), timeoutMs: 1 }), 'Timeout', secrets);
    await plugin.unlock(slow);
    await plugin.uninstall(slow);
    assert.deepEqual(await plugin.status(slow), { exists: false });
  });

  it('two releases of a chart with release-scoped names coexist in one namespace', async function () {
    const [a, b] = await Promise.all(['twin-a', 'twin-b'].map(async (n) => plugin.install(installRequest(await targetOn(edge, namespaces.b, n), demo))));
    assert.deepEqual([a!.status, b!.status], ['deployed', 'deployed']);
    const listed = await helmJson<Array<{ name: string; status: string }>>(edge, ['list', '--namespace', namespaces.b]);
    assert.deepEqual(listed.map((r) => [r.name, r.status]), [['twin-a', 'deployed'], ['twin-b', 'deployed']]);
  });

  it('the etherpad chart installs once per cluster: a second release is a Conflict on its fixed names, or on its fixed nodePort', async function () {
    const values = (ns: string) => ({ appconfig: { appnamespace: ns }, imagelocation: { domainname: new URL(edge.registryUrl!).host, project: 'mecm' } });
    const first = await targetOn(edge, namespaces.a, 'ep-1');
    const release = await plugin.install(installRequest(first, etherpad, values(namespaces.a)));
    assert.deepEqual([release.status, release.chart, release.chartVersion], ['deployed', 'etherpad9da310a0-b3ab-47', '1.0']);
    await waitFor('etherpad ready', async () => {
      assert.deepEqual(await plugin.workloads(first).then((w) => [w.ready, w.desired, w.allReady]), [1, 1, true]);
      return true;
    }, 30_000, 100);

    // Same namespace: the Deployment "etherpad" belongs to ep-1, and helm will not adopt it.
    const sameNamespace = await rejectsWith(plugin.install(installRequest(await targetOn(edge, namespaces.a, 'ep-2'), etherpad, values(namespaces.a))), 'Conflict', secrets);
    assert.match(sameNamespace.message, /exists and cannot be imported into the current release/);

    // Another namespace: the names are free there, but nodePort 32391 is taken cluster-wide.
    const otherNamespace = await rejectsWith(plugin.install(installRequest(await targetOn(edge, namespaces.b, 'ep-3'), etherpad, values(namespaces.b))), 'Conflict', secrets);
    assert.match(otherNamespace.message, /32391: provided port is already allocated/);
  });
});
