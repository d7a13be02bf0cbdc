/**
 * Releases locked by an operation whose process died: a real `helm upgrade --wait` / `helm
 * install --wait` of a workload that never becomes ready is SIGKILLed while the release is
 * pending, exactly what happens when the operator is killed mid-operation. Helm then refuses
 * every further operation; `unlock` recovers the release and the next upgrade succeeds.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Cluster } from '../../../testenv/src/environment.js';
import { waitFor } from '../../../testenv/src/process.js';
import type { KubernetesPlugin } from '../../src/lcm/kubernetes/plugin.js';
import type { ReleaseState, ReleaseTarget } from '../../src/lcm/plugin.js';
import type { KubeClient } from '../../src/runtime/kube/client.js';
import { coreTypes } from '../../src/runtime/kube/resource.js';
import { ResourceClient } from '../../src/runtime/kube/resource-client.js';
import { envStartTimeoutMs, sharedEnv } from '../support/env.js';
import { clientFor } from '../support/hub-client.js';
import { helmJson, installRequest, newPlugin, pushDemoChart, targetOn, type PushedChart } from './support.js';

const run = Date.now().toString(36);
const namespace = `lcm-unlock-${run}`;

describe('Kubernetes LCM plugin: releases left pending by a killed process', function () {
  let edge: Cluster;
  let plugin: KubernetesPlugin;
  let api: KubeClient;
  let chart: PushedChart;
  let helmHome: string;
  const children: ChildProcess[] = [];

  before(async function () {
    this.timeout(envStartTimeoutMs);
    edge = (await sharedEnv()).edges[0]!;
    chart = await pushDemoChart((await edge.binaries).helm, edge.registryUrl!, `mecm/${namespace}/pkg`, '0.1.0');
    plugin = await newPlugin(edge);
    api = await clientFor(edge);
    helmHome = await mkdtemp(join(tmpdir(), 'lcm-unlock-helm-'));
  });

  after(async function () {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await plugin?.close();
    await new ResourceClient(api, coreTypes.namespace).delete(namespace).catch(() => undefined);
    api?.close();
    await rm(helmHome, { recursive: true, force: true });
  });

  /** Starts the real helm with --wait on a never-ready workload and SIGKILLs it once the release is `pending`. */
  async function killWhilePending(target: ReleaseTarget, verb: 'install' | 'upgrade', pending: ReleaseState): Promise<void> {
    const child = spawn((await edge.binaries).helm, [
      verb, target.releaseName, chart.ref, '--namespace', target.namespace, '--plain-http', '--set', 'stuck=true',
      '--wait', '--timeout', '5m', '--kubeconfig', edge.kubeconfigFile,
    ], { stdio: 'ignore', env: { PATH: process.env.PATH, HOME: helmHome, HELM_CACHE_HOME: join(helmHome, 'c'), HELM_CONFIG_HOME: join(helmHome, 'f'), HELM_DATA_HOME: join(helmHome, 'd') } });
    children.push(child);
    await waitFor(`release ${pending}`, async () => {
      const status = await plugin.status(target);
      assert.ok(status.exists && status.status === pending, `release is ${status.exists ? status.status : 'absent'}`);
      return true;
    }, 30_000, 100);
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  it('rolls a release left pending-upgrade back to its deployed revision; the next upgrade succeeds', async function () {
    const target = await targetOn(edge, namespace, 'stuck-upgrade');
    await plugin.install(installRequest(target, chart, { message: 'first' }));
    await killWhilePending(target, 'upgrade', 'pending-upgrade');

    await assert.rejects(plugin.upgrade(installRequest(target, chart, { message: 'second' })),
      (e: Error & { kind?: string }) => e.kind === 'OperationInProgress' && /another operation/.test(e.message) && !e.message.includes(target.kubeconfig));

    const unlocked = await plugin.unlock(target);
    assert.ok(unlocked.exists);
    assert.deepEqual([unlocked.revision, unlocked.status], [3, 'deployed']);
    assert.deepEqual(await helmJson(edge, ['get', 'values', target.releaseName, '--namespace', namespace]), { message: 'first' });

    const upgraded = await plugin.upgrade(installRequest(target, chart, { message: 'second' }));
    assert.deepEqual([upgraded.revision, upgraded.status], [4, 'deployed']);
    assert.deepEqual(await plugin.unlock(target), await plugin.status(target), 'unlock leaves a release that is not locked alone');
  });

  it('uninstalls a release left pending-install that never deployed; it installs again afterwards', async function () {
    const target = await targetOn(edge, namespace, 'stuck-install');
    await plugin.install(installRequest(await targetOn(edge, namespace, 'neighbour'), chart));
    await killWhilePending(target, 'install', 'pending-install');

    await assert.rejects(plugin.install(installRequest(target, chart)), { kind: 'Conflict' });
    assert.deepEqual(await plugin.unlock(target), { exists: false });
    assert.deepEqual(await plugin.status(target), { exists: false });

    const installed = await plugin.install(installRequest(target, chart));
    assert.deepEqual([installed.revision, installed.status], [1, 'deployed']);
  });

  it('refuses a second operation on a release while one runs in this operator', async function () {
    const target = await targetOn(edge, namespace, 'busy');
    const results = await Promise.allSettled([
      plugin.install(installRequest(target, chart)),
      plugin.install(installRequest(target, chart)),
    ]);
    assert.equal(results[0].status, 'fulfilled');
    assert.equal(results[1].status, 'rejected');
    const reason = (results[1] as PromiseRejectedResult).reason as Error & { kind?: string };
    assert.equal(reason.kind, 'OperationInProgress');
    assert.match(reason.message, /running in this operator/);
  });
});
