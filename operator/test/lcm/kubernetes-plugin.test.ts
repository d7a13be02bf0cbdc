/**
 * The Kubernetes LCM plugin on a real edge cluster with the real helm client: a chart pushed
 * to the edge registry is installed (helm itself lists it), its workloads become ready,
 * upgrades and rollbacks make new revisions with the right values, operate stops and starts
 * every workload kind exactly, a deleted Deployment shows as drift, and uninstall leaves
 * nothing behind.
 */
import assert from 'node:assert/strict';
import type { Cluster } from '../../../testenv/src/environment.js';
import { waitFor } from '../../../testenv/src/process.js';
import type { KubernetesPlugin } from '../../src/lcm/kubernetes/plugin.js';
import { replicasBeforeStopAnnotation, stoppedNodeSelector } from '../../src/lcm/kubernetes/scale.js';
import type { LiveWorkload } from '../../src/lcm/kubernetes/workloads.js';
import type { ReleaseTarget, WorkloadSummary } from '../../src/lcm/plugin.js';
import type { KubeClient } from '../../src/runtime/kube/client.js';
import { coreTypes } from '../../src/runtime/kube/resource.js';
import { ResourceClient } from '../../src/runtime/kube/resource-client.js';
import { envStartTimeoutMs, sharedEnv } from '../support/env.js';
import { clientFor } from '../support/hub-client.js';
import { helmJson, installRequest, newPlugin, pushDemoChart, targetOn, type PushedChart } from './support.js';

const run = Date.now().toString(36);
const namespace = `lcm-${run}`;

const types = {
  deployment: { group: 'apps', version: 'v1', plural: 'deployments', kind: 'Deployment', namespaced: true },
  statefulSet: { group: 'apps', version: 'v1', plural: 'statefulsets', kind: 'StatefulSet', namespaced: true },
  daemonSet: { group: 'apps', version: 'v1', plural: 'daemonsets', kind: 'DaemonSet', namespaced: true },
} as const;

