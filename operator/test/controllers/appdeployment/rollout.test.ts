/**
 * AppDeployment on real clusters: 20 EdgeHosts over the two local edges (each with its own
 * kubeconfig Secret and its own edge namespace), a real appstore simulator and edge registries,
 * the AppPackage and AppInstance controllers in-process (startOperator) and the AppDeployment
 * controller as an operator process of its own (deployment-operator.ts, as the chart's
 * ServiceAccount), so that it can be SIGKILLed. Every AppInstance transition is watched, so
 * "never more than maxUnavailable hosts not Ready" is checked on each event, not on snapshots
 * (instances that something other than the rollout knocks over are reported and allowed for).
 * In order: the first rollout; v1 → v2 with the operator SIGKILLed in the middle of a wave; a
 * v3 that fails its gate and a revert; hosts joining and leaving.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppstoreSimulator } from '../../../../testenv/src/appstore-simulator.js';
import { waitFor } from '../../../../testenv/src/process.js';
import type { AppDeployment, AppDeploymentSpec, AppDeploymentWave } from '../../../src/api/appdeployment.js';
import type { AppInstance } from '../../../src/api/appinstance.js';
import type { AppPackage } from '../../../src/api/apppackage.js';
import type { EdgeHost } from '../../../src/api/edgehost.js';
import { mecmTypes } from '../../../src/api/resources.js';
import { instanceView } from '../../../src/controllers/appdeployment/observe.js';
import { Informer } from '../../../src/runtime/informer.js';
import type { KubeClient } from '../../../src/runtime/kube/client.js';
import { isNotFound } from '../../../src/runtime/kube/errors.js';
import { coreTypes, type KubeObject } from '../../../src/runtime/kube/resource.js';
import { ResourceClient } from '../../../src/runtime/kube/resource-client.js';
import { envStartTimeoutMs, type SharedEnv } from '../../support/env.js';
import { testLogger } from '../../support/logger.js';
import { operatorNamespace, startOperator, type TestOperator } from '../../support/operator.js';
import { writeOperatorKubeconfig } from '../../support/operator-identity.js';
import { shopPackage } from './shop-package.js';

const fixture = fileURLToPath(new URL('./deployment-operator.ts', import.meta.url));
const run = Date.now().toString(36);
const namespace = `adt-${run}`;
const kubeconfigFile = join(tmpdir(), `adt-${run}.kubeconfig`);
const hostNames = Array.from({ length: 21 }, (_, i) => `adt${run}-h${String(i + 1).padStart(2, '0')}`);
/** The 21st host joins later. */
const firstTwenty = hostNames.slice(0, 20);
/** Selected by the deployment, but the suite's Tenant does not grant it. */
const deniedHost = `adt${run}-denied`;
const maxUnavailable = 5;

type Secret = KubeObject & { stringData: Record<string, string> };

