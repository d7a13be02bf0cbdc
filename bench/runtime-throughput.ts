/**
 * Reconcile throughput of a no-op controller over 10,000 objects on a real hub.
 *   npx tsx bench/runtime-throughput.ts [--objects N] [--workers N]
 * Prints: time to create the objects, time from manager start to every object reconciled
 * (list + queue), reconciles/s after an update of every object (watch path), and RSS.
 */
import { parseArgs } from 'node:util';
import { Controller } from '../operator/src/runtime/controller.js';
import { KubeClient } from '../operator/src/runtime/kube/client.js';
import { coreTypes, type KubeObject } from '../operator/src/runtime/kube/resource.js';
import { ResourceClient } from '../operator/src/runtime/kube/resource-client.js';
import { Manager } from '../operator/src/runtime/manager.js';
import { done } from '../operator/src/runtime/reconcile.js';
import { benchClusters, figure, inParallel, kubeConfigOf, quietLog, rssMiB } from './support.js';

const { values } = parseArgs({ options: { objects: { type: 'string', default: '10000' }, workers: { type: 'string', default: '4' } } });
const count = Number(values.objects);
const clusters = await benchClusters(0);
try {
  const hub = await kubeConfigOf(clusters.hub);
  const writer = await KubeClient.create(hub, { name: 'bench-writer', qps: 2000, burst: 2000 });
  const namespace = `bench-${Date.now().toString(36)}`;
  await new ResourceClient(writer, coreTypes.namespace).create({ metadata: { name: namespace } });
  const configMaps = new ResourceClient<KubeObject & { data?: Record<string, string> }>(writer, coreTypes.configMap);
  const names = Array.from({ length: count }, (_, i) => `noop-${i}`);
  let started = Date.now();
  await inParallel(names, 32, async (name) => { await configMaps.create({ metadata: { name, namespace, labels: { bench: 'noop' } }, data: { v: '0' } }); });
  figure('create objects', ((Date.now() - started) / 1000).toFixed(1), `s (${count})`);

  const rssBefore = rssMiB();
  const manager = await Manager.create({ hub, log: quietLog, qps: 200, burst: 400 });
  const informer = manager.informer(coreTypes.configMap, { namespace, labelSelector: 'bench=noop' });
  let reconciled = 0;
  const controller = new Controller({
    name: 'noop', workers: Number(values.workers), metrics: manager.metrics, log: quietLog,
    reconciler: { async reconcile() { reconciled += 1; return done; } },
  });
  controller.watch(informer);
  manager.addController(controller);
  started = Date.now();
  await manager.start();
  const synced = Date.now();
  while (reconciled < count) await new Promise((r) => setTimeout(r, 5));
  const initial = (Date.now() - started) / 1000;
  figure('initial list → cache synced', ((synced - started) / 1000).toFixed(2), 's');
  figure('initial list → all reconciled', initial.toFixed(2), 's');
  figure('initial reconcile throughput', Math.round(count / initial), 'objects/s');

  reconciled = 0;
  started = Date.now();
  await inParallel(names, 32, async (name) => { await configMaps.patch(name, namespace, 'merge', { data: { v: '1' } }); });
  const patched = (Date.now() - started) / 1000;
  while (reconciled < count) await new Promise((r) => setTimeout(r, 5));
  const watchPath = (Date.now() - started) / 1000;
  figure('update every object (API server side)', patched.toFixed(2), 's');
  figure('update → all reconciled via watch', watchPath.toFixed(2), 's');
  figure('watch-path reconcile throughput', Math.round(count / watchPath), 'objects/s');
  figure('operator RSS before manager start', rssBefore, 'MiB');
  figure('operator RSS with 10k cached objects', rssMiB(), 'MiB');
  await manager.stop();
  await new ResourceClient(writer, coreTypes.namespace).delete(namespace);
  writer.close();
} finally {
  await clusters.stop();
}
