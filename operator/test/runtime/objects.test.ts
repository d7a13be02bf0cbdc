/**
 * The runtime's writes on the real hub: finalizers with an optimistic lock, status through
 * /status only when it changed, server-side apply with one field manager, aggregated events.
 */
import assert from 'node:assert/strict';
import { EventRecorder } from '../../src/runtime/events.js';
import type { KubeClient } from '../../src/runtime/kube/client.js';
import { ApiError, isConflict } from '../../src/runtime/kube/errors.js';
import { coreTypes, type KubeObject } from '../../src/runtime/kube/resource.js';
import { ResourceClient } from '../../src/runtime/kube/resource-client.js';
import { addFinalizer, removeFinalizer, writeStatus } from '../../src/runtime/objects.js';
import { RuntimeMetrics } from '../../src/runtime/metrics.js';
import type { EdgeHost } from '../../src/api/edgehost.js';
import { mecmTypes } from '../../src/api/resources.js';
import { installCrds } from '../support/crds.js';
import { envStartTimeoutMs, sharedEnv } from '../support/env.js';
import { clientFor } from '../support/hub-client.js';
import { testLogger } from '../support/logger.js';

interface ConfigMap extends KubeObject {
  data?: Record<string, string>;
}

const run = Date.now().toString(36);
const namespace = `objects-${run}`;

describe('Runtime writes on the real hub', function () {
  let client: KubeClient;
  let metrics: RuntimeMetrics;
  let configMaps: ResourceClient<ConfigMap>;

  before(async function () {
    this.timeout(envStartTimeoutMs);
    const { hub } = await sharedEnv();
    await installCrds(hub);
    metrics = new RuntimeMetrics();
    client = await clientFor(hub, { onRequest: metrics.observeRequest });
    configMaps = new ResourceClient<ConfigMap>(client, coreTypes.configMap);
    await new ResourceClient(client, coreTypes.namespace).create({ metadata: { name: namespace } });
  });

  after(() => client?.close());

  it('adds a finalizer only onto the version it read, and removes it', async () => {
    const created = await configMaps.create({ metadata: { name: 'fin', namespace } });
    await configMaps.patch('fin', namespace, 'merge', { data: { changed: 'by someone else' } });
    await assert.rejects(addFinalizer(configMaps, created, 'mecm.io/cleanup'), (e: unknown) => isConflict(e), 'a stale read must not overwrite');
    const fresh = await configMaps.get('fin', namespace);
    const withFinalizer = await addFinalizer(configMaps, fresh, 'mecm.io/cleanup');
    assert.deepEqual(withFinalizer.metadata.finalizers, ['mecm.io/cleanup']);
    assert.equal(withFinalizer.data?.changed, 'by someone else');
    assert.equal(await addFinalizer(configMaps, withFinalizer, 'mecm.io/cleanup'), withFinalizer, 'no write when present');
    await configMaps.delete('fin', namespace);
    const deleting = await configMaps.get('fin', namespace);
    assert.ok(deleting.metadata.deletionTimestamp, 'held by the finalizer');
    await removeFinalizer(configMaps, deleting, 'mecm.io/cleanup');
    await assert.rejects(configMaps.get('fin', namespace), (e: unknown) => e instanceof ApiError && e.code === 404);
  });

  it('writes status through /status, skips identical writes and leaves spec alone', async () => {
    const hosts = new ResourceClient<EdgeHost>(client, mecmTypes.edgeHost);
    const host = await hosts.create({
      apiVersion: 'mecm.io/v1alpha1', kind: 'EdgeHost', metadata: { name: `status-${run}` },
      spec: { infrastructure: { type: 'openstack' }, repository: { url: 'oci://registry.example:5000' } },
    });
    const status = { nodeCount: 3, kubernetesVersion: 'v1.36.3' };
    assert.equal(await writeStatus(hosts, host, status), true);
    const after = await hosts.get(host.metadata.name!);
    assert.deepEqual(after.status, status);
    assert.equal(after.metadata.generation, host.metadata.generation, 'a status write does not bump the generation');
    const writes = await metrics.requestCount(['PATCH']);
    assert.equal(await writeStatus(hosts, after, { kubernetesVersion: 'v1.36.3', nodeCount: 3 }), false);
    assert.equal(await metrics.requestCount(['PATCH']), writes, 'no request for an unchanged status');
    assert.equal(await writeStatus(hosts, after, { nodeCount: 4 }), true);
    assert.deepEqual((await hosts.get(host.metadata.name!)).status, { nodeCount: 4 }, 'fields no longer set are removed');
  });

  it('applies server-side with one field manager, owning only the fields it sets', async () => {
    await configMaps.create({ metadata: { name: 'ssa', namespace }, data: { user: 'kept' } });
    const applied = await configMaps.patch('ssa', namespace, 'apply', { metadata: { name: 'ssa', namespace }, data: { ours: '1' } });
    assert.deepEqual(applied.data, { user: 'kept', ours: '1' });
    const managers = (applied.metadata as { managedFields?: Array<{ manager: string; operation: string }> }).managedFields ?? [];
    assert.ok(managers.some((m) => m.manager === 'mecm-operator' && m.operation === 'Apply'));
  });

  it('aggregates repeated events into one Event with a count', async () => {
    const object = await configMaps.create({ metadata: { name: 'evented', namespace } });
    const recorder = new EventRecorder(client, 'mecm-operator', 'test', testLogger());
    for (let i = 0; i < 3; i += 1) await recorder.record(object, 'Warning', 'ProbeFailed', 'The edge did not answer.');
    await recorder.record(object, 'Normal', 'Recovered', 'The edge answers again.');
    const events = await new ResourceClient<KubeObject & { reason: string; count: number; involvedObject: { uid: string } }>(client, coreTypes.event)
      .list({ namespace, fieldSelector: `involvedObject.uid=${object.metadata.uid}` });
    const byReason = Object.fromEntries(events.items.map((e) => [e.reason, e.count]));
    assert.deepEqual(byReason, { ProbeFailed: 3, Recovered: 1 });
  });
});
