/**
 * The AppRule controller against the MEP simulator and the real hub: the MEP holds exactly
 * the spec (create, update, delete), survives every fault knob, is restored after a MEP
 * restart that lost its state or a change behind our back, stalls on what it cannot use (no
 * EdgeHost, no MEP, an unusable Secret, a Secret outside the operator's namespace) until that is
 * fixed, refuses a second AppRule for an appInstanceId another holds on the host (the holder's
 * rules untouched at the MEP) until the holder is gone — the AppInstance's own rule outranks it —,
 * refuses what the namespace's Tenant does not grant (NotPermitted, nothing sent; a rule refused
 * after it was applied leaves the MEP as it is and still takes its rules out when deleted), and
 * 100 rules converge.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { MepSimulator } from '../../../../testenv/src/mep-simulator.js';
import { waitFor } from '../../../../testenv/src/process.js';
import type { AppInstance } from '../../../src/api/appinstance.js';
import type { AppRule, AppRuleSpec } from '../../../src/api/apprule.js';
import type { EdgeHost } from '../../../src/api/edgehost.js';
import { mecmTypes } from '../../../src/api/resources.js';
import type { Tenant } from '../../../src/api/tenant.js';
import { isNotFound } from '../../../src/runtime/kube/errors.js';
import { coreTypes, type KubeObject } from '../../../src/runtime/kube/resource.js';
import { ResourceClient } from '../../../src/runtime/kube/resource-client.js';
import { testTenant, wideMepGrant } from '../../fixtures/tenant.js';
import { envStartTimeoutMs } from '../../support/env.js';
import { operatorNamespace, startOperator, type TestOperator } from '../../support/operator.js';

const run = Date.now().toString(36);
const namespace = `apprules-${run}`;
/** The MEP token Secret, in the operator's namespace (shared with other suites, hence the run in its name). */
const mepToken = `apprules-${run}-mep-token`;

const trafficRule = (id: string, priority = 5): NonNullable<AppRuleSpec['appTrafficRule']>[number] => ({
  trafficRuleId: id, filterType: 'FLOW', priority, action: 'FORWARD_DECAPSULATED', state: 'ACTIVE',
  trafficFilter: [{ srcAddress: ['192.168.1.0/24'], dstPort: ['8080'], protocol: ['TCP'] }],
  dstInterface: [{ interfaceType: 'IP', dstIpAddress: '10.0.0.8' }],
});
const dnsRule = (id: string, domain: string) => ({ dnsRuleId: id, domainName: domain, ipAddressType: 'IP_V4' as const, ipAddress: '10.0.0.8', ttl: 30, state: 'ACTIVE' as const });

