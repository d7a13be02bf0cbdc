/**
 * Release ownership end to end on real clusters: two AppInstances in two hub namespaces (two
 * teams) name the same edge namespace and release name. The second is Stalled OwnedByAnother
 * and the first's release (helm on the edge: same revision, deployed) and namespace stay as
 * they were, also when the second is deleted. A release made before owners were recorded (its
 * label taken off on the edge) is adopted by the instance whose status records it, never by
 * the other.
 */
import assert from 'node:assert/strict';
import { AppstoreSimulator } from '../../../../testenv/src/appstore-simulator.js';
import { waitFor } from '../../../../testenv/src/process.js';
import type { Cluster } from '../../../../testenv/src/environment.js';
import type { AppInstance } from '../../../src/api/appinstance.js';
import type { AppPackage } from '../../../src/api/apppackage.js';
import type { EdgeHost } from '../../../src/api/edgehost.js';
import { mecmTypes } from '../../../src/api/resources.js';
import { ownerUidLabel } from '../../../src/lcm/plugin.js';
import { isNotFound } from '../../../src/runtime/kube/errors.js';
import { coreTypes, type KubeObject } from '../../../src/runtime/kube/resource.js';
import { ResourceClient } from '../../../src/runtime/kube/resource-client.js';
import { plainPackage } from '../../support/apps.js';
import { envStartTimeoutMs } from '../../support/env.js';
import { kubectl, runCommand } from '../../support/kubectl.js';
import { operatorNamespace, startOperator, type TestOperator } from '../../support/operator.js';

const run = Date.now().toString(36);
const teamA = `own-a-${run}`;
const teamB = `own-b-${run}`;
/** The edge namespace and release name both teams ask for. */
const edgeNamespace = `own-${run}`;
const releaseName = 'shared-app';
const host = `own-${run}`;

