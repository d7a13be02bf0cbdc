/**
 * The fleet bench (issue 15): EdgeHosts over real edge clusters, packages, AppInstances, and the
 * operator run as it runs in production — its own compiled process (`node main.js <flags>`), so
 * its RSS is the node process's and its CPU includes the helm processes it runs.
 *
 *   1. setup   edges with kwok nodes; N EdgeHosts (each its own kubeconfig Secret — a client
 *              certificate of its own — and its own edge namespace); P packages, each in two
 *              versions (chart 1.0.0 and 1.1.0), distributed to every host; a probe-only window
 *              (hosts and packages, no instances) for the CPU the EdgeHost probes cost
 *   2. create  I AppInstances → time until all are Ready; operator RSS peak; CPU of the operator
 *              with its children; API requests by verb to the hub and to each edge
 *              (rest_client_requests_total); helm calls by command (mecm_helm_operation_duration_seconds)
 *   3. steady  nothing changes for S seconds: writes to our objects (a hub watch: every ADDED,
 *              MODIFIED or DELETED event of an AppInstance/AppPackage/EdgeHost/AppRule/Tenant of
 *              this run), writes by verb from the metrics, helm processes per minute, CPU
 *   4. upgrade every instance to the package's second version → time until all are Ready on 1.1.0
 *   5. delete  every instance → time until all are gone
 *   6. baseline the same I releases of the same charts from the same registries, by a plain
 *              script (bench/fleet-baseline.sh: `helm upgrade --install --wait`, 8 at once)
 *   7. peer    Flux's helm-controller (with source-controller) reconciling I HelmReleases of the
 *              same charts (chartRef → OCIRepository in the same registries) onto the same edges
 *              (spec.kubeConfig.secretRef): time to all Ready, CPU, RSS; then its upgrade wave
 *   then PASS/FAIL per target of the issue, and the figures as JSON (bench/results.ts).
 *
 *   npx tsx bench/fleet.ts            quick size (4 hosts, 2 packages, 20 instances, no Flux)
 *   npx tsx bench/fleet.ts --full     the issue's size (100 hosts, 10 packages, 1,000 instances,
 *                                     2 edges × 10 kwok nodes, 5-minute steady state, Flux)
 *   flags override either size: --hosts --packages --instances --edges --nodes --steady
 *   --probe-window --concurrency --parallel --helm-slots, --[no-]flux, --[no-]baseline.
 *
 * With MECM_TESTENV_DIR naming a running environment that has the edges and nodes asked for, the
 * bench attaches to it (its operator then acts on every object of that hub); otherwise it starts
 * its own and stops it at the end.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream, existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import type { AppInstance } from '../operator/src/api/appinstance.js';
import type { AppPackage } from '../operator/src/api/apppackage.js';
import { mecmTypes } from '../operator/src/api/resources.js';
import { KubeClient } from '../operator/src/runtime/kube/client.js';
import { isNotFound } from '../operator/src/runtime/kube/errors.js';
import { collectionPath, coreTypes, type KubeObject, type ResourceType } from '../operator/src/runtime/kube/resource.js';
import { Informer } from '../operator/src/runtime/informer.js';
import { ResourceClient } from '../operator/src/runtime/kube/resource-client.js';
import { testTenant } from '../operator/test/fixtures/tenant.js';
import { testLogger } from '../operator/test/support/logger.js';
import { APPD_YAML, buildTgz, validFiles, withManifest, zipOf } from '../operator/test/csar/support/packages.js';
import { AppstoreSimulator } from '../testenv/src/appstore-simulator.js';
import { TestEnvironment, type Cluster } from '../testenv/src/environment.js';
import { FluxControllers } from '../testenv/src/flux.js';
import { get } from '../testenv/src/http.js';
import { freePort } from '../testenv/src/ports.js';
import { isAlive, waitFor } from '../testenv/src/process.js';
import { machineWindow, ProcessSampler, type WindowFigures } from './proc.js';
import { difference, scrape, sumBy, type Sample } from './prom.js';
import { recordResults, setMeasuredRevision } from './results.js';
import { figure, inParallel, operatorNamespace } from './support.js';

const run = promisify(execFile);
const repo = fileURLToPath(new URL('..', import.meta.url));

// ---------------------------------------------------------------------------------------------
// Size

const { values: flags } = parseArgs({
  allowNegative: true,
  options: {
    full: { type: 'boolean', default: false },
    hosts: { type: 'string' }, packages: { type: 'string' }, instances: { type: 'string' },
    edges: { type: 'string' }, nodes: { type: 'string' }, steady: { type: 'string' }, 'probe-window': { type: 'string' },
    settle: { type: 'string' }, concurrency: { type: 'string' }, parallel: { type: 'string' }, 'helm-slots': { type: 'string' },
    flux: { type: 'boolean' }, baseline: { type: 'boolean' },
    /** Compile the operator of this git revision instead of the working tree's operator/src. */
    'operator-rev': { type: 'string' },
    /** Said next to the figures in the results file, e.g. "under load". */
    note: { type: 'string' },
  },
});
const full = flags.full === true;
const num = (value: string | undefined, quick: number, fullSize: number) => (value === undefined ? (full ? fullSize : quick) : Number(value));
const size = {
  hosts: num(flags.hosts, 4, 100),
  packages: num(flags.packages, 2, 10),
  instances: num(flags.instances, 20, 1000),
  edges: num(flags.edges, 2, 2),
  nodes: num(flags.nodes, 1, 10),
  steadySeconds: num(flags.steady, 20, 300),
  probeWindowSeconds: num(flags['probe-window'], 5, 120),
  /** Seconds between all Ready and the steady window: one probe interval (30 s) lets the EdgeHosts' app counts catch up. */
  settleSeconds: num(flags.settle, 0, 35),
  /** The operator's --concurrency (workers per controller). */
  concurrency: num(flags.concurrency, 8, 8),
  /** The operator's --helm-concurrency (helm processes at once); its default is 8, as the baseline's. */
  helmSlots: num(flags['helm-slots'], 8, 8),
  /** The plain script's helm processes at once, and helm-controller's --concurrent. */
  parallel: num(flags.parallel, 8, 8),
  flux: flags.flux ?? full,
  baseline: flags.baseline ?? true,
};
const sizeName = full && !Object.keys(flags).some((f) => !['full', 'flux', 'baseline', 'operator-rev', 'note'].includes(f)) ? 'full' : full ? 'full-custom' : 'quick';
const label = `${size.instances} instances, ${size.hosts} hosts, ${size.packages} packages, ${size.edges} edges × ${size.nodes} nodes`;
recordResults('fleet', `${sizeName}: ${label}${flags.note ? ` (${flags.note})` : ''}`);

