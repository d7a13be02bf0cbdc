/**
 * Release and namespace owners through the Kubernetes LCM plugin on a real edge with the real
 * helm: install labels the release's storage Secrets with the owner UID and the namespace it
 * makes; status reads the label back (helm get does not print it); upgrade and rollback keep
 * it; every change asked for by another owner is refused (OwnedByAnother) and the release stays
 * as it was; a release made before owners were recorded is adopted, every revision labelled.
 */
import assert from 'node:assert/strict';
import type { Cluster } from '../../../testenv/src/environment.js';
import type { KubernetesPlugin } from '../../src/lcm/kubernetes/plugin.js';
import { LcmError, ownerUidLabel, type ReleaseTarget } from '../../src/lcm/plugin.js';
import type { KubeClient } from '../../src/runtime/kube/client.js';
import { coreTypes, type KubeObject } from '../../src/runtime/kube/resource.js';
import { ResourceClient } from '../../src/runtime/kube/resource-client.js';
import { envStartTimeoutMs, sharedEnv } from '../support/env.js';
import { clientFor } from '../support/hub-client.js';
import { helmJson, installRequest, newPlugin, pushDemoChart, targetOn, type PushedChart } from './support.js';

const run = Date.now().toString(36);
const ns = (suffix: string) => `lcm-own-${run}-${suffix}`;
const uidA = `uid-a-${run}`;
const uidB = `uid-b-${run}`;

