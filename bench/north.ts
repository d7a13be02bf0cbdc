/**
 * North's host list at scale: `GET /north/v1/mechosts` with 1,000 EdgeHosts (issue 13 item 8),
 * next to a direct `list edgehosts` of the same hosts from the hub's API server in the same run.
 * Target: North serves at least 10× the direct list's requests/s.
 *
 *   npm run bench:north -- [--hosts N] [--duration S] [--concurrency N] [--caller jwt|sa|both]
 *
 * What runs where:
 * - the hub of the test environment (MECM_TESTENV_DIR, or one started here);
 * - North as a replica of the operator serves it (a Manager built from the operator's own flags →
 *   prepareNorth → serve, as operator/test/north/support/north-env.ts does), in a child process
 *   of this script pinned to ONE core with `taskset -c 0` (its event loop, JSON work and GC all
 *   share that core; libuv's few helper threads are pinned too). Without taskset the child runs
 *   unpinned and the figures say so;
 * - the load generator is this process, pinned to core 1 when the machine has two or more;
 * - the API server is the test environment's, not pinned: its figure is what a client gets
 *   from the API server as it runs (with its own cores), which is the comparison the target asks.
 *
 * Both are measured the same way: node:http(s) keep-alive agents, `--concurrency` requests in
 * flight (closed loop) for `--duration` seconds after a warm-up, each body read to its end.
 * North is called as a real caller: an appstore user's JWT signed by the key North trusts
 * (`jwt`) and/or a ServiceAccount token (`sa`, TokenReview), both granted `list appinstances`
 * in the namespace of a Tenant that grants the hosts by label selector. The API server is
 * called with the hub's admin client certificate, listing the same EdgeHosts by that label.
 * Figures are printed; nothing is asserted about them. BENCH_NORTH_PROFILE=<dir> writes a CPU
 * profile of the North child there (node --cpu-prof) when it stops.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest, type RequestOptions } from 'node:https';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { exportSPKI, generateKeyPair, SignJWT } from 'jose';
import type { EdgeHost } from '../operator/src/api/edgehost.js';
import { mecmTypes } from '../operator/src/api/resources.js';
import type { Tenant } from '../operator/src/api/tenant.js';
import { parseConfig } from '../operator/src/config.js';
import { prepareNorth } from '../operator/src/north/start.js';
import { KubeClient } from '../operator/src/runtime/kube/client.js';
import { coreTypes, type KubeObject, type ResourceType } from '../operator/src/runtime/kube/resource.js';
import { ResourceClient } from '../operator/src/runtime/kube/resource-client.js';
import { Manager } from '../operator/src/runtime/manager.js';
import { installCrds } from '../operator/test/support/crds.js';
import { benchClusters, ensureOperatorNamespace, figure, inParallel, kubeConfigOf, operatorNamespace, quietLog } from './support.js';

const { values } = parseArgs({ options: {
  hosts: { type: 'string', default: '1000' }, duration: { type: 'string', default: '10' }, concurrency: { type: 'string', default: '16' },
  caller: { type: 'string', default: 'both' },
  // Internal: run as the North replica (the child this script starts), with the hub kubeconfig and North's flags.
  serve: { type: 'string' },
}, allowPositionals: true });

if (values.serve !== undefined) await serveNorth(values.serve);
else await measure();

/** The child: one North replica, as the operator builds it; prints its URL once its caches synced. */
async function serveNorth(flags: string): Promise<void> {
  const config = parseConfig(JSON.parse(flags) as string[], {});
  if (config === 'help' || !config.kubeconfig) throw new Error('the North child needs --kubeconfig and North\'s flags');
  const hub = new KubeConfig();
  hub.loadFromFile(config.kubeconfig);
  const manager = await Manager.create({ hub, log: quietLog, qps: config.qps, burst: config.burst });
  const north = prepareNorth(manager, config);
  if (!north) throw new Error('North is off');
  await manager.start();
  const serving = await north.serve();
  console.log(JSON.stringify({ url: serving.url }));
  process.once('SIGTERM', () => void serving.close().then(() => manager.stop()).then(() => process.exit(0)));
}

