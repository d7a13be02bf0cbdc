/**
 * Every metric the chart's dashboard and alerts use moves on a real operator. The operator runs
 * as a process (as the chart's ServiceAccount, all controllers) against the hub and edge-1; its
 * /metrics is scraped every 200 ms with the token of the chart's ServiceMonitor scraper
 * (templates/metrics.yaml, applied for real: the hub's token controller fills the Secret) while
 * a scenario plays: an EdgeHost becomes Ready; a package is distributed to it; an instance runs
 * with its APPD's rules at the MEP; the MEP loses the rules (drift, repaired); the MEP fails
 * (reconcile errors); an instance is refused by its Tenant (stalled); probes of black-holed
 * hosts back the queue up; the edge goes unreachable. The metric names are read from the
 * dashboard JSON and the alert rules, so a panel or alert added without a scenario fails here.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import yaml from 'js-yaml';
import { AppstoreSimulator } from '../../testenv/src/appstore-simulator.js';
import { MepSimulator } from '../../testenv/src/mep-simulator.js';
import { freePort } from '../../testenv/src/ports.js';
import { waitFor } from '../../testenv/src/process.js';
import { TcpProxy } from '../../testenv/src/tcp-proxy.js';
import type { AppInstance } from '../src/api/appinstance.js';
import type { AppPackage } from '../src/api/apppackage.js';
import type { EdgeHost } from '../src/api/edgehost.js';
import { mecmTypes } from '../src/api/resources.js';
import type { Tenant } from '../src/api/tenant.js';
import type { KubeClient } from '../src/runtime/kube/client.js';
import { coreTypes, type KubeObject } from '../src/runtime/kube/resource.js';
import { ResourceClient } from '../src/runtime/kube/resource-client.js';
import { testTenant } from './fixtures/tenant.js';
import { documents, template } from './support/chart.js';
import { installCrds } from './support/crds.js';
import { envStartTimeoutMs, sharedEnv, type SharedEnv } from './support/env.js';
import { providerPackage } from './support/apps.js';
import { clientFor } from './support/hub-client.js';
import { kubectl } from './support/kubectl.js';
import {
  alertExprs, changedNames, dashboardExprs, metricNames, parseExposition, readAlerts, readDashboard, type Scrape,
} from './support/observability.js';
import { operatorNamespace, operatorRelease, writeOperatorKubeconfig } from './support/operator-identity.js';

const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const run = Date.now().toString(36);
const namespace = `obs-${run}`;
const host = `obs-${run}`;
const mepToken = 'obs-mep-token-123456';

interface Secret extends KubeObject {
  readonly type?: string;
  readonly data?: Record<string, string>;
  readonly stringData?: Record<string, string>;
}

/** The edge's own kubeconfig text with its server moved to `server` (a proxy of ours). */
async function kubeconfigVia(edge: SharedEnv['edges'][number], server: string): Promise<string> {
  const config = yaml.load(await edge.kubeconfig()) as { clusters: Array<{ cluster: { server: string } }> };
  for (const entry of config.clusters) entry.cluster.server = server;
  return yaml.dump(config);
}

/** GET /metrics with a bearer token; the status and body (status 0 when nothing answered). */
function scrape(url: string, token: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const req = request(url, { headers: { Authorization: `Bearer ${token}` }, agent: false, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => { body += chunk; }).on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve({ status: 0, body: '' }));
    req.end();
  });
}