describe('AppDeployment on 20 EdgeHosts: waves, health gate, SIGKILL, placement changes', function () {
  let op: TestOperator;
  let shared: SharedEnv;
  let direct: KubeClient;
  let store: AppstoreSimulator;
  let operator: ChildProcess | undefined;
  let deployments: ResourceClient<AppDeployment>;
  let instances: ResourceClient<AppInstance>;
  let hosts: ResourceClient<EdgeHost>;
  let watch: Informer<AppInstance>;
  let deploymentWatch: Informer<AppDeployment>;
  let packageWatch: Informer<AppPackage>;
  /** The most instances seen not Ready at once because of the rollout since `resetWatch`, and which. */
  let worst = { count: 0, at: '' };
  /** The most seen not Ready at once for any reason, and which. */
  let worstTotal = { count: 0, at: '' };
  /** Instances seen not Ready again at a generation they had been Ready at: not the rollout's doing. */
  const disruptions = new Set<string>();
  /** Waves recorded in status, in the order they were seen: `<revision>#<number>:<hosts>`. */
  let waves: string[] = [];
  let output = '';
  /** What the deployment said, each time it changed: for failure messages. */
  const timeline: string[] = [];
  const story = () => `\ntimeline:\n${timeline.slice(-60).join('\n')}\noperator: ${output.slice(-2000)}`;

  before(async function () {
    this.timeout(envStartTimeoutMs);
    // The suite's Tenant grants every EdgeHost and edge namespaces <namespace>-* (the default pattern).
    op = await startOperator({
      namespace, controllers: ['apppackage', 'appinstance'], appinstance: { workers: 8 },
      grant: { hosts: { selector: { matchExpressions: [{ key: 'adt-denied', operator: 'DoesNotExist' }] } } },
    });
    shared = op.shared;
    direct = op.direct;
    deployments = new ResourceClient<AppDeployment>(direct, mecmTypes.appDeployment);
    instances = new ResourceClient<AppInstance>(direct, mecmTypes.appInstance);
    hosts = new ResourceClient<EdgeHost>(direct, mecmTypes.edgeHost);
    store = await AppstoreSimulator.start();
    await store.addPackage({ appId: 'shop', packageId: 'v1', name: 'shop', version: '1.0', provider: 'Tests', file: await shopPackage() });
    const secrets = new ResourceClient<Secret>(direct, coreTypes.secret);
    for (const [i, name] of [...hostNames, deniedHost].entries()) {
      const edge = shared.edges[i % shared.edges.length]!;
      const labels: Record<string, string> = name === deniedHost ? { 'adt-run': run, 'adt-roll': 'yes', 'adt-denied': 'yes' } : { 'adt-run': run, 'adt-pkg': run, ...(i < 20 ? { 'adt-roll': 'yes' } : {}) };
      await secrets.create({ metadata: { name: `${name}-kubeconfig`, namespace: operatorNamespace }, stringData: { kubeconfig: await edge.kubeconfig() } });
      await hosts.create({
        apiVersion: 'mecm.io/v1alpha1', kind: 'EdgeHost',
        metadata: { name, labels },
        spec: {
          affinity: ['X86'],
          infrastructure: { type: 'kubernetes', kubeconfigSecretRef: { name: `${name}-kubeconfig`, namespace: operatorNamespace } },
          repository: { url: edge.registryUrl!, insecure: true },
        },
      });
    }
    await new ResourceClient<AppPackage>(direct, mecmTypes.appPackage).create({
      apiVersion: 'mecm.io/v1alpha1', kind: 'AppPackage', metadata: { name: 'shop', namespace },
      spec: { source: { appstore: { url: store.url, appId: 'shop', packageId: 'v1' } }, distribution: { hostSelector: { matchLabels: { 'adt-pkg': run } } }, images: { mirror: 'Skip' } },
    });

    // Every transition of every instance: the unavailable count after each one. An instance not
    // Ready since its spec was last written (new, or updated by a wave) is the rollout's doing;
    // one that was Ready at its current generation and stopped being Ready was disrupted by
    // something else (the edge, the package, the AppInstance controller) and is reported apart.
    const state = new Map<string, { ready: boolean; generation: number; readyGeneration: number | undefined; why: string }>();
    watch = new Informer<AppInstance>(direct, mecmTypes.appInstance, testLogger(), { namespace });
    const seen = (i: AppInstance) => {
      const name = i.metadata.name ?? '';
      const generation = i.metadata.generation ?? 0;
      const ready = instanceView(i).ready;
      const before = state.get(name);
      const readyGeneration = ready ? generation : before?.readyGeneration;
      const condition = i.status?.conditions?.find((c) => c.type === 'Ready');
      state.set(name, { ready, generation, readyGeneration, why: `${name}@${generation}/${condition?.observedGeneration ?? '-'}:${condition?.reason ?? 'none'}` });
      const down = [...state.values()].filter((s) => !s.ready);
      const byRollout = down.filter((s) => s.readyGeneration === undefined || s.generation > s.readyGeneration);
      const disrupted = down.filter((s) => !byRollout.includes(s));
      if (byRollout.length > worst.count) worst = { count: byRollout.length, at: `${new Date().toISOString()} ${byRollout.map((s) => s.why).join(' ')}` };
      if (down.length > worstTotal.count) worstTotal = { count: down.length, at: `${new Date().toISOString()} ${down.map((s) => s.why).join(' ')}` };
      for (const s of disrupted) disruptions.add(s.why);
    };
    // A deleted instance (a host that left) no longer counts.
    watch.addHandlers({ onAdd: seen, onUpdate: (_, i) => seen(i), onDelete: (i) => state.delete(i.metadata.name ?? '') });
    // Each wave as it is recorded, for the failure messages.
    deploymentWatch = new Informer<AppDeployment>(direct, mecmTypes.appDeployment, testLogger(), { namespace });
    const recordWave = (d: AppDeployment) => {
      const w = d.status?.wave;
      if (!w) return;
      const entry = `${w.revision}#${w.number}:${w.hosts.join(',')}`;
      if (waves.at(-1) !== entry) waves.push(entry);
      timeline.push(`${new Date().toISOString().slice(11, 23)} ${entry} ${d.status?.conditions?.find((c) => c.type === 'Progressing')?.reason ?? ''} ready=${d.status?.ready ?? 0}`);
    };
    deploymentWatch.addHandlers({ onAdd: recordWave, onUpdate: (_, d) => recordWave(d) });
    packageWatch = new Informer<AppPackage>(direct, mecmTypes.appPackage, testLogger(), { namespace });
    packageWatch.addHandlers({ onUpdate: (_, p) => {
      const off = (p.status?.hosts ?? []).filter((h) => h.state !== 'Distributed').map((h) => `${h.name}:${h.state}`);
      timeline.push(`${new Date().toISOString().slice(11, 23)} package gen ${p.metadata.generation ?? 0} digest ${p.status?.digest?.slice(7, 15) ?? ''} not distributed: ${off.join(' ')}`);
    } });
    packageWatch.start();
    watch.start();
    deploymentWatch.start();
    await Promise.all([watch.waitForSync(), deploymentWatch.waitForSync()]);
    await writeOperatorKubeconfig(shared.hub, kubeconfigFile);
    operator = start();
    await waitFor('package distributed to the 21 hosts', async () => {
      const p = await new ResourceClient<AppPackage>(direct, mecmTypes.appPackage).get('shop', namespace);
      return p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
    }, 120_000, 250);
  });

  after(async function () {
    this.timeout(240_000);
    if (!op) return;
    // The in-process AppInstance controller runs the instances' finalizers.
    await kill(operator);
    await deployments.delete('shop', namespace).catch(() => undefined);
    for (const i of (await instances.list({ namespace }).catch(() => ({ items: [] as AppInstance[] }))).items) await instances.delete(i.metadata.name!, namespace).catch(() => undefined);
    await waitFor('instances gone', async () => (await instances.list({ namespace })).items.length === 0, 180_000, 500).catch(() => undefined);
    await new ResourceClient(direct, mecmTypes.appPackage).delete('shop', namespace).catch(() => undefined);
    await waitFor('package gone', async () => new ResourceClient(direct, mecmTypes.appPackage).get('shop', namespace).then(() => false, (e: unknown) => isNotFound(e)), 60_000, 500).catch(() => undefined);
    for (const name of [...hostNames, deniedHost]) {
      await hosts.delete(name).catch(() => undefined);
      await new ResourceClient(direct, coreTypes.secret).delete(`${name}-kubeconfig`, operatorNamespace).catch(() => undefined);
    }
    await watch?.stop();
    await deploymentWatch?.stop();
    await packageWatch?.stop();
    await store?.stop();
    await new ResourceClient(direct, coreTypes.namespace).delete(namespace).catch(() => undefined);
    await op?.stop();
    await rm(kubeconfigFile, { force: true });
  });

  function start(): ChildProcess {
    const child = spawn(process.execPath, ['--import', 'tsx', fixture, kubeconfigFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => { output = (output + chunk).slice(-200_000); });
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => { output = (output + chunk).slice(-200_000); });
    return child;
  }

  /** SIGKILL: no shutdown hook runs, nothing is released or written on the way out. */
  async function kill(child: ChildProcess | undefined): Promise<void> {
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
  }


  const spec = (version: string, extra: Record<string, unknown> = {}): AppDeploymentSpec => ({
    template: {
      packageRef: { name: 'shop' }, edgeNamespace: `${namespace}-{host}`, values: { version, ...extra },
      // Long enough for a Helm upgrade on a loaded machine, short enough that a failing v3 is caught by the gate first.
      timeoutSeconds: 60,
    },
    placement: { hostSelector: { matchLabels: { 'adt-run': run, 'adt-roll': 'yes' } }, requires: { affinity: ['X86'] } },
    rollout: { maxUnavailable, healthGate: { timeout: '45s' } },
  });

  const get = () => deployments.get('shop', namespace);
  const condition = (d: AppDeployment, type: string) => d.status?.conditions?.find((c) => c.type === type);
  const resetWatch = () => {
    worst = { count: 0, at: '' };
    worstTotal = { count: 0, at: '' };
    disruptions.clear();
  };
  /**
   * Never more than maxUnavailable instances not Ready at once, whatever the cause; and none that
   * was Ready at its generation went not Ready without a spec change (nothing else may disrupt
   * them in this suite's own environment — another operator on a shared hub would).
   */
  const assertBudgetKept = () => {
    assert.deepEqual([...disruptions], [], `not Ready again without a spec change (not the rollout's doing)${story()}`);
    assert.ok(worst.count <= maxUnavailable, `at most ${maxUnavailable} instances not Ready at once because of the rollout, saw ${worst.count} (${worst.at})${story()}`);
    assert.ok(worstTotal.count <= maxUnavailable, `at most ${maxUnavailable} instances not Ready at once, saw ${worstTotal.count} (${worstTotal.at})${story()}`);
  };
  const ourInstances = async () => (await instances.list({ namespace })).items;

  /** Waits until the deployment is Ready for its current generation with `count` hosts available. */
  async function rolledOut(count: number, timeoutMs: number): Promise<AppDeployment> {
    let last: AppDeployment | undefined;
    await waitFor(`AppDeployment Ready on ${count} hosts`, async () => {
      last = await get();
      return last.status?.observedGeneration === last.metadata.generation && condition(last, 'Ready')?.status === 'True' && last.status?.available === count;
    }, timeoutMs, 250).catch((error: unknown) => {
      throw new Error(`${String(error)}\nstatus: ${JSON.stringify(last?.status?.conditions)} ${JSON.stringify(last?.status?.hosts?.map((h) => `${h.name}:${h.state}`))}${story()}`);
    });
    return last!;
  }

  /**
   * The waves seen for `revision`: numbered 1, 2, 3, … each once, each of at most maxUnavailable
   * hosts, together every one of `expected` exactly once. Returns them as recorded.
   */
  function assertWaves(revision: string, expected: readonly string[]): string[] {
    const seen = waves.filter((w) => w.startsWith(`${revision}#`));
    const numbers = seen.map((w) => Number(w.split(':')[0]!.split('#')[1]));
    assert.deepEqual(numbers, numbers.map((_, i) => i + 1), `waves in order, none repeated or skipped: ${seen.join(' | ')}`);
    const hostsOf = seen.map((w) => w.split(':')[1]!.split(','));
    for (const hostsOfWave of hostsOf) assert.ok(hostsOfWave.length <= maxUnavailable, `a wave of ${hostsOfWave.length}`);
    assert.deepEqual(hostsOf.flat().sort(), [...expected].sort(), 'every host in exactly one wave');
    return seen;
  }

  // The whole spec (values shrink on a revert), whatever the controller wrote to status meanwhile.
  const setSpec = (next: AppDeploymentSpec) => deployments.patch('shop', namespace, 'json', [{ op: 'replace', path: '/spec', value: next }]);
  const generations = async () => new Map((await ourInstances()).map((i) => [i.metadata.name!, i.metadata.generation ?? 0]));

  it('rolls v1 out to the 20 hosts in waves of at most 5, each host\'s instance labelled with the revision; a host the Tenant refuses is listed, not used', async function () {
    this.timeout(240_000);
    resetWatch();
    await deployments.create({ apiVersion: 'mecm.io/v1alpha1', kind: 'AppDeployment', metadata: { name: 'shop', namespace }, spec: spec('v1') });
    const d = await rolledOut(20, 220_000);
    assertBudgetKept();
    assert.deepEqual([d.status?.desired, d.status?.updated, d.status?.ready, d.status?.available], [20, 20, 20, 20]);
    const listed = await ourInstances();
    assert.deepEqual(listed.map((i) => i.spec.hostRef.name).sort(), firstTwenty);
    for (const i of listed) {
      assert.equal(i.metadata.labels?.['mecm.io/appdeployment-revision'], d.status?.revision);
      assert.equal(i.metadata.generation, 1);
      assert.equal(i.spec.namespace, `${namespace}-${i.spec.hostRef.name}`, 'each host its own edge namespace');
      assert.ok(i.metadata.ownerReferences?.some((o) => o.kind === 'AppDeployment' && o.controller === true && o.uid === d.metadata.uid));
    }
    assertWaves(d.status?.revision ?? '', firstTwenty);
    // The host the Tenant does not grant is selected but listed, not used.
    const refused = d.status?.excludedHosts?.find((h) => h.name === deniedHost);
    assert.equal(refused?.reason, 'NotPermitted');
    assert.match(refused?.message ?? '', new RegExp(`does not grant EdgeHost ${deniedHost}`));
  });

  it('rolls v2 out wave by wave; SIGKILLed mid-wave, the operator resumes that wave: no wave repeated or skipped, one write per instance', async function () {
    this.timeout(240_000);
    resetWatch();
    const before = await generations();
    const v1 = (await get()).status?.revision;
    await setSpec(spec('v2'));
    let recorded: AppDeploymentWave | undefined;
    await waitFor('wave 2 of v2 recorded', async () => {
      const w = (await get()).status?.wave;
      if (w && w.revision !== v1 && w.number === 2 && !w.completionTime) recorded = w;
      return recorded !== undefined;
    }, 150_000, 50);
    await kill(operator);
    const afterKill = (await get()).status?.wave;
    assert.deepEqual({ number: afterKill?.number, hosts: afterKill?.hosts }, { number: recorded!.number, hosts: recorded!.hosts }, 'the killed operator left wave 2 on record');
    operator = start();
    const d = await rolledOut(20, 200_000);
    assertBudgetKept();
    const v2 = d.status?.revision;
    assert.notEqual(v2, v1);
    const v2Waves = assertWaves(v2 ?? '', firstTwenty);
    assert.ok(v2Waves.includes(`${v2 ?? ''}#2:${recorded!.hosts.join(',')}`), 'wave 2 kept its hosts across the kill');
    const after = await generations();
    for (const [name, generation] of after) {
      assert.equal(generation, (before.get(name) ?? 0) + 1, `${name}: one write for the rollout`);
    }
    for (const i of await ourInstances()) assert.equal(i.metadata.labels?.['mecm.io/appdeployment-revision'], v2);
  });

  it('pauses a v3 that fails its gate after the first wave, naming the hosts; the others stay on v2; reverting rolls back', async function () {
    this.timeout(240_000);
    resetWatch();
    const good = await get();
    const v2 = good.status?.revision;
    const before = await generations();
    // No kwok node has this label: the new pods never become Ready.
    await setSpec(spec('v3', { nodeSelector: { 'adt/nowhere': 'true' } }));
    let paused: AppDeployment | undefined;
    await waitFor('rollout paused on the gate', async () => {
      paused = await get();
      return condition(paused, 'Paused')?.reason === 'GateFailed';
    }, 120_000, 250);
    const v3 = paused!.status?.revision;
    const failed = paused!.status?.failedHosts ?? [];
    assert.equal(failed.length, maxUnavailable, 'the first wave failed');
    for (const host of failed) assert.match(condition(paused!, 'Paused')!.message, new RegExp(host));
    assert.equal(condition(paused!, 'Stalled')?.reason, 'GateFailed');
    assert.equal(condition(paused!, 'Ready')?.status, 'False');
    assert.equal(paused!.status?.wave?.number, 1, 'no second wave');
    const listed = await ourInstances();
    const onV3 = listed.filter((i) => i.metadata.labels?.['mecm.io/appdeployment-revision'] === v3).map((i) => i.spec.hostRef.name).sort();
    assert.deepEqual(onV3, [...failed].sort());
    const onV2 = listed.filter((i) => i.metadata.labels?.['mecm.io/appdeployment-revision'] === v2);
    assert.equal(onV2.length, 15, 'the rest stay on v2');
    for (const i of onV2) assert.equal(instanceView(i).ready, true, `${i.metadata.name ?? ''} still Ready on v2`);
    assertBudgetKept();

    // Revert: the failed hosts come back to v2; the 15 that never left are not written.
    await setSpec(spec('v2'));
    const d = await rolledOut(20, 200_000);
    assert.equal(d.status?.revision, v2, 'the same revision as before');
    const after = await generations();
    for (const [name, generation] of after) {
      const host = listed.find((i) => i.metadata.name === name)?.spec.hostRef.name ?? '';
      assert.equal(generation, (before.get(name) ?? 0) + (failed.includes(host) ? 2 : 0), `${name}: ${failed.includes(host) ? 'v3 and back' : 'untouched'}`);
    }
    assertBudgetKept();
  });

  it('gives a host that joins the selector the app, removes the instance of one that leaves, and orphans it with removalPolicy Orphan', async function () {
    this.timeout(180_000);
    const label = async (host: string, value: string | null) => hosts.patch(host, undefined, 'merge', { metadata: { labels: { 'adt-roll': value } } });
    const joining = hostNames[20]!;
    const leaving = hostNames[0]!;
    const instanceOf = async (host: string) => (await ourInstances()).find((i) => i.spec.hostRef.name === host);
    const leavingInstance = (await instanceOf(leaving))!.metadata.name!;
    await label(joining, 'yes');
    await label(leaving, null);
    await waitFor('the leaving host\'s instance deleted', async () => instances.get(leavingInstance, namespace).then(() => false, (e: unknown) => isNotFound(e)), 120_000, 250);
    await rolledOut(20, 120_000);
    assert.equal((await instanceOf(joining))?.metadata.labels?.['mecm.io/appdeployment-revision'], (await get()).status?.revision);

    await deployments.patch('shop', namespace, 'merge', { spec: { removalPolicy: 'Orphan' } });
    const orphan = hostNames[1]!;
    const orphanName = (await instanceOf(orphan))!.metadata.name!;
    await label(orphan, null);
    await waitFor('the instance released', async () => {
      const i = await instances.get(orphanName, namespace);
      return !(i.metadata.ownerReferences ?? []).some((o) => o.kind === 'AppDeployment');
    }, 60_000, 250);
    const released = await instances.get(orphanName, namespace);
    assert.equal(released.metadata.deletionTimestamp, undefined, 'orphaned, not deleted');
    assert.equal(released.metadata.labels?.['mecm.io/appdeployment-uid'], undefined);
    assert.equal(released.metadata.labels?.['mecm.io/appdeployment-revision'], undefined);
    const d = await rolledOut(19, 60_000);
    assert.equal(d.status?.hosts?.some((h) => h.name === orphan), false);
  });
});