async function measure(): Promise<void> {
  const count = Number(values.hosts);
  const durationMs = Number(values.duration) * 1000;
  const concurrency = Number(values.concurrency);
  const callers = values.caller === 'both' ? ['jwt', 'sa'] as const : [values.caller as 'jwt' | 'sa'];
  // The load generator keeps off North's core.
  const pinned = pinSelf();
  const clusters = await benchClusters(0);
  const dir = await mkdtemp(join(tmpdir(), 'bench-north-'));
  let child: ChildProcess | undefined;
  try {
    const hubConfig = await kubeConfigOf(clusters.hub);
    await installCrds(clusters.hub);
    const writer = await KubeClient.create(hubConfig, { name: 'bench', qps: 1000, burst: 1000 });
    await ensureOperatorNamespace(writer);

    const run = `bench-north-${Date.now().toString(36)}`;
    const tenantId = randomUUID();
    const world = await makeWorld(writer, run, tenantId, count);

    const { publicKey, privateKey } = await generateKeyPair('RS256');
    await writeFile(join(dir, 'jwt.pem'), await exportSPKI(publicKey));
    const jwt = await new SignJWT({ userId: tenantId, user_name: 'bench', authorities: ['ROLE_APPSTORE_TENANT'] })
      .setProtectedHeader({ alg: 'RS256' }).setIssuedAt().setExpirationTime('1h').sign(privateKey);
    const tokens = { jwt: { access_token: jwt }, sa: { authorization: `Bearer ${world.serviceAccountToken}` } };

    const started = Date.now();
    const north = await startNorthChild(clusters.hub.kubeconfigFile, dir);
    child = north.child;
    const northUrl = new URL(north.url);
    figure('North child: start → caches synced, serving', ((Date.now() - started) / 1000).toFixed(1), 's');
    figure('North child pinned to one core', north.pinned ? 'yes' : 'NO', north.pinned ? '(taskset -c 0)' : '(taskset not found: unpinned)');
    figure('load generator pinned', pinned ? 'yes' : 'no', pinned ? '(core 1)' : '');
    figure('EdgeHosts (with spec.address, granted)', count);
    figure('concurrency, duration', `${concurrency}, ${durationMs / 1000}`, 'requests in flight, s');

    const northAgent = new HttpAgent({ keepAlive: true, maxSockets: concurrency });
    const results: Record<string, Figures> = {};
    for (const caller of callers) {
      const get: Get = () => fetchBody(httpRequest, { agent: northAgent, host: northUrl.hostname, port: northUrl.port, path: '/north/v1/mechosts', headers: tokens[caller] });
      await expectHosts(`North (${caller})`, get, count, (body) => (JSON.parse(body) as { data: unknown[] }).data.length);
      results[`North GET /north/v1/mechosts (${caller})`] = await closedLoop(get, concurrency, durationMs, child.pid);
    }

    const server = new URL(hubConfig.getCurrentCluster()!.server);
    const tls: RequestOptions = {};
    await hubConfig.applyToHTTPSOptions(tls);
    const apiAgent = new HttpsAgent({ keepAlive: true, maxSockets: concurrency, ca: tls.ca, cert: tls.cert, key: tls.key });
    const listPath = `/apis/mecm.io/v1alpha1/edgehosts?labelSelector=${encodeURIComponent(`bench=${run}`)}`;
    const list: Get = () => fetchBody(httpsRequest, { agent: apiAgent, host: server.hostname, port: server.port, path: listPath, headers: { accept: 'application/json' } });
    await expectHosts('the API server', list, count, (body) => (JSON.parse(body) as { items: unknown[] }).items.length);
    const direct = await closedLoop(list, concurrency, durationMs, clusters.hub.process('kube-apiserver').pid);
    results['API server list edgehosts (same hosts)'] = direct;

    for (const [name, f] of Object.entries(results)) {
      console.log(name);
      figure('  requests/s', f.rps.toFixed(0));
      figure('  p50 / p99', `${f.p50.toFixed(1)} / ${f.p99.toFixed(1)}`, 'ms');
      figure('  errors', f.errors);
      figure('  body', (f.bytes / 1024).toFixed(0), 'KiB');
      figure('  server CPU per request', f.cpuMs.toFixed(2), `ms (${(1000 / f.cpuMs).toFixed(0)} requests/s per core busy)`);
      if (f === direct) continue;
      figure('  ratio to the direct list', (f.rps / direct.rps).toFixed(1), '× requests/s (target ≥ 10×)');
      figure('  ratio of server CPU per request', (direct.cpuMs / f.cpuMs).toFixed(1), '× less than the API server');
    }
    northAgent.destroy();
    apiAgent.destroy();
    await stopChild(child);
    child = undefined;
    await world.remove();
    writer.close();
  } finally {
    if (child) await stopChild(child);
    await rm(dir, { recursive: true, force: true });
    await clusters.stop();
  }
}

