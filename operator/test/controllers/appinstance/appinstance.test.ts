/**
 * The AppInstance controller end to end on real clusters: the etherpad package from the
 * appstore simulator runs as a Helm release on both edges (real helm, charts from the edge
 * registries, Pods made Ready by kwok); upgrade, stop/start, drift repair and terminate; the
 * posiu package's APPD rules reach the MEP simulator through an owned AppRule; a host whose
 * kubeconfig Secret is outside the operator's namespace is refused, not read; an edge namespace
 * the Tenant does not grant is refused before anything reaches the edge.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { AppstoreSimulator } from '../../../../testenv/src/appstore-simulator.js';
import { MepSimulator } from '../../../../testenv/src/mep-simulator.js';
import { waitFor } from '../../../../testenv/src/process.js';
import type { Cluster } from '../../../../testenv/src/environment.js';
import type { AppInstance, AppInstanceSpec } from '../../../src/api/appinstance.js';
import type { AppPackage } from '../../../src/api/apppackage.js';
import type { AppRule } from '../../../src/api/apprule.js';
import type { EdgeHost } from '../../../src/api/edgehost.js';
import { mecmTypes } from '../../../src/api/resources.js';
import type { Tenant } from '../../../src/api/tenant.js';
import { isNotFound } from '../../../src/runtime/kube/errors.js';
import { coreTypes, type KubeObject } from '../../../src/runtime/kube/resource.js';
import { aliasBomb } from '../../support/hostile-yaml.js';
import { ResourceClient } from '../../../src/runtime/kube/resource-client.js';
import { APPD_YAML, buildTgz, validFiles, withManifest, zipOf } from '../../csar/support/packages.js';
import { providerPackage } from '../../support/apps.js';
import { envStartTimeoutMs } from '../../support/env.js';
import { clientFor } from '../../support/hub-client.js';
import { kubectl, runCommand } from '../../support/kubectl.js';
import { operatorNamespace, startOperator, type TestOperator } from '../../support/operator.js';
import { edgegalleryTestdata } from '../../support/testdata.js';

const run = Date.now().toString(36);
const namespace = `ainst-${run}`;
/** The MEP token Secret, in the operator's namespace (shared with other suites, hence the run in its name). */
const mepToken = `ainst-${run}-mep-token`;
const testdata = edgegalleryTestdata();
/** The edge namespaces the suite's Tenant grants: those of the instances below (`<name>-<run>`). */
const edgeNamespaces = ['etherpad-1', 'etherpad-2', 'etherpad-3', 'fragile', 'patient', 'guarded', 'posiu', 'provider', 'keeper'].map((n) => `${n}-${run}`);

/** A chart the API server refuses at apply time (nodePort out of range): Helm records a failed revision. */
async function brokenPackage(): Promise<Buffer> {
  const chart = await buildTgz([
    { name: 'provider/Chart.yaml', data: 'apiVersion: v2\nname: provider\nversion: 2.0.0\n' },
    { name: 'provider/templates/service.yaml', data: [
      'apiVersion: v1', 'kind: Service', 'metadata: {name: "{{ .Release.Name }}-broken"}',
      'spec: {type: NodePort, selector: {app: x}, ports: [{port: 80, nodePort: 80}]}', ''].join('\n') },
  ]);
  const appd = APPD_YAML.replace(/        appServiceRequired:\n(?:          .*\n)+?(?=        appServiceProduced)/, '').replace('appSupportMp1: true', 'appSupportMp1: false')
    .replace(/        appTrafficRule:[\s\S]*$/, '');
  const files = { ...validFiles(chart), 'APPD/Definition/MainServiceTemplate.yaml': appd, 'Image/SwImageDesc.json': '[]' };
  return zipOf(withManifest(files));
}

interface Deployment extends KubeObject {
  spec?: { replicas?: number };
}

