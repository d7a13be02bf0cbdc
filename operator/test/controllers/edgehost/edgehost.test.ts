/**
 * The EdgeHost controller on real clusters: two edges registered by Secret become Ready with
 * their version and nodes; an edge whose API server stops is marked unreachable only after
 * the grace period while the other stays Ready, and comes back on its own; a rotated
 * kubeconfig Secret is used at once; bad Secrets give their own reasons without leaking; a
 * Secret outside the operator's namespace is refused, not read; an address two hosts share is
 * shown on both until it is theirs alone.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import yaml from 'js-yaml';
import { waitFor } from '../../../../testenv/src/process.js';
import type { Cluster } from '../../../../testenv/src/environment.js';
import type { EdgeHost, EdgeHostSpec } from '../../../src/api/edgehost.js';
import { mecmTypes } from '../../../src/api/resources.js';
import { EdgeHostReason } from '../../../src/api/edgehost-conditions.js';
import type { KubeClient } from '../../../src/runtime/kube/client.js';
import { coreTypes, type KubeObject } from '../../../src/runtime/kube/resource.js';
import { ResourceClient } from '../../../src/runtime/kube/resource-client.js';
import { envStartTimeoutMs, type SharedEnv } from '../../support/env.js';
import { operatorNamespace, startOperator, type TestOperator } from '../../support/operator.js';

interface Secret extends KubeObject {
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

const run = Date.now().toString(36);

/** `kubeconfig` with its (only) user's fields replaced by `user`. */
function withUser(kubeconfig: string, user: Record<string, unknown>): string {
  const doc = yaml.load(kubeconfig) as { users: Array<{ user: Record<string, unknown> }> };
  for (const entry of doc.users) entry.user = user;
  return yaml.dump(doc);
}
const namespace = `edgehosts-${run}`;
const graceMs = 4000;

