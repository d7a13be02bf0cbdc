/**
 * A controller on the manager against the real hub: reconciles converge, a 409 Conflict from a
 * concurrent writer is retried without overwriting that writer, and a steady state with
 * nothing changing makes zero writes however often resyncs come.
 */
import assert from 'node:assert/strict';
import { waitFor } from '../../../testenv/src/process.js';
import { Controller } from '../../src/runtime/controller.js';
import type { Informer } from '../../src/runtime/informer.js';
import type { KubeClient } from '../../src/runtime/kube/client.js';
import { coreTypes, splitKey, type KubeObject } from '../../src/runtime/kube/resource.js';
import { ResourceClient } from '../../src/runtime/kube/resource-client.js';
import { Manager } from '../../src/runtime/manager.js';
import { done, type Reconciler } from '../../src/runtime/reconcile.js';
import { envStartTimeoutMs, sharedEnv, type SharedEnv } from '../support/env.js';
import { clientFor, kubeConfigFor } from '../support/hub-client.js';
import { testLogger } from '../support/logger.js';

interface ConfigMap extends KubeObject {
  data?: Record<string, string>;
}

const run = Date.now().toString(36);
const labels = { test: 'controller' };
const writeMethods = ['POST', 'PUT', 'PATCH', 'DELETE'];

/** Copies data.value into the annotation `stamp`, with a PUT that fails on a stale object. */
class StampReconciler implements Reconciler {
  calls = 0;
  beforeWrite: ((name: string) => Promise<void>) | undefined;

  constructor(private readonly informer: Informer<ConfigMap>, private readonly resources: ResourceClient<ConfigMap>) {}

  async reconcile(key: string) {
    this.calls += 1;
    const object = this.informer.get(key);
    if (!object || object.metadata.annotations?.stamp === object.data?.value) return done;
    await this.beforeWrite?.(splitKey(key).name);
    await this.resources.update({
      ...object,
      metadata: { ...object.metadata, annotations: { ...object.metadata.annotations, stamp: object.data?.value ?? '' } },
    });
    return done;
  }
}

describe('Controller on the real hub', function () {
  let shared: SharedEnv;
  let direct: KubeClient;
  let configMaps: ResourceClient<ConfigMap>;
  let manager: Manager;
  let reconciler: StampReconciler;
  const namespace = `controller-${run}`;

  before(async function () {
    this.timeout(envStartTimeoutMs);
    shared = await sharedEnv();
    direct = await clientFor(shared.hub);
    configMaps = new ResourceClient<ConfigMap>(direct, coreTypes.configMap);
    await new ResourceClient(direct, coreTypes.namespace).create({ metadata: { name: namespace } });
    manager = await Manager.create({ hub: await kubeConfigFor(shared.hub), log: testLogger() });
    const informer = manager.informer<ConfigMap>(coreTypes.configMap, { namespace, labelSelector: 'test=controller' });
    reconciler = new StampReconciler(informer, new ResourceClient<ConfigMap>(manager.hub, coreTypes.configMap));
    const controller = new Controller({
      name: 'stamp', reconciler, workers: 2, metrics: manager.metrics, log: testLogger(), backoff: { baseMs: 50, capMs: 1000 },
    });
    controller.watch(informer, { resyncMs: 300 });
    manager.addController(controller);
    await manager.start();
  });

  after(async () => {
    await manager?.stop();
    direct?.close();
  });

  const stampOf = async (name: string) => (await configMaps.get(name, namespace)).metadata.annotations?.stamp;

  it('is ready once caches synced and workers run', () => {
    assert.deepEqual(manager.readiness(), { ok: true });
  });

  it('reconciles new objects to the desired state', async function () {
    await Promise.all(['a', 'b', 'c'].map((name) => configMaps.create({ metadata: { name, namespace, labels }, data: { value: `v-${name}` } })));
    await waitFor('stamps', async () => (await Promise.all(['a', 'b', 'c'].map(stampOf))).join() === 'v-a,v-b,v-c', 20_000, 50);
  });

  it('caches objects without managedFields, and its PUTs of cached objects leave the server\'s in place', async function () {
    await waitFor('stamp on a', async () => (await stampOf('a')) === 'v-a', 20_000, 50);
    const cached = manager.informer<ConfigMap>(coreTypes.configMap, { namespace, labelSelector: 'test=controller' }).get(`${namespace}/a`);
    assert.ok(cached, 'a is cached');
    assert.equal(cached.metadata.managedFields, undefined);
    const live = await configMaps.get('a', namespace);
    const owners = JSON.stringify(live.metadata.managedFields ?? []);
    assert.match(owners, /f:data/, 'the creator still owns data after the reconciler\'s PUT');
    assert.match(owners, /f:stamp/, 'the PUT added its own entry');
  });

  it('retries a 409 Conflict and keeps the concurrent writer\'s change', async function () {
    const errorsBefore = (await manager.metrics.reconcileErrors.get()).values.reduce((n, v) => n + v.value, 0);
    let interfered = false;
    reconciler.beforeWrite = async (name) => {
      if (name !== 'd' || interfered) return;
      interfered = true;
      await configMaps.patch('d', namespace, 'merge', { metadata: { labels: { other: 'writer' } } });
    };
    try {
      await configMaps.create({ metadata: { name: 'd', namespace, labels }, data: { value: 'v-d' } });
      await waitFor('stamp on d', async () => (await stampOf('d')) === 'v-d', 20_000, 50);
    } finally {
      reconciler.beforeWrite = undefined;
    }
    const errorsAfter = (await manager.metrics.reconcileErrors.get()).values.reduce((n, v) => n + v.value, 0);
    assert.ok(interfered);
    assert.ok(errorsAfter > errorsBefore, 'the conflicting write failed once');
    assert.equal((await configMaps.get('d', namespace)).metadata.labels?.other, 'writer', 'the other writer\'s label survived');
  });

  it('makes zero writes in a steady state, through many resyncs', async function () {
    this.timeout(30_000);
    await waitFor('converged', async () => (await stampOf('d')) === 'v-d', 10_000, 50);
    const writesBefore = await manager.metrics.requestCount(writeMethods);
    const callsBefore = reconciler.calls;
    await waitFor('five resync rounds', async () => reconciler.calls >= callsBefore + 5 * 4, 20_000, 50);
    assert.equal(await manager.metrics.requestCount(writeMethods), writesBefore);
  });
});
