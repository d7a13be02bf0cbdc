/**
 * The AppRule controller against the MEP simulator and the real hub: the MEP holds exactly
 * the spec (create, update, delete), survives every fault knob, is restored after a MEP
 * restart that lost its state or a change behind our back, and 100 rules converge.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { MepSimulator } from '../../../../testenv/src/mep-simulator.js';
import { waitFor } from '../../../../testenv/src/process.js';
import type { AppRule, AppRuleSpec } from '../../../src/api/apprule.js';
import type { EdgeHost } from '../../../src/api/edgehost.js';
import { mecmTypes } from '../../../src/api/resources.js';
import { registerAppRuleController } from '../../../src/controllers/apprule/controller.js';
import { EventRecorder } from '../../../src/runtime/events.js';
import type { KubeClient } from '../../../src/runtime/kube/client.js';
import { isNotFound } from '../../../src/runtime/kube/errors.js';
import { coreTypes, type KubeObject } from '../../../src/runtime/kube/resource.js';
import { ResourceClient } from '../../../src/runtime/kube/resource-client.js';
import { Manager } from '../../../src/runtime/manager.js';
import { installCrds } from '../../support/crds.js';
import { envStartTimeoutMs, sharedEnv } from '../../support/env.js';
import { clientFor, kubeConfigFor } from '../../support/hub-client.js';
import { testLogger } from '../../support/logger.js';

const run = Date.now().toString(36);
const namespace = `apprules-${run}`;

const trafficRule = (id: string, priority = 5): NonNullable<AppRuleSpec['appTrafficRule']>[number] => ({
  trafficRuleId: id, filterType: 'FLOW', priority, action: 'FORWARD_DECAPSULATED', state: 'ACTIVE',
  trafficFilter: [{ srcAddress: ['192.168.1.0/24'], dstPort: ['8080'], protocol: ['TCP'] }],
  dstInterface: [{ interfaceType: 'IP', dstIpAddress: '10.0.0.8' }],
});
const dnsRule = (id: string, domain: string) => ({ dnsRuleId: id, domainName: domain, ipAddressType: 'IP_V4' as const, ipAddress: '10.0.0.8', ttl: 30, state: 'ACTIVE' as const });

describe('AppRule controller against the MEP simulator', function () {
  let direct: KubeClient;
  let rules: ResourceClient<AppRule>;
  let manager: Manager;
  let mep: MepSimulator;
  const hostName = `mep-host-${run}`;

  before(async function () {
    this.timeout(envStartTimeoutMs);
    const { hub, edges } = await sharedEnv();
    await installCrds(hub);
    direct = await clientFor(hub);
    rules = new ResourceClient<AppRule>(direct, mecmTypes.appRule);
    mep = await MepSimulator.start({ token: 'mep-token', taskDurationMs: 100 });
    await new ResourceClient(direct, coreTypes.namespace).create({ metadata: { name: namespace } });
    await new ResourceClient<KubeObject & { stringData: Record<string, string> }>(direct, coreTypes.secret)
      .create({ metadata: { name: 'mep-token', namespace }, stringData: { token: 'mep-token' } });
    await new ResourceClient<EdgeHost>(direct, mecmTypes.edgeHost).create({
      apiVersion: 'mecm.io/v1alpha1', kind: 'EdgeHost', metadata: { name: hostName },
      spec: {
        infrastructure: { type: 'kubernetes', kubeconfigSecretRef: { name: 'unused', namespace } },
        repository: { url: edges[0]!.registryUrl!, insecure: true },
        mep: { url: mep.url, tokenSecretRef: { name: 'mep-token', namespace } },
      },
    });
    manager = await Manager.create({ hub: await kubeConfigFor(hub), log: testLogger() });
    registerAppRuleController(manager, {
      workers: 8, requestTimeoutMs: 2000, driftCheckMs: 500, taskPollMs: 50, taskTimeoutMs: 1500,
      events: new EventRecorder(manager.hub, 'mecm-operator', 'test', testLogger()),
    });
    await manager.start();
  });

  after(async function () {
    this.timeout(90_000);
    mep.hangTasks = false;
    mep.failTasks = false;
    mep.token = 'mep-token';
    // Delete while the controller and the MEP still run, so finalizers are honoured.
    for (const rule of (await rules.list({ namespace })).items) await rules.delete(rule.metadata.name!, namespace);
    await waitFor('AppRules gone', async () => (await rules.list({ namespace })).items.length === 0, 80_000, 200);
    await manager?.stop();
    await mep?.stop();
    direct?.close();
  });

  async function createRule(name: string, spec: Partial<AppRuleSpec> = {}): Promise<string> {
    const appInstanceId = randomUUID();
    await rules.create({
      apiVersion: 'mecm.io/v1alpha1', kind: 'AppRule', metadata: { name, namespace },
      spec: { hostRef: { name: hostName }, appInstanceId, appName: `app-${name}`, appTrafficRule: [trafficRule('tr1')], appDNSRule: [dnsRule('dns1', `${name}.mec.example`)], ...spec },
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