describe('EdgeHost controller on real edge clusters', function () {
  let shared: SharedEnv;
  let direct: KubeClient;
  let secrets: ResourceClient<Secret>;
  let hosts: ResourceClient<EdgeHost>;
  let operator: TestOperator;

  before(async function () {
    this.timeout(envStartTimeoutMs);
    operator = await startOperator({ namespace, controllers: ['edgehost'], edgehost: { defaultGraceMs: graceMs } });
    ({ shared, direct } = operator);
    secrets = new ResourceClient<Secret>(direct, coreTypes.secret);
    hosts = new ResourceClient<EdgeHost>(direct, mecmTypes.edgeHost);
  });

  // EdgeHost Secrets live in the operator's namespace, shared with other suites: names carry the run.
  const made = new Set<string>();

  after(async () => {
    for (const key of made) {
      const [ns, name] = key.split('/') as [string, string];
      await secrets?.delete(name, ns).catch(() => undefined);
    }
    await operator?.stop();
  });

  const hostName = (suffix: string) => `eh-${run}-${suffix}`;

  async function putSecret(name: string, data: Record<string, string>, inNamespace = operatorNamespace): Promise<void> {
    made.add(`${inNamespace}/${name}`);
    const body: Secret = { metadata: { name, namespace: inNamespace }, stringData: data };
    try {
      await secrets.create(body);
    } catch {
      const current = await secrets.get(name, inNamespace);
      await secrets.update({ ...current, data: undefined, stringData: data });
    }
  }

  async function register(suffix: string, edge: Cluster, kubeconfig: string | undefined, spec: Partial<EdgeHostSpec> = {}): Promise<string> {
    const name = hostName(suffix);
    if (kubeconfig !== undefined) await putSecret(name, { kubeconfig });
    await hosts.create({
      apiVersion: 'mecm.io/v1alpha1', kind: 'EdgeHost',
      metadata: { name },
      spec: {
        location: { city: 'Testville' },
        // An omitted namespace is the operator's.
        infrastructure: { type: 'kubernetes', kubeconfigSecretRef: { name } },
        repository: { url: edge.registryUrl!, insecure: true },
        ...spec,
      },
    });
    return name;
  }

  const condition = async (name: string, type = 'Ready') => (await hosts.get(name)).status?.conditions?.find((c) => c.type === type);

  async function waitForReady(name: string, status: 'True' | 'False', reason?: string, timeoutMs = 30_000): Promise<void> {
    await waitFor(`${name} Ready=${status}${reason ? ` (${reason})` : ''}`, async () => {
      const ready = await condition(name);
      if (ready?.status === status && (reason === undefined || ready.reason === reason)) return true;
      throw new Error(`Ready is ${ready?.status} (${ready?.reason}: ${ready?.message})`);
    }, timeoutMs, 100);
  }

  it('registers both edges and reports them Ready with version, nodes and capacity', async function () {
    this.timeout(60_000);
    const [one, two] = shared.edges as [Cluster, Cluster];
    const names = [await register('1', one, await one.kubeconfig()), await register('2', two, await two.kubeconfig())];
    for (const name of names) {
      await waitForReady(name, 'True', EdgeHostReason.EdgeHostReady);
      const status = (await hosts.get(name)).status!;
      assert.equal(status.kubernetesVersion, 'v1.36.3');
      assert.equal(status.nodeCount, 1);
      assert.deepEqual(status.capacity, { cpu: '8', memory: '16Gi' });
      assert.equal(status.conditions?.find((c) => c.type === 'RepositoryReachable')?.status, 'True');
      assert.ok(status.lastContactTime);
    }
  });

  it('marks a stopped edge unreachable only after the grace period, leaves the other Ready, and recovers', async function () {
    this.timeout(120_000);
    const edge = shared.edges[1]!;
    const down = hostName('2');
    const up = hostName('1');
    const upSince = (await condition(up))!.lastTransitionTime;
    const stoppedAt = Date.now();
    await edge.stopApiServer();
    try {
      await waitForReady(down, 'False', EdgeHostReason.EdgeClusterUnreachable);
      const elapsed = Date.now() - stoppedAt;
      assert.ok(elapsed >= graceMs, `marked unreachable after ${elapsed} ms, before the ${graceMs} ms grace period`);
      const reachable = await condition(down, 'Reachable');
      assert.equal(reachable?.status, 'False');
      assert.match(reachable!.message, /No answer from the edge API server/);
      assert.equal((await hosts.get(down)).status?.kubernetesVersion, 'v1.36.3', 'last known facts are kept');
      assert.equal((await condition(up))?.status, 'True');
      assert.equal((await condition(up))?.lastTransitionTime, upSince, 'the healthy edge never flipped');
    } finally {
      await edge.startApiServer();
    }
    await waitForReady(down, 'True', EdgeHostReason.EdgeHostReady, 60_000);
  });

  it('uses a rotated kubeconfig Secret at once, without waiting for the next probe', async function () {
    this.timeout(60_000);
    const edge = shared.edges[0]!;
    // A probe interval of an hour: only the Secret watch can make the controller look again.
    const name = await register('rot', edge, await edge.kubeconfig(), { probe: { intervalSeconds: 3600, unreachableAfterSeconds: 3600 } });
    await waitForReady(name, 'True');
    const foreign = await shared.edges[1]!.issueKubeconfig('stranger');
    const signedElsewhere = foreign.replace(/certificate-authority-data: .*/, `certificate-authority-data: ${Buffer.from(await edge.caPem()).toString('base64')}`)
      .replace(/server: .*/, `server: ${edge.server}`);
    await putSecret(name, { kubeconfig: signedElsewhere });
    await waitForReady(name, 'False', EdgeHostReason.EdgeCredentialsRejected, 15_000);
    await putSecret(name, { kubeconfig: await edge.issueKubeconfig('rotated-admin') });
    await waitForReady(name, 'True', EdgeHostReason.EdgeHostReady, 15_000);
  });

  it('gives each bad Secret its own reason, and never shows the kubeconfig', async function () {
    this.timeout(90_000);
    const [one, two] = shared.edges as [Cluster, Cluster];
    const good = await one.kubeconfig();
    const wrongCa = good.replace(/certificate-authority-data: .*/, `certificate-authority-data: ${Buffer.from(await two.caPem()).toString('base64')}`);
    const expired = await one.issueKubeconfig('expired', { days: 0 });
    const cases: Array<{ suffix: string; kubeconfig: string | undefined; key?: string; reason: string; message: RegExp }> = [
      { suffix: 'nosecret', kubeconfig: undefined, reason: EdgeHostReason.KubeconfigSecretNotFound, message: /does not exist/ },
      { suffix: 'nokey', kubeconfig: good, key: 'config', reason: EdgeHostReason.KubeconfigKeyMissing, message: /has no key "config" \(its keys: kubeconfig\)/ },
      { suffix: 'garbage', kubeconfig: 'clusters: [ {{{ not yaml', reason: EdgeHostReason.KubeconfigInvalid, message: /not valid YAML/ },
      { suffix: 'noctx', kubeconfig: 'apiVersion: v1\nkind: Config\nclusters: []\n', reason: EdgeHostReason.KubeconfigInvalid, message: /no current context/ },
      { suffix: 'wrongca', kubeconfig: wrongCa, reason: EdgeHostReason.EdgeCertificateUntrusted, message: /certificate-authority-data/ },
      { suffix: 'expired', kubeconfig: expired, reason: EdgeHostReason.EdgeCredentialsRejected, message: /refused the kubeconfig's credentials \(HTTP 401\)/ },
      // The operator's own token must never go to a server a Secret names.
      { suffix: 'tokenfile', kubeconfig: withUser(good, { tokenFile: '/var/run/secrets/kubernetes.io/serviceaccount/token' }),
        reason: EdgeHostReason.KubeconfigRejected, message: /user\.tokenFile is not accepted/ },
      { suffix: 'exec', kubeconfig: withUser(good, { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: '/bin/sh' } }),
        reason: EdgeHostReason.KubeconfigRejected, message: /user\.exec is not accepted/ },
    ];
    for (const c of cases) {
      const name = await register(c.suffix, one, c.kubeconfig, c.key ? {
        infrastructure: { type: 'kubernetes', kubeconfigSecretRef: { name: hostName(c.suffix), namespace: operatorNamespace, key: c.key } },
      } : {});
      await waitForReady(name, 'False', c.reason);
      const status = JSON.stringify((await hosts.get(name)).status);
      assert.match((await condition(name, 'Reachable'))!.message, c.message);
      assert.doesNotMatch(status, /BEGIN|client-key-data|client-certificate-data|LS0tLS1CRUdJTi/, 'no kubeconfig content in status');
    }
  });

  it('probes the MEP with the token from its Secret: Unauthorized, Ready, Unreachable', async function () {
    this.timeout(60_000);
    const edge = shared.edges[0]!;
    // A stand-in for the MEP's Mm5 endpoint: it only checks the bearer token.
    const mep: Server = createServer((req, res) => {
      res.writeHead(req.headers.authorization === 'Bearer right-token' ? 404 : 401).end();
    });
    await new Promise<void>((resolve) => mep.listen(0, '127.0.0.1', resolve));
    const port = (mep.address() as { port: number }).port;
    const name = hostName('mep');
    await putSecret(`${name}-mep`, { token: 'wrong-token' });
    await register('mep', edge, await edge.kubeconfig(), {
      mep: { url: `http://127.0.0.1:${port}`, tokenSecretRef: { name: `${name}-mep`, namespace: operatorNamespace } },
    });
    try {
      await waitForReady(name, 'False', EdgeHostReason.MEPUnauthorized);
      assert.doesNotMatch(JSON.stringify((await hosts.get(name)).status), /wrong-token/, 'the token never shows');
      await putSecret(`${name}-mep`, { token: 'right-token' });
      await waitForReady(name, 'True', EdgeHostReason.EdgeHostReady);
      assert.equal((await condition(name, 'MEPReachable'))?.status, 'True');
    } finally {
      await new Promise((resolve) => mep.close(resolve));
      mep.closeAllConnections();
    }
    await waitForReady(name, 'False', EdgeHostReason.MEPUnreachable);
    assert.equal((await condition(name, 'Reachable'))?.status, 'True', 'the edge cluster itself is fine');
  });

  it('counts the AppInstances placed on a host', async function () {
    this.timeout(30_000);
    const name = hostName('1');
    const instances = new ResourceClient<KubeObject & { spec: unknown }>(direct, mecmTypes.appInstance);
    for (const app of ['a', 'b']) {
      await instances.create({
        metadata: { name: `count-${app}`, namespace },
        spec: { packageRef: { name: 'etherpad-1.0' }, hostRef: { name }, namespace: `app-${app}` },
      });
    }
    await waitFor('appInstanceCount 2', async () => (await hosts.get(name)).status?.appInstanceCount === 2, 20_000, 100);
    await instances.delete('count-a', namespace);
    await waitFor('appInstanceCount 1', async () => (await hosts.get(name)).status?.appInstanceCount === 1, 20_000, 100);
  });

  it('refuses Secrets outside the operator\'s namespace without reading them, naming the namespace they must be in', async function () {
    this.timeout(60_000);
    const edge = shared.edges[0]!;
    // A valid kubeconfig, in the suite's namespace: the operator may not list or watch Secrets there.
    const name = hostName('foreign');
    await putSecret(name, { kubeconfig: await edge.kubeconfig() }, namespace);
    await register('foreign', edge, undefined, { infrastructure: { type: 'kubernetes', kubeconfigSecretRef: { name, namespace } } });
    await waitForReady(name, 'False', EdgeHostReason.SecretNamespaceNotAllowed);
    const reachable = await condition(name, 'Reachable');
    assert.equal(reachable?.reason, EdgeHostReason.SecretNamespaceNotAllowed);
    assert.match(reachable!.message, new RegExp(`Secret ${namespace}/${name} is outside the operator's namespace: EdgeHost Secrets must be in namespace ${operatorNamespace}`));

    // The MEP's token and the repository's credentials are held to the same rule.
    await putSecret(`${name}-in`, { kubeconfig: await edge.kubeconfig() });
    await putSecret(`${name}-token`, { token: 't' }, namespace);
    await putSecret(`${name}-registry`, { username: 'u', password: 'p' }, namespace);
    await hosts.patch(name, undefined, 'merge', { spec: {
      infrastructure: { kubeconfigSecretRef: { name: `${name}-in`, namespace: operatorNamespace } },
      repository: { credentialsSecretRef: { name: `${name}-registry`, namespace } },
      mep: { url: 'http://127.0.0.1:9', tokenSecretRef: { name: `${name}-token`, namespace } },
    } });
    await waitFor('the repository and MEP refused', async () => {
      const [repository, mep] = [await condition(name, 'RepositoryReachable'), await condition(name, 'MEPReachable')];
      return repository?.reason === EdgeHostReason.SecretNamespaceNotAllowed && mep?.reason === EdgeHostReason.SecretNamespaceNotAllowed;
    }, 30_000, 100);
    assert.equal((await condition(name, 'Reachable'))?.status, 'True', 'the kubeconfig in the operator\'s namespace is used');
    assert.match((await condition(name, 'MEPReachable'))!.message, new RegExp(`Secret ${namespace}/${name}-token .*must be in namespace ${operatorNamespace}`));
  });

  it('shows an address two hosts share on both, naming the other, and clears it when the address is changed or a host goes', async function () {
    this.timeout(90_000);
    const [one, two] = shared.edges as [Cluster, Cluster];
    const address = `198.51.100.${1 + (Date.now() % 250)}`;
    // A probe interval of an hour: only the address index can make the controller decide again.
    const probe = { intervalSeconds: 3600, unreachableAfterSeconds: 3600 };
    const a = await register('addr-a', one, await one.kubeconfig(), { address, probe });
    await waitForReady(a, 'True', EdgeHostReason.EdgeHostReady);
    const b = await register('addr-b', two, await two.kubeconfig(), { address, probe });
    for (const [self, other] of [[a, b], [b, a]] as const) {
      await waitForReady(self, 'False', EdgeHostReason.AddressConflict);
      assert.equal((await condition(self))!.message, `spec.address ${address} is also the address of EdgeHost ${other}: North addresses neither; give each EdgeHost a unique address.`);
    }
    assert.equal((await condition(a, 'Reachable'))?.status, 'True', 'the probes are reported as before');

    await hosts.patch(b, undefined, 'merge', { spec: { address: '198.51.100.251' } });
    await waitForReady(a, 'True', EdgeHostReason.EdgeHostReady, 15_000);
    await waitForReady(b, 'True', EdgeHostReason.EdgeHostReady, 15_000);

    await hosts.patch(b, undefined, 'merge', { spec: { address } });
    await waitForReady(a, 'False', EdgeHostReason.AddressConflict, 15_000);
    await hosts.delete(b);
    await waitForReady(a, 'True', EdgeHostReason.EdgeHostReady, 15_000);
  });

  it('reports an unreachable repository without touching the cluster condition', async function () {
    this.timeout(30_000);
    const edge = shared.edges[0]!;
    const name = await register('norepo', edge, await edge.kubeconfig(), { repository: { url: 'http://127.0.0.1:9', insecure: true } });
    await waitForReady(name, 'False', EdgeHostReason.RepositoryUnreachable);
    assert.equal((await condition(name, 'Reachable'))?.status, 'True');
  });
});