interface World {
  readonly serviceAccountToken: string;
  remove(): Promise<void>;
}

/**
 * The run's objects on the hub: a namespace, a Tenant mapping the appstore tenant id to it and
 * granting hosts labelled bench=<run>, the hosts (unique IPv4 addresses), and RBAC letting the
 * appstore user and a ServiceAccount list AppInstances there (what North asks for the host list).
 */
async function makeWorld(writer: KubeClient, run: string, tenantId: string, count: number): Promise<World> {
  const namespaces = new ResourceClient(writer, coreTypes.namespace);
  const tenants = new ResourceClient<Tenant>(writer, mecmTypes.tenant);
  const hosts = new ResourceClient<EdgeHost>(writer, mecmTypes.edgeHost);
  await namespaces.create({ metadata: { name: run } });
  await tenants.create({
    apiVersion: 'mecm.io/v1alpha1', kind: 'Tenant', metadata: { name: run },
    spec: { namespaces: [run], hosts: { selector: { matchLabels: { bench: run } } }, appstore: { tenantIds: [tenantId], userIds: [tenantId] } },
  });
  const names = Array.from({ length: count }, (_, i) => `${run}-${i}`);
  await inParallel([...names.keys()], 32, async (i) => {
    await hosts.create({
      apiVersion: 'mecm.io/v1alpha1', kind: 'EdgeHost', metadata: { name: names[i]!, labels: { bench: run } },
      spec: {
        // 10.200.0.1, 10.200.0.2, …: unique, and the order North sorts by is not the creation order.
        address: `10.200.${Math.floor((i + 1) / 256)}.${(i + 1) % 256}`, location: { city: `city-${i % 17}` }, affinity: ['X86'],
        infrastructure: { type: 'kubernetes', kubeconfigSecretRef: { name: `${run}-kubeconfig` } },
        repository: { url: 'oci://registry.bench.invalid' },
      },
    });
  });
  const rbac = (kind: string, plural: string): ResourceType => ({ group: 'rbac.authorization.k8s.io', version: 'v1', plural, kind, namespaced: true });
  await new ResourceClient<KubeObject>(writer, rbac('Role', 'roles')).create({
    metadata: { name: 'north-hosts', namespace: run }, rules: [{ apiGroups: ['mecm.io'], resources: ['appinstances'], verbs: ['list'] }],
  } as KubeObject);
  const serviceAccount = 'north-caller';
  await new ResourceClient<KubeObject>(writer, { group: '', version: 'v1', plural: 'serviceaccounts', kind: 'ServiceAccount', namespaced: true })
    .create({ metadata: { name: serviceAccount, namespace: run } });
  await new ResourceClient<KubeObject>(writer, rbac('RoleBinding', 'rolebindings')).create({
    metadata: { name: 'north-hosts', namespace: run }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'north-hosts' },
    subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: `appstore:${tenantId}` }, { kind: 'ServiceAccount', name: serviceAccount, namespace: run }],
  } as KubeObject);
  const tokenRequest = await writer.request<{ status: { token: string } }>({
    method: 'POST', path: `/api/v1/namespaces/${run}/serviceaccounts/${serviceAccount}/token`,
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600 } },
  });
  return {
    serviceAccountToken: tokenRequest.status.token,
    async remove() {
      await inParallel(names, 32, async (name) => { await hosts.delete(name); });
      await tenants.delete(run);
      await namespaces.delete(run);
    },
  };
}