const targets = { readySeconds: 240, rssMiB: 300, steadyWrites: 0, steadyHelmPerMinute: 0, steadyCpuPercent: 5, upgradeSeconds: 240, baselineRatio: 1.2 };
const verdicts: Array<{ target: string; pass: boolean; detail: string }> = [];
const judge = (target: string, pass: boolean, detail: string) => verdicts.push({ target, pass, detail });
const section = (title: string) => console.log(`\n== ${title}`);
const secondsSince = (start: number) => (Date.now() - start) / 1000;
// Ctrl-C or SIGTERM ends the run at the next wait: what was measured is printed and recorded
// (as failed), and the clusters and processes it started are stopped.
const stopping = new AbortController();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.log(`\n${signal}: stopping at the next wait`);
    stopping.abort(new Error(`stopped by ${signal}`));
  });
}
const pause = (ms: number) => new Promise<void>((resolve, reject) => {
  stopping.signal.throwIfAborted();
  const onAbort = () => { clearTimeout(timer); reject(stopping.signal.reason as Error); };
  const timer = setTimeout(() => { stopping.signal.removeEventListener('abort', onAbort); resolve(); }, ms);
  stopping.signal.addEventListener('abort', onAbort, { once: true });
});

console.log(`fleet bench (${sizeName}): ${label}; steady ${size.steadySeconds} s; Flux peer ${size.flux ? 'on' : 'off'}; baseline ${size.baseline ? 'on' : 'off'}`);

// ---------------------------------------------------------------------------------------------
// Clusters

async function clusters(): Promise<{ hub: Cluster; edges: Cluster[]; stop(): Promise<void> }> {
  const dir = process.env.MECM_TESTENV_DIR;
  if (dir && TestEnvironment.exists(dir)) {
    const env = await TestEnvironment.attach(dir);
    const edges = env.edges.filter((e) => e.state.nodeNames.length >= size.nodes).slice(0, size.edges);
    if (env.hub && edges.length === size.edges) {
      console.log(`attached to ${dir}`);
      return { hub: env.hub, edges, stop: async () => {} };
    }
    console.log(`${dir} lacks ${size.edges} edges with ${size.nodes} nodes each: starting an environment of its own`);
  }
  const env = await TestEnvironment.start();
  const [hub, edges] = await Promise.all([env.startHub(), env.startEdges(size.edges, { nodes: size.nodes })]);
  return { hub, edges, stop: () => env.stop() };
}

// ---------------------------------------------------------------------------------------------
// The operator, compiled once per source state into node_modules/.cache (dist/ is left alone:
// others build and run it), then run as a process of its own.

