/**
 * The AppPackage controller on real registries and the real hub: packages onboarded from the
 * appstore simulator (both real EdgeGallery packages and one built here) are parsed, verified
 * per policy and distributed to two edge registries — the chart Helm pulls back and the
 * mirrored image have the digests of the originals; a selector change removes the package
 * from the host that left; deletion removes it everywhere. A digest cached for one namespace
 * goes to another only through that namespace's own source. What the namespace's Tenant does
 * not allow (no grant, a host, the count, the bytes) is NotPermitted before anything is
 * downloaded or pushed.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppstoreSimulator } from '../../../../testenv/src/appstore-simulator.js';
import { waitFor } from '../../../../testenv/src/process.js';
import type { AppPackage, AppPackageSpec } from '../../../src/api/apppackage.js';
import type { EdgeHost } from '../../../src/api/edgehost.js';
import { mecmTypes } from '../../../src/api/resources.js';
import type { Tenant } from '../../../src/api/tenant.js';
import { Registry } from '../../../src/oci/registry.js';
import { isNotFound } from '../../../src/runtime/kube/errors.js';
import { coreTypes, type KubeObject } from '../../../src/runtime/kube/resource.js';
import { ResourceClient } from '../../../src/runtime/kube/resource-client.js';
import { chartTgz, validFiles, withManifest, zipOf } from '../../csar/support/packages.js';
import { testTenant } from '../../fixtures/tenant.js';
import { envStartTimeoutMs, type SharedEnv } from '../../support/env.js';
import { runCommand } from '../../support/kubectl.js';
import { pushTestImage } from '../../support/oci.js';
import { operatorNamespace, startOperator, type TestOperator } from '../../support/operator.js';
import { edgegalleryTestdata } from '../../support/testdata.js';

const run = Date.now().toString(36);
const namespace = `apkg-${run}`;
const testdata = edgegalleryTestdata();
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

describe('AppPackage controller on real registries', function () {
  let operator: TestOperator;
  let shared: SharedEnv;
  let packages: ResourceClient<AppPackage>;
  let hosts: ResourceClient<EdgeHost>;
  let store: AppstoreSimulator;
  let sourceHost: string;
  let imageDigest: string;
  const edgeRegistries: Registry[] = [];
  const hostNames = [`apkg-${run}-1`, `apkg-${run}-2`];

  before(async function () {
    this.timeout(envStartTimeoutMs);
    // The second namespace is the cache test's (its own appstore account, the same Tenant).
    operator = await startOperator({ namespace, controllers: ['apppackage'], grant: { namespaces: [namespace, `${namespace}-b`] } });
    shared = operator.shared;
    packages = new ResourceClient<AppPackage>(operator.direct, mecmTypes.appPackage);
    hosts = new ResourceClient<EdgeHost>(operator.direct, mecmTypes.edgeHost);
    await new ResourceClient<KubeObject & { stringData: Record<string, string> }>(operator.direct, coreTypes.secret)
      .create({ metadata: { name: 'appstore', namespace }, stringData: { token: 'store-token' } });

    const sourceUrl = await shared.env.startRegistry('source');
    sourceHost = new URL(sourceUrl).host;
    const source = new Registry({ baseUrl: sourceUrl });
    imageDigest = (await pushTestImage(source, 'demo/demo', '1.0')).digest;
    source.close();

    store = await AppstoreSimulator.start({ token: 'store-token' });
    await store.addPackage({ appId: 'etherpad', packageId: 'v1', name: 'etherpad', version: '1.0', provider: 'Huawei', file: join(testdata, 'etherpad.csar') });
    await store.addPackage({ appId: 'posiu', packageId: 'v1', name: 'test_posiu', version: '1.0', provider: 'Huawei', file: join(testdata, 'test-posiu-apprules.csar') });
    const files = validFiles(await chartTgz('demo', '1.2.3'));
    files['Image/SwImageDesc.json'] = JSON.stringify([{ id: 'img-1', name: 'demo', version: '1.0', swImage: `${sourceHost}/demo/demo:1.0`, architecture: 'X86' }]);
    await store.addPackage({ appId: 'demo', packageId: 'v2', name: 'demo', version: '2.0', provider: 'Tests', file: zipOf(withManifest(files)) });

    for (const [i, edge] of shared.edges.entries()) {
      await hosts.create(edgeHost(hostNames[i] ?? '', edge.registryUrl ?? ''));
      edgeRegistries.push(new Registry({ baseUrl: edge.registryUrl ?? '' }));
    }
  });

  after(async function () {
    this.timeout(60_000);
    // Delete while the controller still runs, so finalizers are honoured and nothing lingers.
    if (packages) {
      for (const pkg of (await packages.list({ namespace })).items) await packages.delete(pkg.metadata.name ?? '', namespace);
      await waitFor('AppPackages gone', async () => (await packages.list({ namespace })).items.length === 0, 45_000, 200);
    }
    for (const name of hostNames) await hosts?.delete(name).catch(() => undefined);
    await operator?.stop();
    await store?.stop();
    for (const r of edgeRegistries) r.close();
  });

  /** An EdgeHost of this suite: selected by its label, its repository at `url`. */
  function edgeHost(name: string, url: string): EdgeHost {
    return {
      apiVersion: 'mecm.io/v1alpha1', kind: 'EdgeHost', metadata: { name, labels: { 'apkg-test': run } },
      spec: { infrastructure: { type: 'kubernetes', kubeconfigSecretRef: { name: `apkg-${run}-unused` } }, repository: { url, insecure: true } },
    };
  }

  async function onboard(name: string, appId: string, packageId: string, extra: Partial<AppPackageSpec> = {}): Promise<void> {
    await packages.create({
      apiVersion: 'mecm.io/v1alpha1', kind: 'AppPackage', metadata: { name, namespace },
      spec: {
        source: { appstore: { url: store.url, appId, packageId, credentialsSecretRef: { name: 'appstore' } } },
        distribution: { hostSelector: { matchLabels: { 'apkg-test': run } } },
        // The real packages name images on public registries: tests never reach beyond loopback.
        images: { mirror: 'Skip' },
        ...extra,
      },
    });
  }

  const get = (name: string) => packages.get(name, namespace);
  const condition = async (name: string, type: string) => (await get(name)).status?.conditions?.find((c) => c.type === type);
  const waitDistributed = (name: string, expected: string, timeoutMs = 60_000) => waitFor(`${name} distributed ${expected}`, async () => {
    const status = (await get(name)).status;
    return status?.distributed === expected && status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
  }, timeoutMs, 100);

  it('onboards etherpad from the appstore, shows its placeholder hashes, and distributes its chart to both edges', async function () {
    this.timeout(90_000);
    await onboard('etherpad', 'etherpad', 'v1');
    await waitDistributed('etherpad', '2/2');
    const status = (await get('etherpad')).status ?? {};
    assert.equal(status.app?.name, 'etherpad');
    assert.equal(status.app?.provider, 'Huawei');
    // The chart's own name, from its Chart.yaml (EdgeGallery generated it).
    assert.equal(status.charts?.[0]?.name, 'etherpad9da310a0-b3ab-47');
    assert.equal(status.charts?.[0]?.version, '1.0');
    const verified = status.conditions?.find((c) => c.type === 'Verified');
    assert.equal(verified?.status, 'False', 'Warn: placeholder hashes are shown, not fatal');
    assert.equal(verified?.reason, 'ManifestHashMismatch');
    assert.match(verified?.message ?? '', /Artifacts\/Deployment\/Charts\/etherpad\.tgz|MainServiceTemplate\.yaml/);
    assert.equal(status.digest, `sha256:${sha256(await readFile(join(testdata, 'etherpad.csar')))}`);

    const helm = (await shared.hub.binaries).helm;
    for (const host of status.hosts ?? []) {
      assert.equal(host.state, 'Distributed');
      const reference = host.chartReference ?? '';
      const [repo, version] = [reference.slice(0, reference.lastIndexOf(':')), reference.slice(reference.lastIndexOf(':') + 1)];
      const work = await mkdtemp(join(tmpdir(), 'apkg-pull-'));
      try {
        await mkdir(join(work, 'out'));
        const pulled = await runCommand('env', [`HELM_CONFIG_HOME=${work}/c`, `HELM_CACHE_HOME=${work}/k`, helm, 'pull', repo, '--version', version, '--plain-http', '--destination', join(work, 'out')]);
        assert.equal(pulled.code, 0, pulled.stderr);
        const file = join(work, 'out', `${status.charts?.[0]?.name}-${version}.tgz`);
        assert.equal(`sha256:${sha256(await readFile(file))}`, status.charts?.[0]?.digest, `${host.name} serves the package's chart unchanged`);
      } finally {
        await rm(work, { recursive: true, force: true });
      }
    }
    assert.equal(store.downloads.length >= 1, true);
  });

  it('distributes to a host that joins the selector later', async function () {
    this.timeout(60_000);
    const late = `apkg-${run}-joiner`;
    await hosts.create(edgeHost(late, `${shared.edges[0]?.registryUrl}/joiner`));
    try {
      await waitDistributed('etherpad', '3/3');
      const entry = (await get('etherpad')).status?.hosts?.find((h) => h.name === late);
      assert.match(entry?.chartReference ?? '', /\/joiner\/mecm\//, 'pushed under the new host\'s repository path');
    } finally {
      await hosts.delete(late);
    }
    await waitDistributed('etherpad', '2/2');
  });

  it('parses the APPD.zip-style package with its traffic and DNS rules', async function () {
    this.timeout(90_000);
    await onboard('posiu', 'posiu', 'v1');
    await waitDistributed('posiu', '2/2');
    const rules = (await get('posiu')).status?.rules;
    assert.ok((rules?.trafficRules ?? 0) > 0 && (rules?.dnsRules ?? 0) > 0, `rules found: ${JSON.stringify(rules)}`);
  });

  it('verifies a correct package and mirrors its image to each edge with the same digest', async function () {
    this.timeout(90_000);
    await onboard('demo', 'demo', 'v2', { verification: { manifestHashes: 'Strict' }, images: { mirror: 'Required', insecureRegistries: [sourceHost] } });
    await waitDistributed('demo', '2/2');
    assert.equal((await condition('demo', 'Verified'))?.status, 'True');
    // Under the package's own prefix: no other package can write there.
    for (const registry of edgeRegistries) assert.equal(await registry.resolve(`mecm/${namespace}/demo/images/demo/demo`, '1.0'), imageDigest);
    assert.ok((await get('demo')).status?.hosts?.every((h) => h.imagesMirrored === 1));
  });

  it('removes the package from a host that leaves the targets', async function () {
    this.timeout(60_000);
    const chartRepo = `mecm/${namespace}/demo/demo`;
    assert.ok(await edgeRegistries[1]?.resolve(chartRepo, '1.2.3'), 'edge 2 has the chart before');
    await packages.patch('demo', namespace, 'merge', { spec: { distribution: { hostSelector: null, hostNames: [hostNames[0]] } } });
    await waitDistributed('demo', '1/1');
    assert.deepEqual((await get('demo')).status?.hosts?.map((h) => h.name), [hostNames[0]]);
    assert.equal(await edgeRegistries[1]?.resolve(chartRepo, '1.2.3'), undefined, 'gone from edge 2');
    assert.ok(await edgeRegistries[0]?.resolve(chartRepo, '1.2.3'), 'still on edge 1');
  });

  it('removes the package from every host when deleted, then releases it', async function () {
    this.timeout(60_000);
    const chartRepo = `mecm/${namespace}/demo/demo`;
    await packages.delete('demo', namespace);
    await waitFor('AppPackage gone', async () => get('demo').then(() => false, (e: unknown) => isNotFound(e)), 30_000, 100);
    assert.equal(await edgeRegistries[0]?.resolve(chartRepo, '1.2.3'), undefined);
  });

  it('keeps an unreachable host Distributing while the others proceed, and finishes when it answers', async function () {
    this.timeout(90_000);
    const down = `apkg-${run}-down`;
    await hosts.create(edgeHost(down, 'http://127.0.0.1:9'));
    try {
      await onboard('late', 'demo', 'v2');
      await waitFor('2 of 3 distributed, one retrying', async () => {
        const status = (await get('late')).status;
        return status?.distributed === '2/3' && status.hosts?.find((h) => h.name === down)?.state === 'Distributing';
      }, 60_000, 100);
      const status = (await get('late')).status;
      assert.match(status?.hosts?.find((h) => h.name === down)?.message ?? '', /127\.0\.0\.1:9/);
      assert.equal(status?.conditions?.find((c) => c.type === 'Reconciling')?.status, 'True');
      assert.equal(status?.conditions?.find((c) => c.type === 'Ready')?.status, 'False');
      // The host comes back (here: its repository moves to a registry that answers).
      await hosts.patch(down, undefined, 'merge', { spec: { repository: { url: shared.edges[0]?.registryUrl } } });
      await waitDistributed('late', '3/3');
    } finally {
      await packages.delete('late', namespace);
      await waitFor('late gone', async () => get('late').then(() => false, (e: unknown) => isNotFound(e)), 30_000, 100);
      await hosts.delete(down);
    }
  });

  it('refuses placeholder hashes under Strict with ManifestHashMismatch naming the file', async function () {
    this.timeout(60_000);
    await onboard('strict', 'etherpad', 'v1', { verification: { manifestHashes: 'Strict' } });
    await waitFor('Stalled', async () => (await condition('strict', 'Stalled'))?.status === 'True', 30_000, 100);
    const verified = await condition('strict', 'Verified');
    assert.equal(verified?.reason, 'ManifestHashMismatch');
    assert.match(verified?.message ?? '', /etherpad\.tgz|MainServiceTemplate\.yaml/);
    assert.equal((await get('strict')).status?.hosts, undefined, 'nothing distributed');
  });

  it('removes a suspended package from its hosts when it is deleted', async function () {
    this.timeout(60_000);
    const chartRepo = `mecm/${namespace}/held/demo`;
    await onboard('held', 'demo', 'v2', { distribution: { hostNames: [hostNames[0] ?? ''] } });
    await waitDistributed('held', '1/1');
    assert.ok(await edgeRegistries[0]?.resolve(chartRepo, '1.2.3'), 'edge 1 has the chart');
    await packages.patch('held', namespace, 'merge', { spec: { suspend: true } });
    await packages.delete('held', namespace);
    await waitFor('held gone', async () => get('held').then(() => false, (e: unknown) => isNotFound(e)), 30_000, 100);
    assert.equal(await edgeRegistries[0]?.resolve(chartRepo, '1.2.3'), undefined, 'deletion is honoured before suspend');
  });

  it('refuses a host whose registry credentials are outside the operator\'s namespace, and pushes once they are in it', async function () {
    this.timeout(60_000);
    const host = `apkg-${run}-foreign`;
    const secretName = `apkg-${run}-registry`;
    const secrets = new ResourceClient<KubeObject & { stringData: Record<string, string> }>(operator.direct, coreTypes.secret);
    await secrets.create({ metadata: { name: secretName, namespace }, stringData: { username: 'pusher', password: 'secret' } });
    await hosts.create({ ...edgeHost(host, shared.edges[0]?.registryUrl ?? ''), metadata: { name: host } });
    const hostEntry = async () => (await get('foreign')).status?.hosts?.find((h) => h.name === host);
    try {
      await hosts.patch(host, undefined, 'merge', { spec: { repository: { credentialsSecretRef: { name: secretName, namespace } } } });
      await onboard('foreign', 'demo', 'v2', { distribution: { hostNames: [host] } });
      await waitFor('the host in Error', async () => (await hostEntry())?.state === 'Error', 30_000, 100);
      assert.match((await hostEntry())?.message ?? '', new RegExp(`Secret ${namespace}/${secretName} is outside the operator's namespace: EdgeHost Secrets must be in namespace ${operatorNamespace}`));
      assert.equal((await condition('foreign', 'Distributed'))?.reason, 'DistributionFailed');

      await secrets.create({ metadata: { name: secretName, namespace: operatorNamespace }, stringData: { username: 'pusher', password: 'secret' } });
      await hosts.patch(host, undefined, 'merge', { spec: { repository: { credentialsSecretRef: { name: secretName, namespace: null } } } });
      await waitDistributed('foreign', '1/1');
    } finally {
      await packages.delete('foreign', namespace).catch(() => undefined);
      await waitFor('foreign gone', async () => get('foreign').then(() => false, (e: unknown) => isNotFound(e)), 30_000, 100).catch(() => undefined);
      await hosts.delete(host).catch(() => undefined);
      await secrets.delete(secretName, operatorNamespace).catch(() => undefined);
    }
  });

  it('gives another namespace a cached package only once its own source serves it: a known sha256 alone is refused', async function () {
    this.timeout(90_000);
    const tenantB = `${namespace}-b`;
    const secrets = new ResourceClient<KubeObject & { stringData: Record<string, string> }>(operator.direct, coreTypes.secret);
    await onboard('tenant-a', 'etherpad', 'v1', { distribution: { hostNames: [hostNames[0] ?? ''] } });
    await waitDistributed('tenant-a', '1/1');
    const digest = (await get('tenant-a')).status?.digest ?? '';
    // Tenant B has an appstore account of its own, which may not read etherpad.
    store.grant('tenant-b-token', ['tenant-b-app']);
    await new ResourceClient(operator.direct, coreTypes.namespace).create({ metadata: { name: tenantB } });
    await secrets.create({ metadata: { name: 'appstore', namespace: tenantB }, stringData: { token: 'tenant-b-token' } });
    const getB = () => packages.get('borrowed', tenantB);
    const downloads = store.downloads.length;
    try {
      await packages.create({
        apiVersion: 'mecm.io/v1alpha1', kind: 'AppPackage', metadata: { name: 'borrowed', namespace: tenantB },
        spec: {
          source: { appstore: { url: store.url, appId: 'etherpad', packageId: 'v1', credentialsSecretRef: { name: 'appstore' } } },
          sha256: digest.replace('sha256:', ''), distribution: { hostSelector: { matchLabels: { 'apkg-test': run } } }, images: { mirror: 'Skip' },
        },
      });
      const conditionB = async (type: string) => (await getB()).status?.conditions?.find((c) => c.type === type);
      await waitFor('Downloaded=False SourceRefused', async () => (await conditionB('Downloaded'))?.reason === 'SourceRefused', 30_000, 100);
      const refused = (await getB()).status;
      assert.equal((await conditionB('Downloaded'))?.status, 'False');
      assert.equal((await conditionB('Stalled'))?.status, 'True');
      assert.match((await conditionB('Downloaded'))?.message ?? '', /HTTP 403/);
      assert.deepEqual([refused?.digest, refused?.app, refused?.charts, refused?.hosts, await conditionB('Parsed'), await conditionB('Distributed')],
        [undefined, undefined, undefined, undefined, undefined, undefined], 'not downloaded, parsed or distributed');
      for (const registry of edgeRegistries) assert.equal(await registry.resolve(`mecm/${tenantB}/borrowed/etherpad9da310a0-b3ab-47`, '1.0'), undefined);
      assert.equal(store.downloads.length, downloads, 'the appstore served B nothing');
      assert.equal((await condition('tenant-a', 'Ready'))?.status, 'True', 'A\'s package stays Ready');

      // Once B's own account may read the app, B gets it: fetched once through B's source, checked against spec.sha256.
      store.grant('tenant-b-token', ['tenant-b-app', 'etherpad']);
      await packages.patch('borrowed', tenantB, 'merge', { metadata: { annotations: { 'test/retry': '1' } } });
      await waitFor('borrowed distributed', async () => (await getB()).status?.distributed === '2/2' && (await conditionB('Ready'))?.status === 'True', 60_000, 100);
      assert.equal((await getB()).status?.digest, digest);
      assert.equal(store.downloads.length, downloads + 1, 'one download, through B\'s source');
    } finally {
      await packages.delete('borrowed', tenantB).catch(() => undefined);
      await waitFor('borrowed gone', async () => getB().then(() => false, (e: unknown) => isNotFound(e)), 30_000, 100).catch(() => undefined);
      await new ResourceClient(operator.direct, coreTypes.namespace).delete(tenantB).catch(() => undefined);
    }
    assert.equal((await condition('tenant-a', 'Ready'))?.status, 'True');
  });

  it('shows a credentials Secret that does not exist, and downloads once it does', async function () {
    this.timeout(60_000);
    await packages.create({
      apiVersion: 'mecm.io/v1alpha1', kind: 'AppPackage', metadata: { name: 'keyless', namespace },
      spec: { source: { appstore: { url: store.url, appId: 'demo', packageId: 'v2', credentialsSecretRef: { name: 'appstore-later' } } }, images: { mirror: 'Skip' } },
    });
    await waitFor('Downloaded=False CredentialsSecretInvalid', async () => (await condition('keyless', 'Downloaded'))?.reason === 'CredentialsSecretInvalid', 30_000, 100);
    assert.equal((await condition('keyless', 'Reconciling'))?.status, 'True', 'retried: the Secret may appear');
    assert.match((await condition('keyless', 'Downloaded'))?.message ?? '', /appstore-later/);
    await new ResourceClient<KubeObject & { stringData: Record<string, string> }>(operator.direct, coreTypes.secret)
      .create({ metadata: { name: 'appstore-later', namespace }, stringData: { token: 'store-token' } });
    await waitFor('keyless Ready', async () => (await condition('keyless', 'Ready'))?.status === 'True', 45_000, 200);
    assert.equal((await condition('keyless', 'Downloaded'))?.status, 'True');
  });

  it('refuses what the Tenant does not allow before anything is downloaded or pushed: no grant, a host, the count, the bytes', async function () {
    this.timeout(120_000);
    const [limited, stranger] = [`${namespace}-lim`, `${namespace}-none`];
    const tenants = new ResourceClient<Tenant>(operator.direct, mecmTypes.tenant);
    const namespaces = new ResourceClient(operator.direct, coreTypes.namespace);
    const secrets = new ResourceClient<KubeObject & { stringData: Record<string, string> }>(operator.direct, coreTypes.secret);
    const getIn = (ns: string, name: string) => packages.get(name, ns);
    const conditionIn = async (ns: string, name: string, type: string) => (await getIn(ns, name)).status?.conditions?.find((c) => c.type === type);
    const refused = (ns: string, name: string) => waitFor(`${ns}/${name} NotPermitted`, async () => (await conditionIn(ns, name, 'Ready'))?.reason === 'NotPermitted', 30_000, 100);
    const gone = (ns: string, name: string) => waitFor(`${ns}/${name} gone`, async () => getIn(ns, name).then(() => false, (e: unknown) => isNotFound(e)), 30_000, 100);
    const create = (ns: string, name: string, distribution: AppPackageSpec['distribution']) => packages.create({
      apiVersion: 'mecm.io/v1alpha1', kind: 'AppPackage', metadata: { name, namespace: ns },
      spec: { source: { appstore: { url: store.url, appId: 'demo', packageId: 'v2', credentialsSecretRef: { name: 'appstore' } } }, distribution, images: { mirror: 'Skip' } },
    });
    const everyHost = { hostSelector: { matchLabels: { 'apkg-test': run } } };
    const chartOf = (ns: string, name: string) => `mecm/${ns}/${name}/demo`;
    for (const name of [limited, stranger]) {
      await namespaces.create({ metadata: { name } });
      await secrets.create({ metadata: { name: 'appstore', namespace: name }, stringData: { token: 'store-token' } });
    }
    // The limited Tenant grants one of the two hosts and one AppPackage.
    await tenants.create(testTenant(limited, { hosts: { names: [hostNames[0] ?? ''] }, limits: { appPackages: 1 } }));
    try {
      // No Tenant governs the namespace: nothing is downloaded, not even a finalizer added.
      const downloads = store.downloads.length;
      await create(stranger, 'lost', everyHost);
      await refused(stranger, 'lost');
      assert.match((await conditionIn(stranger, 'lost', 'Stalled'))?.message ?? '', new RegExp(`^namespace ${stranger} is governed by no Tenant: an admin must list it in a Tenant's spec.namespaces`));
      const lost = await getIn(stranger, 'lost');
      assert.deepEqual([lost.metadata.finalizers ?? [], lost.status?.digest, lost.status?.hosts], [[], undefined, undefined]);
      assert.equal(store.downloads.length, downloads, 'the appstore was not asked');

      // A host the Tenant does not grant is reported on its entry and left alone; the granted one gets the package.
      await create(limited, 'half', everyHost);
      await waitFor('half 1/2, stalled on the host not granted', async () => {
        const status = (await getIn(limited, 'half')).status;
        return status?.distributed === '1/2' && status.conditions?.some((c) => c.type === 'Stalled' && c.reason === 'NotPermitted') === true;
      }, 60_000, 100);
      const denied = (await getIn(limited, 'half')).status?.hosts?.find((h) => h.name === hostNames[1]);
      assert.equal(denied?.state, 'Error');
      assert.match(denied?.message ?? '', new RegExp(`^Not permitted: Tenant ${limited} does not grant EdgeHost ${hostNames[1]}: an admin must add it to the Tenant's spec.hosts`));
      assert.equal((await conditionIn(limited, 'half', 'Distributed'))?.reason, 'NotPermitted');
      assert.ok(await edgeRegistries[0]?.resolve(chartOf(limited, 'half'), '1.2.3'), 'on the granted host');
      assert.equal(await edgeRegistries[1]?.resolve(chartOf(limited, 'half'), '1.2.3'), undefined, 'nothing pushed to the other');

      // Over spec.limits.appPackages: the newer package waits, not downloaded...
      const counted = store.downloads.length;
      await create(limited, 'second', { hostNames: [hostNames[0] ?? ''] });
      await refused(limited, 'second');
      assert.match((await conditionIn(limited, 'second', 'Stalled'))?.message ?? '', new RegExp(`^Tenant ${limited} allows 1 AppPackages \\(spec.limits.appPackages\\) and 1 older ones exist`));
      assert.equal(store.downloads.length, counted, 'the appstore was not asked');
      // ...and goes ahead as soon as the older one is gone (its deletion wakes it; the charts it pushed go with it).
      await packages.delete('half', limited);
      await gone(limited, 'half');
      assert.equal(await edgeRegistries[0]?.resolve(chartOf(limited, 'half'), '1.2.3'), undefined);
      await waitFor('second Ready', async () => (await conditionIn(limited, 'second', 'Ready'))?.status === 'True', 60_000, 100);

      // spec.limits.packageBytes: 100 bytes left after 'second' is more than no package, less than this one.
      const held = (await getIn(limited, 'second')).status?.sizeBytes ?? 0;
      await tenants.patch(limited, undefined, 'merge', { spec: { limits: { appPackages: null, packageBytes: held + 100 } } });
      await create(limited, 'big', { hostNames: [hostNames[0] ?? ''] });
      await refused(limited, 'big');
      const downloaded = await conditionIn(limited, 'big', 'Downloaded');
      assert.deepEqual([downloaded?.status, downloaded?.reason], ['False', 'NotPermitted']);
      assert.match(downloaded?.message ?? '', new RegExp(`larger than the 100 bytes left of Tenant ${limited}'s spec.limits.packageBytes \\(${held + 100} bytes`));
      assert.equal((await getIn(limited, 'big')).status?.digest, undefined, 'not kept');
      assert.equal(await edgeRegistries[0]?.resolve(chartOf(limited, 'big'), '1.2.3'), undefined);
    } finally {
      for (const [ns, name] of [[stranger, 'lost'], [limited, 'half'], [limited, 'second'], [limited, 'big']] as const) await packages.delete(name, ns).catch(() => undefined);
      for (const [ns, name] of [[stranger, 'lost'], [limited, 'half'], [limited, 'second'], [limited, 'big']] as const) await gone(ns, name).catch(() => undefined);
      await tenants.delete(limited).catch(() => undefined);
      for (const name of [limited, stranger]) await namespaces.delete(name).catch(() => undefined);
    }
  });
});
