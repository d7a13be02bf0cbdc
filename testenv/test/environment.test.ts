/**
 * The test environment itself: real control planes that behave like clusters — versions right,
 * Deployments reach Ready through scheduler + kwok, namespaces finish deleting, the garbage
 * collector works, edge registries accept and serve Helm charts, and an API server can be
 * stopped and started again without losing data.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { AppsV1Api, CoreV1Api, KubeConfig, VersionApi } from '@kubernetes/client-node';
import { envStartTimeoutMs, sharedEnv, type SharedEnv } from '../../operator/test/support/env.js';
import { runCommand } from '../../operator/test/support/kubectl.js';
import { waitFor } from '../src/process.js';
import { readVersions } from '../src/versions.js';
import type { Cluster } from '../src/environment.js';

async function clientFor(cluster: Cluster): Promise<KubeConfig> {
  const config = new KubeConfig();
  config.loadFromString(await cluster.kubeconfig());
  return config;
}

const isNotFound = (error: unknown) => (error as { code?: number }).code === 404;
/** Names unique to this run, so the suite can run again against an attached environment. */
const run = Date.now().toString(36);

describe('testenv', function () {
  let shared: SharedEnv;

  before(async function () {
    this.timeout(envStartTimeoutMs);
    shared = await sharedEnv();
  });

  it('runs the pinned Kubernetes version on the hub and every edge', async function () {
    const expected = `v${readVersions().KUBERNETES_VERSION}`;
    for (const cluster of [shared.hub, ...shared.edges]) {
      const version = await (await clientFor(cluster)).makeApiClient(VersionApi).getCode();
      assert.equal(version.gitVersion, expected, `${cluster.name} reports ${version.gitVersion}`);
    }
  });

  it('gives every edge its own OCI registry and a Ready fake node', async function () {
    const urls = shared.edges.map((e) => e.registryUrl);
    assert.equal(new Set(urls).size, shared.edges.length);
    for (const edge of shared.edges) {
      const nodes = await (await clientFor(edge)).makeApiClient(CoreV1Api).listNode();
      assert.equal(nodes.items.length, 1);
      assert.ok(nodes.items[0]?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
    }
  });

  it('runs a Deployment to Ready on an edge (controller-manager, scheduler, kwok)', async function () {
    this.timeout(120_000);
    const edge = shared.edges[0]!;
    const config = await clientFor(edge);
    const apps = config.makeApiClient(AppsV1Api);
    const core = config.makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: `testenv-deploy-${run}` } } });
    await apps.createNamespacedDeployment({
      namespace: `testenv-deploy-${run}`,
      body: {
        metadata: { name: 'web' },
        spec: {
          replicas: 2,
          selector: { matchLabels: { app: 'web' } },
          template: {
            metadata: { labels: { app: 'web' } },
            spec: { containers: [{ name: 'web', image: 'example.invalid/web:1', readinessProbe: { httpGet: { path: '/', port: 80 } } }] },
          },
        },
      },
    });
    await waitFor('Deployment web ready', async () => {
      const d = await apps.readNamespacedDeployment({ name: 'web', namespace: `testenv-deploy-${run}` });
      return d.status?.readyReplicas === 2;
    }, 90_000, 250);
    const pods = await core.listNamespacedPod({ namespace: `testenv-deploy-${run}` });
    assert.equal(pods.items.length, 2);
    for (const pod of pods.items) {
      assert.equal(pod.spec?.nodeName, `${edge.name}-node-1`);
      assert.equal(pod.status?.phase, 'Running');
    }
  });

  it('finishes deleting a namespace and garbage-collects owned objects on the hub', async function () {
    this.timeout(120_000);
    const core = (await clientFor(shared.hub)).makeApiClient(CoreV1Api);
    const namespace = `testenv-gc-${run}`;
    await core.createNamespace({ body: { metadata: { name: namespace } } });
    const owner = await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'owner' } } });
    await core.createNamespacedConfigMap({
      namespace,
      body: { metadata: { name: 'owned', ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: owner.metadata!.uid! }] } },
    });
    await core.deleteNamespacedConfigMap({ name: 'owner', namespace });
    await waitFor('owned ConfigMap collected', async () => {
      try {
        await core.readNamespacedConfigMap({ name: 'owned', namespace });
        return false;
      } catch (error) {
        return isNotFound(error);
      }
    }, 60_000, 250);

    await core.deleteNamespace({ name: namespace });
    await waitFor('namespace gone', async () => {
      try {
        await core.readNamespace({ name: namespace });
        return false;
      } catch (error) {
        return isNotFound(error);
      }
    }, 90_000, 250);
  });

  it('pushes a Helm chart to an edge registry and pulls back the same bytes', async function () {
    this.timeout(120_000);
    const edge = shared.edges[1]!;
    const helm = (await edge.binaries).helm;
    const work = await mkdtemp(join(tmpdir(), 'testenv-helm-'));
    const env = { HELM_CACHE_HOME: join(work, 'cache'), HELM_CONFIG_HOME: join(work, 'config'), HELM_DATA_HOME: join(work, 'data') };
    const helmRun = async (...args: string[]) => {
      const result = await runCommand('env', [...Object.entries(env).map(([k, v]) => `${k}=${v}`), helm, ...args]);
      assert.equal(result.code, 0, `helm ${args.join(' ')}: ${result.stderr}`);
      return result;
    };
    try {
      await helmRun('create', join(work, 'hello'));
      await helmRun('package', join(work, 'hello'), '--destination', work);
      const packaged = join(work, 'hello-0.1.0.tgz');
      const registry = edge.registryUrl!.replace(/^http:\/\//, '');
      const pushed = await helmRun('push', packaged, `oci://${registry}/charts`, '--plain-http');
      assert.match(pushed.stdout + pushed.stderr, /Digest: sha256:[0-9a-f]{64}/);
      await mkdir(join(work, 'pulled'));
      await helmRun('pull', `oci://${registry}/charts/hello`, '--version', '0.1.0', '--plain-http', '--destination', join(work, 'pulled'));
      const digest = async (file: string) => createHash('sha256').update(await readFile(file)).digest('hex');
      assert.equal(await digest(join(work, 'pulled', 'hello-0.1.0.tgz')), await digest(packaged));
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });

  it('stops and starts an edge API server without losing its data', async function () {
    this.timeout(180_000);
    const edge = shared.edges[1]!;
    const core = (await clientFor(edge)).makeApiClient(CoreV1Api);
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: `survivor-${run}` }, data: { k: 'v' } } });
    await edge.stopApiServer();
    await assert.rejects(core.readNamespacedConfigMap({ name: `survivor-${run}`, namespace: 'default' }));
    await edge.startApiServer();
    const survivor = await core.readNamespacedConfigMap({ name: `survivor-${run}`, namespace: 'default' });
    assert.equal(survivor.data?.k, 'v');
    assert.deepEqual(edge.deadProcesses(), []);
  });
});
