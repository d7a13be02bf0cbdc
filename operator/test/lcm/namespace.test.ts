/**
 * Release namespaces through the Kubernetes LCM plugin on a real edge: the plugin makes a
 * missing namespace for one release, tells ours from theirs, keeps ours while another Helm
 * release is left in it, deletes it once none is, and reports a refusal (a ServiceAccount
 * token without the rights, answered 403 by the real API server) as an LcmError — never as
 * an absent namespace.
 */
import assert from 'node:assert/strict';
import type { Cluster } from '../../../testenv/src/environment.js';
import { waitFor } from '../../../testenv/src/process.js';
import { createdForReleaseAnnotation } from '../../src/lcm/kubernetes/namespace.js';
import type { KubernetesPlugin } from '../../src/lcm/kubernetes/plugin.js';
import { LcmError, managedBy, type ReleaseTarget } from '../../src/lcm/plugin.js';
import type { KubeClient } from '../../src/runtime/kube/client.js';
import { isNotFound } from '../../src/runtime/kube/errors.js';
import { coreTypes, type KubeObject } from '../../src/runtime/kube/resource.js';
import { ResourceClient } from '../../src/runtime/kube/resource-client.js';
import { envStartTimeoutMs, sharedEnv } from '../support/env.js';
import { clientFor } from '../support/hub-client.js';
import { helmJson, installRequest, newPlugin, pushDemoChart, serviceAccountKubeconfig, targetOn, type PushedChart } from './support.js';

const run = Date.now().toString(36);
const ns = (suffix: string) => `lcm-ns-${run}-${suffix}`;

