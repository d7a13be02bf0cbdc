/**
 * The local test environment: one etcd, one hub control plane and N edge control planes on
 * loopback, each edge with its own OCI registry and kwok-driven fake nodes. Everything runs
 * from binaries built from their Go modules (see ../build/build.sh); nothing is mocked.
 *
 *   etcd ──┬── hub:    kube-apiserver + kube-controller-manager
 *          ├── edge-1: kube-apiserver + kube-controller-manager + kube-scheduler + kwok, registry
 *          └── edge-N: ...
 *
 * The state (ports, command lines, pids) is saved in <root>/state.json, so the CLI's `down` and
 * `status` and a test that attaches to a running environment see the same processes.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ensureBinaries, type Binaries } from './binaries.js';
import {
  apiserverProcess, controllerManagerProcess, etcdProcess, fakeNodeMarker, kwokProcess,
  registryConfig, registryProcess, schedulerProcess, type ClusterFiles,
} from './components.js';
import { get, type TlsClient } from './http.js';
import { renderKubeconfig } from './kubeconfig.js';
import { createCertificateAuthority, createServiceAccountKey, issueCertificate, readPem } from './pki.js';
import { freePort } from './ports.js';
import { isAlive, startProcess, stopProcess, waitFor, type ProcessRecord } from './process.js';

export type ClusterRole = 'hub' | 'edge';

/** What the environment records about one cluster; serialisable. */
export interface ClusterState {
  readonly name: string;
  readonly role: ClusterRole;
  readonly dir: string;
  /** `https://127.0.0.1:<port>` */
  readonly server: string;
  /** A self-contained admin kubeconfig (system:masters). */
  readonly kubeconfigFile: string;
  /** Plain-HTTP OCI registry of an edge, `http://127.0.0.1:<port>`; absent on the hub. */
  readonly registryUrl?: string;
  readonly nodeNames: readonly string[];
  readonly processes: ProcessRecord[];
}

interface EnvironmentState {
  readonly root: string;
  readonly persist: boolean;
  readonly ownsRoot: boolean;
  readonly etcdUrl: string;
  readonly etcd: ProcessRecord;
  readonly clusters: ClusterState[];
  /** Registries outside any cluster (e.g. the source an appstore's images come from). */
  registries?: Array<{ name: string; url: string; process: ProcessRecord }>;
}

export interface StartOptions {
  /** Folder for state, certificates, logs and data. Default: a new temp folder, removed on stop. */
  readonly root?: string;
  /** Leave processes running when this Node process exits (the CLI's `up`). */
  readonly persist?: boolean;
}

export interface EdgeOptions {
  /** Fake nodes per edge cluster (default 1). */
  readonly nodes?: number;
}

const readyTimeoutMs = 120_000;

/** A running control plane; `stopApiServer`/`startApiServer` simulate an edge going away. */
export class Cluster {
  constructor(private readonly env: TestEnvironment, readonly state: ClusterState) {}

  get name(): string { return this.state.name; }
  get server(): string { return this.state.server; }
  get kubeconfigFile(): string { return this.state.kubeconfigFile; }
  get registryUrl(): string | undefined { return this.state.registryUrl; }
  get binaries(): Promise<Binaries> { return ensureBinaries(); }

  /** The admin kubeconfig as YAML text. */
  kubeconfig(): Promise<string> { return readFile(this.state.kubeconfigFile, 'utf8'); }

  process(name: string): ProcessRecord {
    const record = this.state.processes.find((p) => p.name === name);
    if (!record) throw new Error(`${this.name} has no ${name}`);
    return record;
  }

  async stopApiServer(): Promise<void> {
    await stopProcess(this.process('kube-apiserver'));
    await this.env.save();
  }

  async startApiServer(): Promise<void> {
    startProcess(this.process('kube-apiserver'), this.env.persist);
    await this.env.save();
    await waitForApiServer(this.state, await tlsFor(this.state));
  }