/** Scrapes in a loop and remembers which metric names differed from the first scrape at any time. */
class MetricsWatch {
  readonly changed = new Set<string>();
  baseline: Scrape = new Map();
  latest: Scrape = new Map();
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly url: string, private readonly token: string) {}

  async start(): Promise<void> {
    this.baseline = await this.once();
    this.latest = this.baseline;
    this.running = (async () => {
      while (!this.stopped) {
        const now = await this.once().catch(() => undefined);
        if (now) {
          this.latest = now;
          for (const name of changedNames(this.baseline, now)) this.changed.add(name);
        }
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
  }

  /** The latest value of the series `key` (name{labels} as exposed), 0 when absent. */
  value(key: string): number {
    return this.latest.get(key) ?? 0;
  }

  /** Sum of the latest values of every series of `name` whose labels include all of `labels`. */
  sum(name: string, labels: Record<string, string> = {}): number {
    let total = 0;
    for (const [key, value] of this.latest) {
      if (key !== name && !key.startsWith(`${name}{`)) continue;
      if (Object.entries(labels).every(([k, v]) => key.includes(`${k}="${v}"`))) total += value;
    }
    return total;
  }

  private async once(): Promise<Scrape> {
    const answer = await scrape(this.url, this.token);
    if (answer.status !== 200) throw new Error(`/metrics answered ${answer.status}`);
    return parseExposition(answer.body);
  }
}

describe('Observability: every metric of the dashboard and alerts moves on a real operator', function () {
  let shared: SharedEnv;
  let direct: KubeClient;
  let child: ChildProcess | undefined;
  let dataDir = '';
  let watch: MetricsWatch;
  let store: AppstoreSimulator;
  let mep: MepSimulator;
  const proxies: TcpProxy[] = [];
  let edgeProxy: TcpProxy;
  let hosts: ResourceClient<EdgeHost>;
  let packages: ResourceClient<AppPackage>;
  let instances: ResourceClient<AppInstance>;
  let secrets: ResourceClient<Secret>;
  const kubeconfigFile = join(tmpdir(), `obs-${run}.kubeconfig`);
  /** Secrets made in the operator's namespace, removed after. */
  const madeSecrets: string[] = [];
  /** The chart's scraper objects, applied for real and deleted after. */
  let scraperObjects = '';

  before(async function () {
    this.timeout(envStartTimeoutMs);
    shared = await sharedEnv();
    await installCrds(shared.hub);
    direct = await clientFor(shared.hub);
    hosts = new ResourceClient<EdgeHost>(direct, mecmTypes.edgeHost);
    packages = new ResourceClient<AppPackage>(direct, mecmTypes.appPackage);
    instances = new ResourceClient<AppInstance>(direct, mecmTypes.appInstance);
    secrets = new ResourceClient<Secret>(direct, coreTypes.secret);
    await new ResourceClient(direct, coreTypes.namespace).create({ metadata: { name: namespace } });
    await new ResourceClient<Tenant>(direct, mecmTypes.tenant).create(testTenant(namespace));
    store = await AppstoreSimulator.start();
    await store.addPackage({ appId: 'provider', packageId: 'v1', name: 'provider', version: '1.0', provider: 'Tests', file: await providerPackage() });
    mep = await MepSimulator.start({ token: mepToken, taskDurationMs: 50 });
    // The operator's namespace and the chart's RBAC first (the operator runs as its ServiceAccount).
    await writeOperatorKubeconfig(shared.hub, kubeconfigFile);
    await putSecret(`${host}-mep`, { token: mepToken });

    // The ServiceMonitor's scraper as the chart makes it: ServiceAccount, token Secret, binding
    // to the metrics-reader role (which the operator's RBAC, applied by writeOperatorKubeconfig, holds).
    const rendered = await template(['monitoring.serviceMonitor.enabled=true'], { release: operatorRelease, namespace: operatorNamespace, extra: ['--show-only', 'templates/metrics.yaml'] });
    assert.equal(rendered.code, 0, rendered.stderr);
    scraperObjects = documents(rendered.stdout).filter((d) => ['ServiceAccount', 'Secret', 'ClusterRoleBinding'].includes(d.kind)).map((d) => yaml.dump(d)).join('---\n');
    const applied = await kubectl(shared.hub, ['apply', '-f', '-'], scraperObjects);
    assert.equal(applied.code, 0, applied.stderr);
    const scraperSecret = `${operatorRelease}-metrics-scraper`;
    let token = '';
    await waitFor('the scraper token', async () => {
      token = Buffer.from((await secrets.get(scraperSecret, operatorNamespace)).data?.token ?? '', 'base64').toString('utf8');
      return token !== '';
    }, 30_000, 100);

    const [metricsPort, probePort] = [await freePort(), await freePort()];
    dataDir = await mkdtemp(join(tmpdir(), 'obs-data-'));
    child = spawn(process.execPath, ['--import', 'tsx', main, '--kubeconfig', kubeconfigFile, '--namespace', operatorNamespace,
      '--metrics-bind-address', `127.0.0.1:${metricsPort}`, '--health-probe-bind-address', `127.0.0.1:${probePort}`,
      '--helm-binary', (await shared.hub.binaries).helm, '--data-dir', dataDir,
      // Short timings, and two probes at a time so black-holed hosts back the queue up.
      '--probe-interval', '1', '--unreachable-after', '2', '--probe-timeout', '2', '--probe-concurrency', '2',
      '--rule-drift-check', '1', '--mep-task-timeout', '10', '--concurrency', '2'],
    { stdio: ['ignore', 'ignore', 'inherit'] });
    const url = `http://127.0.0.1:${metricsPort}/metrics`;
    await waitFor('an authorized scrape with the ServiceMonitor\'s token', async () => (await scrape(url, token)).status === 200, 60_000, 200);
    // Settled: the caches synced and the first reconciles of what the hub already holds are done.
    await waitFor('/readyz', async () => (await scrape(`http://127.0.0.1:${probePort}/readyz`, '')).status === 200, 30_000, 100);
    watch = new MetricsWatch(url, token);
    await watch.start();
  });

  after(async function () {
    this.timeout(180_000);
    edgeProxy?.setMode('forward');
    await watch?.stop();
    if (direct) {
      for (const item of (await instances.list({ namespace })).items) await instances.delete(item.metadata.name!, namespace).catch(() => undefined);
      await waitFor('AppInstances gone', async () => (await instances.list({ namespace })).items.length === 0, 90_000, 250).catch(() => undefined);
      await packages.delete('provider', namespace).catch(() => undefined);
      await waitFor('AppPackage gone', async () => (await packages.list({ namespace })).items.length === 0, 30_000, 250).catch(() => undefined);
      for (const item of (await hosts.list()).items.filter((h) => h.metadata.name?.startsWith(host))) await hosts.delete(item.metadata.name!).catch(() => undefined);
      for (const name of madeSecrets) await secrets.delete(name, operatorNamespace).catch(() => undefined);
      await new ResourceClient<Tenant>(direct, mecmTypes.tenant).delete(namespace).catch(() => undefined);
      await new ResourceClient(direct, coreTypes.namespace).delete(namespace).catch(() => undefined);
      if (scraperObjects) await kubectl(shared.hub, ['delete', '--ignore-not-found', '-f', '-'], scraperObjects);
      direct.close();
    }
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child!.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    for (const proxy of proxies) await proxy.stop();
    await store?.stop();
    await mep?.stop();
    await rm(dataDir, { recursive: true, force: true }).catch(() => undefined);
    await rm(kubeconfigFile, { force: true });
  });

  async function putSecret(name: string, data: Record<string, string>): Promise<void> {
    madeSecrets.push(name);
    await secrets.create({ metadata: { name, namespace: operatorNamespace }, stringData: data });
  }

  /** An EdgeHost whose API server is reached through a proxy of ours (in front of `targetPort`). */
  async function registerHost(name: string, targetPort: number, extra: Partial<EdgeHost['spec']> = {}): Promise<TcpProxy> {
    const proxy = new TcpProxy(targetPort);
    proxies.push(proxy);
    const port = await proxy.start();
    const kubeconfig = await kubeconfigVia(shared.edges[0]!, `https://127.0.0.1:${port}`);
    await putSecret(`${name}-kubeconfig`, { kubeconfig });
    await hosts.create({
      apiVersion: 'mecm.io/v1alpha1', kind: 'EdgeHost', metadata: { name, labels: { 'obs-test': run } },
      spec: {
        infrastructure: { type: 'kubernetes', kubeconfigSecretRef: { name: `${name}-kubeconfig` } },
        repository: { url: shared.edges[0]!.registryUrl!, insecure: true },
        ...extra,
      },
    });
    return proxy;
  }

  const ready = async (name: string) => (await hosts.get(name)).status?.conditions?.find((c) => c.type === 'Ready');
  const instanceCondition = async (name: string, type: string) => (await instances.get(name, namespace)).status?.conditions?.find((c) => c.type === type);

  it('moves the fleet, reconcile, queue, helm, MEP and drift metrics through a scenario', async function () {
    this.timeout(300_000);
    const edgePort = Number(new URL(shared.edges[0]!.server).port);

    // An edge registers and becomes Ready.
    edgeProxy = await registerHost(host, edgePort, { mep: { url: mep.url, tokenSecretRef: { name: `${host}-mep` } } });
    await waitFor(`${host} Ready`, async () => {
      const condition = await ready(host);
      if (condition?.status === 'True') return true;
      throw new Error(`Ready is ${condition?.status} (${condition?.reason}: ${condition?.message})`);
    }, 60_000, 200);
    await waitFor('mecm_edgehosts counts it Ready', async () => watch.sum('mecm_edgehosts', { ready: 'True' }) >= 1, 10_000, 100);

    // A package is distributed to it.
    await packages.create({
      apiVersion: 'mecm.io/v1alpha1', kind: 'AppPackage', metadata: { name: 'provider', namespace },
      spec: { source: { appstore: { url: store.url, appId: 'provider', packageId: 'v1' } }, distribution: { hostNames: [host] }, images: { mirror: 'Skip' } },
    });
    await waitFor('provider distributed', async () => (await packages.get('provider', namespace)).status?.hosts?.some((h) => h.name === host && h.state === 'Distributed') ?? false, 120_000, 250);
    await waitFor('mecm_apppackage_hosts counts it', async () => watch.value('mecm_apppackage_hosts{state="Distributed"}') >= 1, 10_000, 100);

    // An instance runs there with helm, and its APPD's rules reach the MEP.
    await instances.create({
      apiVersion: 'mecm.io/v1alpha1', kind: 'AppInstance', metadata: { name: 'provider', namespace },
      spec: { packageRef: { name: 'provider' }, hostRef: { name: host }, namespace: `${namespace}-provider` },
    });
    await waitFor('provider Ready', async () => (await instanceCondition('provider', 'Ready'))?.status === 'True', 180_000, 250);
    const appInstanceId = (await instances.get('provider', namespace)).status!.appInstanceId!;
    assert.ok(mep.configuration(appInstanceId), 'the MEP holds the rules');
    await waitFor('mecm_appinstances counts it Ready', async () => watch.value('mecm_appinstances{phase="Ready"}') >= 1, 10_000, 100);
    assert.ok(watch.sum('mecm_helm_operation_duration_seconds_count', { outcome: 'Succeeded' }) >= 1, 'helm calls timed');
    assert.ok(watch.sum('mecm_mep_request_duration_seconds_count', { method: 'POST', outcome: '2xx' }) >= 1, 'the MEP create timed');

    // The MEP loses the rules: drift, repaired.
    mep.removeConfiguration(appInstanceId);
    await waitFor('drift counted', async () => watch.value('mecm_apprule_drift_total{drift="Lost"}') >= 1, 30_000, 100);
    await waitFor('rules restored', async () => mep.configuration(appInstanceId) !== undefined, 30_000, 100);

    // The MEP answers 503 for a while: the AppRule controller's reconciles fail and are retried.
    const errorsBefore = watch.sum('controller_runtime_reconcile_errors_total', { controller: 'apprule' });
    mep.failNext(3, 503);
    await waitFor('reconcile errors counted', async () => watch.sum('controller_runtime_reconcile_errors_total', { controller: 'apprule' }) > errorsBefore, 30_000, 100);

    // An instance the Tenant does not grant (its edge namespace is outside obs-<run>-*) stalls.
    await instances.create({
      apiVersion: 'mecm.io/v1alpha1', kind: 'AppInstance', metadata: { name: 'refused', namespace },
      spec: { packageRef: { name: 'provider' }, hostRef: { name: host }, namespace: 'kube-system' },
    });
    await waitFor('refused stalled', async () => (await instanceCondition('refused', 'Stalled'))?.status === 'True', 30_000, 200);
    await waitFor('mecm_stalled_objects counts it', async () => watch.value('mecm_stalled_objects{kind="AppInstance",reason="NotPermitted"}') >= 1, 10_000, 100);

    // Hosts whose API servers never answer hold the probe workers for their timeout: the queue backs up.
    const dead = new TcpProxy(await freePort());
    proxies.push(dead);
    const deadPort = await dead.start();
    dead.setMode('blackhole');
    let maxDepth = 0;
    const depthWatch = setInterval(() => { maxDepth = Math.max(maxDepth, watch.value('workqueue_depth{name="edgehost"}')); }, 50);
    try {
      for (let i = 0; i < 5; i++) {
        const name = `${host}-dead-${i}`;
        await putSecret(`${name}-kubeconfig`, { kubeconfig: await kubeconfigVia(shared.edges[0]!, `https://127.0.0.1:${deadPort}`) });
        await hosts.create({
          apiVersion: 'mecm.io/v1alpha1', kind: 'EdgeHost', metadata: { name, labels: { 'obs-test': run } },
          spec: { infrastructure: { type: 'kubernetes', kubeconfigSecretRef: { name: `${name}-kubeconfig` } }, repository: { url: 'http://127.0.0.1:9', insecure: true } },
        });
      }
      await waitFor('the edgehost queue backed up', async () => maxDepth >= 1, 30_000, 100);
    } finally {
      clearInterval(depthWatch);
      for (let i = 0; i < 5; i++) await hosts.delete(`${host}-dead-${i}`).catch(() => undefined);
    }

    // The edge becomes unreachable: after the grace period the host is not Ready.
    edgeProxy.setMode('refuse');
    edgeProxy.cutAll();
    await waitFor(`${host} unreachable`, async () => (await ready(host))?.reason === 'EdgeClusterUnreachable', 60_000, 200);
    await waitFor('mecm_edgehosts counts it unreachable', async () => watch.value('mecm_edgehosts{ready="False",reason="EdgeClusterUnreachable"}') >= 1, 10_000, 100);

    // Every metric a panel or an alert reads has moved.
    const used = new Map<string, string[]>();
    for (const { panel, expr } of dashboardExprs(readDashboard())) for (const name of metricNames(expr)) used.set(name, [...(used.get(name) ?? []), `panel "${panel}"`]);
    for (const { alert, expr } of alertExprs(readAlerts())) for (const name of metricNames(expr)) used.set(name, [...(used.get(name) ?? []), `alert ${alert}`]);
    assert.ok(used.size >= 10, `${used.size} metrics used`);
    const still = [...used].filter(([name]) => !watch.changed.has(name)).map(([name, where]) => `${name} (${where.join(', ')})`);
    assert.deepEqual(still, [], 'metrics that did not change during the scenario');
  });
});