async function compiledOperator(rev?: string): Promise<string> {
  const cache = join(repo, 'node_modules/.cache/mecm-fleet-operator');
  let root = repo;
  let key: string;
  if (rev) {
    // The operator of a commit: its operator/src and tsconfigs, unpacked beside the cache.
    const commit = (await run('git', ['-C', repo, 'rev-parse', '--short=12', `${rev}^{commit}`])).stdout.trim();
    setMeasuredRevision(commit);
    key = `rev-${commit}`;
    root = join(cache, `src-${commit}`);
    if (!existsSync(join(root, '.complete'))) {
      await rm(root, { recursive: true, force: true });
      await mkdir(root, { recursive: true });
      await run('sh', ['-c', `git -C "${repo}" archive ${commit} operator/src tsconfig.json tsconfig.build.json | tar -x -C "${root}"`]);
      await writeFile(join(root, '.complete'), '');
    }
  } else {
    const src = join(repo, 'operator/src');
    const hash = createHash('sha256');
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else hash.update(`${relative(src, path)}\0`).update(readFileSync(path));
      }
    };
    walk(src);
    key = hash.digest('hex').slice(0, 16);
  }
  const out = join(cache, key);
  const main = join(out, 'main.js');
  if (existsSync(join(out, '.complete'))) return main;
  console.log(`compiling the operator${rev ? ` of ${rev}` : ''} into ${relative(repo, out)}`);
  await rm(out, { recursive: true, force: true });
  try {
    await run(process.execPath, [join(repo, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json'), '--outDir', out], { cwd: root, maxBuffer: 16 << 20 });
  } catch (error) {
    // tsc emits despite type errors (someone's change in progress): run what it emitted, say so.
    if (!existsSync(main)) throw error;
    console.log(`  tsc reported errors (emitted anyway): ${String((error as { stdout?: string }).stdout ?? error).trim().split('\n')[0]}`);
  }
  await writeFile(join(out, 'package.json'), '{"type":"module"}\n');
  await writeFile(join(out, '.complete'), '');
  return main;
}

interface RunningOperator {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly metricsUrl: string;
  stop(): Promise<void>;
}

async function startOperator(main: string, hub: Cluster, helm: string, work: string): Promise<RunningOperator> {
  const [metricsPort, probePort] = [await freePort(), await freePort()];
  const log = createWriteStream(join(work, 'operator.log'));
  const child = spawn(process.execPath, [
    '--max-semi-space-size=16', // as the image's ENTRYPOINT and the chart run it
    main, '--kubeconfig', hub.kubeconfigFile, '--namespace', operatorNamespace,
    '--metrics-bind-address', `127.0.0.1:${metricsPort}`, '--insecure-metrics',
    '--health-probe-bind-address', `127.0.0.1:${probePort}`,
    '--helm-binary', helm, '--data-dir', join(work, 'data'), '--concurrency', String(size.concurrency),
    '--helm-concurrency', String(size.helmSlots),
  ], { cwd: work, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, KUBECONFIG: '' } });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  const pid = child.pid!;
  await waitFor('the operator /readyz', async () => {
    if (!isAlive(pid)) throw new Error(`the operator exited; see ${join(work, 'operator.log')}`);
    return (await get(`http://127.0.0.1:${probePort}/readyz`)).status === 200;
  }, 120_000, 250);
  return {
    child, pid, metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Figures from /metrics: requests by target (hub, edge-N) and verb; helm calls by command.

const writeVerbs = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function requestsBy(samples: readonly Sample[], hosts: Map<string, string>): Map<string, number> {
  return sumBy(samples, 'rest_client_requests_total', (l) => `${hosts.get(l.host ?? '') ?? l.host} ${l.method}`);
}

function helmBy(samples: readonly Sample[]): Map<string, number> {
  return sumBy(samples, 'mecm_helm_operation_duration_seconds_count', (l) => l.operation ?? '?');
}

function printMap(prefix: string, map: Map<string, number>, unit: string): void {
  if (!map.size) figure(`${prefix}: none`, 0, unit);
  for (const [key, value] of [...map].sort(([a], [b]) => a.localeCompare(b))) figure(`${prefix} ${key}`, Math.round(value), unit);
}

/** Where the node process's memory is (prom-client's process metrics): the JS heap, or outside it (buffers, TLS, code). */
function printMemory(samples: readonly Sample[]): void {
  const mib = (name: string) => (samples.find((s) => s.name === name)?.value ?? NaN) / 2 ** 20;
  figure('operator memory at all Ready: RSS', mib('process_resident_memory_bytes').toFixed(0), 'MiB');
  figure('operator memory at all Ready: JS heap used', mib('nodejs_heap_size_used_bytes').toFixed(0), 'MiB');
  figure('operator memory at all Ready: JS heap reserved', mib('nodejs_heap_size_total_bytes').toFixed(0), 'MiB');
  figure('operator memory at all Ready: external (buffers, TLS)', mib('nodejs_external_memory_bytes').toFixed(0), 'MiB');
}

const sum = (map: Map<string, number>, keep: (key: string) => boolean = () => true) => [...map].filter(([k]) => keep(k)).reduce((s, [, v]) => s + v, 0);
const cpuOf = (w: WindowFigures) => w.cpuSelf + w.cpuChildren;

// ---------------------------------------------------------------------------------------------
// Charts and packages: P apps, each a chart with one Deployment named after the release, in two
// versions (1.1.0 changes the pod template, so an upgrade rolls the pod).

function chartFiles(app: string, version: string): Promise<Buffer> {
  const annotation = version === '1.0.0' ? '' : `\n      annotations: {fleet/version: "${version}"}`;
  return buildTgz([
    { name: `${app}/Chart.yaml`, data: `apiVersion: v2\nname: ${app}\nversion: ${version}\n` },
    {
      name: `${app}/templates/deployment.yaml`,
      data: 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: "{{ .Release.Name }}"}\nspec:\n  replicas: 1\n'
        + '  selector: {matchLabels: {app: "{{ .Release.Name }}"}}\n  template:\n    metadata:\n      labels: {app: "{{ .Release.Name }}"}'
        + `${annotation}\n    spec: {containers: [{name: app, image: example.invalid/app:1}]}\n`,
    },
  ]);
}

// The test APPD without required services, Mp1 or traffic rules: a plain app.
const appd = APPD_YAML.replace(/        appServiceRequired:\n(?:          .*\n)+?(?=        appServiceProduced)/, '')
  .replace('appSupportMp1: true', 'appSupportMp1: false').replace(/        appTrafficRule:[\s\S]*$/, '');

// ---------------------------------------------------------------------------------------------
// Waiting on many objects: list every second, report progress every 15 s.

async function waitAll<T extends KubeObject>(what: string, list: () => Promise<T[]>, done: (items: T[]) => number, total: number, timeoutMs: number): Promise<void> {
  const started = Date.now();
  let lastReport = started;
  for (;;) {
    const count = done(await list());
    if (count >= total) return;
    if (Date.now() - lastReport > 15_000) {
      console.log(`  … ${what}: ${count}/${total} after ${secondsSince(started).toFixed(0)} s`);
      lastReport = Date.now();
    }
    if (Date.now() - started > timeoutMs) throw new Error(`${what}: ${count}/${total} after ${timeoutMs / 1000} s`);
    await pause(1000);
  }
}

/**
 * A watch of one namespace's objects of `type` (the operator's own Informer), for the waits:
 * listing a thousand objects every second cost the hub more than a few percent of the machine,
 * charged to the operator's and Flux's figures but not to the plain-helm baseline's.
 */
async function watched<T extends KubeObject>(client: KubeClient, type: ResourceType, namespace: string): Promise<{ list(): Promise<T[]>; stop(): Promise<void> }> {
  const informer = new Informer<T>(client, type, testLogger(), { namespace });
  informer.start();
  await informer.waitForSync();
  return { list: async () => informer.list(), stop: () => informer.stop() };
}

const isReady = (o: { status?: { conditions?: Array<{ type: string; status: string }> } }) => o.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;

/** Paths whose values differ between two objects (metadata's bookkeeping left out). */
function changedPaths(before: unknown, after: unknown, path = ''): string[] {
  if (before === after) return [];
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
  if (!isObject(before) || !isObject(after) || Array.isArray(before) !== Array.isArray(after)) return [path || '.'];
  const skip = new Set(['metadata.resourceVersion', 'metadata.managedFields']);
  const out: string[] = [];
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const sub = path ? `${path}.${key}` : key;
    if (!skip.has(sub)) out.push(...changedPaths(before[key], after[key], sub));
  }
  return out;
}

/** Counts hub writes (watch events) to this run's objects of `types` until `stop()`. */
function watchWrites(client: KubeClient, types: readonly ResourceType[], ours: (o: KubeObject) => boolean): { stop(): Promise<Map<string, number>>; examples: string[] } {
  const controller = new AbortController();
  const counts = new Map<string, number>();
  const examples: string[] = [];
  const runs = types.map(async (type) => {
    const start = await new ResourceClient(client, type).list();
    const last = new Map(start.items.map((o) => [`${o.metadata.namespace}/${o.metadata.name}`, o]));
    try {
      for await (const event of client.watch<KubeObject>(collectionPath(type), { resourceVersion: start.resourceVersion, allowWatchBookmarks: true }, controller.signal, 600_000)) {
        if (event.type === 'BOOKMARK' || event.type === 'ERROR' || !ours(event.object)) continue;
        const key = `${type.kind} ${event.type}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
        const id = `${event.object.metadata.namespace}/${event.object.metadata.name}`;
        // What the write changed, as paths: tells the operator's authors which field moves.
        const changed = changedPaths(last.get(id), event.object).slice(0, 6).join(', ');
        last.set(id, event.object);
        if (examples.length < 10) examples.push(`${key} ${id}: ${changed || '(no field changed)'}`);
      }
    } catch (error) {
      if (!controller.signal.aborted) throw error;
    }
  });
  return {
    examples,
    stop: async () => {
      controller.abort();
      await Promise.allSettled(runs);
      return counts;
    },
  };
}

// ---------------------------------------------------------------------------------------------

// The operator compiles while the clusters start.
const compiled = compiledOperator(flags['operator-rev']);
compiled.catch(() => undefined);
const env = await clusters();
const work = await mkdtemp(join(tmpdir(), 'bench-fleet-'));
const ns = `fleet-${Date.now().toString(36).slice(-6)}`;
const cleanups: Array<() => Promise<unknown>> = [];
let exitCode = 0;
try {
  const bin = await env.hub.binaries;
  const hubConfig = new KubeConfig();
  hubConfig.loadFromString(await env.hub.kubeconfig());
  const writer = await KubeClient.create(hubConfig, { name: 'bench', qps: 500, burst: 500 });
  cleanups.push(async () => writer.close());
  const hostLabel = new Map<string, string>([[new URL(env.hub.server).host, 'hub']]);
  for (const edge of env.edges) hostLabel.set(new URL(edge.server).host, edge.name);
  const podCapacity = env.edges.reduce((n, e) => n + e.state.nodeNames.length * 110, 0);
  if (podCapacity < size.instances * 1.2) console.log(`warning: ${podCapacity} pods fit on the edges' kwok nodes, ${size.instances} instances need as many (more during upgrades)`);

  section('setup');
  await compiled;
  const setupStarted = Date.now();
  const crds = join(repo, 'crds');
  await run(bin.kubectl, ['--kubeconfig', env.hub.kubeconfigFile, 'apply', '--server-side', '--force-conflicts', '-f', crds]);
  await run(bin.kubectl, ['--kubeconfig', env.hub.kubeconfigFile, 'wait', '--for=condition=Established', '--timeout=60s', '-f', crds]);
  const namespaces = new ResourceClient(writer, coreTypes.namespace);
  for (const name of [operatorNamespace, ns]) await namespaces.create({ metadata: { name } }).catch((e: unknown) => { if (!String(e).includes('AlreadyExists')) throw e; });
  const tenants = new ResourceClient(writer, mecmTypes.tenant);
  const tenant = (await tenants.create(testTenant(ns))).metadata.name!;

  const store = await AppstoreSimulator.start();
  cleanups.push(() => store.stop());
  const apps = Array.from({ length: size.packages }, (_, k) => `app${k}`);
  for (const app of apps) {
    for (const [packageId, version] of [['v1', '1.0.0'], ['v2', '1.1.0']] as const) {
      const chart = await chartFiles(app, version);
      await store.addPackage({
        appId: app, packageId, name: app, version, provider: 'bench',
        file: zipOf(withManifest({ ...validFiles(chart), 'APPD/Definition/MainServiceTemplate.yaml': appd, 'Image/SwImageDesc.json': '[]' })),
      });
    }
  }

  // Hosts: host i on edge i mod E, with a client certificate of its own in its own Secret.
  const hosts = Array.from({ length: size.hosts }, (_, i) => ({ name: `${ns}-h${i}`, edge: env.edges[i % env.edges.length]!, kubeconfigFile: join(work, `h${i}.kubeconfig`) }));
  const secrets = new ResourceClient<KubeObject & { stringData: Record<string, string> }>(writer, coreTypes.secret);
  const edgeHosts = new ResourceClient<KubeObject & { spec: unknown; status?: { conditions?: Array<{ type: string; status: string }> } }>(writer, mecmTypes.edgeHost);
  await inParallel(hosts, 8, async (host) => {
    const kubeconfig = await host.edge.issueKubeconfig(`fleet-${host.name}`);
    await writeFile(host.kubeconfigFile, kubeconfig, { mode: 0o600 });
    await secrets.create({ metadata: { name: host.name, namespace: operatorNamespace }, stringData: { kubeconfig } });
    await edgeHosts.create({
      metadata: { name: host.name, labels: { fleet: ns } },
      spec: { infrastructure: { type: 'kubernetes', kubeconfigSecretRef: { name: host.name } }, repository: { url: host.edge.registryUrl!, insecure: true } },
    });
  });
  const operator = await startOperator(await compiled, env.hub, bin.helm, work);
  cleanups.push(() => operator.stop());
  const sampler = new ProcessSampler(operator.pid);
  cleanups.push(async () => sampler.stop());
  const metrics = () => scrape(operator.metricsUrl);

  await waitAll('EdgeHosts Ready', async () => (await edgeHosts.list({ labelSelector: `fleet=${ns}` })).items, (items) => items.filter(isReady).length, size.hosts, 600_000);
  figure('setup: hosts Ready', secondsSince(setupStarted).toFixed(1), 's');
  // Packages once the hosts are Ready, so their distribution does not start with retries.
  const packages = new ResourceClient<AppPackage>(writer, mecmTypes.appPackage);
  const packageName = (k: number, v: 1 | 2) => (v === 1 ? `p${k}` : `p${k}-v2`);
  for (const [k, app] of apps.entries()) {
    for (const v of [1, 2] as const) {
      await packages.create({
        apiVersion: 'mecm.io/v1alpha1', kind: 'AppPackage', metadata: { name: packageName(k, v), namespace: ns },
        spec: { source: { appstore: { url: store.url, appId: app, packageId: `v${v}` } }, distribution: { hostSelector: { matchLabels: { fleet: ns } } } },
      } as AppPackage);
    }
  }

  const distributed = (p: AppPackage) => (p.status?.hosts ?? []).filter((h) => h.state === 'Distributed').length;
  await waitAll('packages distributed to every host', async () => (await packages.list({ namespace: ns })).items,
    (items) => items.reduce((n, p) => n + distributed(p), 0), size.hosts * size.packages * 2, 1_200_000);
  figure('setup: hosts Ready, packages distributed', secondsSince(setupStarted).toFixed(1), 's');
  // Where each host's charts are: the same references serve the baseline and Flux.
  const chartRefs = new Map<string, string>();
  for (const p of (await packages.list({ namespace: ns })).items) {
    for (const h of p.status?.hosts ?? []) if (h.chartReference) chartRefs.set(`${p.metadata.name}/${h.name}`, h.chartReference);
  }

  // Probe-only window: hosts and packages, no instances.
  let metricsBefore = await metrics();
  let window = sampler.mark();
  await pause(size.probeWindowSeconds * 1000);
  const probeWindow = window.end();
  const probeCpuPercent = (cpuOf(probeWindow) / probeWindow.seconds) * 100;
  figure(`probes only (${size.hosts} hosts, no instances): CPU`, probeCpuPercent.toFixed(2), '% of a core');
  printMap('probes only: requests', difference(requestsBy(await metrics(), hostLabel), requestsBy(metricsBefore, hostLabel)), 'requests');

  // -------------------------------------------------------------------------------------------
  section(`create: ${size.instances} AppInstances`);
  const instances = new ResourceClient<AppInstance>(writer, mecmTypes.appInstance);
  const instancesSeen = await watched<AppInstance>(writer, mecmTypes.appInstance, ns);
  cleanups.push(() => instancesSeen.stop());
  const plan = Array.from({ length: size.instances }, (_, j) => ({ name: `i${j}`, host: hosts[j % size.hosts]!, k: Math.floor(j / size.hosts) % size.packages }));
  metricsBefore = await metrics();
  window = sampler.mark();
  const peakBefore = sampler.peakMiB;
  let started = Date.now();
  await inParallel(plan, 16, async (item) => {
    await instances.create({
      apiVersion: 'mecm.io/v1alpha1', kind: 'AppInstance', metadata: { name: item.name, namespace: ns },
      spec: { packageRef: { name: packageName(item.k, 1) }, hostRef: { name: item.host.name }, namespace: item.host.name },
    } as AppInstance);
  });
  const createdSeconds = secondsSince(started);
  await waitAll('AppInstances Ready', instancesSeen.list, (items) => items.filter(isReady).length, size.instances, 3_600_000);
  const readySeconds = secondsSince(started);
  const create = window.end();
  const metricsAfterCreate = await metrics();
  figure(`${size.instances} AppInstances: created (API) in`, createdSeconds.toFixed(1), 's');
  figure(`${size.instances} AppInstances: all Ready`, readySeconds.toFixed(1), 's');
  figure('operator RSS peak (node process)', sampler.peakMiB.toFixed(0), 'MiB');
  printMemory(metricsAfterCreate);
  figure('operator CPU: node process', create.cpuSelf.toFixed(1), 's');
  figure('operator CPU: helm children', create.cpuChildren.toFixed(1), 's');
  figure('operator CPU: both, per second of the wave', (cpuOf(create) / create.seconds).toFixed(2), 'cores');
  figure('machine CPU busy during the wave (every process: API servers, etcd, kwok, operator, helm)', (create.machineBusyShare * 100).toFixed(0), '%');
  printMap('requests', difference(requestsBy(metricsAfterCreate, hostLabel), requestsBy(metricsBefore, hostLabel)), 'requests');
  printMap('helm calls', difference(helmBy(metricsAfterCreate), helmBy(metricsBefore)), 'calls');
  judge(`all Ready ≤ ${targets.readySeconds} s`, readySeconds <= targets.readySeconds, `${readySeconds.toFixed(1)} s`);
  void peakBefore;

  // -------------------------------------------------------------------------------------------
  section(`steady state: ${size.steadySeconds} s with nothing changing (after ${size.settleSeconds} s to settle)`);
  await pause(size.settleSeconds * 1000);
  const ourKinds = [mecmTypes.appInstance, mecmTypes.appPackage, mecmTypes.edgeHost, mecmTypes.appRule, mecmTypes.tenant];
  const writes = watchWrites(writer, ourKinds, (o) => o.metadata.namespace === ns || o.metadata.labels?.fleet === ns || o.metadata.name === tenant);
  metricsBefore = await metrics();
  window = sampler.mark();
  await pause(size.steadySeconds * 1000);
  const steady = window.end();
  const writeEvents = await writes.stop();
  const metricsAfterSteady = await metrics();
  const steadyRequests = difference(requestsBy(metricsAfterSteady, hostLabel), requestsBy(metricsBefore, hostLabel));
  const steadyHelm = sum(difference(helmBy(metricsAfterSteady), helmBy(metricsBefore)));
  const steadyCpuPercent = (cpuOf(steady) / steady.seconds) * 100;
  const steadyWrites = sum(writeEvents);
  figure('steady: writes to our objects (hub watch)', steadyWrites, 'events');
  for (const example of writes.examples) console.log(`    ${example}`);
  figure('steady: write requests to the hub (metrics)', sum(steadyRequests, (k) => k.startsWith('hub ') && writeVerbs.has(k.split(' ')[1]!)), 'requests');
  figure('steady: write requests to the edges (metrics)', sum(steadyRequests, (k) => !k.startsWith('hub ') && writeVerbs.has(k.split(' ')[1]!)), 'requests');
  printMap('steady: requests', steadyRequests, 'requests');
  figure('steady: helm calls per minute (metrics)', (steadyHelm / (steady.seconds / 60)).toFixed(1), '/min');
  figure('steady: helm processes seen per minute', (steady.helmSeen / (steady.seconds / 60)).toFixed(1), '/min');
  figure('steady: operator CPU (with children)', steadyCpuPercent.toFixed(2), '% of a core');
  figure('steady: CPU beyond the probe-only window', (steadyCpuPercent - probeCpuPercent).toFixed(2), '% of a core');
  judge('steady: 0 writes to our objects', steadyWrites === targets.steadyWrites, `${steadyWrites} events`);
  judge('steady: 0 helm processes per minute', steadyHelm === 0 && steady.helmSeen === 0, `${steadyHelm} helm calls, ${steady.helmSeen} processes seen`);
  judge(`steady: < ${targets.steadyCpuPercent}% of a core beyond the probes`, steadyCpuPercent - probeCpuPercent < targets.steadyCpuPercent,
    `${(steadyCpuPercent - probeCpuPercent).toFixed(2)}% (${steadyCpuPercent.toFixed(2)}% − ${probeCpuPercent.toFixed(2)}% probes only)`);

  // -------------------------------------------------------------------------------------------
  section(`upgrade wave: every instance to its package's 1.1.0`);
  metricsBefore = await metrics();
  window = sampler.mark();
  started = Date.now();
  await inParallel(plan, 16, async (item) => { await instances.patch(item.name, ns, 'merge', { spec: { packageRef: { name: packageName(item.k, 2) } } }); });
  const upgraded = (i: AppInstance) => isReady(i) && i.status?.release?.chartVersion === '1.1.0' && i.status.observedGeneration === i.metadata.generation;
  await waitAll('AppInstances Ready on 1.1.0', instancesSeen.list, (items) => items.filter(upgraded).length, size.instances, 3_600_000);
  const upgradeSeconds = secondsSince(started);
  const upgrade = window.end();
  const metricsAfterUpgrade = await metrics();
  figure('upgrade wave: all Ready on the new version', upgradeSeconds.toFixed(1), 's');
  figure('upgrade wave: operator CPU (with children)', cpuOf(upgrade).toFixed(1), 's');
  figure('upgrade wave: machine CPU busy', (upgrade.machineBusyShare * 100).toFixed(0), '%');
  printMap('upgrade wave: helm calls', difference(helmBy(metricsAfterUpgrade), helmBy(metricsBefore)), 'calls');
  judge(`upgrade wave ≤ ${targets.upgradeSeconds} s`, upgradeSeconds <= targets.upgradeSeconds, `${upgradeSeconds.toFixed(1)} s`);

  // -------------------------------------------------------------------------------------------
  section('delete all');
  window = sampler.mark();
  started = Date.now();
  await inParallel(plan, 16, async (item) => { await instances.delete(item.name, ns).catch((e: unknown) => { if (!isNotFound(e)) throw e; }); });
  await waitAll('AppInstances gone', instancesSeen.list, (items) => size.instances - items.length, size.instances, 3_600_000);
  const deleteSeconds = secondsSince(started);
  const deletion = window.end();
  figure('delete all: all gone', deleteSeconds.toFixed(1), 's');
  figure('delete all: operator CPU (with children)', cpuOf(deletion).toFixed(1), 's');
  const operatorRss = sampler.peakMiB;
  figure('operator RSS peak over the whole run', operatorRss.toFixed(0), 'MiB');
  judge(`operator RSS ≤ ${targets.rssMiB} MiB`, operatorRss <= targets.rssMiB, `${operatorRss.toFixed(0)} MiB`);
  sampler.stop();
  await operator.stop();

  // The releases of the baseline and of Flux: instance j's chart on instance j's host.
  const refOf = (k: number, v: 1 | 2, host: string) => {
    const ref = chartRefs.get(`${packageName(k, v)}/${host}`);
    if (!ref) throw new Error(`no chart reference for ${packageName(k, v)} on ${host}`);
    const bare = ref.replace(/^(oci|https?):\/\//, '');
    const at = bare.lastIndexOf(':');
    return at > bare.lastIndexOf('/') ? { repository: bare.slice(0, at), tag: bare.slice(at + 1) } : { repository: bare, tag: v === 1 ? '1.0.0' : '1.1.0' };
  };

  // -------------------------------------------------------------------------------------------
  let baselineSeconds: number | undefined;
  if (size.baseline) {
    section(`baseline: ${size.instances} × helm upgrade --install --wait, ${size.parallel} at once (bench/fleet-baseline.sh)`);
    const jobs = plan.map((item) => {
      const ref = refOf(item.k, 1, item.host.name);
      return [item.host.kubeconfigFile, `b${item.name.slice(1)}`, `${item.host.name}-b`, `oci://${ref.repository}`, ref.tag].join(' ');
    });
    await writeFile(join(work, 'baseline.jobs'), `${jobs.join('\n')}\n`);
    const helmHome = join(work, 'helm-home');
    await mkdir(helmHome, { recursive: true });
    started = Date.now();
    const machineBusy = machineWindow();
    stopping.signal.throwIfAborted();
    const script = spawn('bash', [join(repo, 'bench/fleet-baseline.sh'), bin.helm, join(work, 'baseline.jobs'), String(size.parallel)], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { PATH: process.env.PATH, HOME: helmHome, HELM_CACHE_HOME: join(helmHome, 'cache'), HELM_CONFIG_HOME: join(helmHome, 'config'), HELM_DATA_HOME: join(helmHome, 'data') },
    });
    const killScript = () => script.kill('SIGTERM');
    stopping.signal.addEventListener('abort', killScript, { once: true });
    let output = '';
    script.stdout.on('data', (chunk: Buffer) => { output += chunk.toString('utf8'); });
    const code = await new Promise<number | null>((resolve) => script.once('close', resolve));
    baselineSeconds = secondsSince(started);
    stopping.signal.removeEventListener('abort', killScript);
    stopping.signal.throwIfAborted();
    if (code !== 0) throw new Error(`bench/fleet-baseline.sh exited ${code}`);
    figure(`baseline: ${size.instances} releases all Ready`, baselineSeconds.toFixed(1), 's');
    figure('baseline: CPU of the helm processes', Number(/^cpu (\S+)$/m.exec(output)?.[1] ?? NaN).toFixed(1), 's');
    figure('baseline: machine CPU busy', (machineBusy() * 100).toFixed(0), '%');
    figure('ratio operator / plain helm (all Ready)', (readySeconds / baselineSeconds).toFixed(2), 'x');
    const bar = baselineSeconds > targets.readySeconds ? ' (the baseline itself exceeds 4 min here: the ratio is the bar)' : '';
    judge(`≤ ${targets.baselineRatio}× the plain-helm baseline${bar}`, readySeconds / baselineSeconds <= targets.baselineRatio, `${(readySeconds / baselineSeconds).toFixed(2)}× (${readySeconds.toFixed(1)} s vs ${baselineSeconds.toFixed(1)} s)`);
    // Clean up without waiting: namespace deletion takes the releases with it.
    await inParallel(hosts, 8, async (host) => {
      await run(bin.kubectl, ['--kubeconfig', host.edge.kubeconfigFile, 'delete', 'namespace', `${host.name}-b`, '--wait=false', '--ignore-not-found']);
    });
  }

  // -------------------------------------------------------------------------------------------
  if (size.flux) {
    section(`peer: Flux helm-controller, ${size.instances} HelmReleases (--concurrent=${size.parallel})`);
    const flux = await FluxControllers.start(env.hub, join(work, 'flux'), { controllers: ['source-controller', 'helm-controller'], helmConcurrent: size.parallel });
    cleanups.push(() => flux.stop());
    const helmSampler = new ProcessSampler(flux.pid('helm-controller')!);
    const sourceSampler = new ProcessSampler(flux.pid('source-controller')!);
    const fluxNs = `${ns}-flux`;
    await namespaces.create({ metadata: { name: fluxNs } });
    const ociRepos = new ResourceClient<KubeObject & { spec: unknown }>(writer, { group: 'source.toolkit.fluxcd.io', version: 'v1', plural: 'ocirepositories', kind: 'OCIRepository', namespaced: true });
    type HelmRelease = KubeObject & { spec: unknown; status?: { conditions?: Array<{ type: string; status: string }>; lastAttemptedRevision?: string; observedGeneration?: number } };
    const releaseType: ResourceType = { group: 'helm.toolkit.fluxcd.io', version: 'v2', plural: 'helmreleases', kind: 'HelmRelease', namespaced: true };
    const releases = new ResourceClient<HelmRelease>(writer, releaseType);
    const releasesSeen = await watched<HelmRelease>(writer, releaseType, fluxNs);
    cleanups.push(() => releasesSeen.stop());
    // One OCIRepository per chart and registry (hosts of one edge share its registry).
    const repoName = (k: number, host: { edge: Cluster }) => `p${k}-${host.edge.name}`;
    const ociSpec = (k: number, host: { name: string }, v: 1 | 2) => {
      const ref = refOf(k, v, host.name);
      return {
        url: `oci://${ref.repository}`, ref: { tag: ref.tag }, insecure: true, interval: '60m',
        layerSelector: { mediaType: 'application/vnd.cncf.helm.chart.content.v1.tar+gzip', operation: 'copy' },
      };
    };
    const repoHosts = new Map<string, { k: number; host: (typeof hosts)[number] }>();
    for (const item of plan) repoHosts.set(repoName(item.k, item.host), { k: item.k, host: item.host });
    for (const [name, { k, host }] of repoHosts) {
      await ociRepos.create({ apiVersion: 'source.toolkit.fluxcd.io/v1', kind: 'OCIRepository', metadata: { name, namespace: fluxNs }, spec: ociSpec(k, host, 1) });
    }
    await inParallel(hosts, 8, async (host) => {
      await secrets.create({ metadata: { name: host.name, namespace: fluxNs }, stringData: { value: readFileSync(host.kubeconfigFile, 'utf8') } });
    });
    const helmWindow = helmSampler.mark();
    const sourceWindow = sourceSampler.mark();
    started = Date.now();
    await inParallel(plan, 16, async (item) => {
      await releases.create({
        apiVersion: 'helm.toolkit.fluxcd.io/v2', kind: 'HelmRelease', metadata: { name: item.name, namespace: fluxNs },
        spec: {
          interval: '60m', chartRef: { kind: 'OCIRepository', name: repoName(item.k, item.host) },
          kubeConfig: { secretRef: { name: item.host.name, key: 'value' } },
          releaseName: `f${item.name.slice(1)}`, targetNamespace: `${item.host.name}-f`, storageNamespace: `${item.host.name}-f`,
          install: { createNamespace: true }, timeout: '5m',
        },
      });
    });
    await waitAll('HelmReleases Ready', releasesSeen.list, (items) => items.filter(isReady).length, size.instances, 3_600_000);
    const fluxSeconds = secondsSince(started);
    const fluxHelm = helmWindow.end();
    const fluxSource = sourceWindow.end();
    figure(`Flux: ${size.instances} HelmReleases all Ready`, fluxSeconds.toFixed(1), 's');
    figure('Flux: helm-controller CPU', fluxHelm.cpuSelf.toFixed(1), 's');
    figure('Flux: source-controller CPU', fluxSource.cpuSelf.toFixed(1), 's');
    figure('Flux: helm-controller RSS peak', helmSampler.peakMiB.toFixed(0), 'MiB');
    figure('Flux: source-controller RSS peak', sourceSampler.peakMiB.toFixed(0), 'MiB');
    // helm-controller needs a source-controller for its charts: the pair is what Flux runs for this work.
    figure('Flux: both controllers, sum of RSS peaks', (helmSampler.peakMiB + sourceSampler.peakMiB).toFixed(0), 'MiB');
    figure('ratio operator / Flux helm-controller (all Ready)', (readySeconds / fluxSeconds).toFixed(2), 'x');
    figure('ratio operator CPU / helm-controller CPU', (cpuOf(create) / fluxHelm.cpuSelf).toFixed(2), 'x');
    judge('faster than Flux helm-controller', readySeconds < fluxSeconds, `${readySeconds.toFixed(1)} s vs ${fluxSeconds.toFixed(1)} s`);
    judge('less memory than Flux helm-controller', operatorRss < helmSampler.peakMiB, `${operatorRss.toFixed(0)} MiB vs ${helmSampler.peakMiB.toFixed(0)} MiB`);

    // Its upgrade wave: every OCIRepository to the chart's 1.1.0.
    const helmUpgradeWindow = helmSampler.mark();
    started = Date.now();
    for (const [name, { k, host }] of repoHosts) await ociRepos.patch(name, fluxNs, 'merge', { spec: ociSpec(k, host, 2) });
    await waitAll('HelmReleases Ready on 1.1.0', releasesSeen.list,
      (items) => items.filter((r) => isReady(r) && r.status?.lastAttemptedRevision?.startsWith('1.1.0') === true).length, size.instances, 3_600_000);
    figure('Flux: upgrade wave all Ready', secondsSince(started).toFixed(1), 's');
    figure('Flux: upgrade wave helm-controller CPU', helmUpgradeWindow.end().cpuSelf.toFixed(1), 's');
    started = Date.now();
    await inParallel(plan, 16, async (item) => { await releases.delete(item.name, fluxNs).catch((e: unknown) => { if (!isNotFound(e)) throw e; }); });
    await waitAll('HelmReleases gone', releasesSeen.list, (items) => size.instances - items.length, size.instances, 3_600_000);
    figure('Flux: delete all', secondsSince(started).toFixed(1), 's');
    // helm-controller leaves the namespaces it created (install.createNamespace) behind.
    await inParallel(hosts, 8, async (host) => {
      await run(bin.kubectl, ['--kubeconfig', host.edge.kubeconfigFile, 'delete', 'namespace', `${host.name}-f`, '--wait=false', '--ignore-not-found']);
    });
    helmSampler.stop();
    sourceSampler.stop();
  }

  // -------------------------------------------------------------------------------------------
  section('targets');
  for (const v of verdicts) console.log(`${v.pass ? 'PASS' : 'FAIL'}  ${v.target.padEnd(60)} ${v.detail}`);
  if (sizeName === 'quick') console.log('(quick size: the targets are the issue\'s, judged at this size; the figures that count come from --full)');
  figure('targets passed', verdicts.filter((v) => v.pass).length, `of ${verdicts.length}`);

  // Hub objects of this run (edges: the operator removed its namespaces; the baseline's are going).
  await inParallel(hosts, 16, async (host) => {
    await edgeHosts.delete(host.name).catch(() => undefined);
    await secrets.delete(host.name, operatorNamespace).catch(() => undefined);
  });
  await namespaces.delete(ns).catch(() => undefined);
  await namespaces.delete(`${ns}-flux`).catch(() => undefined);
  await tenants.delete(tenant).catch(() => undefined);
} catch (error) {
  console.error(`fleet bench failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
  console.error(`operator log: ${join(work, 'operator.log')} (kept)`);
  exitCode = 1;
} finally {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  await env.stop();
  if (exitCode === 0) await rm(work, { recursive: true, force: true });
}
process.exit(exitCode);
