/**
 * EdgeHost controller at scale: N EdgeHosts (default 1,000) spread over the testenv edges,
 * probed with bounded concurrency. Prints the first probe round (create → all Ready), the
 * steady-state probe rate, status writes in steady state (should be 0), and operator RSS.
 *   npx tsx bench/edgehost-scale.ts [--hosts N] [--concurrency N] [--interval S]
 */
import { parseArgs } from 'node:util';
import type { EdgeHost } from '../operator/src/api/edgehost.js';
import { mecmTypes } from '../operator/src/api/resources.js';
import { EdgeClients } from '../operator/src/edge/clients.js';
import { registerEdgeHostController } from '../operator/src/controllers/edgehost/controller.js';
import { EventRecorder } from '../operator/src/runtime/events.js';
import { KubeClient } from '../operator/src/runtime/kube/client.js';
import { coreTypes } from '../operator/src/runtime/kube/resource.js';
import { ResourceClient } from '../operator/src/runtime/kube/resource-client.js';
import { Manager } from '../operator/src/runtime/manager.js';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { benchClusters, ensureOperatorNamespace, figure, inParallel, kubeConfigOf, operatorNamespace, quietLog, rssMiB } from './support.js';

const { values } = parseArgs({ options: {
  hosts: { type: 'string', default: '1000' }, concurrency: { type: 'string', default: '32' }, interval: { type: 'string', default: '30' },
} });
const count = Number(values.hosts);
const clusters = await benchClusters(2);
try {
  const hubConfig = await kubeConfigOf(clusters.hub);
  const kubectl = (await clusters.hub.binaries).kubectl;
  const crds = fileURLToPath(new URL('../crds/', import.meta.url));
  spawnSync(kubectl, ['--kubeconfig', clusters.hub.kubeconfigFile, 'apply', '--server-side', '-f', crds], { stdio: 'ignore' });
  spawnSync(kubectl, ['--kubeconfig', clusters.hub.kubeconfigFile, 'wait', '--for=condition=Established', '-f', crds], { stdio: 'ignore' });
  const writer = await KubeClient.create(hubConfig, { name: 'bench', qps: 1000, burst: 1000 });
  // Names the run: its hosts (and their label) and Secrets.
  const run = `bench-eh-${Date.now().toString(36)}`;
  const secrets = new ResourceClient(writer, coreTypes.secret);
  const hosts = new ResourceClient<EdgeHost>(writer, mecmTypes.edgeHost);
  const names = Array.from({ length: count }, (_, i) => `${run}-${i}`);
  // EdgeHost Secrets live in the operator's namespace, named after this run.
  await ensureOperatorNamespace(writer);
  const secretName = (edge: number) => `${run}-edge-${edge}`;
  for (const [i, edge] of clusters.edges.entries()) {
    await secrets.create({ metadata: { name: secretName(i), namespace: operatorNamespace }, stringData: { kubeconfig: await edge.kubeconfig() } } as never);
  }

  const manager = await Manager.create({ hub: hubConfig, log: quietLog, qps: 200, burst: 400 });
  registerEdgeHostController(manager, new EdgeClients({ qps: 5, burst: 10 }), {
    operatorNamespace, workers: Number(values.concurrency), defaultIntervalMs: Number(values.interval) * 1000, defaultGraceMs: 90_000, probeTimeoutMs: 10_000,
    events: new EventRecorder(manager.hub, 'mecm-operator', 'bench', quietLog),
  });
  await manager.start();
  const rssStart = rssMiB();

  let started = Date.now();
  await inParallel(names, 32, async (name) => {
    const edge = Number(name.split('-').pop()) % clusters.edges.length;
    await hosts.create({
      apiVersion: 'mecm.io/v1alpha1', kind: 'EdgeHost', metadata: { name, labels: { bench: run } },
      spec: {
        infrastructure: { type: 'kubernetes', kubeconfigSecretRef: { name: secretName(edge) } },
        repository: { url: clusters.edges[edge]!.registryUrl!, insecure: true },
      },
    });
  });
  const created = Date.now();
  const readyCount = async () => (await hosts.list({ labelSelector: `bench=${run}` })).items
    .filter((h) => h.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length;
  while ((await readyCount()) < count) await new Promise((r) => setTimeout(r, 500));
  figure('create EdgeHosts', ((created - started) / 1000).toFixed(1), `s (${count})`);
  figure('first probe round: create → all Ready', ((Date.now() - started) / 1000).toFixed(1), 's');
  figure('operator RSS after the first round', rssMiB(), `MiB (${rssStart} MiB before)`);

  const reconciles = async () => (await manager.metrics.reconcileTotal.get()).values.reduce((n, v) => n + v.value, 0);
  const writes = () => manager.metrics.requestCount(['PATCH', 'PUT', 'POST']);
  const [r0, w0] = [await reconciles(), await writes()];
  started = Date.now();
  const windowMs = Math.max(Number(values.interval) * 1000 * 2, 20_000);
  await new Promise((r) => setTimeout(r, windowMs));
  const seconds = (Date.now() - started) / 1000;
  figure('steady-state reconciles (probes + resyncs)', Math.round(((await reconciles()) - r0) / seconds), '/s');
  figure('steady-state status writes', (await writes()) - w0, `in ${seconds.toFixed(0)} s`);
  figure('operator RSS in steady state', rssMiB(), 'MiB');
  await manager.stop();
  await inParallel(names, 32, async (name) => { await hosts.delete(name); });
  for (const i of clusters.edges.keys()) await secrets.delete(secretName(i), operatorNamespace).catch(() => undefined);
  writer.close();
} finally {
  await clusters.stop();
}