describe('AppRule controller against the MEP simulator', function () {
  let op: TestOperator;
  let rules: ResourceClient<AppRule>;
  let hosts: ResourceClient<EdgeHost>;
  let mep: MepSimulator;
  const hostName = `mep-host-${run}`;
  const hostNames = [hostName];

  /** An EdgeHost of this suite (deleted in after()); `mep` undefined: it has none. */
  async function createHost(name: string, mepSpec: EdgeHost['spec']['mep']): Promise<void> {
    if (!hostNames.includes(name)) hostNames.push(name);
    await hosts.create({
      apiVersion: 'mecm.io/v1alpha1', kind: 'EdgeHost', metadata: { name },
      spec: {
        infrastructure: { type: 'kubernetes', kubeconfigSecretRef: { name: `apprules-${run}-unused` } },
        repository: { url: op.shared.edges[0]!.registryUrl!, insecure: true },
        ...(mepSpec ? { mep: mepSpec } : {}),
      },
    });
  }

  before(async function () {
    this.timeout(envStartTimeoutMs);
    op = await startOperator({ namespace, controllers: ['apprule'], apprule: { driftCheckMs: 500, taskTimeoutMs: 1500 } });
    rules = new ResourceClient<AppRule>(op.direct, mecmTypes.appRule);
    hosts = new ResourceClient<EdgeHost>(op.direct, mecmTypes.edgeHost);
    mep = await MepSimulator.start({ token: 'mep-token', taskDurationMs: 100 });
    await new ResourceClient<KubeObject & { stringData: Record<string, string> }>(op.direct, coreTypes.secret)
      .create({ metadata: { name: mepToken, namespace: operatorNamespace }, stringData: { token: 'mep-token' } });
    await createHost(hostName, { url: mep.url, tokenSecretRef: { name: mepToken, namespace: operatorNamespace } });
  });

  after(async function () {
    this.timeout(90_000);
    mep.hangTasks = false;
    mep.failTasks = false;
    mep.token = 'mep-token';
    // Delete while the controller and the MEP still run, so finalizers are honoured.
    for (const rule of (await rules.list({ namespace })).items) await rules.delete(rule.metadata.name!, namespace);
    await waitFor('AppRules gone', async () => (await rules.list({ namespace })).items.length === 0, 80_000, 200);
    for (const name of hostNames) await hosts.delete(name).catch((e: unknown) => { if (!isNotFound(e)) throw e; });
    if (op) await new ResourceClient(op.direct, coreTypes.secret).delete(mepToken, operatorNamespace).catch(() => undefined);
    await op?.stop();
    await mep?.stop();
  });

  async function createRule(name: string, spec: Partial<AppRuleSpec> = {}, host = hostName): Promise<string> {
    const appInstanceId = randomUUID();
    await rules.create({
      apiVersion: 'mecm.io/v1alpha1', kind: 'AppRule', metadata: { name, namespace },
      spec: { hostRef: { name: host }, appInstanceId, appName: `app-${name}`, appTrafficRule: [trafficRule('tr1')], appDNSRule: [dnsRule('dns1', `${name}.mec.example`)], ...spec },
    });
    return appInstanceId;
  }

  const readyOf = async (name: string) => (await rules.get(name, namespace)).status?.conditions?.find((c) => c.type === 'Ready');
  const waitReady = (name: string, timeoutMs = 20_000) => waitFor(`${name} Ready`, async () => (await readyOf(name))?.status === 'True', timeoutMs, 50);
  const held = (id: string) => mep.configuration(id);

  it('creates the configuration once and reports Ready with the applied digest', async () => {
    const id = await createRule('basic');
    await waitReady('basic');
    const config = held(id)!;
    assert.equal(config.appTrafficRule?.[0]?.trafficRuleId, 'tr1');
    assert.equal(config.appDNSRule?.[0]?.domainName, 'basic.mec.example');
    assert.equal(mep.countRequests('POST', id), 1, 'exactly one POST');
    const status = (await rules.get('basic', namespace)).status!;
    assert.match(status.appliedDigest ?? '', /^sha256:[0-9a-f]{64}$/);
    assert.deepEqual([status.trafficRuleCount, status.dnsRuleCount, status.configResult], [1, 1, 'SUCCESS']);
  });

  it('updates the MEP when the spec changes, and deletes on AppRule deletion', async () => {
    const id = await createRule('changing');
    await waitReady('changing');
    const before = (await rules.get('changing', namespace)).status?.appliedDigest;
    await rules.patch('changing', namespace, 'merge', { spec: { appDNSRule: [dnsRule('dns1', 'changing.mec.example'), dnsRule('dns2', 'extra.mec.example')] } });
    await waitFor('two DNS rules at the MEP', async () => held(id)?.appDNSRule?.length === 2, 20_000, 50);
    await waitFor('new digest', async () => (await rules.get('changing', namespace)).status?.appliedDigest !== before && (await readyOf('changing'))?.status === 'True', 20_000, 50);
    assert.equal(mep.countRequests('PUT', id), 1);
    await rules.delete('changing', namespace);
    await waitFor('AppRule gone', async () => rules.get('changing', namespace).then(() => false, (e: unknown) => isNotFound(e)), 20_000, 50);
    assert.equal(held(id), undefined, 'the MEP no longer holds it');
  });

  it('restores the rules after a MEP restart that forgot everything, and after a change behind its back', async () => {
    const id = await createRule('restore');
    await waitReady('restore');
    await mep.restart({ forget: true });
    await waitFor('rules restored after the restart', async () => held(id)?.appTrafficRule?.length === 1, 20_000, 50);
    mep.putConfiguration(id, { appName: 'app-restore', appSupportMp1: false, appTrafficRule: [], appDNSRule: [dnsRule('dns9', 'rogue.mec.example')] });
    await waitFor('drift corrected', async () => held(id)?.appDNSRule?.[0]?.domainName === 'restore.mec.example', 20_000, 50);
  });

  it('converges through 5xx answers and latency beyond the timeout', async () => {
    mep.failNext(4, 503);
    const id = await createRule('flaky');
    await waitReady('flaky');
    mep.latencyMs = 2500;
    await rules.patch('flaky', namespace, 'merge', { spec: { appTrafficRule: [trafficRule('tr1', 9)] } });
    await waitFor('timeouts reported', async () => (await readyOf('flaky'))?.reason === 'MEPTimeout', 20_000, 50);
    mep.latencyMs = 0;
    await waitFor('priority 9 at the MEP', async () => held(id)?.appTrafficRule?.[0]?.priority === 9, 30_000, 50);
    await waitReady('flaky');
    assert.equal(mep.configurations().size >= 1, true);
    assert.ok(mep.countRequests('POST', id) <= 2, 'no duplicate configurations');
  });

  it('reports failed and hung tasks with the MEP\'s detail, and recovers', async () => {
    mep.failTasks = 'simulated dataplane failure';
    const id = await createRule('failing');
    await waitFor('MEPTaskFailed', async () => {
      const ready = await readyOf('failing');
      return ready?.reason === 'MEPTaskFailed' && ready.message.includes('simulated dataplane failure');
    }, 20_000, 50);
    mep.failTasks = false;
    mep.hangTasks = true;
    // The hung task keeps the instance busy, so what follows the time-out is the MEP's
    // "operation in progress": the status keeps the time-out in mepDetail.
    await waitFor('the hung task given up', async () => /still PROCESSING after/.test((await rules.get('failing', namespace)).status?.mepDetail ?? ''), 20_000, 50);
    mep.hangTasks = false;
    await waitReady('failing', 30_000);
    assert.equal(held(id)?.appName, 'app-failing');
  });

  it('stalls with MEPUnauthorized when the token is wrong', async () => {
    mep.token = 'rotated-token';
    try {
      await createRule('denied');
      await waitFor('MEPUnauthorized', async () => (await readyOf('denied'))?.reason === 'MEPUnauthorized', 20_000, 50);
      const stalled = (await rules.get('denied', namespace)).status?.conditions?.find((c) => c.type === 'Stalled');
      assert.equal(stalled?.status, 'True');
      assert.doesNotMatch(JSON.stringify((await rules.get('denied', namespace)).status), /mep-token|rotated-token/);
    } finally {
      mep.token = 'mep-token';
    }
  });

  const stalledOf = async (name: string) => (await rules.get(name, namespace)).status?.conditions?.find((c) => c.type === 'Stalled');
  const reasonIs = (name: string, reason: string) => waitFor(`${name} ${reason}`, async () => (await readyOf(name))?.reason === reason, 20_000, 50);

  it('stalls with HostNotFound, then MEPNotConfigured, and applies once the EdgeHost has a MEP', async () => {
    const late = `late-host-${run}`;
    const id = await createRule('late', {}, late);
    await reasonIs('late', 'HostNotFound');
    assert.equal((await stalledOf('late'))?.status, 'True');
    await createHost(late, undefined);
    await reasonIs('late', 'MEPNotConfigured');
    assert.equal((await stalledOf('late'))?.reason, 'MEPNotConfigured');
    await hosts.patch(late, undefined, 'merge', { spec: { mep: { url: mep.url, tokenSecretRef: { name: mepToken } } } });
    await waitReady('late');
    assert.equal(await stalledOf('late'), undefined);
    assert.equal(held(id)?.appName, 'app-late');
  });

  it('stalls with MEPSecretInvalid on a missing token Secret until the EdgeHost names a usable one', async () => {
    const name = `bad-secret-host-${run}`;
    await createHost(name, { url: mep.url, tokenSecretRef: { name: `apprules-${run}-no-such-secret` } });
    const id = await createRule('bad-secret', {}, name);
    await reasonIs('bad-secret', 'MEPSecretInvalid');
    assert.match((await readyOf('bad-secret'))?.message ?? '', /no-such-secret/);
    assert.equal((await stalledOf('bad-secret'))?.status, 'True');
    assert.equal(held(id), undefined);
    await hosts.patch(name, undefined, 'merge', { spec: { mep: { tokenSecretRef: { name: mepToken } } } });
    await waitReady('bad-secret');
    assert.equal(held(id)?.appName, 'app-bad-secret');
  });

  it('stalls with SecretNamespaceNotAllowed on a token Secret outside the operator\'s namespace, without sending it', async () => {
    const name = `foreign-secret-host-${run}`;
    // The right token, in the suite's namespace: the operator must not read it from there.
    await new ResourceClient<KubeObject & { stringData: Record<string, string> }>(op.direct, coreTypes.secret)
      .create({ metadata: { name: 'mep-token', namespace }, stringData: { token: 'mep-token' } });
    await createHost(name, { url: mep.url, tokenSecretRef: { name: 'mep-token', namespace } });
    const id = await createRule('foreign-secret', {}, name);
    await reasonIs('foreign-secret', 'SecretNamespaceNotAllowed');
    assert.match((await readyOf('foreign-secret'))?.message ?? '',
      new RegExp(`Secret ${namespace}/mep-token is outside the operator's namespace: EdgeHost Secrets must be in namespace ${operatorNamespace}`));
    assert.equal((await stalledOf('foreign-secret'))?.status, 'True');
    assert.equal(held(id), undefined);
    await hosts.patch(name, undefined, 'merge', { spec: { mep: { tokenSecretRef: { name: mepToken, namespace: operatorNamespace } } } });
    await waitReady('foreign-secret');
    assert.equal(held(id)?.appName, 'app-foreign-secret');
  });

  it('releases a deleted AppRule whose EdgeHost is gone, warning that its MEP may keep the rules', async () => {
    const events = new ResourceClient<KubeObject & { reason?: string; involvedObject?: { name?: string } }>(op.direct, coreTypes.event);
    await createRule('orphan', {}, `gone-host-${run}`);
    await reasonIs('orphan', 'HostNotFound');
    await rules.delete('orphan', namespace);
    await waitFor('orphan gone', async () => rules.get('orphan', namespace).then(() => false, (e: unknown) => isNotFound(e)), 20_000, 50);
    const abandoned = (await events.list({ namespace })).items.filter((e) => e.involvedObject?.name === 'orphan' && e.reason === 'RulesAbandoned');
    assert.equal(abandoned.length, 1);
  });

  it('refuses a second AppRule for an appInstanceId on the host: the MEP keeps the first\'s rules, until the first is gone', async function () {
    this.timeout(60_000);
    const events = new ResourceClient<KubeObject & { type?: string; reason?: string; involvedObject?: { name?: string } }>(op.direct, coreTypes.event);
    const id = await createRule('first-claim');
    await waitReady('first-claim');
    const firstRules = held(id);
    const changes = () => ['POST', 'PUT', 'DELETE'].map((method) => mep.countRequests(method, id));
    const sent = changes();
    // Another tenant's AppRule names the same id on the same host, with rules of its own.
    const rogue = { appInstanceId: id, appTrafficRule: [{ ...trafficRule('tr1'), action: 'DUPLICATE_AS_IS' as const, dstInterface: [{ interfaceType: 'IP' as const, dstIpAddress: '203.0.113.9' }] }] };
    await createRule('second-claim', rogue);
    await createRule('third-claim', rogue);
    for (const name of ['second-claim', 'third-claim']) {
      await reasonIs(name, 'AppInstanceIdInUse');
      assert.equal((await stalledOf(name))?.status, 'True');
      assert.match((await readyOf(name))?.message ?? '', new RegExp(`held by AppRule ${namespace}/first-claim`));
    }
    // Several drift checks of the first later (each a GET of its configuration): nothing was
    // sent for the claimants, and the first is untouched.
    const reads = mep.countRequests('GET', id);
    await waitFor('three more drift checks', async () => mep.countRequests('GET', id) >= reads + 3, 20_000, 50);
    assert.deepEqual(held(id), firstRules);
    assert.deepEqual(changes(), sent, 'no create, update or delete at the MEP');
    assert.equal((await readyOf('first-claim'))?.status, 'True');

    await rules.delete('second-claim', namespace);
    await waitFor('second-claim gone', async () => rules.get('second-claim', namespace).then(() => false, (e: unknown) => isNotFound(e)), 20_000, 50);
    assert.deepEqual(held(id), firstRules, 'its deletion left the first\'s rules');
    assert.deepEqual(changes(), sent);
    const released = (await events.list({ namespace })).items.filter((e) => e.involvedObject?.name === 'second-claim' && e.reason === 'AppInstanceIdInUse' && e.type === 'Normal');
    assert.equal(released.length, 1, 'its release is recorded');

    // The first goes (and deletes its rules); the waiting claimant takes over at once, not at its next retry.
    await rules.delete('first-claim', namespace);
    await waitReady('third-claim');
    assert.equal(held(id)?.appTrafficRule?.[0]?.action, 'DUPLICATE_AS_IS');
    assert.equal(held(id)?.appName, 'app-third-claim');
  });

  it('hands the appInstanceId to the AppRule of the AppInstance that has it, once the instance shows the id', async function () {
    this.timeout(60_000);
    // Only the AppRule controller runs here: the AppInstance stays as written, its status set by the test.
    const instances = new ResourceClient<AppInstance>(op.direct, mecmTypes.appInstance);
    const id = await createRule('by-hand');
    await waitReady('by-hand');
    const owner = await instances.create({
      apiVersion: 'mecm.io/v1alpha1', kind: 'AppInstance', metadata: { name: 'owner', namespace },
      spec: { packageRef: { name: 'unused' }, hostRef: { name: hostName }, namespace: 'owner-app' },
    });
    try {
      const ownerReferences = [{ apiVersion: 'mecm.io/v1alpha1', kind: 'AppInstance', name: 'owner', uid: owner.metadata.uid ?? '', controller: true }];
      await rules.create({
        apiVersion: 'mecm.io/v1alpha1', kind: 'AppRule', metadata: { name: 'owned', namespace, ownerReferences },
        spec: { hostRef: { name: hostName }, appInstanceId: id, appName: 'app-owned', appDNSRule: [dnsRule('dns1', 'owned.mec.example')] },
      });
      // The instance does not have the id yet: the older rule keeps it.
      await reasonIs('owned', 'AppInstanceIdInUse');
      assert.equal(held(id)?.appName, 'app-by-hand');
      await instances.patch('owner', namespace, 'merge', { status: { appInstanceId: id } }, 'status');
      await waitReady('owned');
      assert.deepEqual([held(id)?.appName, held(id)?.appDNSRule?.[0]?.domainName], ['app-owned', 'owned.mec.example']);
      await reasonIs('by-hand', 'AppInstanceIdInUse');
      assert.match((await readyOf('by-hand'))?.message ?? '', new RegExp(`held by AppRule ${namespace}/owned`));
      await rules.delete('by-hand', namespace);
      await waitFor('by-hand gone', async () => rules.get('by-hand', namespace).then(() => false, (e: unknown) => isNotFound(e)), 20_000, 50);
      assert.equal(held(id)?.appName, 'app-owned', 'the refused rule left the holder\'s configuration');
    } finally {
      await rules.delete('owned', namespace).catch(() => undefined);
      await waitFor('owned gone', async () => rules.get('owned', namespace).then(() => false, (e: unknown) => isNotFound(e)), 20_000, 50);
      await instances.delete('owner', namespace);
    }
  });

  it('refuses what the Tenant does not grant before anything reaches the MEP; one refused after it was applied leaves the MEP as it is, and its deletion still takes its rules out', async function () {
    this.timeout(60_000);
    const tenants = new ResourceClient<Tenant>(op.direct, mecmTypes.tenant);
    const namespaces = new ResourceClient(op.direct, coreTypes.namespace);
    const events = new ResourceClient<KubeObject & { type?: string; reason?: string; involvedObject?: { name?: string } }>(op.direct, coreTypes.event);
    const [stranger, team] = [`apprules-${run}-stranger`, `apprules-${run}-team`];
    const readyIn = async (ns: string, name: string) => (await rules.get(name, ns)).status?.conditions?.find((c) => c.type === 'Ready');
    const refusedIn = (ns: string, name: string) => waitFor(`${ns}/${name} NotPermitted`, async () => (await readyIn(ns, name))?.reason === 'NotPermitted', 20_000, 50);
    const gone = (ns: string, name: string) => waitFor(`${ns}/${name} gone`, async () => rules.get(name, ns).then(() => false, (e: unknown) => isNotFound(e)), 20_000, 50);
    const requestsFor = (id: string) => mep.requests().filter((r) => r.path.includes(id)).length;
    const changes = (id: string) => ['POST', 'PUT', 'DELETE'].map((method) => mep.countRequests(method, id));
    const create = async (ns: string, name: string, spec: Partial<AppRuleSpec> = {}) => {
      const appInstanceId = randomUUID();
      await rules.create({
        apiVersion: 'mecm.io/v1alpha1', kind: 'AppRule', metadata: { name, namespace: ns },
        spec: { hostRef: { name: hostName }, appInstanceId, appName: `app-${name}`, appTrafficRule: [trafficRule('tr1')], appDNSRule: [dnsRule('dns1', `${name}.mec.example`)], ...spec },
      });
      return appInstanceId;
    };
    for (const name of [stranger, team]) await namespaces.create({ metadata: { name } });
    await tenants.create(testTenant(team));
    try {
      // No Tenant governs the namespace.
      const ungoverned = await create(stranger, 'ungoverned');
      await refusedIn(stranger, 'ungoverned');
      assert.match((await readyIn(stranger, 'ungoverned'))?.message ?? '', new RegExp(`^Not permitted: namespace ${stranger} is governed by no Tenant: an admin must list it in a Tenant's spec.namespaces`));
      // The suite's Tenant grants the host, but not this DNS name.
      const beyond = await createRule('beyond', { appDNSRule: [dnsRule('dns1', 'www.other.example')] });
      await reasonIs('beyond', 'NotPermitted');
      assert.equal((await stalledOf('beyond'))?.status, 'True');
      assert.match((await readyOf('beyond'))?.message ?? '', new RegExp(`DNS rule dns1: www.other.example is not under Tenant ${op.tenantName}'s spec.mep.dnsSuffixes`));
      const warned = (await events.list({ namespace })).items.filter((e) => e.involvedObject?.name === 'beyond' && e.reason === 'NotPermitted' && e.type === 'Warning');
      assert.equal(warned.length, 1, 'one Warning event');
      assert.deepEqual([requestsFor(ungoverned), requestsFor(beyond)], [0, 0], 'nothing read from or sent to the MEP');

      // Applied while granted; the grant narrows: refused, and the MEP keeps what it holds.
      const id = await create(team, 'narrowed');
      await waitFor('narrowed Ready', async () => (await readyIn(team, 'narrowed'))?.status === 'True', 20_000, 50);
      const applied = held(id);
      const sent = changes(id);
      await tenants.patch(team, undefined, 'merge', { spec: { mep: { ...wideMepGrant, trafficActions: ['DROP'] } } });
      await refusedIn(team, 'narrowed');
      assert.match((await readyIn(team, 'narrowed'))?.message ?? '', new RegExp(`traffic rule tr1: action FORWARD_DECAPSULATED is not in Tenant ${team}'s spec.mep.trafficActions.*Nothing is sent to the MEP; what it holds stays`));
      assert.deepEqual(held(id), applied, 'the MEP still holds the rules');
      assert.deepEqual(changes(id), sent, 'no create, update or delete at the MEP');
      // Deleted, it takes out what it put there; the never-permitted ones go without a word to the MEP.
      await rules.delete('narrowed', team);
      await gone(team, 'narrowed');
      assert.equal(held(id), undefined, 'its rules are off the MEP');
      await rules.delete('ungoverned', stranger);
      await rules.delete('beyond', namespace);
      await gone(stranger, 'ungoverned');
      await gone(namespace, 'beyond');
      assert.deepEqual([requestsFor(ungoverned), requestsFor(beyond)], [0, 0]);
    } finally {
      for (const [ns, name] of [[stranger, 'ungoverned'], [team, 'narrowed'], [namespace, 'beyond']] as const) await rules.delete(name, ns).catch(() => undefined);
      await tenants.delete(team).catch(() => undefined);
      for (const name of [stranger, team]) await namespaces.delete(name).catch(() => undefined);
    }
  });

  it('converges 100 AppRules on one MEP', async function () {
    this.timeout(120_000);
    const ids = await Promise.all(Array.from({ length: 100 }, (_, i) => createRule(`many-${i}`)));
    await waitFor('all 100 held by the MEP', async () => ids.every((id) => held(id)), 90_000, 200);
    await waitFor('all 100 Ready', async () => {
      const list = await rules.list({ namespace });
      return list.items.filter((r) => r.metadata.name?.startsWith('many-') && r.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length === 100;
    }, 90_000, 500);
    for (const id of ids) assert.equal(mep.countRequests('POST', id), 1, `one POST for ${id}`);
  });
});