  /**
   * A kubeconfig for a new client certificate signed by this cluster's CA — for tests of
   * credential rotation and expiry (`days: 0` gives a certificate that expires at once).
   */
  async issueKubeconfig(user: string, options: { organizations?: string[]; days?: number } = {}): Promise<string> {
    const ca = { certFile: join(this.state.dir, 'ca.crt'), keyFile: join(this.state.dir, 'ca.key') };
    const pair = await issueCertificate(ca, this.state.dir, `user-${user}`, {
      commonName: user, organizations: options.organizations ?? ['system:masters'], usage: 'client', days: options.days,
    });
    return renderKubeconfig({
      clusterName: this.name, server: this.server, caPem: await readPem(ca.certFile), user,
      certPem: await readPem(pair.certFile), keyPem: await readPem(pair.keyFile),
    });
  }

  /** The PEM of the CA that signed this cluster's serving and client certificates. */
  caPem(): Promise<string> {
    return readPem(join(this.state.dir, 'ca.crt'));
  }

  /** Processes of this cluster that should be running and are not. */
  deadProcesses(): string[] {
    return this.state.processes.filter((p) => p.pid === undefined || !isAlive(p.pid)).map((p) => p.name);
  }
}

export class TestEnvironment {
  private constructor(private readonly state: EnvironmentState) {}

  get root(): string { return this.state.root; }
  get persist(): boolean { return this.state.persist; }
  /** The hub first, then edges in number order. */
  get clusters(): Cluster[] {
    const order = (c: ClusterState) => (c.role === 'hub' ? 0 : Number(c.name.replace(/\D+/g, '')));
    return [...this.state.clusters].sort((a, b) => order(a) - order(b)).map((c) => new Cluster(this, c));
  }
  get hub(): Cluster | undefined { return this.clusters.find((c) => c.state.role === 'hub'); }
  get edges(): Cluster[] { return this.clusters.filter((c) => c.state.role === 'edge'); }

  /** Builds or finds the binaries and starts etcd; clusters come with `startHub`/`startEdges`. */
  static async start(options: StartOptions = {}): Promise<TestEnvironment> {
    const bin = await ensureBinaries();
    const ownsRoot = options.root === undefined;
    const root = options.root ? resolve(options.root) : await mkdtemp(join(tmpdir(), 'mecm-testenv-'));
    await mkdir(root, { recursive: true });
    const [clientPort, peerPort] = [await freePort(), await freePort()];
    const etcd = etcdProcess(bin, join(root, 'etcd'), clientPort, peerPort, join(root, 'etcd.log'));
    const env = new TestEnvironment({
      root, persist: options.persist ?? false, ownsRoot,
      etcdUrl: `http://127.0.0.1:${clientPort}`, etcd, clusters: [],
    });
    startProcess(etcd, env.persist);
    await env.save();
    await waitFor('etcd', async () => (await get(`${env.state.etcdUrl}/health`)).status === 200, readyTimeoutMs);
    return env;
  }

  /** Reads the state of an environment started by another process (the CLI's `up`). */
  static async attach(root: string): Promise<TestEnvironment> {
    const state = JSON.parse(await readFile(join(resolve(root), 'state.json'), 'utf8')) as EnvironmentState;
    return new TestEnvironment(state);
  }

  static exists(root: string): boolean {
    return existsSync(join(resolve(root), 'state.json'));
  }

  async startHub(): Promise<Cluster> {
    if (this.hub) throw new Error('the hub is already running');
    return this.startCluster('hub', 'hub', {});
  }

  /** Starts `count` more edge clusters, named edge-1, edge-2, … in order, side by side. */
  async startEdges(count: number, options: EdgeOptions = {}): Promise<Cluster[]> {
    const first = this.edges.length + 1;
    const names = Array.from({ length: count }, (_, i) => `edge-${first + i}`);
    return Promise.all(names.map((name) => this.startCluster(name, 'edge', options)));
  }

