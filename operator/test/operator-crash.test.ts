/**
 * The operator killed with SIGKILL at each workflow step it is caught in, and started again:
 * the AppInstance converges to Ready with exactly one Helm release, the same appInstanceId,
 * and its rules held once by the MEP. The process runs as the chart's ServiceAccount.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppstoreSimulator } from '../../testenv/src/appstore-simulator.js';
import { MepSimulator } from '../../testenv/src/mep-simulator.js';
import { waitFor } from '../../testenv/src/process.js';
import type { AppInstance } from '../src/api/appinstance.js';
import { mecmTypes } from '../src/api/resources.js';
import type { Tenant } from '../src/api/tenant.js';
import type { KubeClient } from '../src/runtime/kube/client.js';
import { isNotFound } from '../src/runtime/kube/errors.js';
import { coreTypes, type KubeObject } from '../src/runtime/kube/resource.js';
import { ResourceClient } from '../src/runtime/kube/resource-client.js';
import { testTenant, tenantNameFor } from './fixtures/tenant.js';
import { providerPackage } from './support/apps.js';
import { installCrds } from './support/crds.js';
import { envStartTimeoutMs, sharedEnv, type SharedEnv } from './support/env.js';
import { clientFor } from './support/hub-client.js';
import { runCommand } from './support/kubectl.js';
import { operatorNamespace, writeOperatorKubeconfig } from './support/operator-identity.js';

const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const run = Date.now().toString(36);
const namespace = `crash-${run}`;
/** The edge's kubeconfig Secret, in the operator's namespace (shared with other suites, hence the run in its name). */
const edgeSecret = `crash-${run}-edge`;
const kubeconfigFile = join(tmpdir(), `crash-${run}.kubeconfig`);