describe('Kubernetes LCM plugin on a real edge', function () {
  let edge: Cluster;
  let plugin: KubernetesPlugin;
  let api: KubeClient;
  let v1: PushedChart;
  let v2: PushedChart;
  let web: ReleaseTarget;

  before(async function () {
    this.timeout(envStartTimeoutMs);
    edge = (await sharedEnv()).edges[0]!;
    const helm = (await edge.binaries).helm;
    [v1, v2] = await Promise.all(['0.1.0', '0.2.0'].map((v) => pushDemoChart(helm, edge.registryUrl!, `mecm/${namespace}/pkg`, v))) as [PushedChart, PushedChart];
    plugin = await newPlugin(edge);
    api = await clientFor(edge);
    web = await targetOn(edge, namespace, 'web');
  });

  after(async function () {
    await plugin?.close();
    await new ResourceClient(api, coreTypes.namespace).delete(namespace).catch(() => undefined);
    api?.close();
  });

  /** The first summary of `target`'s workloads that passes `check` (within 30 s). */
  const workloadsSettle = async (target: ReleaseTarget, check: (w: WorkloadSummary) => void): Promise<WorkloadSummary> => {
    let settled: WorkloadSummary | undefined;
    await waitFor(`workloads of ${target.releaseName} to settle`, async () => {
      const summary = await plugin.workloads(target);
      check(summary);
      settled = summary;
      return true;
    }, 30_000, 200);
    assert.ok(settled);
    return settled;
  };

  it('installs a chart from the edge registry: helm lists it, deployed at revision 1, its Deployment ready 1/1', async function () {
    assert.deepEqual(await plugin.status(web), { exists: false });

    const release = await plugin.install(installRequest(web, v1, { message: 'v1' }));
    assert.equal(release.revision, 1);
    assert.equal(release.status, 'deployed');
    assert.deepEqual([release.name, release.namespace, release.chart, release.chartVersion, release.appVersion],
      ['web', namespace, 'lcmdemo', '0.1.0', 'app-0.1.0']);

    const listed = await helmJson<Array<{ name: string; status: string; revision: string; chart: string }>>(edge, ['list', '--namespace', namespace]);
    assert.deepEqual(listed.map((r) => [r.name, r.status, r.revision, r.chart]), [['web', 'deployed', '1', 'lcmdemo-0.1.0']]);

    const status = await plugin.status(web);
    assert.ok(status.exists);
    assert.deepEqual([status.revision, status.status, status.chartVersion], [1, 'deployed', '0.1.0']);

    assert.deepEqual(await plugin.namespaceState(web), { owner: 'Ours', otherReleases: [] }, 'the plugin created and labelled the namespace');
    assert.deepEqual(await plugin.namespaceState({ ...web, namespace: 'default' }), { owner: 'Theirs' });

    const summary = await workloadsSettle(web, (w) => assert.ok(w.allReady, JSON.stringify(w)));
    assert.deepEqual(summary.workloads, [{ kind: 'Deployment', namespace, name: 'web-web', ready: 1, desired: 1, state: 'Ready' }]);
    assert.deepEqual([summary.ready, summary.desired], [1, 1]);
  });

  it('upgrades with new values to revision 2, rolls back to revision 3 with the old values, and resets values on upgrade', async function () {
    const upgraded = await plugin.upgrade(installRequest(web, v2, { message: 'v2', replicas: 2 }));
    assert.deepEqual([upgraded.revision, upgraded.status, upgraded.chartVersion], [2, 'deployed', '0.2.0']);
    assert.deepEqual(await helmJson(edge, ['get', 'values', 'web', '--namespace', namespace]), { message: 'v2', replicas: 2 });
    await workloadsSettle(web, (w) => assert.deepEqual([w.ready, w.desired, w.allReady], [2, 2, true]));

    const rolledBack = await plugin.rollback(web);
    assert.deepEqual([rolledBack.revision, rolledBack.status, rolledBack.chartVersion], [3, 'deployed', '0.1.0']);
    assert.deepEqual(await helmJson(edge, ['get', 'values', 'web', '--namespace', namespace]), { message: 'v1' });
    const history = await helmJson<Array<{ revision: number; status: string }>>(edge, ['history', 'web', '--namespace', namespace]);
    assert.deepEqual(history.map((h) => [h.revision, h.status]), [[1, 'superseded'], [2, 'superseded'], [3, 'deployed']]);
    await workloadsSettle(web, (w) => assert.deepEqual([w.ready, w.desired, w.allReady], [1, 1, true]));

    // No values means the chart's defaults, not the previous revision's values (helm's default).
    const reset = await plugin.upgrade(installRequest(web, v1, {}));
    assert.equal(reset.revision, 4);
    assert.equal(await helmJson(edge, ['get', 'values', 'web', '--namespace', namespace]), null, 'helm prints null for no user values');
    const config = await new ResourceClient<{ metadata: object; data: Record<string, string> }>(api, coreTypes.configMap).get('web-config', namespace);
    assert.equal(config.data.message, 'hello');
  });

  it('stops every workload kind (replicas recorded) and starts them again exactly', async function () {
    const ops = await targetOn(edge, namespace, 'ops');
    await plugin.install(installRequest(ops, v1, { all: true, replicas: 2, dbReplicas: 2 }));
    const started = await workloadsSettle(ops, (w) => assert.ok(w.allReady, JSON.stringify(w)));
    assert.deepEqual(started.workloads.map((w) => [w.kind, w.ready, w.desired]).sort(),
      [['DaemonSet', 1, 1], ['Deployment', 2, 2], ['Job', 1, 1], ['StatefulSet', 2, 2]]);

    const deployments = new ResourceClient<LiveWorkload>(api, types.deployment);
    const statefulSets = new ResourceClient<LiveWorkload>(api, types.statefulSet);
    const daemonSets = new ResourceClient<LiveWorkload>(api, types.daemonSet);
    const read = async () => {
      const [d, s, ds] = await Promise.all([deployments.get('ops-web', namespace), statefulSets.get('ops-db', namespace), daemonSets.get('ops-agent', namespace)]);
      return {
        web: [d.spec?.replicas, d.metadata.annotations?.[replicasBeforeStopAnnotation]],
        db: [s.spec?.replicas, s.metadata.annotations?.[replicasBeforeStopAnnotation]],
        agent: ds.spec?.template?.spec?.nodeSelector?.[stoppedNodeSelector],
      };
    };

    await plugin.scale(ops, 'Stopped');
    assert.deepEqual(await read(), { web: [0, '2'], db: [0, '2'], agent: 'true' });
    await plugin.scale(ops, 'Stopped');
    assert.deepEqual(await read(), { web: [0, '2'], db: [0, '2'], agent: 'true' }, 'a second stop keeps the recorded replicas');
    const stopped = await workloadsSettle(ops, (w) => assert.ok(w.allReady && w.workloads.every((x) => x.kind === 'Job' || x.ready === 0), JSON.stringify(w)));
    assert.deepEqual(stopped.workloads.map((w) => [w.kind, w.desired]).sort(), [['DaemonSet', 0], ['Deployment', 0], ['Job', 1], ['StatefulSet', 0]]);

    // An upgrade while stopped sets the chart's replicas again; the next stop records the new count.
    await plugin.upgrade(installRequest(ops, v1, { all: true, replicas: 3, dbReplicas: 2 }));
    assert.deepEqual(await read(), { web: [3, '2'], db: [2, '2'], agent: 'true' }, 'helm resets replicas, keeps what it never set');
    await plugin.scale(ops, 'Stopped');
    assert.deepEqual(await read(), { web: [0, '3'], db: [0, '2'], agent: 'true' });

    await plugin.scale(ops, 'Started');
    assert.deepEqual(await read(), { web: [3, undefined], db: [2, undefined], agent: undefined });
    const restarted = await workloadsSettle(ops, (w) => assert.ok(w.allReady, JSON.stringify(w)));
    assert.deepEqual([restarted.ready, restarted.desired], [7, 7]);
    await plugin.uninstall(ops);
  });

  it('reports a deleted Deployment as drift; uninstall leaves the release absent, and a second uninstall is fine', async function () {
    assert.deepEqual(await plugin.drift(web), { missing: [], checked: 2 });

    await deploymentsOf(api).delete('web-web', namespace);
    let drift = await plugin.drift(web);
    await waitFor('the deletion to show as drift', async () => (drift = await plugin.drift(web)).missing.length === 1, 30_000, 100);
    assert.deepEqual(drift.missing, [{ apiVersion: 'apps/v1', kind: 'Deployment', namespace, name: 'web-web' }]);
    const summary = await plugin.workloads(web);
    assert.deepEqual(summary.workloads.map((w) => [w.name, w.state]), [['web-web', 'Missing']]);
    assert.equal(summary.allReady, false);

    await plugin.uninstall(web);
    assert.deepEqual(await plugin.status(web), { exists: false });
    await plugin.uninstall(web);
    assert.deepEqual(await helmJson(edge, ['list', '--namespace', namespace, '--all']), []);
    await assert.rejects(plugin.drift(web), { name: 'LcmError', kind: 'ReleaseNotFound' });
  });
});

function deploymentsOf(api: KubeClient) {
  return new ResourceClient<LiveWorkload>(api, types.deployment);
}
