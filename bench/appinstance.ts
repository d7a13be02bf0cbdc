/**
 * AppInstance figures on real clusters: `kubectl apply` → Ready for one instance, next to a
 * plain `helm upgrade --install` of the same chart (and the ratio); then N instances spread over
 * the edges (default 50; the figure is --instances 200): time to all Ready, operator
 * RSS and CPU.   npx tsx bench/appinstance.ts [--instances N]
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { AppInstance } from '../operator/src/api/appinstance.js';
import { mecmTypes } from '../operator/src/api/resources.js';
import type { Tenant } from '../operator/src/api/tenant.js';
import { PackageStore } from '../operator/src/packages/store.js';
import { registerAppInstanceController } from '../operator/src/controllers/appinstance/controller.js';
import { registerAppPackageController } from '../operator/src/controllers/apppackage/controller.js';
import { KubernetesPlugin } from '../operator/src/lcm/kubernetes/plugin.js';
import { LcmPluginRegistry } from '../operator/src/lcm/registry.js';
import { EventRecorder } from '../operator/src/runtime/events.js';
import { KubeClient } from '../operator/src/runtime/kube/client.js';
import { coreTypes, type KubeObject } from '../operator/src/runtime/kube/resource.js';
import { ResourceClient } from '../operator/src/runtime/kube/resource-client.js';
import { Manager } from '../operator/src/runtime/manager.js';
import { Tenancy } from '../operator/src/tenancy/tenancy.js';
import { testTenant } from '../operator/test/fixtures/tenant.js';
import { AppstoreSimulator } from '../testenv/src/appstore-simulator.js';
import { buildTgz, validFiles, withManifest, zipOf, APPD_YAML } from '../operator/test/csar/support/packages.js';
import { benchClusters, ensureOperatorNamespace, figure, inParallel, kubeConfigOf, operatorNamespace, quietLog, rssMiB } from './support.js';

const { values } = parseArgs({ options: { instances: { type: 'string', default: '50' } } });
const count = Number(values.instances);
const clusters = await benchClusters(2);
const work = await mkdtemp(join(tmpdir(), 'bench-ainst-'));
try {
  const hubConfig = await kubeConfigOf(clusters.hub);
  const bin = await clusters.hub.binaries;
  const crds = fileURLToPath(new URL('../crds/', import.meta.url));
  spawnSync(bin.kubectl, ['--kubeconfig', clusters.hub.kubeconfigFile, 'apply', '--server-side', '-f', crds], { stdio: 'ignore' });
  spawnSync(bin.kubectl, ['--kubeconfig', clusters.hub.kubeconfigFile, 'wait', '--for=condition=Established', '-f', crds], { stdio: 'ignore' });

  // A small chart with one Deployment whose names follow the release, so instances coexist.
  const chart = await buildTgz([
    { name: 'app/Chart.yaml', data: 'apiVersion: v2\nname: app\nversion: 1.0.0\n' },
    { name: 'app/templates/deployment.yaml', data: 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: "{{ .Release.Name }}"}\nspec:\n  replicas: 1\n  selector: {matchLabels: {app: "{{ .Release.Name }}"}}\n  template:\n    metadata: {labels: {app: "{{ .Release.Name }}"}}\n    spec: {containers: [{name: app, image: example.invalid/app:1}]}\n' },
  ]);
  const appd = APPD_YAML.replace(/        appServiceRequired:\n(?:          .*\n)+?(?=        appServiceProduced)/, '').replace('appSupportMp1: true', 'appSupportMp1: false').replace(/        appTrafficRule:[\s\S]*$/, '');
  const store = await AppstoreSimulator.start();
  await store.addPackage({ appId: 'app', packageId: 'v1', name: 'app', version: '1.0', provider: 'bench', file: zipOf(withManifest({ ...validFiles(chart), 'APPD/Definition/MainServiceTemplate.yaml': appd, 'Image/SwImageDesc.json': '[]' })) });

  const writer = await KubeClient.create(hubConfig, { name: 'bench', qps: 500, burst: 500 });
  const ns = `bench-ainst-${Date.now().toString(36)}`;
  await new ResourceClient(writer, coreTypes.namespace).create({ metadata: { name: ns } });
  // Tenancy is enforced, as by default: the namespace's grant (edge namespaces <ns>-*, the default for a Tenant named ns).
  const tenants = new ResourceClient<Tenant>(writer, mecmTypes.tenant);
  const tenant = (await tenants.create(testTenant(ns))).metadata.name ?? '';
  // EdgeHost Secrets live in the operator's namespace, named after this run.
  await ensureOperatorNamespace(writer);
  const secrets = new ResourceClient<KubeObject & { stringData: Record<string, string> }>(writer, coreTypes.secret);
  for (const [i, edge] of clusters.edges.entries()) {
    await secrets.create({ metadata: { name: `${ns}-edge-${i}`, namespace: operatorNamespace }, stringData: { kubeconfig: await edge.kubeconfig() } });
    await new ResourceClient<KubeObject & { spec: unknown }>(writer, mecmTypes.edgeHost).create({
      metadata: { name: `${ns}-${i}`, labels: { bench: ns } },
      spec: { infrastructure: { type: 'kubernetes', kubeconfigSecretRef: { name: `${ns}-edge-${i}` } }, repository: { url: edge.registryUrl!, insecure: true } },
    });
  }
  await new ResourceClient<KubeObject & { spec: unknown }>(writer, mecmTypes.appPackage).create({
    metadata: { name: 'app', namespace: ns },
    spec: { source: { appstore: { url: store.url, appId: 'app', packageId: 'v1' } }, distribution: { hostSelector: { matchLabels: { bench: ns } } } },
  });

  const manager = await Manager.create({ hub: hubConfig, log: quietLog, qps: 200, burst: 400 });
  const events = new EventRecorder(manager.hub, 'mecm-operator', 'bench', quietLog);
  const packageStore = new PackageStore(join(work, 'data'));
  const tenancy = new Tenancy(manager.informer<Tenant>(mecmTypes.tenant), true);
  registerAppPackageController(manager, {
    workers: 2, dataDir: join(work, 'data'), maxPackageBytes: 64 << 20, timeoutMs: 10_000, deletionTimeoutMs: 30_000, retryErroredHostsMs: 5000, events, operatorNamespace, tenancy,
  }, packageStore);
  registerAppInstanceController(manager, new LcmPluginRegistry([new KubernetesPlugin({ helmBinary: bin.helm })]), packageStore,
    { workers: 8, steadyCheckMs: 60_000, waitMs: 200, deletionTimeoutMs: 60_000, events, operatorNamespace, tenancy });
  await manager.start();
  const instances = new ResourceClient<AppInstance>(writer, mecmTypes.appInstance);
  const ready = async (name: string) => (await instances.get(name, ns)).status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
  const create = (name: string, host: number) => instances.create({
    apiVersion: 'mecm.io/v1alpha1', kind: 'AppInstance', metadata: { name, namespace: ns },
    spec: { packageRef: { name: 'app' }, hostRef: { name: `${ns}-${host}` }, namespace: `${ns}-${name}`.slice(0, 63) },
  });

  // Warm-up: the package is downloaded and distributed once before timing.
  await create('warmup', 0);
  while (!(await ready('warmup'))) await new Promise((r) => setTimeout(r, 100));

  let started = Date.now();
  await create('single', 1);
  while (!(await ready('single'))) await new Promise((r) => setTimeout(r, 50));
  const operatorMs = Date.now() - started;
  const tgz = join(work, 'app.tgz');
  await writeFile(tgz, chart);
  started = Date.now();
  const helm = spawnSync(bin.helm, ['upgrade', '--install', 'plain', tgz, '-n', `${ns}-plain`, '--create-namespace', '--wait', '--timeout', '120s', '--kubeconfig', clusters.edges[1]!.kubeconfigFile],
    { env: { PATH: process.env.PATH, HOME: work, HELM_CACHE_HOME: join(work, 'hc'), HELM_CONFIG_HOME: join(work, 'hg'), HELM_DATA_HOME: join(work, 'hd') } });
  const helmMs = Date.now() - started;
  if (helm.status !== 0) throw new Error(`helm failed: ${helm.stderr}`);
  figure('one instance: apply → Ready (operator)', operatorMs, 'ms');
  figure('same chart: helm upgrade --install --wait', helmMs, 'ms');
  figure('ratio operator / plain helm', (operatorMs / helmMs).toFixed(2), 'x');

  const cpuBefore = process.cpuUsage();
  started = Date.now();
  const names = Array.from({ length: count }, (_, i) => `app-${i}`);
  await inParallel(names, 16, async (name) => { await create(name, Number(name.split('-')[1]) % 2); });
  const pending = new Set(names);
  while (pending.size) {
    const list = await instances.list({ namespace: ns });
    for (const item of list.items) if (item.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) pending.delete(item.metadata.name!);
    if (pending.size) await new Promise((r) => setTimeout(r, 500));
  }
  const seconds = (Date.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  figure(`${count} instances over 2 edges: all Ready`, seconds.toFixed(1), 's');
  figure('operator CPU during that', ((cpu.user + cpu.system) / 1e6).toFixed(1), 's');
  figure('operator RSS', rssMiB(), 'MiB');
  await manager.stop();
  await store.stop();
  for (const i of clusters.edges.keys()) await secrets.delete(`${ns}-edge-${i}`, operatorNamespace).catch(() => undefined);
  await tenants.delete(tenant).catch(() => undefined);
  writer.close();
} finally {
  await rm(work, { recursive: true, force: true });
  await clusters.stop();
}
