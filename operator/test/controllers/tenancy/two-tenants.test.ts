/**
 * Two tenants on real clusters: every attack of issue 12's first paragraph, made by one tenant
 * (the attacker, Tenant `mx<run>`, hub namespace `mx<run>`) against the other (the victim,
 * Tenant `mx<run>-b`, hub namespace `mx<run>-b`). The names are the colliding pair: joining hub
 * namespace and instance names, `mx<run>`+`b-c` and `mx<run>-b`+`c` would both give the edge
 * namespace `mx<run>-b-c`, and the attacker's default pattern `mx<run>-*` matches it too. Each
 * attack is refused with a clear condition, and the victim's release and namespace (helm and
 * kubectl on the edge), registry content (an image named like its chart lands under the
 * attacker's own prefix) and MEP rules (the simulator) are asserted unchanged.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { AppstoreSimulator } from '../../../../testenv/src/appstore-simulator.js';
import type { Cluster } from '../../../../testenv/src/environment.js';
import { MepSimulator } from '../../../../testenv/src/mep-simulator.js';
import { waitFor } from '../../../../testenv/src/process.js';
import type { AppInstance, AppInstanceSpec } from '../../../src/api/appinstance.js';
import type { AppPackage } from '../../../src/api/apppackage.js';
import type { AppRule, AppRuleSpec } from '../../../src/api/apprule.js';
import type { EdgeHost } from '../../../src/api/edgehost.js';
import { mecmTypes } from '../../../src/api/resources.js';
import type { Tenant, TenantSpec } from '../../../src/api/tenant.js';
import type { Condition } from '../../../src/api/schema/meta.js';
import { isNotFound } from '../../../src/runtime/kube/errors.js';
import { coreTypes, type KubeObject } from '../../../src/runtime/kube/resource.js';
import { ResourceClient } from '../../../src/runtime/kube/resource-client.js';
import { Registry } from '../../../src/oci/registry.js';
import { APPD_YAML, buildTgz, validFiles, withManifest, zipOf } from '../../csar/support/packages.js';
import { pushTestImage } from '../../support/oci.js';
import { envStartTimeoutMs } from '../../support/env.js';
import { kubectl, runCommand } from '../../support/kubectl.js';
import { operatorNamespace, startOperator, type TestOperator } from '../../support/operator.js';

const run = Date.now().toString(36);
const attacker = `mx${run}`;
const victim = `mx${run}-b`;
/** The edge namespace the victim's instance `c` uses; the attacker's instance `b-c` asks for it too. */
const victimEdgeNamespace = `${victim}-c`;
const sharedHost = `mx${run}-1`;
/** Granted to the victim only. */
const victimHost = `mx${run}-2`;
const mepToken = `mx${run}-mep-token`;

const deployment = (name: string) => [
  'apiVersion: apps/v1', 'kind: Deployment', 'metadata:', `  name: ${name}`, 'spec:', '  replicas: 1',
  `  selector: {matchLabels: {app: ${name}}}`, '  template:', `    metadata: {labels: {app: ${name}}}`,
  '    spec: {containers: [{name: app, image: "example.invalid/plain:1"}]}', ''].join('\n');

/** A CSAR with one chart made of `templates`, the images of `swImages`, and nothing for the MEP. */
async function packageOf(chartName: string, templates: Record<string, string>, swImages: readonly string[] = [], appdYaml?: string): Promise<Buffer> {
  const chart = await buildTgz([
    { name: `${chartName}/Chart.yaml`, data: `apiVersion: v2\nname: ${chartName}\nversion: 1.0.0\n` },
    ...Object.entries(templates).map(([file, data]) => ({ name: `${chartName}/templates/${file}`, data })),
  ]);
  const appd = appdYaml ?? APPD_YAML.replace(/        appServiceRequired:\n(?:          .*\n)+?(?=        appServiceProduced)/, '').replace('appSupportMp1: true', 'appSupportMp1: false')
    .replace(/        appTrafficRule:[\s\S]*$/, '');
  const images = swImages.map((swImage, i) => ({ id: `img-${i}`, name: `img-${i}`, version: '1.0', swImage, architecture: 'X86' }));
  return zipOf(withManifest({ ...validFiles(chart), 'APPD/Definition/MainServiceTemplate.yaml': appd, 'Image/SwImageDesc.json': JSON.stringify(images) }));
}