describe('AppInstance release ownership on real edge clusters', function () {
  let op: TestOperator;
  let edge: Cluster;
  let instances: ResourceClient<AppInstance>;
  let store: AppstoreSimulator;

  before(async function () {
    this.timeout(envStartTimeoutMs);
    // One Tenant for both namespaces, granted the edge namespace both ask for: ownership, not the grant, keeps them apart.
    op = await startOperator({
      namespace: teamA, controllers: ['apppackage', 'appinstance'], apppackage: { workers: 2 }, grant: { namespaces: [teamA, teamB], edgeNamespaces: [edgeNamespace] },
    });
    edge = op.shared.edges[0]!;
    instances = new ResourceClient<AppInstance>(op.direct, mecmTypes.appInstance);
    await new ResourceClient(op.direct, coreTypes.namespace).create({ metadata: { name: teamB } });
    store = await AppstoreSimulator.start();
    await store.addPackage({ appId: 'plain', packageId: 'v1', name: 'plain', version: '1.0', provider: 'Tests', file: await plainPackage() });
    const secrets = new ResourceClient<KubeObject & { stringData: Record<string, string> }>(op.direct, coreTypes.secret);
    await secrets.create({ metadata: { name: `${host}-kubeconfig`, namespace: operatorNamespace }, stringData: { kubeconfig: await edge.kubeconfig() } });
    await new ResourceClient<EdgeHost>(op.direct, mecmTypes.edgeHost).create({
      apiVersion: 'mecm.io/v1alpha1', kind: 'EdgeHost', metadata: { name: host, labels: { 'own-test': run } },
      spec: { infrastructure: { type: 'kubernetes', kubeconfigSecretRef: { name: `${host}-kubeconfig` } }, repository: { url: edge.registryUrl!, insecure: true } },
    });
    const packages = new ResourceClient<AppPackage>(op.direct, mecmTypes.appPackage);
    for (const namespace of [teamA, teamB]) {
      await packages.create({
        apiVersion: 'mecm.io/v1alpha1', kind: 'AppPackage', metadata: { name: 'plain', namespace },
        spec: {
          source: { appstore: { url: store.url, appId: 'plain', packageId: 'v1' } },
          distribution: { hostSelector: { matchLabels: { 'own-test': run } } }, images: { mirror: 'Skip' },
        },
      });
    }
  });

  after(async function () {
    this.timeout(120_000);
    if (op) {
      for (const namespace of [teamA, teamB]) {
        for (const item of (await instances.list({ namespace })).items) await instances.delete(item.metadata.name!, namespace);
      }
      await waitFor('AppInstances gone', async () => (await instances.list({ namespace: teamA })).items.length + (await instances.list({ namespace: teamB })).items.length === 0, 90_000, 250)
        .catch(() => undefined);
      const packages = new ResourceClient<AppPackage>(op.direct, mecmTypes.appPackage);
      for (const namespace of [teamA, teamB]) await packages.delete('plain', namespace).catch(() => undefined);
      await waitFor('AppPackages gone', async () => (await packages.list({ namespace: teamA })).items.length + (await packages.list({ namespace: teamB })).items.length === 0, 30_000, 250)
        .catch(() => undefined);
      await new ResourceClient(op.direct, mecmTypes.edgeHost).delete(host).catch(() => undefined);
      await new ResourceClient(op.direct, coreTypes.secret).delete(`${host}-kubeconfig`, operatorNamespace).catch(() => undefined);
      await new ResourceClient(op.direct, coreTypes.namespace).delete(teamB).catch(() => undefined);
      await kubectl(edge, ['delete', 'namespace', edgeNamespace, '--wait=false']);
      await op.stop();
    }
    await store?.stop();
  });

  async function instantiate(namespace: string, name: string, values?: Record<string, unknown>): Promise<AppInstance> {
    return instances.create({
      apiVersion: 'mecm.io/v1alpha1', kind: 'AppInstance', metadata: { name, namespace },
      spec: { packageRef: { name: 'plain' }, hostRef: { name: host }, namespace: edgeNamespace, releaseName, ...(values ? { values } : {}) },
    });
  }
  const condition = async (namespace: string, name: string, type: string) =>
    (await instances.get(name, namespace)).status?.conditions?.find((c) => c.type === type);
  const gone = (namespace: string, name: string) =>
    waitFor(`${namespace}/${name} gone`, async () => instances.get(name, namespace).then(() => false, (e: unknown) => isNotFound(e)), 90_000, 250);
  /** The release on the edge as the real helm CLI lists it: [name, revision, status]. */
  const helmList = async () => {
    const out = await runCommand('env', [`HELM_CONFIG_HOME=${op.dataDir}/hc`, `HELM_CACHE_HOME=${op.dataDir}/hk`, (await edge.binaries).helm,
      'list', '--all', '-n', edgeNamespace, '-o', 'json', '--kubeconfig', edge.kubeconfigFile]);
    return (JSON.parse(out.stdout || '[]') as Array<{ name: string; revision: string; status: string }>).map((r) => [r.name, r.revision, r.status]);
  };
  /** The owner label on each storage Secret of the release. */
  const releaseLabels = async () => {
    const out = await kubectl(edge, ['get', 'secrets', '-n', edgeNamespace, '-l', `owner=helm,name=${releaseName}`,
      '-o', `jsonpath={range .items[*]}{.metadata.labels.mecm\\.io/owner-uid}{","}{end}`]);
    return out.stdout.split(',').filter((_, i, all) => i < all.length - 1);
  };
  const namespaceOnEdge = async () => {
    const out = await kubectl(edge, ['get', 'namespace', edgeNamespace, '-o', 'json']);
    assert.equal(out.code, 0, out.stderr);
    return JSON.parse(out.stdout) as KubeObject;
  };
  const eventsOf = async (namespace: string, name: string, reason: string) =>
    (await kubectl(op.shared.hub, ['get', 'events', '-n', namespace, '--field-selector', `involvedObject.name=${name},reason=${reason}`, '-o', 'jsonpath={.items[*].message}'])).stdout;

  let uidA = '';

  it('stalls a second team\'s instance naming the first\'s edge namespace and release as OwnedByAnother; the first is untouched', async function () {
    this.timeout(180_000);
    uidA = (await instantiate(teamA, 'first')).metadata.uid!;
    await waitFor('first Ready', async () => (await condition(teamA, 'first', 'Ready'))?.status === 'True', 120_000, 250);
    const before = await helmList();
    assert.deepEqual(before, [[releaseName, '1', 'deployed']]);
    assert.deepEqual(await releaseLabels(), [uidA], 'the release carries its owner');
    assert.equal((await namespaceOnEdge()).metadata.labels?.[ownerUidLabel], uidA, 'so does the namespace made for it');

    // Other values: without the owner check this would be an upgrade of the first team's release.
    await instantiate(teamB, 'second', { takeover: true });
    await waitFor('second Stalled OwnedByAnother', async () => (await condition(teamB, 'second', 'Stalled'))?.reason === 'OwnedByAnother', 120_000, 250);
    const stalled = await condition(teamB, 'second', 'Stalled');
    assert.match(stalled?.message ?? '', new RegExp(`^Release ${edgeNamespace}/${releaseName} on ${host} belongs to another AppInstance \\(UID ${uidA}\\); it is left alone\\. `));
    assert.match(stalled?.message ?? '', /create an AppInstance with another spec\.releaseName or spec\.namespace/);
    assert.equal((await condition(teamB, 'second', 'Ready'))?.reason, 'OwnedByAnother');
    const second = await instances.get('second', teamB);
    assert.equal(second.status?.release, undefined, 'the first team\'s release is not recorded in the second\'s status');
    assert.equal(second.status?.phase, 'Failed');

    assert.deepEqual(await helmList(), before, 'same revision, still deployed');
    assert.deepEqual(await releaseLabels(), [uidA]);
    assert.equal((await condition(teamA, 'first', 'Ready'))?.status, 'True');
    assert.equal((await namespaceOnEdge()).metadata.deletionTimestamp, undefined);
  });

  it('deleting the second leaves the first\'s release and namespace, and says so', async function () {
    this.timeout(120_000);
    await instances.delete('second', teamB);
    await gone(teamB, 'second');
    assert.match(await eventsOf(teamB, 'second', 'OwnedByAnother'),
      new RegExp(`Release ${edgeNamespace}/${releaseName} belongs to AppInstance ${uidA}; it and its namespace are left on the edge untouched`));
    assert.deepEqual(await helmList(), [[releaseName, '1', 'deployed']]);
    const namespace = await namespaceOnEdge();
    assert.equal(namespace.metadata.deletionTimestamp, undefined, 'the namespace is kept');
    assert.equal(namespace.metadata.labels?.[ownerUidLabel], uidA);
    assert.equal((await condition(teamA, 'first', 'Ready'))?.status, 'True');
  });

  it('adopts a release made before owners were recorded by the instance whose status records it, never by another', async function () {
    this.timeout(180_000);
    // Hold the first while its release loses its label, as one made before this change would be.
    await instances.patch('first', teamA, 'merge', { spec: { suspend: true } });
    await waitFor('suspend seen', async () => {
      const first = await instances.get('first', teamA);
      return first.status?.observedGeneration === first.metadata.generation;
    }, 30_000, 100);
    const unlabelled = await kubectl(edge, ['label', 'secrets', '-n', edgeNamespace, '-l', `owner=helm,name=${releaseName}`, `${ownerUidLabel}-`]);
    assert.equal(unlabelled.code, 0, unlabelled.stderr);
    assert.deepEqual(await releaseLabels(), ['']);

    await instantiate(teamB, 'third');
    await waitFor('third Stalled OwnedByAnother', async () => (await condition(teamB, 'third', 'Stalled'))?.reason === 'OwnedByAnother', 120_000, 250);
    assert.match((await condition(teamB, 'third', 'Stalled'))?.message ?? '', /belongs to someone else: it carries no owner label and this instance did not make it/);
    assert.deepEqual(await releaseLabels(), [''], 'not adopted by an instance that does not record it');

    await instances.patch('first', teamA, 'merge', { spec: { suspend: false } });
    await waitFor('adopted by the first', async () => (await releaseLabels()).join() === uidA, 60_000, 250);
    assert.match(await eventsOf(teamA, 'first', 'ReleaseAdopted'), /was made before owners were recorded; it now carries this instance's UID/);
    await waitFor('first Ready', async () => (await condition(teamA, 'first', 'Ready'))?.status === 'True', 60_000, 250);
    assert.deepEqual(await helmList(), [[releaseName, '1', 'deployed']], 'labelled, not upgraded');

    await instances.delete('third', teamB);
    await gone(teamB, 'third');
    assert.deepEqual(await helmList(), [[releaseName, '1', 'deployed']]);
    assert.deepEqual(await releaseLabels(), [uidA]);
  });

  it('the owner terminates as before: release uninstalled, the namespace it made deleted', async function () {
    this.timeout(120_000);
    await instances.delete('first', teamA);
    await gone(teamA, 'first');
    assert.deepEqual(await helmList(), []);
    await waitFor('namespace gone', async () => (await kubectl(edge, ['get', 'namespace', edgeNamespace])).code !== 0, 60_000, 250);
  });
});
