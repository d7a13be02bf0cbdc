/**
 * The release's Pods and Services read by the Kubernetes LCM plugin on a real edge: lcmdemo with
 * every workload kind (a Deployment of two, a StatefulSet, a DaemonSet, a Job), a NodePort and a
 * headless Service, installed with the real helm; the plugin lists exactly the workloads' Pods
 * (not a Pod made beside them with the same labels) and the Services with the node port the edge
 * allocated.
 */
import assert from 'node:assert/strict';
import { waitFor } from '../../../testenv/src/process.js';
import type { LiveService } from '../../src/lcm/kubernetes/resources.js';
import { LcmError, type ReleaseResources, type ReleaseTarget } from '../../src/lcm/plugin.js';
import { envStartTimeoutMs } from '../support/env.js';
import { demoEdge, installRequest, targetOn, type DemoEdge } from './support.js';

const run = Date.now().toString(36);
const namespace = `lcm-res-${run}`;

describe('Kubernetes LCM plugin: a release\'s Pods and Services on a real edge', function () {
  let demo: DemoEdge;
  let target: ReleaseTarget;

  before(async function () {
    this.timeout(envStartTimeoutMs);
    demo = await demoEdge(namespace);
    target = await targetOn(demo.edge, namespace, 'shop');
  });

  after(() => demo?.close());

  it('says the release is not found before it is installed', async () => {
    await assert.rejects(demo.plugin.resources(target), (e: unknown) => e instanceof LcmError && e.kind === 'ReleaseNotFound');
  });

  it('lists the workloads\' Pods with their phase and containers, and the Services with the node port the edge allocated', async function () {
    this.timeout(90_000);
    await demo.plugin.install(installRequest(target, demo.chart, { all: true, replicas: 2, nodePort: true }));
    // A Pod beside the release with the Deployment's labels: not the release's, and not listed.
    await demo.api.request({
      method: 'POST', path: `/api/v1/namespaces/${namespace}/pods`,
      body: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'lookalike', labels: { app: 'shop-web' } }, spec: { containers: [{ name: 'x', image: 'registry.invalid/x:1' }] } },
    });
    let resources: ReleaseResources | undefined;
    await waitFor('four Pods running and ready, the Job\'s done', async () => {
      resources = await demo.plugin.resources(target);
      const running = resources.pods.filter((p) => p.phase === 'Running' && p.containers.every((c) => c.ready));
      if (running.length === 4 && resources.pods.some((p) => p.phase === 'Succeeded')) return true;
      throw new Error(`pods: ${JSON.stringify(resources.pods)}`);
    }, 60_000, 500);

    const pods = resources!.pods;
    assert.deepEqual(pods.map((p) => p.name.replace(/^(shop-(?:agent|setup|web))-.+$/, '$1-*')), ['shop-agent-*', 'shop-db-0', 'shop-setup-*', 'shop-web-*', 'shop-web-*'],
      'two web replicas, the db, the agent and the Job\'s Pod, not the lookalike');
    assert.deepEqual(pods[1]!.containers, [{ name: 'db', ready: true }]);
    assert.deepEqual(pods[3]!.containers, [{ name: 'web', ready: true }]);

    const live = await demo.api.request<LiveService>({ method: 'GET', path: `/api/v1/namespaces/${namespace}/services/shop-web` });
    const nodePort = live.spec?.ports?.[0]?.nodePort;
    assert.ok(nodePort && nodePort >= 30000 && nodePort <= 32767, `an allocated node port: ${nodePort}`);
    assert.deepEqual(resources!.services, [
      { name: 'shop-db', type: 'ClusterIP', ports: [{ protocol: 'TCP', port: 5432, targetPort: '5432' }] },
      { name: 'shop-web', type: 'NodePort', ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: '8080', nodePort }] },
    ]);
  });

  it('leaves out a Service deleted on the edge and the Pods of stopped workloads (a finished Job\'s stays)', async function () {
    this.timeout(60_000);
    await demo.api.request({ method: 'DELETE', path: `/api/v1/namespaces/${namespace}/services/shop-db` });
    await demo.plugin.scale(target, 'Stopped');
    await waitFor('only the Job\'s Pod left, one Service', async () => {
      const { pods, services } = await demo.plugin.resources(target);
      if (pods.length === 1 && pods[0]!.name.startsWith('shop-setup-') && services.length === 1 && services[0]!.name === 'shop-web') return true;
      throw new Error(`pods ${pods.map((p) => p.name).join(', ')}; services ${services.map((s) => s.name).join(', ')}`);
    }, 45_000, 500);
  });
});