/** The victim's one traffic rule and one DNS rule, inside its grant. */
const victimRules: NonNullable<AppInstanceSpec['rules']> = {
  appTrafficRule: [{
    trafficRuleId: 'web', filterType: 'FLOW', priority: 5, action: 'FORWARD_DECAPSULATED',
    trafficFilter: [{ dstAddress: ['10.20.1.0/24'], dstPort: ['443'], protocol: ['TCP'] }],
    dstInterface: [{ interfaceType: 'IP', dstIpAddress: '10.20.0.8' }],
  }],
  appDNSRule: [{ dnsRuleId: 'web', domainName: 'web.b.mec.example', ipAddressType: 'IP_V4', ipAddress: '10.20.0.8', ttl: 30 }],
};

/** Mirror every user-plane packet to an address of the attacker's choosing. */
const mirrorEverything: NonNullable<AppRuleSpec['appTrafficRule']> = [{
  trafficRuleId: 'tap', filterType: 'FLOW', priority: 1, action: 'DUPLICATE_AS_IS',
  trafficFilter: [{ srcAddress: ['0.0.0.0/0'] }], dstInterface: [{ interfaceType: 'IP', dstIpAddress: '203.0.113.66' }],
}];

describe('Two tenants on real clusters: every cross-tenant attack is refused and the victim is unchanged', function () {
  let op: TestOperator;
  let edge: Cluster;
  let store: AppstoreSimulator;
  let mep: MepSimulator;
  let instances: ResourceClient<AppInstance>;
  let rules: ResourceClient<AppRule>;
  let packages: ResourceClient<AppPackage>;
  let tenants: ResourceClient<Tenant>;
  /** The victim's instance, once Ready. */
  let victimId = '';
  let victimHelm: string[][] = [];
  let victimChartDigest: string | undefined;
  const ungoverned = `mx${run}-none`;

  before(async function () {
    this.timeout(envStartTimeoutMs);
    op = await startOperator({ namespace: `mx${run}-op`, controllers: ['apppackage', 'apprule', 'appinstance'], apppackage: { workers: 2 } });
    edge = op.shared.edges[0]!;
    instances = new ResourceClient<AppInstance>(op.direct, mecmTypes.appInstance);
    rules = new ResourceClient<AppRule>(op.direct, mecmTypes.appRule);
    packages = new ResourceClient<AppPackage>(op.direct, mecmTypes.appPackage);
    tenants = new ResourceClient<Tenant>(op.direct, mecmTypes.tenant);
    const namespaces = new ResourceClient(op.direct, coreTypes.namespace);
    for (const name of [attacker, victim, ungoverned]) await namespaces.create({ metadata: { name } });

    store = await AppstoreSimulator.start();
    await store.addPackage({ appId: 'web', packageId: 'v1', name: 'web', version: '1.0', provider: 'Tests', file: await packageOf('web', { 'deployment.yaml': deployment('{{ .Release.Name }}') }) });
    await store.addPackage({
      appId: 'crb', packageId: 'v1', name: 'crb', version: '1.0', provider: 'Tests', file: await packageOf('crb', {
        'deployment.yaml': deployment('{{ .Release.Name }}'),
        // Cluster admin for the namespace's default ServiceAccount: what the admin kubeconfig would have allowed.
        'binding.yaml': ['apiVersion: rbac.authorization.k8s.io/v1', 'kind: ClusterRoleBinding', 'metadata:', '  name: "{{ .Release.Name }}-takeover"',
          'roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}',
          'subjects: [{kind: ServiceAccount, name: default, namespace: "{{ .Release.Namespace }}"}]', ''].join('\n'),
      }),
    });

    // An image whose path and tag are those of the victim's chart in the edge registry.
    const sourceUrl = await op.shared.env.startRegistry('mx-source');
    const source = new Registry({ baseUrl: sourceUrl });
    await pushTestImage(source, `mecm/${victim}/web/web`, '1.0.0');
    source.close();
    await store.addPackage({
      appId: 'evil', packageId: 'v1', name: 'evil', version: '1.0', provider: 'Tests',
      file: await packageOf('evil', { 'deployment.yaml': deployment('{{ .Release.Name }}') }, [`${new URL(sourceUrl).host}/mecm/${victim}/web/web:1.0.0`]),
    });

    // Requires demo-api, which the victim's web produces (APPD_YAML's appServiceProduced).
    const consumerAppd = APPD_YAML.replace('serName: location', 'serName: demo-api').replace('appSupportMp1: true', 'appSupportMp1: false')
      .replace(/        appServiceProduced:[\s\S]*$/, '');
    await store.addPackage({
      appId: 'consumer', packageId: 'v1', name: 'consumer', version: '1.0', provider: 'Tests',
      file: await packageOf('consumer', { 'deployment.yaml': deployment('{{ .Release.Name }}') }, [], consumerAppd),
    });

    mep = await MepSimulator.start({ token: 'mep-token', taskDurationMs: 50 });
    const secrets = new ResourceClient<KubeObject & { stringData: Record<string, string> }>(op.direct, coreTypes.secret);
    await secrets.create({ metadata: { name: `mx${run}-kubeconfig`, namespace: operatorNamespace }, stringData: { kubeconfig: await edge.kubeconfig() } });
    await secrets.create({ metadata: { name: mepToken, namespace: operatorNamespace }, stringData: { token: 'mep-token' } });
    const hosts = new ResourceClient<EdgeHost>(op.direct, mecmTypes.edgeHost);
    for (const name of [sharedHost, victimHost]) {
      await hosts.create({
        apiVersion: 'mecm.io/v1alpha1', kind: 'EdgeHost', metadata: { name, labels: { 'mx-test': run } },
        spec: {
          infrastructure: { type: 'kubernetes', kubeconfigSecretRef: { name: `mx${run}-kubeconfig` } },
          repository: { url: edge.registryUrl!, insecure: true },
          mep: { url: mep.url, tokenSecretRef: { name: mepToken } },
        },
      });
    }

    await createTenant(victim, {
      hosts: { names: [sharedHost, victimHost] },
      mep: { trafficActions: ['FORWARD_DECAPSULATED'], deliveryCidrs: ['10.20.0.0/16'], dnsSuffixes: ['b.mec.example'], dnsAnswerCidrs: ['10.20.0.0/16'] },
    });
    await createTenant(attacker, {
      hosts: { names: [sharedHost] },
      // The attacker may duplicate traffic, but only to its own collector network.
      mep: { trafficActions: ['DUPLICATE_AS_IS', 'PASSTHROUGH'], deliveryCidrs: ['10.30.0.0/16'], dnsSuffixes: ['a.mec.example'], dnsAnswerCidrs: ['10.30.0.0/16'] },
    });
    for (const namespace of [attacker, victim, ungoverned]) await createPackage(namespace, 'web');
    await createPackage(attacker, 'crb');
    await createPackage(attacker, 'consumer');
  });

  after(async function () {
    this.timeout(180_000);
    if (!op) return;
    for (const namespace of [attacker, victim, ungoverned]) {
      for (const item of (await instances.list({ namespace })).items) await instances.delete(item.metadata.name!, namespace).catch(() => undefined);
      for (const item of (await rules.list({ namespace })).items) await rules.delete(item.metadata.name!, namespace).catch(() => undefined);
    }
    const left = async () => {
      let count = 0;
      for (const namespace of [attacker, victim, ungoverned]) count += (await instances.list({ namespace })).items.length + (await rules.list({ namespace })).items.length;
      return count;
    };
    await waitFor('instances and rules gone', async () => (await left()) === 0, 120_000, 250).catch(() => undefined);
    for (const namespace of [attacker, victim, ungoverned]) {
      for (const item of (await packages.list({ namespace })).items) await packages.delete(item.metadata.name!, namespace).catch(() => undefined);
    }
    for (const name of [attacker, victim]) await tenants.delete(name).catch(() => undefined);
    const hosts = new ResourceClient(op.direct, mecmTypes.edgeHost);
    for (const name of [sharedHost, victimHost]) await hosts.delete(name).catch(() => undefined);
    for (const name of [`mx${run}-kubeconfig`, mepToken]) await new ResourceClient(op.direct, coreTypes.secret).delete(name, operatorNamespace).catch(() => undefined);
    for (const name of [attacker, victim, ungoverned]) await new ResourceClient(op.direct, coreTypes.namespace).delete(name).catch(() => undefined);
    await op.stop();
    await store?.stop();
    await mep?.stop();
  });

  async function createTenant(name: string, spec: Omit<TenantSpec, 'namespaces'>): Promise<void> {
    await tenants.create({ apiVersion: 'mecm.io/v1alpha1', kind: 'Tenant', metadata: { name }, spec: { namespaces: [name], ...spec } });
  }

  async function createPackage(namespace: string, app: string, images: NonNullable<AppPackage['spec']['images']> = { mirror: 'Skip' }): Promise<void> {
    await packages.create({
      apiVersion: 'mecm.io/v1alpha1', kind: 'AppPackage', metadata: { name: app, namespace },
      spec: {
        source: { appstore: { url: store.url, appId: app, packageId: 'v1' } },
        distribution: { hostSelector: { matchLabels: { 'mx-test': run } } }, images,
      },
    });
  }

  function instantiate(namespace: string, name: string, spec: Omit<AppInstanceSpec, 'packageRef' | 'hostRef'> & { packageRef?: { name: string }; hostRef?: { name: string } }): Promise<AppInstance> {
    return instances.create({
      apiVersion: 'mecm.io/v1alpha1', kind: 'AppInstance', metadata: { name, namespace },
      spec: { packageRef: { name: 'web' }, hostRef: { name: sharedHost }, ...spec },
    });
  }

  const conditionOf = async (client: ResourceClient<AppInstance> | ResourceClient<AppRule> | ResourceClient<AppPackage>, namespace: string, name: string, type: string): Promise<Condition | undefined> =>
    (await client.get(name, namespace)).status?.conditions?.find((c) => c.type === type);

  /** Waits for `name` to be Stalled NotPermitted and returns the message. */
  async function notPermitted(client: ResourceClient<AppInstance> | ResourceClient<AppRule> | ResourceClient<AppPackage>, namespace: string, name: string): Promise<string> {
    await waitFor(`${namespace}/${name} NotPermitted`, async () => (await conditionOf(client, namespace, name, 'Stalled'))?.reason === 'NotPermitted', 60_000, 200);
    const ready = await conditionOf(client, namespace, name, 'Ready');
    assert.equal(ready?.status, 'False');
    return (await conditionOf(client, namespace, name, 'Stalled'))?.message ?? '';
  }

  const helm = async (namespace: string) => {
    const out = await runCommand('env', [`HELM_CONFIG_HOME=${op.dataDir}/hc`, `HELM_CACHE_HOME=${op.dataDir}/hk`, (await edge.binaries).helm,
      'list', '--all', '-n', namespace, '-o', 'json', '--kubeconfig', edge.kubeconfigFile]);
    return (JSON.parse(out.stdout || '[]') as Array<{ name: string; revision: string; status: string }>).map((r) => [r.name, r.revision, r.status]);
  };
  const registry = () => new Registry({ baseUrl: edge.registryUrl ?? '' });

  /** The victim is as it was when it became Ready: release, namespace, registry, MEP. */
  async function victimUnchanged(): Promise<void> {
    assert.deepEqual(await helm(victimEdgeNamespace), victimHelm, 'the victim\'s release: same revision, deployed');
    const namespace = await kubectl(edge, ['get', 'namespace', victimEdgeNamespace, '-o', 'jsonpath={.metadata.deletionTimestamp}']);
    assert.equal(namespace.code, 0, 'the victim\'s namespace exists');
    assert.equal(namespace.stdout, '', 'and is not being deleted');
    assert.equal(await registry().resolve(`mecm/${victim}/web/web`, '1.0.0'), victimChartDigest, 'the victim\'s chart in the edge registry');
    const held = mep.configuration(victimId);
    assert.deepEqual(held?.appTrafficRule?.map((r) => [r.trafficRuleId, r.action]), [['web', 'FORWARD_DECAPSULATED']], 'the victim\'s traffic rule at the MEP');
    assert.deepEqual(held?.appDNSRule?.map((r) => [r.dnsRuleId, r.domainName]), [['web', 'web.b.mec.example']], 'the victim\'s DNS rule at the MEP');
    assert.equal((await conditionOf(instances, victim, 'c', 'Ready'))?.status, 'True', 'the victim is still Ready');
  }

  it('runs the victim: instance c of hub namespace mx<run>-b in edge namespace mx<run>-b-c, with its MEP rules', async function () {
    this.timeout(180_000);
    await instantiate(victim, 'c', { namespace: victimEdgeNamespace, releaseName: 'c', rules: victimRules });
    await waitFor('victim Ready', async () => (await conditionOf(instances, victim, 'c', 'Ready'))?.status === 'True', 150_000, 250);
    victimId = (await instances.get('c', victim)).status?.appInstanceId ?? '';
    victimHelm = await helm(victimEdgeNamespace);
    assert.deepEqual(victimHelm, [['c', '1', 'deployed']]);
    victimChartDigest = await registry().resolve(`mecm/${victim}/web/web`, '1.0.0');
    assert.ok(victimChartDigest, 'the victim\'s chart is in the edge registry');
    await victimUnchanged();
  });

  it('refuses an instance in kube-system: NotPermitted naming the Tenant\'s edge namespaces, nothing installed there', async function () {
    this.timeout(90_000);
    await instantiate(attacker, 'system', { namespace: 'kube-system', releaseName: 'system' });
    const message = await notPermitted(instances, attacker, 'system');
    assert.match(message, new RegExp(`Tenant ${attacker} does not grant edge namespace kube-system: its edge namespaces are ${attacker}-\\*`));
    assert.deepEqual(await helm('kube-system'), []);
    await victimUnchanged();
  });

  it('refuses the colliding name: the attacker\'s b-c cannot take the victim\'s edge namespace and release, nor delete them', async function () {
    this.timeout(120_000);
    await instantiate(attacker, 'b-c', { namespace: victimEdgeNamespace, releaseName: 'c', values: { takeover: true } });
    const message = await notPermitted(instances, attacker, 'b-c');
    assert.match(message, new RegExp(`edge namespace ${victimEdgeNamespace} belongs to Tenant ${victim}, whose pattern ${victim}-\\* names it more specifically than ${attacker}-\\*`));
    assert.equal((await instances.get('b-c', attacker)).status?.release, undefined, 'nothing of the victim is recorded');
    await victimUnchanged();
    await instances.delete('b-c', attacker);
    await waitFor('b-c gone', async () => instances.get('b-c', attacker).then(() => false, (e: unknown) => isNotFound(e)), 60_000, 250);
    await victimUnchanged();
  });

  it('refuses a chart with a ClusterRoleBinding at the edge API server: the tenant\'s identity may not create it', async function () {
    this.timeout(150_000);
    await instantiate(attacker, 'crb', { packageRef: { name: 'crb' }, namespace: `${attacker}-crb`, releaseName: 'crb' });
    await waitFor('crb refused by the edge', async () => {
      const ready = await conditionOf(instances, attacker, 'crb', 'Ready');
      return ready?.status === 'False' && /clusterrolebindings/.test(ready.message);
    }, 120_000, 250);
    const ready = await conditionOf(instances, attacker, 'crb', 'Ready');
    assert.equal(ready?.reason, 'Forbidden', ready?.message);
    assert.match(ready?.message ?? '', new RegExp(`mecm-tenant-${attacker}`), 'names the identity the edge refused');
    assert.match(ready?.message ?? '', /allowClusterScopedObjects/, 'says what grant is missing');
    const binding = await kubectl(edge, ['get', 'clusterrolebinding', 'crb-takeover']);
    assert.notEqual(binding.code, 0, 'no ClusterRoleBinding on the edge');
    await victimUnchanged();
  });

  it('mirrors an image named like the victim\'s chart under the attacker\'s own package prefix: the victim\'s chart is not overwritten', async function () {
    this.timeout(90_000);
    await createPackage(attacker, 'evil', { mirror: 'Required', insecureRegistries: [new URL(await op.shared.env.startRegistry('mx-source')).host] });
    await waitFor('evil distributed', async () => (await packages.get('evil', attacker)).status?.hosts?.find((h) => h.name === sharedHost)?.state === 'Distributed', 60_000, 250);
    const mirrored = await registry().resolve(`mecm/${attacker}/evil/images/mecm/${victim}/web/web`, '1.0.0');
    assert.ok(mirrored, 'the image is under the attacker\'s package prefix');
    assert.notEqual(mirrored, victimChartDigest);
    await victimUnchanged();
  });

  it('refuses an AppRule on a host the attacker is not granted, and one with the victim\'s appInstanceId on a granted host', async function () {
    this.timeout(90_000);
    const requestsBefore = mep.requests().length;
    await rules.create({
      apiVersion: 'mecm.io/v1alpha1', kind: 'AppRule', metadata: { name: 'other-host', namespace: attacker },
      spec: { hostRef: { name: victimHost }, appInstanceId: randomUUID(), appName: 'other-host', appSupportMp1: true },
    });
    assert.match(await notPermitted(rules, attacker, 'other-host'), new RegExp(`Tenant ${attacker} does not grant EdgeHost ${victimHost}`));

    await rules.create({
      apiVersion: 'mecm.io/v1alpha1', kind: 'AppRule', metadata: { name: 'hijack', namespace: attacker },
      spec: { hostRef: { name: sharedHost }, appInstanceId: victimId, appName: 'hijack', appSupportMp1: true },
    });
    await waitFor('hijack refused', async () => (await conditionOf(rules, attacker, 'hijack', 'Stalled'))?.reason === 'AppInstanceIdInUse', 60_000, 200);
    assert.equal(mep.requests().slice(requestsBefore).filter((r) => r.method !== 'GET').length, 0, 'nothing but reads reached the MEP');
    await victimUnchanged();
  });

  it('refuses mirroring all traffic to an address outside the grant before anything reaches the MEP', async function () {
    this.timeout(90_000);
    const id = randomUUID();
    await rules.create({
      apiVersion: 'mecm.io/v1alpha1', kind: 'AppRule', metadata: { name: 'tap', namespace: attacker },
      spec: { hostRef: { name: sharedHost }, appInstanceId: id, appName: 'tap', appTrafficRule: mirrorEverything },
    });
    const message = await notPermitted(rules, attacker, 'tap');
    assert.match(message, new RegExp(`traffic rule tap dstInterface\\[0\\]: dstIpAddress 203\\.0\\.113\\.66 is outside Tenant ${attacker}'s spec\\.mep\\.deliveryCidrs`));
    assert.equal(mep.configuration(id), undefined);
    assert.equal(mep.countRequests('POST', id), 0);
    await victimUnchanged();
  });

  it('refuses everything in a namespace no Tenant governs, naming the missing grant', async function () {
    this.timeout(90_000);
    assert.match(await notPermitted(packages, ungoverned, 'web'), new RegExp(`namespace ${ungoverned} is governed by no Tenant`));
    assert.equal(await registry().resolve(`mecm/${ungoverned}/web/web`, '1.0.0'), undefined, 'nothing pushed for it');
    await instantiate(ungoverned, 'web', { namespace: `${ungoverned}-web` });
    assert.match(await notPermitted(instances, ungoverned, 'web'), new RegExp(`namespace ${ungoverned} is governed by no Tenant: an admin must list it in a Tenant's spec.namespaces`));
    assert.deepEqual(await helm(`${ungoverned}-web`), []);
    await victimUnchanged();
  });

  it('governs a namespace two Tenants list by neither', async function () {
    this.timeout(90_000);
    // The attacker's admin is tricked into listing the victim's namespace too.
    await tenants.patch(attacker, undefined, 'merge', { spec: { namespaces: [attacker, victim] } });
    await instantiate(victim, 'late', { namespace: `${victim}-late` });
    assert.match(await notPermitted(instances, victim, 'late'), new RegExp(`namespace ${victim} is listed by Tenants ${attacker} and ${victim}, so neither governs it`));
    assert.deepEqual(await helm(`${victim}-late`), []);
    // What runs is left as it is: nothing is deleted because a grant became unclear.
    assert.deepEqual(await helm(victimEdgeNamespace), victimHelm);
    await tenants.patch(attacker, undefined, 'merge', { spec: { namespaces: [attacker] } });
    await waitFor('late Ready once the conflict is gone', async () => (await conditionOf(instances, victim, 'late', 'Ready'))?.status === 'True', 120_000, 250);
    await victimUnchanged();
  });

  it('satisfies appServiceRequired only within a Tenant or from a sharedServices one; only allowed dependents block termination', async function () {
    this.timeout(240_000);
    await instantiate(attacker, 'needs', { packageRef: { name: 'consumer' }, namespace: `${attacker}-needs` });
    // The victim's web produces demo-api on this host and is Ready: another tenant's service does not count.
    await waitFor('needs waits for demo-api', async () => {
      const deps = await conditionOf(instances, attacker, 'needs', 'DependenciesReady');
      return deps?.status === 'False' && deps.reason === 'DependencyMissing' && deps.message.includes('demo-api');
    }, 60_000, 250);
    assert.deepEqual(await helm(`${attacker}-needs`), []);

    // The admin makes the victim a shared platform: now the attacker may rely on it.
    await tenants.patch(victim, undefined, 'merge', { spec: { sharedServices: true } });
    await waitFor('needs Ready', async () => (await conditionOf(instances, attacker, 'needs', 'Ready'))?.status === 'True', 120_000, 250);
    await instances.delete('c', victim);
    await waitFor('c held by its allowed dependent', async () => (await conditionOf(instances, victim, 'c', 'Ready'))?.reason === 'DependentsExist', 60_000, 250);
    assert.deepEqual(await helm(victimEdgeNamespace), victimHelm, 'still installed');

    // Withdrawn: the dependent was no longer allowed to depend, so it no longer holds the provider.
    await tenants.patch(victim, undefined, 'merge', { spec: { sharedServices: false } });
    await waitFor('c gone', async () => instances.get('c', victim).then(() => false, (e: unknown) => isNotFound(e)), 120_000, 250);
    assert.deepEqual(await helm(victimEdgeNamespace), []);
  });
});
