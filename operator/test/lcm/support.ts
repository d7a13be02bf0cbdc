/**
 * Fixtures of the LCM tests: a small chart with every workload kind (built with the real
 * `helm package`, pushed to an edge registry the way the AppPackage controller pushes), the
 * real EdgeGallery etherpad chart from its CSAR, a plugin on the cached helm binary, and the
 * real helm CLI to check what the plugin did from the outside.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yaml from 'js-yaml';
import type { Cluster } from '../../../testenv/src/environment.js';
import { openCsar } from '../../src/csar/index.js';
import { KubernetesPlugin } from '../../src/lcm/kubernetes/plugin.js';
import type { InstallRequest, ReleaseTarget } from '../../src/lcm/plugin.js';
import type { KubeClient } from '../../src/runtime/kube/client.js';
import { coreTypes } from '../../src/runtime/kube/resource.js';
import { ResourceClient } from '../../src/runtime/kube/resource-client.js';
import { pushChart } from '../../src/oci/chart.js';
import { Registry } from '../../src/oci/registry.js';
import { sharedEnv } from '../support/env.js';
import { clientFor } from '../support/hub-client.js';
import { runCommand, type CommandResult } from '../support/kubectl.js';
import { edgegalleryTestdata } from '../support/testdata.js';

const testdata = edgegalleryTestdata();

/**
 * `lcmdemo`: a Deployment (`replicas`, `message`; `stuck: true` gives it a node selector no
 * node matches, so it never becomes ready), and with `all: true` also a StatefulSet, a
 * DaemonSet, a Job, a Service and a ConfigMap; `nodePort: true` adds a NodePort Service for the
 * Deployment (the edge allocates the port).
 */
const demoTemplates: Record<string, string> = {
  'deployment.yaml': `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}-web
  labels: { app.kubernetes.io/instance: {{ .Release.Name }} }
spec:
  replicas: {{ .Values.replicas }}
  selector: { matchLabels: { app: {{ .Release.Name }}-web } }
  template:
    metadata: { labels: { app: {{ .Release.Name }}-web } }
    spec:
      {{- if .Values.stuck }}
      nodeSelector: { mecm.io/no-such-node: "true" }
      {{- end }}
      containers:
        - name: web
          image: registry.invalid/web:1
          env: [{ name: MESSAGE, value: {{ .Values.message | quote }} }]
`,
  'web-service.yaml': `{{- if .Values.nodePort }}
apiVersion: v1
kind: Service
metadata: { name: {{ .Release.Name }}-web }
spec: { type: NodePort, selector: { app: {{ .Release.Name }}-web }, ports: [{ name: http, port: 80, targetPort: 8080 }] }
{{- end }}
`,
  'configmap.yaml': `apiVersion: v1
kind: ConfigMap
metadata: { name: {{ .Release.Name }}-config }
data: { message: {{ .Values.message | quote }} }
`,
  'more.yaml': `{{- if .Values.all }}
apiVersion: apps/v1
kind: StatefulSet
metadata: { name: {{ .Release.Name }}-db }
spec:
  replicas: {{ .Values.dbReplicas }}
  serviceName: {{ .Release.Name }}-db
  selector: { matchLabels: { app: {{ .Release.Name }}-db } }
  template:
    metadata: { labels: { app: {{ .Release.Name }}-db } }
    spec: { containers: [{ name: db, image: registry.invalid/db:1 }] }
---
apiVersion: v1
kind: Service
metadata: { name: {{ .Release.Name }}-db }
spec: { clusterIP: None, selector: { app: {{ .Release.Name }}-db }, ports: [{ port: 5432 }] }
---
apiVersion: apps/v1
kind: DaemonSet
metadata: { name: {{ .Release.Name }}-agent }
spec:
  selector: { matchLabels: { app: {{ .Release.Name }}-agent } }
  template:
    metadata: { labels: { app: {{ .Release.Name }}-agent } }
    spec: { containers: [{ name: agent, image: registry.invalid/agent:1 }] }
---
apiVersion: batch/v1
kind: Job
metadata: { name: {{ .Release.Name }}-setup }
spec:
  template:
    spec: { restartPolicy: Never, containers: [{ name: setup, image: registry.invalid/setup:1 }] }
{{- end }}
`,
};

const demoValues = 'replicas: 1\ndbReplicas: 1\nmessage: hello\nstuck: false\nall: false\nnodePort: false\n';

export interface PushedChart {
  /** `oci://host/repo/name:version` */
  readonly ref: string;
  readonly name: string;
  readonly version: string;
}

/** Packages lcmdemo at `version` with the real helm and pushes it under `repoPrefix` on `registryUrl`. */
export function pushDemoChart(helm: string, registryUrl: string, repoPrefix: string, version: string): Promise<PushedChart> {
  return pushTestChart(helm, registryUrl, repoPrefix, { name: 'lcmdemo', version, values: demoValues, templates: demoTemplates });
}

/** A chart of a test: its name, version, values.yaml and templates (file name → text). */
export interface TestChart {
  readonly name: string;
  readonly version: string;
  readonly values: string;
  readonly templates: Readonly<Record<string, string>>;
}