  /** Starts (or returns) a standalone plain-HTTP OCI registry named `name`; resolves to its URL. */
  async startRegistry(name: string): Promise<string> {
    const existing = this.state.registries?.find((r) => r.name === name);
    if (existing) return existing.url;
    const bin = await ensureBinaries();
    const dir = join(this.state.root, `registry-${name}`);
    await mkdir(dir, { recursive: true });
    const port = await freePort();
    const configFile = join(dir, 'registry.yml');
    await writeFile(configFile, registryConfig(join(dir, 'data'), port));
    const process = registryProcess(bin, configFile, join(dir, 'registry.log'));
    const url = `http://127.0.0.1:${port}`;
    (this.state.registries ??= []).push({ name, url, process });
    startProcess(process, this.persist);
    await this.save();
    await waitFor(`registry ${name}`, async () => (await get(`${url}/v2/`)).status === 200, readyTimeoutMs);
    return url;
  }

  /** Stops every process (clusters first, etcd last) and removes a temp root. */
  async stop(): Promise<void> {
    const all = [...this.state.clusters.flatMap((c) => [...c.processes].reverse()), ...(this.state.registries ?? []).map((r) => r.process)];
    await Promise.all(all.map((p) => stopProcess(p)));
    await stopProcess(this.state.etcd);
    if (this.state.ownsRoot) await rm(this.state.root, { recursive: true, force: true });
    else await this.save();
  }

  async save(): Promise<void> {
    await writeFile(join(this.state.root, 'state.json'), JSON.stringify(this.state, null, 2));
  }

  etcdAlive(): boolean {
    return this.state.etcd.pid !== undefined && isAlive(this.state.etcd.pid);
  }

  private async startCluster(name: string, role: ClusterRole, options: EdgeOptions): Promise<Cluster> {
    const bin = await ensureBinaries();
    const dir = join(this.state.root, name);
    const files = await createClusterFiles(dir, name);
    const port = await freePort();
    const server = `https://127.0.0.1:${port}`;
    const kubeconfigFile = join(this.state.root, `${name}.kubeconfig`);
    const admin = await renderAdminKubeconfig(files, name, server);
    await writeFile(files.adminKubeconfig, admin, { mode: 0o600 });
    await writeFile(kubeconfigFile, admin, { mode: 0o600 });

    const processes: ProcessRecord[] = [apiserverProcess(bin, files, name, port, this.state.etcdUrl)];
    let registryUrl: string | undefined;
    if (role === 'edge') {
      const registryPort = await freePort();
      const configFile = join(dir, 'registry.yml');
      await writeFile(configFile, registryConfig(join(dir, 'registry'), registryPort));
      registryUrl = `http://127.0.0.1:${registryPort}`;
      processes.push(registryProcess(bin, configFile, join(dir, 'registry.log')));
    }
    const nodeNames = role === 'edge'
      ? Array.from({ length: options.nodes ?? 1 }, (_, i) => `${name}-node-${i + 1}`) : [];
    const state: ClusterState = { name, role, dir, server, kubeconfigFile, nodeNames, processes, ...(registryUrl ? { registryUrl } : {}) };
    this.state.clusters.push(state);

    for (const p of processes) startProcess(p, this.persist);
    await this.save();
    const tls = await tlsFor(state);
    await waitForApiServer(state, tls);

    // Controllers start once the API answers, so their first list does not fail and back off.
    const controllers = [controllerManagerProcess(bin, files)];
    if (role === 'edge') controllers.push(schedulerProcess(bin, files), kwokProcess(bin, files, await freePort()));
    for (const p of controllers) {
      processes.push(p);
      startProcess(p, this.persist);
    }
    await this.save();
    if (registryUrl) {
      const url = registryUrl;
      await waitFor(`${name} registry`, async () => (await get(`${url}/v2/`)).status === 200, readyTimeoutMs);
    }
    if (nodeNames.length) await registerFakeNodes(state);
    return new Cluster(this, state);
  }
}