/** Starts the North child pinned to core 0 and waits for its URL. */
async function startNorthChild(kubeconfigFile: string, dir: string): Promise<{ child: ChildProcess; url: string; pinned: boolean }> {
  const flags = [
    `--kubeconfig=${kubeconfigFile}`, '--north-bind-address=127.0.0.1:0', '--north-registry=http://127.0.0.1:9',
    `--north-jwt-public-key-file=${join(dir, 'jwt.pem')}`, `--data-dir=${dir}`, `--namespace=${operatorNamespace}`,
  ];
  const profile = process.env.BENCH_NORTH_PROFILE ? [`--cpu-prof`, `--cpu-prof-dir=${process.env.BENCH_NORTH_PROFILE}`] : [];
  const node = [process.execPath, ...profile, '--import', 'tsx', fileURLToPath(import.meta.url), '--serve', JSON.stringify(flags)];
  const pinned = spawnSync('taskset', ['-c', '0', 'true']).status === 0;
  const child = pinned ? spawn('taskset', ['-c', '0', ...node], { stdio: ['ignore', 'pipe', 'inherit'] })
    : spawn(node[0]!, node.slice(1), { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the North child exited (${code}) before serving`)));
    lines.on('line', (line) => {
      if (line.startsWith('{"url"')) resolve((JSON.parse(line) as { url: string }).url);
    });
  });
  return { child, url, pinned };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/** Pins this process to core 1 when there are two or more; whether it did. */
function pinSelf(): boolean {
  if (availableParallelism() < 2) return false;
  return spawnSync('taskset', ['-a', '-cp', '1', String(process.pid)], { stdio: 'ignore' }).status === 0;
}

interface Answer {
  readonly status: number;
  readonly body: string;
}
type Get = () => Promise<Answer>;

function fetchBody(send: typeof httpRequest | typeof httpsRequest, options: RequestOptions): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = send({ method: 'GET', ...options }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** One call before measuring: the answer must list every host, or the figures would be of something else. */
async function expectHosts(who: string, get: Get, count: number, length: (body: string) => number): Promise<void> {
  const answer = await get();
  if (answer.status !== 200) throw new Error(`${who} answered ${answer.status}: ${answer.body.slice(0, 300)}`);
  const listed = length(answer.body);
  if (listed !== count) throw new Error(`${who} listed ${listed} hosts, not ${count}`);
}

interface Figures {
  readonly rps: number;
  /** CPU time (user + system, all threads) the serving process spent per answered request while measured. */
  readonly cpuMs: number;
  readonly p50: number;
  readonly p99: number;
  readonly errors: number;
  readonly bytes: number;
}

/** CPU time a process has used so far (ms), from /proc; 0 when it cannot be read. */
function cpuMsOf(pid: number | undefined): number {
  if (pid === undefined || !existsSync(`/proc/${pid}/stat`)) return 0;
  // Fields after the command (which may hold spaces): utime and stime are the 12th and 13th, in clock ticks (100/s).
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/**
 * `concurrency` loops calling `get` back to back: a warm-up of a second, then `durationMs`
 * measured, with the CPU time `serverPid` used meanwhile — a figure other load on the machine
 * disturbs less than requests/s.
 */
async function closedLoop(get: Get, concurrency: number, durationMs: number, serverPid: number | undefined): Promise<Figures> {
  const latencies: number[] = [];
  let errors = 0;
  let bytes = 0;
  let measuring = false;
  const warmUpEnds = Date.now() + 1000;
  const ends = warmUpEnds + durationMs;
  let measureStart = 0;
  let cpuStart = 0;
  const loop = async () => {
    for (let now = Date.now(); now < ends; now = Date.now()) {
      if (!measuring && now >= warmUpEnds) {
        measuring = true;
        measureStart = performance.now();
        cpuStart = cpuMsOf(serverPid);
      }
      const t0 = performance.now();
      const answer = await get().catch(() => ({ status: 0, body: '' }));
      const ms = performance.now() - t0;
      if (!measuring) continue;
      if (answer.status === 200) {
        latencies.push(ms);
        bytes = answer.body.length;
      } else errors++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  const seconds = (performance.now() - measureStart) / 1000;
  const cpuMs = (cpuMsOf(serverPid) - cpuStart) / Math.max(1, latencies.length);
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? Number.NaN;
  return { rps: latencies.length / seconds, cpuMs, p50: at(0.5), p99: at(0.99), errors, bytes };
}