describe('Kubernetes LCM plugin: release and namespace owners', function () {
  let edge: Cluster;
  let plugin: KubernetesPlugin;
  let api: KubeClient;
  let namespaces: ResourceClient<KubeObject>;
  let secrets: ResourceClient<KubeObject>;
  let chart: PushedChart;
  const made: string[] = [];

  before(async function () {
    this.timeout(envStartTimeoutMs);
    edge = (await sharedEnv()).edges[1]!;
    chart = await pushDemoChart((await edge.binaries).helm, edge.registryUrl!, `mecm/lcm-own-${run}/pkg`, '0.1.0');
    plugin = await newPlugin(edge);
    api = await clientFor(edge);
    namespaces = new ResourceClient<KubeObject>(api, coreTypes.namespace);
    secrets = new ResourceClient<KubeObject>(api, coreTypes.secret);
  });

  after(async function () {
    await plugin?.close();
    for (const name of made) await namespaces.delete(name).catch(() => undefined);
    api?.close();
  });

  async function target(namespace: string, releaseName: string, ownerUid?: string): Promise<ReleaseTarget> {
    if (!made.includes(namespace)) made.push(namespace);
    return { ...(await targetOn(edge, namespace, releaseName)), ...(ownerUid ? { ownerUid } : {}) };
  }

  /** The owner label of each revision's storage Secret, by revision. */
  async function labelsOf(t: ReleaseTarget): Promise<Record<string, string | undefined>> {
    const { items } = await secrets.list({ namespace: t.namespace, labelSelector: `owner=helm,name=${t.releaseName}` });
    return Object.fromEntries(items.map((s) => [s.metadata.labels?.version ?? '', s.metadata.labels?.[ownerUidLabel]]));
  }

  const helmList = async (namespace: string) =>
    (await helmJson<Array<{ name: string; revision: string; status: string }>>(edge, ['list', '--all', '--namespace', namespace])).map((r) => [r.name, r.revision, r.status]);

  const refused = (call: Promise<unknown>, verb: string) => assert.rejects(call, (error: unknown) => {
    assert.ok(error instanceof LcmError, String(error));
    assert.equal(error.kind, 'OwnedByAnother', error.message);
    assert.equal(error.transient, false);
    assert.match(error.message, new RegExp(`Cannot ${verb} release .*: it belongs to AppInstance ${uidA}`));
    return true;
  });

  it('labels the release and the namespace it makes with the owner; upgrade and rollback keep the label', async function () {
    const a = await target(ns('a'), 'app', uidA);
    const installed = await plugin.install(installRequest(a, chart, { message: 'one' }));
    assert.equal(installed.ownerUid, uidA);
    assert.equal((await namespaces.get(a.namespace)).metadata.labels?.[ownerUidLabel], uidA, 'the namespace made for it');
    const status = await plugin.status(a);
    assert.ok(status.exists);
    assert.equal(status.ownerUid, uidA, 'read back from the storage Secret');

    await plugin.upgrade(installRequest(a, chart, { message: 'two' }));
    const rolledBack = await plugin.rollback(a, 1);
    assert.deepEqual([rolledBack.revision, rolledBack.ownerUid], [3, uidA]);
    assert.deepEqual(await labelsOf(a), { 1: uidA, 2: uidA, 3: uidA });
  });

  it('refuses every change another owner asks for, and leaves the release and namespace as they were', async function () {
    const a = await target(ns('a'), 'app', uidA);
    const b = { ...a, ownerUid: uidB };
    const before = await helmList(a.namespace);
    assert.deepEqual(before, [['app', '3', 'deployed']]);

    await refused(plugin.upgrade(installRequest(b, chart, { message: 'mine now' })), 'upgrade');
    await refused(plugin.rollback(b, 1), 'roll back');
    await refused(plugin.unlock(b), 'unlock');
    await refused(plugin.scale(b, 'Stopped'), 'scale');
    await refused(plugin.uninstall(b), 'uninstall');
    await refused(plugin.adopt(b), 'adopt');
    await assert.rejects(plugin.install(installRequest(b, chart)), { kind: 'Conflict' }, 'helm refuses the taken name');

    assert.deepEqual(await helmList(a.namespace), before, 'same revision, still deployed');
    assert.deepEqual(await helmJson(edge, ['get', 'values', 'app', '--namespace', a.namespace]), { message: 'one' });
    assert.deepEqual(await labelsOf(a), { 1: uidA, 2: uidA, 3: uidA });
    const status = await plugin.status(b);
    assert.ok(status.exists);
    assert.equal(status.ownerUid, uidA, 'status tells the other owner whose it is');

    assert.equal(await plugin.ensureNamespace(b), 'Theirs');
    assert.deepEqual(await plugin.namespaceState(b), { owner: 'Theirs' });
    assert.equal(await plugin.deleteNamespace(b), 'Kept');
    assert.equal((await namespaces.get(a.namespace)).metadata.deletionTimestamp, undefined, 'the namespace is untouched');
  });

  it('keeps a namespace made for one owner while a release of the same name owned by another is in it', async function () {
    const a = await target(ns('same-name'), 'app', uidA);
    const b = { ...a, ownerUid: uidB, createNamespace: false };
    assert.equal(await plugin.ensureNamespace(a), 'Created');
    await plugin.install(installRequest(b, chart));
    assert.deepEqual(await plugin.namespaceState(a), { owner: 'Ours', otherReleases: ['app'] }, 'the same name, but not ours');
    assert.equal(await plugin.deleteNamespace(a), 'Kept');
    assert.deepEqual(await helmList(a.namespace), [['app', '1', 'deployed']]);
  });

  it('adopts a release made before owners were recorded, every revision; upgrades keep the label, another owner is refused', async function () {
    const legacy = await target(ns('legacy'), 'old');
    await plugin.install(installRequest(legacy, chart, { message: 'one' }));
    await plugin.upgrade(installRequest(legacy, chart, { message: 'two' }));
    const unlabelled = await plugin.status(legacy);
    assert.ok(unlabelled.exists);
    assert.equal(unlabelled.ownerUid, undefined);
    assert.deepEqual(await labelsOf(legacy), { 1: undefined, 2: undefined });

    const a = { ...legacy, ownerUid: uidA };
    await plugin.adopt(a);
    assert.deepEqual(await labelsOf(a), { 1: uidA, 2: uidA });
    const adopted = await plugin.status(a);
    assert.ok(adopted.exists);
    assert.deepEqual([adopted.revision, adopted.status, adopted.ownerUid], [2, 'deployed', uidA], 'labelled, not upgraded');
    await plugin.adopt(a);
    assert.equal((await plugin.rollback(a, 1)).ownerUid, uidA, 'a rollback to a revision made before keeps the owner');
    await refused(plugin.adopt({ ...legacy, ownerUid: uidB }), 'adopt');
    assert.deepEqual(await labelsOf(a), { 1: uidA, 2: uidA, 3: uidA });
  });

  it('does not take a namespace made before owners were recorded as made for an owner, but deletes it for the one that records it', async function () {
    const legacy = await target(ns('legacy-ns'), 'app');
    assert.equal(await plugin.ensureNamespace(legacy), 'Created');
    assert.equal((await namespaces.get(legacy.namespace)).metadata.labels?.[ownerUidLabel], undefined);
    const a = { ...legacy, ownerUid: uidA };
    assert.equal(await plugin.ensureNamespace(a), 'Theirs', 'no proof it was made for this owner');
    assert.deepEqual(await plugin.namespaceState(a), { owner: 'Ours', otherReleases: [] }, 'made for this release: the caller\'s record adopts it');
    assert.equal(await plugin.deleteNamespace(a), 'Deleted');
  });
});