async function createClusterFiles(dir: string, name: string): Promise<ClusterFiles> {
  await mkdir(dir, { recursive: true });
  const ca = await createCertificateAuthority(dir, `${name}-ca`);
  const serving = await issueCertificate(ca, dir, 'apiserver', {
    commonName: 'kube-apiserver', usage: 'server',
    altNames: ['IP:127.0.0.1', 'DNS:localhost', 'IP:10.96.0.1', 'DNS:kubernetes', 'DNS:kubernetes.default.svc'],
  });
  const sa = await createServiceAccountKey(dir);
  return {
    dir, caCert: ca.certFile, caKey: ca.keyFile, servingCert: serving.certFile, servingKey: serving.keyFile,
    saPrivateKey: sa.privateKeyFile, saPublicKey: sa.publicKeyFile, adminKubeconfig: join(dir, 'admin.kubeconfig'),
  };
}

async function renderAdminKubeconfig(files: ClusterFiles, name: string, server: string): Promise<string> {
  const ca = { certFile: files.caCert, keyFile: files.caKey };
  const admin = await issueCertificate(ca, files.dir, 'admin', {
    commonName: 'testenv-admin', organizations: ['system:masters'], usage: 'client',
  });
  return renderKubeconfig({
    clusterName: name, server, caPem: await readPem(files.caCert), user: 'testenv-admin',
    certPem: await readPem(admin.certFile), keyPem: await readPem(admin.keyFile),
  });
}

async function tlsFor(state: ClusterState): Promise<TlsClient> {
  return {
    ca: await readPem(join(state.dir, 'ca.crt')),
    cert: await readPem(join(state.dir, 'admin.crt')),
    key: await readPem(join(state.dir, 'admin.key')),
  };
}

/** Ready means /readyz answers ok and the `default` namespace exists (bootstrap finished). */
async function waitForApiServer(state: ClusterState, tls: TlsClient): Promise<void> {
  await waitFor(`${state.name} kube-apiserver /readyz`, async () => (await get(`${state.server}/readyz`, tls)).status === 200, readyTimeoutMs);
  await waitFor(`${state.name} default namespace`,
    async () => (await get(`${state.server}/api/v1/namespaces/default`, tls)).status === 200, readyTimeoutMs);
}

/** Creates the Nodes kwok plays the kubelet for, and waits until kwok reports them Ready. */
async function registerFakeNodes(state: ClusterState): Promise<void> {
  const { KubeConfig, CoreV1Api } = await import('@kubernetes/client-node');
  const config = new KubeConfig();
  config.loadFromString(await readFile(state.kubeconfigFile, 'utf8'));
  const core = config.makeApiClient(CoreV1Api);
  for (const name of state.nodeNames) {
    try {
      await core.createNode({ body: fakeNode(name) });
    } catch (error) {
      if (!String(error).includes('409') && !String(error).includes('AlreadyExists')) throw error;
    }
  }
  await waitFor(`${state.name} nodes Ready`, async () => {
    const nodes = await core.listNode();
    return state.nodeNames.every((name) => nodes.items.find((n) => n.metadata?.name === name)
      ?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
  }, readyTimeoutMs, 250);
}

function fakeNode(name: string) {
  return {
    apiVersion: 'v1', kind: 'Node',
    metadata: {
      name,
      annotations: { [fakeNodeMarker.key]: fakeNodeMarker.value, 'node.alpha.kubernetes.io/ttl': '0' },
      labels: {
        'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64',
        'node.kubernetes.io/instance-type': 'kwok', type: 'kwok',
      },
    },
    status: {
      allocatable: { cpu: '8', memory: '16Gi', pods: '110', 'ephemeral-storage': '100Gi' },
      capacity: { cpu: '8', memory: '16Gi', pods: '110', 'ephemeral-storage': '100Gi' },
    },
  };
}