describe('Kubernetes LCM plugin: release namespaces', function () {
  let edge: Cluster;
  let plugin: KubernetesPlugin;
  let api: KubeClient;
  let namespaces: ResourceClient<KubeObject>;
  let chart: PushedChart;
  const made: string[] = [];

  before(async function () {
    this.timeout(envStartTimeoutMs);
    edge = (await sharedEnv()).edges[1]!;
    chart = await pushDemoChart((await edge.binaries).helm, edge.registryUrl!, `mecm/lcm-ns-${run}/pkg`, '0.1.0');
    plugin = await newPlugin(edge);
    api = await clientFor(edge);
    namespaces = new ResourceClient<KubeObject>(api, coreTypes.namespace);
  });

  after(async function () {
    await plugin?.close();
    for (const name of made) await namespaces.delete(name).catch(() => undefined);
    await api?.request({ method: 'DELETE', path: `/api/v1/namespaces/default/serviceaccounts/lcm-nobody-${run}` }).catch(() => undefined);
    await api?.request({ method: 'DELETE', path: `/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/lcm-ns-reader-${run}` }).catch(() => undefined);
    await api?.request({ method: 'DELETE', path: `/apis/rbac.authorization.k8s.io/v1/clusterroles/lcm-ns-reader-${run}` }).catch(() => undefined);
    api?.close();
  });

  async function target(namespace: string, releaseName: string): Promise<ReleaseTarget> {
    if (!made.includes(namespace)) made.push(namespace);
    return { ...(await targetOn(edge, namespace, releaseName)), createNamespace: false };
  }

  const gone = (name: string) => waitFor(`namespace ${name} gone`,
    async () => namespaces.get(name).then((n) => Boolean(n.metadata.deletionTimestamp), (e: unknown) => isNotFound(e)), 60_000, 200);

  it('makes a missing namespace for its release, labelled and annotated, and knows it as ours afterwards', async function () {
    const app = await target(ns('made'), 'app');
    assert.deepEqual(await plugin.namespaceState(app), { owner: 'Absent' });
    assert.equal(await plugin.ensureNamespace(app), 'Created');
    assert.equal(await plugin.ensureNamespace(app), 'Ours', 'a second call finds it');
    assert.deepEqual(await plugin.namespaceState(app), { owner: 'Ours', otherReleases: [] });
    const created = await namespaces.get(app.namespace);
    assert.equal(created.metadata.labels?.[managedBy.label], managedBy.value);
    assert.equal(created.metadata.annotations?.[createdForReleaseAnnotation], 'app');
  });

  it('leaves a namespace someone else made alone, and one made for another release', async function () {
    const foreign = await target(ns('foreign'), 'app');
    await namespaces.create({ metadata: { name: foreign.namespace } });
    assert.equal(await plugin.ensureNamespace(foreign), 'Theirs');
    assert.deepEqual(await plugin.namespaceState(foreign), { owner: 'Theirs' });
    assert.equal(await plugin.deleteNamespace(foreign), 'Kept');
    assert.equal((await namespaces.get(foreign.namespace)).metadata.deletionTimestamp, undefined, 'still there');

    const first = await target(ns('shared'), 'first');
    const second = await target(ns('shared'), 'second');
    assert.equal(await plugin.ensureNamespace(first), 'Created');
    assert.equal(await plugin.ensureNamespace(second), 'Theirs', 'made for the first release, not the second');
    assert.deepEqual(await plugin.namespaceState(second), { owner: 'Theirs' });
    assert.equal(await plugin.deleteNamespace(second), 'Kept');
    assert.equal((await namespaces.get(first.namespace)).metadata.deletionTimestamp, undefined, 'still there');
  });

  it('keeps our namespace while another release is left in it, and deletes it once none is', async function () {
    const app = await target(ns('busy'), 'app');
    const neighbour = await target(ns('busy'), 'neighbour');
    assert.equal(await plugin.ensureNamespace(app), 'Created');
    await plugin.install(installRequest(app, chart));
    await plugin.install(installRequest(neighbour, chart));
    assert.deepEqual(await plugin.namespaceState(app), { owner: 'Ours', otherReleases: ['neighbour'] }, 'our own release is not another');

    await plugin.uninstall(app);
    assert.equal(await plugin.deleteNamespace(app), 'Kept');
    assert.equal((await namespaces.get(app.namespace)).metadata.deletionTimestamp, undefined, 'kept for the neighbour');
    assert.deepEqual((await helmJson<Array<{ name: string }>>(edge, ['list', '--namespace', app.namespace])).map((r) => r.name), ['neighbour']);

    await plugin.uninstall(neighbour);
    assert.deepEqual(await plugin.namespaceState(app), { owner: 'Ours', otherReleases: [] });
    assert.equal(await plugin.deleteNamespace(app), 'Deleted');
    await gone(app.namespace);
    assert.notEqual(await plugin.deleteNamespace(app), 'Kept', 'deleting again is fine');
  });

  it('reports a refusal (403) as Unauthorized, never as an absent namespace or no releases', async function () {
    this.timeout(60_000);
    const app = await target(ns('guarded'), 'app');
    assert.equal(await plugin.ensureNamespace(app), 'Created');
    const nobody = { ...app, kubeconfig: await serviceAccountKubeconfig(edge, api, `lcm-nobody-${run}`) };
    const refused = async (call: Promise<unknown>) => assert.rejects(call, (error: unknown) => {
      assert.ok(error instanceof LcmError, String(error));
      assert.equal(error.kind, 'Unauthorized', error.message);
      assert.equal(error.reason, 'Unauthorized');
      assert.equal(error.transient, false);
      assert.match(error.message, /403/);
      return true;
    });
    await refused(plugin.namespaceState(nobody));
    await refused(plugin.deleteNamespace(nobody));
    await refused(plugin.ensureNamespace({ ...nobody, namespace: ns('never') }));
    await assert.rejects(namespaces.get(ns('never')), (e: unknown) => isNotFound(e), 'nothing was made');

    // Allowed to read namespaces but not to list Secrets: the releases in it are unknown, not none.
    await grantNamespaceReads(api, `lcm-ns-reader-${run}`, `lcm-nobody-${run}`);
    await waitFor('the grant to apply', async () => plugin.namespaceState(nobody).then(() => true, (e: unknown) => {
      if (e instanceof LcmError && /cannot list resource "secrets"/.test(e.message)) return true;
      throw e;
    }), 10_000, 200);
    await refused(plugin.namespaceState(nobody));
    await refused(plugin.deleteNamespace(nobody));
    assert.equal((await namespaces.get(app.namespace)).metadata.deletionTimestamp, undefined, 'nothing was deleted');
  });
});

/** Lets the ServiceAccount `account` get namespaces, nothing else. */
async function grantNamespaceReads(api: KubeClient, role: string, account: string): Promise<void> {
  const rbac = '/apis/rbac.authorization.k8s.io/v1';
  await api.request({
    method: 'POST', path: `${rbac}/clusterroles`,
    body: { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: role }, rules: [{ apiGroups: [''], resources: ['namespaces'], verbs: ['get'] }] },
  });
  await api.request({
    method: 'POST', path: `${rbac}/clusterrolebindings`,
    body: {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: role },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
      subjects: [{ kind: 'ServiceAccount', name: account, namespace: 'default' }],
    },
  });
}