describe('AppInstance controller on real edge clusters', function () {
  let op: TestOperator;
  let instances: ResourceClient<AppInstance>;
  let store: AppstoreSimulator;
  /** One MEP per edge, as in the field (DNS names are unique per MEP). */
  const meps: MepSimulator[] = [];
  const hostOf = (i: number) => `ainst-${run}-${i + 1}`;

  before(async function () {
    this.timeout(envStartTimeoutMs);
    op = await startOperator({ namespace, controllers: ['apppackage', 'apprule', 'appinstance'], apppackage: { workers: 2 }, apprule: { workers: 2 }, grant: { edgeNamespaces } });
    const direct = op.direct;
    instances = new ResourceClient<AppInstance>(direct, mecmTypes.appInstance);
    const secrets = new ResourceClient<KubeObject & { stringData: Record<string, string> }>(direct, coreTypes.secret);
    await secrets.create({ metadata: { name: mepToken, namespace: operatorNamespace }, stringData: { token: 'mep-token' } });
    store = await AppstoreSimulator.start();
    await store.addPackage({ appId: 'etherpad', packageId: 'v1', name: 'etherpad', version: '1.0', provider: 'Huawei', file: join(testdata, 'etherpad.csar') });
    await store.addPackage({ appId: 'posiu', packageId: 'v1', name: 'posiu', version: '1.0', provider: 'Huawei', file: join(testdata, 'test-posiu-apprules.csar') });

    await store.addPackage({ appId: 'provider', packageId: 'v1', name: 'provider', version: '1.0', provider: 'Tests', file: await providerPackage() });
    await store.addPackage({ appId: 'broken', packageId: 'v1', name: 'broken', version: '2.0', provider: 'Tests', file: await brokenPackage() });

    const hosts = new ResourceClient<EdgeHost>(direct, mecmTypes.edgeHost);
    for (const [i, edge] of op.shared.edges.entries()) {
      meps.push(await MepSimulator.start({ token: 'mep-token', taskDurationMs: 50 }));
      await secrets.create({ metadata: { name: `${hostOf(i)}-kubeconfig`, namespace: operatorNamespace }, stringData: { kubeconfig: await edge.kubeconfig() } });
      await hosts.create({
        apiVersion: 'mecm.io/v1alpha1', kind: 'EdgeHost', metadata: { name: hostOf(i), labels: { 'ainst-test': run } },
        spec: {
          infrastructure: { type: 'kubernetes', kubeconfigSecretRef: { name: `${hostOf(i)}-kubeconfig`, namespace: operatorNamespace } },
          repository: { url: edge.registryUrl!, insecure: true },
          mep: { url: meps[i]!.url, tokenSecretRef: { name: mepToken } },
        },
      });
    }
    const packages = new ResourceClient<AppPackage>(direct, mecmTypes.appPackage);
    for (const appId of ['etherpad', 'posiu', 'provider', 'broken']) {
      await packages.create({
        apiVersion: 'mecm.io/v1alpha1', kind: 'AppPackage', metadata: { name: appId, namespace },
        spec: {
          source: { appstore: { url: store.url, appId, packageId: 'v1' } },
          distribution: { hostSelector: { matchLabels: { 'ainst-test': run } } },
          images: { mirror: 'Skip' },
        },
      });
    }
  });

  after(async function () {
    this.timeout(120_000);
    if (op) {
      for (const item of (await instances.list({ namespace })).items) await instances.delete(item.metadata.name!, namespace);
      await waitFor('AppInstances gone', async () => (await instances.list({ namespace })).items.length === 0, 90_000, 250).catch(() => undefined);
      const packages = new ResourceClient<AppPackage>(op.direct, mecmTypes.appPackage);
      for (const item of (await packages.list({ namespace })).items) await packages.delete(item.metadata.name!, namespace);
      await waitFor('AppPackages gone', async () => (await packages.list({ namespace })).items.length === 0, 30_000, 250).catch(() => undefined);
      const secrets = new ResourceClient(op.direct, coreTypes.secret);
      for (const name of [mepToken, ...op.shared.edges.map((_, i) => `${hostOf(i)}-kubeconfig`)]) await secrets.delete(name, operatorNamespace).catch(() => undefined);
      await op.stop();
    }
    await store?.stop();
    for (const mep of meps) await mep.stop();
  });

  async function instantiate(name: string, pkg: string, host: number, extra: Partial<AppInstanceSpec> = {}): Promise<void> {
    await instances.create({
      apiVersion: 'mecm.io/v1alpha1', kind: 'AppInstance', metadata: { name, namespace },
      spec: { packageRef: { name: pkg }, hostRef: { name: hostOf(host) }, namespace: `${name}-${run}`.slice(0, 63), ...extra },
    });
  }
  const get = (name: string) => instances.get(name, namespace);
  const condition = async (name: string, type: string) => (await get(name)).status?.conditions?.find((c) => c.type === type);
  const waitReady = (name: string, timeoutMs = 120_000) => waitFor(`${name} Ready`, async () => (await condition(name, 'Ready'))?.status === 'True', timeoutMs, 250);
  /** The real helm CLI on `edge` with its admin kubeconfig. */
  const helmCli = async (edge: Cluster, args: readonly string[]) => {
    const helm = (await edge.binaries).helm;
    return runCommand('env', [`HELM_CONFIG_HOME=${op.dataDir}/hc`, `HELM_CACHE_HOME=${op.dataDir}/hk`, helm, ...args, '--kubeconfig', edge.kubeconfigFile]);
  };
  const helmList = async (edge: Cluster, ns: string) => {
    const out = await helmCli(edge, ['list', '-n', ns, '-o', 'json']);
    return JSON.parse(out.stdout || '[]') as Array<{ name: string; revision: string; status: string }>;
  };
  const deploymentsOf = async (edge: Cluster, ns: string) => {
    const client = await clientFor(edge);
    try {
      return (await new ResourceClient<Deployment>(client, { group: 'apps', version: 'v1', plural: 'deployments', kind: 'Deployment', namespaced: true }).list({ namespace: ns })).items;
    } finally {
      client.close();
    }
  };

  it('runs etherpad on both edges as Helm releases with ready workloads', async function () {
    this.timeout(180_000);
    await instantiate('etherpad-1', 'etherpad', 0);
    await instantiate('etherpad-2', 'etherpad', 1);
    await waitReady('etherpad-1');
    await waitReady('etherpad-2');
    for (const [name, edge] of [['etherpad-1', op.shared.edges[0]!], ['etherpad-2', op.shared.edges[1]!]] as const) {
      const status = (await get(name)).status!;
      assert.match(status.appInstanceId ?? '', /^[0-9a-f-]{36}$/);
      assert.equal(status.operationalState, 'STARTED');
      assert.equal(status.readyWorkloads, '1/1');
      assert.equal(status.release?.revision, 1);
      const releases = await helmList(edge, `${name}-${run}`);
      assert.deepEqual(releases.map((r) => [r.name, r.status]), [[name, 'deployed']], `helm list on ${edge.name}`);
    }
    const values = await kubectl(op.shared.edges[0]!, ['get', 'secret', '-n', `etherpad-1-${run}`, '-l', 'owner=helm', '-o', 'name']);
    assert.match(values.stdout, /sh\.helm\.release\.v1\.etherpad-1\.v1/);
  });

  it('stalls a second etherpad on the same host with helm\'s nodePort conflict, leaving the first running', async function () {
    this.timeout(120_000);
    await instantiate('etherpad-3', 'etherpad', 0, { remediation: { retries: 0 } });
    await waitFor('Stalled', async () => (await condition('etherpad-3', 'Stalled'))?.status === 'True', 90_000, 250);
    assert.match((await condition('etherpad-3', 'Instantiated'))?.message ?? '', /already allocated|exists and cannot be imported|Conflict/);
    assert.equal((await condition('etherpad-1', 'Ready'))?.status, 'True', 'the first instance is untouched');
    await instances.delete('etherpad-3', namespace);
    await waitFor('etherpad-3 gone', async () => get('etherpad-3').then(() => false, (e: unknown) => isNotFound(e)), 90_000, 250);
  });

  it('upgrades on a spec change, to a new revision', async function () {
    this.timeout(120_000);
    await instances.patch('etherpad-1', namespace, 'merge', { spec: { values: { global: { mepagent: { enabled: false } }, extra: 'v2' } } });
    await waitFor('revision 2', async () => (await get('etherpad-1')).status?.release?.revision === 2 && (await condition('etherpad-1', 'Ready'))?.status === 'True', 120_000, 250);
    assert.deepEqual((await helmList(op.shared.edges[0]!, `etherpad-1-${run}`)).map((r) => r.revision), ['2']);
  });

  it('takes values from a ConfigMap with their types, and stalls on a YAML bomb in it without touching the release', async function () {
    this.timeout(120_000);
    const configMaps = new ResourceClient<KubeObject & { data: Record<string, string> }>(op.direct, coreTypes.configMap);
    await configMaps.create({ metadata: { name: 'etherpad-values', namespace }, data: { 'values.yaml': 'tuning:\n  replicas: 2\n  enabled: false\n  ratio: 0.5\n' } });
    await instances.patch('etherpad-1', namespace, 'merge', { spec: { valuesFrom: [{ kind: 'ConfigMap', name: 'etherpad-values' }] } });
    await waitFor('revision 3', async () => (await get('etherpad-1')).status?.release?.revision === 3 && (await condition('etherpad-1', 'Ready'))?.status === 'True', 120_000, 250);
    const values = JSON.parse((await helmCli(op.shared.edges[0]!, ['get', 'values', 'etherpad-1', '-n', `etherpad-1-${run}`, '-o', 'json'])).stdout) as { tuning?: unknown };
    assert.deepEqual(values.tuning, { replicas: 2, enabled: false, ratio: 0.5 }, 'numbers stay numbers, booleans booleans');

    await configMaps.patch('etherpad-values', namespace, 'merge', { data: { 'values.yaml': aliasBomb } });
    await waitFor('Stalled ValuesInvalid', async () => (await condition('etherpad-1', 'Stalled'))?.reason === 'ValuesInvalid', 60_000, 250);
    assert.match((await condition('etherpad-1', 'Stalled'))?.message ?? '', /ConfigMap .*etherpad-values key values\.yaml expands to more than 100000 nodes/);
    assert.equal((await get('etherpad-1')).status?.release?.revision, 3, 'no upgrade from values that could not be read');

    await instances.patch('etherpad-1', namespace, 'json', [{ op: 'remove', path: '/spec/valuesFrom' }]);
    await waitFor('revision 4, Ready', async () => (await get('etherpad-1')).status?.release?.revision === 4 && (await condition('etherpad-1', 'Ready'))?.status === 'True', 120_000, 250);
    await configMaps.delete('etherpad-values', namespace);
  });

  it('stops and starts the app (ETSI operate)', async function () {
    this.timeout(120_000);
    await instances.patch('etherpad-1', namespace, 'merge', { spec: { desiredState: 'Stopped' } });
    await waitFor('STOPPED', async () => (await get('etherpad-1')).status?.operationalState === 'STOPPED', 60_000, 250);
    assert.deepEqual((await deploymentsOf(op.shared.edges[0]!, `etherpad-1-${run}`)).map((d) => d.spec?.replicas), [0]);
    await instances.patch('etherpad-1', namespace, 'merge', { spec: { desiredState: 'Started' } });
    await waitFor('STARTED and ready', async () => (await get('etherpad-1')).status?.operationalState === 'STARTED' && (await get('etherpad-1')).status?.readyWorkloads === '1/1', 60_000, 250);
    assert.deepEqual((await deploymentsOf(op.shared.edges[0]!, `etherpad-1-${run}`)).map((d) => d.spec?.replicas), [1]);
  });

  it('repairs a Deployment deleted on the edge', async function () {
    this.timeout(120_000);
    const ns = `etherpad-1-${run}`;
    const before = (await get('etherpad-1')).status?.release?.revision ?? 0;
    const deleted = await kubectl(op.shared.edges[0]!, ['delete', 'deployment', '-n', ns, '--all']);
    assert.equal(deleted.code, 0, deleted.stderr);
    await waitFor('Deployment back', async () => (await deploymentsOf(op.shared.edges[0]!, ns)).length === 1, 60_000, 250);
    await waitFor('new revision', async () => ((await get('etherpad-1')).status?.release?.revision ?? 0) > before, 30_000, 250);
  });

  it('rolls a failed upgrade back, retries, then stalls with the reason', async function () {
    this.timeout(180_000);
    await instantiate('fragile', 'provider', 0, { remediation: { retries: 1, strategy: 'Rollback' } });
    await waitReady('fragile');
    await instances.patch('fragile', namespace, 'merge', { spec: { packageRef: { name: 'broken' } } });
    await waitFor('Stalled RetriesExhausted', async () => (await condition('fragile', 'Stalled'))?.reason === 'RetriesExhausted', 150_000, 250);
    const status = (await get('fragile')).status!;
    assert.equal(status.release?.status, 'deployed', 'rolled back to a deployed revision');
    assert.ok((status.release?.revision ?? 0) >= 3, `revisions: install, failed upgrade, rollback (now ${status.release?.revision})`);
    assert.match((await condition('fragile', 'Instantiated'))?.message ?? '', /nodePort|range|invalid/i);
    assert.equal(status.lastOperation?.operationState, 'FAILED');
    // As the Stalled message says: a changed spec tries again, from no failed attempts.
    await instances.patch('fragile', namespace, 'merge', { spec: { packageRef: { name: 'provider' } } });
    await waitReady('fragile');
    assert.equal((await get('fragile')).status?.failures, 0);
    await instances.delete('fragile', namespace);
  });

  it('waits for an edge that does not answer and installs when it returns', async function () {
    this.timeout(180_000);
    const edge = op.shared.edges[0]!;
    await edge.stopApiServer();
    try {
      await instantiate('patient', 'provider', 0);
      await waitFor('EdgeUnreachable', async () => (await condition('patient', 'Reconciling'))?.reason === 'EdgeUnreachable', 60_000, 250);
      assert.notEqual((await condition('patient', 'Ready'))?.status, 'True');
    } finally {
      await edge.startApiServer();
    }
    await waitReady('patient');
    assert.equal((await helmList(edge, `patient-${run}`)).length, 1, 'exactly one release');
    await instances.delete('patient', namespace);
    await waitFor('patient gone', async () => get('patient').then(() => false, (e: unknown) => isNotFound(e)), 120_000, 250);
  });

  it('stalls on a host whose kubeconfig Secret is outside the operator\'s namespace, and installs once it is in it', async function () {
    this.timeout(180_000);
    const edge = op.shared.edges[0]!;
    const host = `ainst-${run}-foreign`;
    const hosts = new ResourceClient<EdgeHost>(op.direct, mecmTypes.edgeHost);
    const secrets = new ResourceClient<KubeObject & { stringData: Record<string, string> }>(op.direct, coreTypes.secret);
    // A valid kubeconfig in the suite's namespace: the operator must not read it from there.
    await secrets.create({ metadata: { name: 'foreign-kubeconfig', namespace }, stringData: { kubeconfig: await edge.kubeconfig() } });
    await hosts.create({
      apiVersion: 'mecm.io/v1alpha1', kind: 'EdgeHost', metadata: { name: host, labels: { 'ainst-test': run } },
      spec: {
        infrastructure: { type: 'kubernetes', kubeconfigSecretRef: { name: 'foreign-kubeconfig', namespace } },
        repository: { url: `${edge.registryUrl!}/foreign`, insecure: true },
        mep: { url: meps[0]!.url, tokenSecretRef: { name: mepToken } },
      },
    });
    try {
      await instances.create({
        apiVersion: 'mecm.io/v1alpha1', kind: 'AppInstance', metadata: { name: 'guarded', namespace },
        spec: { packageRef: { name: 'provider' }, hostRef: { name: host }, namespace: `guarded-${run}` },
      });
      await waitFor('SecretNamespaceNotAllowed', async () => (await condition('guarded', 'Stalled'))?.reason === 'SecretNamespaceNotAllowed', 60_000, 250);
      assert.match((await condition('guarded', 'Stalled'))?.message ?? '',
        new RegExp(`Secret ${namespace}/foreign-kubeconfig is outside the operator's namespace: EdgeHost Secrets must be in namespace ${operatorNamespace}`));
      assert.deepEqual(await helmList(edge, `guarded-${run}`), [], 'nothing installed');

      await secrets.create({ metadata: { name: `${host}-kubeconfig`, namespace: operatorNamespace }, stringData: { kubeconfig: await edge.kubeconfig() } });
      await hosts.patch(host, undefined, 'merge', { spec: { infrastructure: { kubeconfigSecretRef: { name: `${host}-kubeconfig`, namespace: null } } } });
      await waitReady('guarded');
      await instances.delete('guarded', namespace);
      await waitFor('guarded gone', async () => get('guarded').then(() => false, (e: unknown) => isNotFound(e)), 120_000, 250);
    } finally {
      await hosts.delete(host).catch(() => undefined);
      await secrets.delete(`${host}-kubeconfig`, operatorNamespace).catch(() => undefined);
    }
  });

  it('holds posiu until the service it requires runs on the host (EdgeGallery\'s dependency rule)', async function () {
    this.timeout(60_000);
    await instantiate('posiu', 'posiu', 1);
    await waitFor('DependencyMissing', async () => {
      const deps = await condition('posiu', 'DependenciesReady');
      return deps?.status === 'False' && deps.reason === 'DependencyMissing' && deps.message.includes('service-discovery');
    }, 60_000, 250);
    assert.deepEqual(await helmList(op.shared.edges[1]!, `posiu-${run}`), [], 'nothing installed yet');
  });

  it('runs the provider with its APPD rules at the MEP, then posiu with its own', async function () {
    this.timeout(240_000);
    await instantiate('provider', 'provider', 1);
    await waitReady('provider');
    const providerId = (await get('provider')).status!.appInstanceId!;
    assert.equal(meps[1]!.configuration(providerId)?.appDNSRule?.[0]?.domainName, 'demo.mec.example');
    // Both real EdgeGallery APPDs claim positioningservice.org, and etherpad-2 holds it on this
    // MEP: posiu's rules are refused with the MEP's own detail until etherpad-2 is gone.
    await waitFor('the MEP refuses the duplicate domain', async () => {
      const rules = await condition('posiu', 'RulesConfigured');
      return rules?.status === 'False' && /duplicate dns entry/.test(rules.message);
    }, 60_000, 250);
    await instances.delete('etherpad-2', namespace);
    await waitReady('posiu');
    const id = (await get('posiu')).status!.appInstanceId!;
    const rule = await new ResourceClient<AppRule>(op.direct, mecmTypes.appRule).get('posiu', namespace);
    assert.equal(rule.metadata.ownerReferences?.[0]?.kind, 'AppInstance');
    assert.ok((meps[1]!.configuration(id)?.appTrafficRule?.length ?? 0) > 0, 'the MEP of edge 2 holds posiu\'s traffic rules');
    assert.equal((await condition('posiu', 'RulesConfigured'))?.status, 'True');
  });

  it('refuses to terminate the provider while posiu depends on it', async function () {
    this.timeout(60_000);
    await instances.delete('provider', namespace);
    await waitFor('DependentsExist', async () => (await condition('provider', 'Ready'))?.reason === 'DependentsExist', 30_000, 250);
    assert.ok((await get('provider')).metadata.deletionTimestamp, 'still there, held by its finalizer');
    assert.equal((await helmList(op.shared.edges[1]!, `provider-${run}`)).length, 1, 'still installed');
  });

  it('terminates: rules off the MEP, release uninstalled, its namespace deleted — then the provider too', async function () {
    this.timeout(240_000);
    const id = (await get('posiu')).status!.appInstanceId!;
    const ns = `posiu-${run}`;
    await instances.delete('posiu', namespace);
    await waitFor('AppInstance gone', async () => get('posiu').then(() => false, (e: unknown) => isNotFound(e)), 120_000, 250);
    assert.equal(meps[1]!.configuration(id), undefined);
    assert.deepEqual(await helmList(op.shared.edges[1]!, ns), []);
    await waitFor('namespace gone', async () => (await kubectl(op.shared.edges[1]!, ['get', 'namespace', ns])).code !== 0, 60_000, 250);
    await waitFor('provider gone', async () => get('provider').then(() => false, (e: unknown) => isNotFound(e)), 120_000, 250);
  });

  it('terminate keeps the namespace it made while another release is in it, and says so', async function () {
    this.timeout(240_000);
    const edge = op.shared.edges[0]!;
    const ns = `keeper-${run}`;
    await instantiate('keeper', 'provider', 0);
    await waitReady('keeper');
    assert.equal((await get('keeper')).status?.release?.createdNamespace, true);
    const pkg = await new ResourceClient<AppPackage>(op.direct, mecmTypes.appPackage).get('provider', namespace);
    const chartRef = pkg.status?.hosts?.find((h) => h.name === hostOf(0))?.chartReference ?? '';
    const other = await helmCli(edge, ['install', 'other', chartRef, '--namespace', ns, '--plain-http']);
    assert.equal(other.code, 0, other.stderr);
    try {
      await instances.delete('keeper', namespace);
      await waitFor('keeper gone', async () => get('keeper').then(() => false, (e: unknown) => isNotFound(e)), 120_000, 250);
      assert.deepEqual((await helmList(edge, ns)).map((r) => r.name), ['other'], 'our release went, theirs stayed');
      const kept = await kubectl(edge, ['get', 'namespace', ns, '-o', 'jsonpath={.metadata.deletionTimestamp}']);
      assert.deepEqual([kept.code, kept.stdout], [0, ''], 'the namespace is kept, not being deleted');
      const events = await kubectl(op.shared.hub, ['get', 'events', '-n', namespace, '--field-selector', 'involvedObject.name=keeper,reason=NamespaceKept', '-o', 'jsonpath={.items[*].message}']);
      assert.match(events.stdout, /other releases are in it \(other\)/);
    } finally {
      await helmCli(edge, ['uninstall', 'other', '--namespace', ns]);
      await kubectl(edge, ['delete', 'namespace', ns, '--wait=false']);
    }
  });

  it('refuses an edge namespace the Tenant does not grant before anything reaches the edge; granted, it installs; refused again, it keeps running; deleted, it uninstalls its own release', async function () {
    this.timeout(240_000);
    const edge = op.shared.edges[0]!;
    const ns = `gated-${run}`;
    const tenants = new ResourceClient<Tenant>(op.direct, mecmTypes.tenant);
    const refused = () => waitFor('gated NotPermitted', async () => (await condition('gated', 'Ready'))?.reason === 'NotPermitted', 30_000, 250);
    await instantiate('gated', 'provider', 0);
    await refused();
    const stalled = await condition('gated', 'Stalled');
    assert.equal(stalled?.status, 'True');
    assert.match(stalled?.message ?? '', new RegExp(`^Tenant ${op.tenantName} does not grant edge namespace ${ns}: its edge namespaces are etherpad-1-${run}, `));
    // Nothing reached the edge, nor was anything made on the hub for it.
    assert.notEqual((await kubectl(edge, ['get', 'namespace', ns])).code, 0, 'no namespace on the edge');
    assert.deepEqual(await helmList(edge, ns), []);
    const gated = await get('gated');
    assert.deepEqual([gated.metadata.finalizers ?? [], gated.status?.release, gated.status?.appInstanceId], [[], undefined, undefined]);
    const warned = await kubectl(op.shared.hub, ['get', 'events', '-n', namespace, '--field-selector', 'involvedObject.name=gated,reason=NotPermitted,type=Warning', '-o', 'jsonpath={.items[*].message}']);
    assert.match(warned.stdout, new RegExp(`does not grant edge namespace ${ns}`));

    // The admin grants it: the instance goes ahead by itself (the Tenant change wakes it).
    await tenants.patch(op.tenantName, undefined, 'merge', { spec: { edgeNamespaces: [...edgeNamespaces, ns] } });
    await waitReady('gated');
    const [release] = await helmList(edge, ns);
    assert.equal(release?.name, 'gated');
    // Taken back: refused again, and what runs stays as it is.
    await tenants.patch(op.tenantName, undefined, 'merge', { spec: { edgeNamespaces } });
    await refused();
    assert.deepEqual((await helmList(edge, ns)).map((r) => [r.name, r.revision]), [['gated', release?.revision]], 'the release stays, untouched');
    // Deleted, it takes out what it installed while it was granted.
    await instances.delete('gated', namespace);
    await waitFor('gated gone', async () => get('gated').then(() => false, (e: unknown) => isNotFound(e)), 120_000, 250);
    assert.deepEqual(await helmList(edge, ns), []);
  });
});