/** Packages `chart` with the real helm (appVersion `app-<version>`) and pushes it under `repoPrefix` on `registryUrl`. */
export async function pushTestChart(helm: string, registryUrl: string, repoPrefix: string, chart: TestChart): Promise<PushedChart> {
  const { name, version } = chart;
  const dir = await mkdtemp(join(tmpdir(), 'lcm-chart-'));
  try {
    const chartDir = join(dir, name);
    await mkdir(join(chartDir, 'templates'), { recursive: true });
    await writeFile(join(chartDir, 'Chart.yaml'), `apiVersion: v2\nname: ${name}\nversion: ${version}\nappVersion: "app-${version}"\n`);
    await writeFile(join(chartDir, 'values.yaml'), chart.values);
    for (const [file, text] of Object.entries(chart.templates)) await writeFile(join(chartDir, 'templates', file), text);
    const packaged = await runCommand(helm, ['package', chartDir, '--destination', dir]);
    if (packaged.code !== 0) throw new Error(`helm package failed: ${packaged.stderr}`);
    const tgz = await readFile(join(dir, `${name}-${version}.tgz`));
    return push(registryUrl, `${repoPrefix}/${name}`, { name, version, appVersion: `app-${version}` }, tgz);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The etherpad chart of EdgeGallery's etherpad.csar, pushed under `repoPrefix`. */
export async function pushEtherpadChart(registryUrl: string, repoPrefix: string): Promise<PushedChart> {
  const scratch = await mkdtemp(join(tmpdir(), 'lcm-csar-'));
  try {
    const pkg = await openCsar(join(testdata, 'etherpad.csar'), scratch);
    const chart = pkg.charts[0];
    if (!chart) throw new Error('etherpad.csar has no chart');
    const name = chart.name.toLowerCase();
    return push(registryUrl, `${repoPrefix}/${name}`, { name: chart.name, version: chart.version }, await readFile(chart.path));
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

async function push(registryUrl: string, repository: string, metadata: { name: string; version: string; appVersion?: string }, tgz: Buffer): Promise<PushedChart> {
  const registry = new Registry({ baseUrl: registryUrl });
  try {
    await pushChart(registry, repository, metadata, tgz);
  } finally {
    registry.close();
  }
  return { ref: `oci://${registry.host}/${repository}:${metadata.version}`, name: metadata.name, version: metadata.version };
}

/** The first shared edge with lcmdemo 0.1.0 pushed under `mecm/<namespace>/pkg`, a plugin and an admin API client. */
export interface DemoEdge {
  readonly edge: Cluster;
  readonly plugin: KubernetesPlugin;
  readonly api: KubeClient;
  readonly chart: PushedChart;
  /** Closes the plugin and the client and deletes `namespace` on the edge. */
  close(): Promise<void>;
}

export async function demoEdge(namespace: string): Promise<DemoEdge> {
  const edge = (await sharedEnv()).edges[0]!;
  const chart = await pushDemoChart((await edge.binaries).helm, edge.registryUrl!, `mecm/${namespace}/pkg`, '0.1.0');
  const plugin = await newPlugin(edge);
  const api = await clientFor(edge);
  return {
    edge, plugin, api, chart,
    async close() {
      await plugin.close();
      await new ResourceClient(api, coreTypes.namespace).delete(namespace).catch(() => undefined);
      api.close();
    },
  };
}

export async function newPlugin(cluster: Cluster): Promise<KubernetesPlugin> {
  return new KubernetesPlugin({ helmBinary: (await cluster.binaries).helm, readTimeoutMs: 20_000, operationTimeoutMs: 60_000, killGraceMs: 5_000 });
}

export async function targetOn(cluster: Cluster, namespace: string, releaseName: string): Promise<ReleaseTarget> {
  return { kubeconfig: await cluster.kubeconfig(), releaseName, namespace, createNamespace: true };
}

export function installRequest(target: ReleaseTarget, chart: PushedChart, values: Record<string, unknown> = {}): InstallRequest {
  return { ...target, chartRef: chart.ref, plainHttp: true, values, timeoutMs: 60_000 };
}

/** Runs the real helm CLI against `cluster` with its admin kubeconfig, in throwaway helm homes. */
export async function helmCli(cluster: Cluster, args: readonly string[]): Promise<CommandResult> {
  const home = await mkdtemp(join(tmpdir(), 'lcm-helm-cli-'));
  try {
    return await runCommand('env', [
      `HELM_CACHE_HOME=${home}/cache`, `HELM_CONFIG_HOME=${home}/config`, `HELM_DATA_HOME=${home}/data`,
      (await cluster.binaries).helm, ...args, '--kubeconfig', cluster.kubeconfigFile,
    ]);
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}

/** `helm <args> -o json` parsed; throws with helm's stderr when it fails. */
export async function helmJson<T>(cluster: Cluster, args: readonly string[]): Promise<T> {
  const result = await helmCli(cluster, [...args, '--output', 'json']);
  if (result.code !== 0) throw new Error(`helm ${args.join(' ')}: ${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}

/**
 * A registry that wants basic auth: a loopback proxy in front of `targetUrl` that answers 401
 * with a Basic challenge unless the request carries `username:password`.
 */
export async function basicAuthRegistry(targetUrl: string, username: string, password: string): Promise<{ host: string; close(): Promise<void> }> {
  const expected = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  const target = new URL(targetUrl);
  const server: Server = createServer((req, res) => {
    if (req.headers.authorization !== expected) {
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="edge"', 'Content-Type': 'application/json' });
      res.end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
      return;
    }
    const upstream = request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: { ...req.headers, host: target.host } }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** A kubeconfig of `edge` that authenticates as a new ServiceAccount in `default` with no rights. */
export async function serviceAccountKubeconfig(edge: Cluster, api: KubeClient, name: string): Promise<string> {
  await api.request({ method: 'POST', path: '/api/v1/namespaces/default/serviceaccounts', body: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name } } });
  const request = await api.request<{ status: { token: string } }>({
    method: 'POST', path: `/api/v1/namespaces/default/serviceaccounts/${name}/token`,
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600 } },
  });
  const config = yaml.load(await edge.kubeconfig()) as { users: Array<{ name: string; user: Record<string, unknown> }> };
  for (const user of config.users) user.user = { token: request.status.token };
  return yaml.dump(config);
}