describe('Operator killed with SIGKILL during the AppInstance workflow', function () {
  let shared: SharedEnv;
  let direct: KubeClient;
  let store: AppstoreSimulator;
  let mep: MepSimulator;
  let dataDir: string;
  let operator: ChildProcess | undefined;
  let output = '';

  before(async function () {
    this.timeout(envStartTimeoutMs);
    shared = await sharedEnv();
    await installCrds(shared.hub);
    direct = await clientFor(shared.hub);
    dataDir = await mkdtemp(join(tmpdir(), 'crash-data-'));
    mep = await MepSimulator.start({ taskDurationMs: 300 });
    store = await AppstoreSimulator.start();
    await store.addPackage({ appId: 'provider', packageId: 'v1', name: 'provider', version: '1.0', provider: 'Tests', file: await providerPackage() });
    await new ResourceClient(direct, coreTypes.namespace).create({ metadata: { name: namespace } });
    // Tenancy is enforced (the operator's default): the namespace's grant, with the edge namespace the app uses.
    await new ResourceClient<Tenant>(direct, mecmTypes.tenant).create(testTenant(namespace, { edgeNamespaces: [`crash-app-${run}`] }));
    const edge = shared.edges[0]!;
    await writeOperatorKubeconfig(shared.hub, kubeconfigFile);
    await new ResourceClient<KubeObject & { stringData: Record<string, string> }>(direct, coreTypes.secret)
      .create({ metadata: { name: edgeSecret, namespace: operatorNamespace }, stringData: { kubeconfig: await edge.kubeconfig() } });
    await new ResourceClient<KubeObject & { spec: unknown }>(direct, mecmTypes.edgeHost).create({
      metadata: { name: `crash-${run}` },
      spec: {
        infrastructure: { type: 'kubernetes', kubeconfigSecretRef: { name: edgeSecret, namespace: operatorNamespace } },
        repository: { url: edge.registryUrl!, insecure: true }, mep: { url: mep.url },
      },
    });
    await new ResourceClient<KubeObject & { spec: unknown }>(direct, mecmTypes.appPackage).create({
      metadata: { name: 'provider', namespace },
      spec: { source: { appstore: { url: store.url, appId: 'provider', packageId: 'v1' } }, distribution: { hostNames: [`crash-${run}`] } },
    });
  });

  after(async function () {
    this.timeout(120_000);
    // Clean up through a live operator, so finalizers are honoured.
    if (!operator || operator.exitCode !== null || operator.signalCode !== null) operator = await start();
    const instances = new ResourceClient<AppInstance>(direct, mecmTypes.appInstance);
    await instances.delete('app', namespace).catch(() => undefined);
    await waitFor('instance gone', async () => instances.get('app', namespace).then(() => false, (e: unknown) => isNotFound(e)), 90_000, 250).catch(() => undefined);
    const packages = new ResourceClient(direct, mecmTypes.appPackage);
    await packages.delete('provider', namespace).catch(() => undefined);
    await waitFor('package gone', async () => packages.get('provider', namespace).then(() => false, (e: unknown) => isNotFound(e)), 30_000, 250).catch(() => undefined);
    await new ResourceClient(direct, mecmTypes.edgeHost).delete(`crash-${run}`).catch(() => undefined);
    await new ResourceClient(direct, mecmTypes.tenant).delete(tenantNameFor(namespace)).catch(() => undefined);
    await new ResourceClient(direct, coreTypes.secret).delete(edgeSecret, operatorNamespace).catch(() => undefined);
    await kill(operator);
    await store?.stop();
    await mep?.stop();
    direct?.close();
    await rm(dataDir, { recursive: true, force: true });
    await rm(kubeconfigFile, { force: true });
  });

  async function start(): Promise<ChildProcess> {
    const helm = (await shared.hub.binaries).helm;
    const child = spawn(process.execPath, ['--import', 'tsx', main, '--kubeconfig', kubeconfigFile, '--namespace', operatorNamespace, '--helm-binary', helm,
      '--data-dir', dataDir, '--metrics-bind-address', '0', '--health-probe-bind-address', '0', '--probe-interval', '5'],
    { stdio: ['ignore', 'pipe', 'ignore'] });
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => { output += chunk; });
    return child;
  }

  function kill(child: ChildProcess | undefined): Promise<void> {
    return new Promise((resolve) => {
      if (!child || child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }

  it('converges with one release and one appInstanceId however often it is killed', async function () {
    this.timeout(300_000);
    const instances = new ResourceClient<AppInstance>(direct, mecmTypes.appInstance);
    operator = await start();
    await instances.create({
      apiVersion: 'mecm.io/v1alpha1', kind: 'AppInstance', metadata: { name: 'app', namespace },
      spec: { packageRef: { name: 'provider' }, hostRef: { name: `crash-${run}` }, namespace: `crash-app-${run}` },
    });
    const killedAt: string[] = [];
    let firstId: string | undefined;
    for (;;) {
      const status = (await instances.get('app', namespace)).status;
      firstId ??= status?.appInstanceId;
      if (status?.appInstanceId) assert.equal(status.appInstanceId, firstId, 'the appInstanceId never changes');
      const ready = status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
      if (ready) break;
      const step = status?.phase ?? (status?.appInstanceId ? 'IdAssigned' : 'New');
      if (!killedAt.includes(step) && killedAt.length < 6) {
        killedAt.push(step);
        await kill(operator);
        operator = await start();
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    console.log(`      killed with SIGKILL at: ${killedAt.join(', ')}`);
    assert.ok(killedAt.length >= 3, `killed ${killedAt.length} times`);
    const helm = (await shared.hub.binaries).helm;
    const list = await runCommand('env', [`HELM_CONFIG_HOME=${dataDir}/hc`, `HELM_CACHE_HOME=${dataDir}/hk`, helm, 'list', '-A', '-o', 'json', '--kubeconfig', shared.edges[0]!.kubeconfigFile]);
    const releases = (JSON.parse(list.stdout) as Array<{ name: string; namespace: string }>).filter((r) => r.namespace === `crash-app-${run}`);
    assert.deepEqual(releases.map((r) => r.name), ['app'], 'exactly one release');
    assert.ok(mep.configuration(firstId!), 'the MEP holds the rules');
    assert.equal([...mep.configurations().keys()].filter((id) => id === firstId).length, 1);
  });
});
