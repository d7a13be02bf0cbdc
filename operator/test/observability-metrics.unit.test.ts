/**
 * The operator's own metrics, without a cluster: the fleet gauges count what the caches hold at
 * scrape time, only on the reporting replica, with bounded labels; helm calls are timed by
 * subcommand and outcome (a shell script stands in for helm); MEP requests by method, resource
 * and outcome (the MEP simulator over real HTTP).
 */
import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { MepSimulator } from '../../testenv/src/mep-simulator.js';
import type { AppInstance } from '../src/api/appinstance.js';
import type { AppPackage } from '../src/api/apppackage.js';
import type { EdgeHost } from '../src/api/edgehost.js';
import { recordDrift } from '../src/controllers/apprule/drift-metric.js';
import { registerFleetMetrics, type FleetSources } from '../src/controllers/fleet-metrics.js';
import { HelmProcess } from '../src/lcm/kubernetes/helm-process.js';
import { MepClient } from '../src/mep/client.js';
import type { Condition } from '../src/runtime/conditions.js';
import { parseExposition } from './support/observability.js';

const at = '2026-01-01T00:00:00Z';
const condition = (type: string, status: Condition['status'], reason: string): Condition => ({ type, status, reason, message: reason, lastTransitionTime: at });

const host = (name: string, ready?: Condition): EdgeHost => ({
  apiVersion: 'mecm.io/v1alpha1', kind: 'EdgeHost', metadata: { name },
  spec: { infrastructure: { type: 'kubernetes', kubeconfigSecretRef: { name: 'k' } }, repository: { url: 'https://r.example' } },
  ...(ready ? { status: { conditions: [ready] } } : {}),
} as EdgeHost);
const pkg = (name: string, states: string[]): AppPackage => ({
  apiVersion: 'mecm.io/v1alpha1', kind: 'AppPackage', metadata: { name, namespace: 't' },
  status: { hosts: states.map((state, i) => ({ name: `h${i}`, state })) },
} as unknown as AppPackage);
const instance = (name: string, phase?: string, stalled?: Condition): AppInstance => ({
  apiVersion: 'mecm.io/v1alpha1', kind: 'AppInstance', metadata: { name, namespace: 't' },
  status: { ...(phase ? { phase } : {}), ...(stalled ? { conditions: [stalled] } : {}) },
} as unknown as AppInstance);

/** A registry with the fleet gauges over `sources`, and a scrape of it as series → value. */
async function scrapeFleet(sources: Partial<FleetSources>): Promise<Map<string, number>> {
  const registry = new Registry();
  registerFleetMetrics(registry, { hosts: () => [], packages: () => [], instances: () => [], stallable: {}, reporting: () => true, ...sources });
  return parseExposition(await registry.metrics());
}

describe('Fleet gauges', () => {
  it('counts EdgeHosts by Ready status and reason, NotObserved before the first probe', async () => {
    const scrape = await scrapeFleet({
      hosts: () => [
        host('a', condition('Ready', 'True', 'EdgeHostReady')), host('b', condition('Ready', 'True', 'EdgeHostReady')),
        host('c', condition('Ready', 'False', 'EdgeClusterUnreachable')), host('d'),
      ],
    });
    assert.equal(scrape.get('mecm_edgehosts{ready="True",reason="EdgeHostReady"}'), 2);
    assert.equal(scrape.get('mecm_edgehosts{ready="False",reason="EdgeClusterUnreachable"}'), 1);
    assert.equal(scrape.get('mecm_edgehosts{ready="Unknown",reason="NotObserved"}'), 1);
    assert.ok(![...scrape.keys()].some((k) => /"[abcd]"/.test(k)), 'no host name is a label');
  });

  it('sums target hosts by distribution state over packages, every state present', async () => {
    const scrape = await scrapeFleet({ packages: () => [pkg('p', ['Distributed', 'Distributing']), pkg('q', ['Distributed', 'Error'])] });
    assert.equal(scrape.get('mecm_apppackage_hosts{state="Distributed"}'), 2);
    assert.equal(scrape.get('mecm_apppackage_hosts{state="Distributing"}'), 1);
    assert.equal(scrape.get('mecm_apppackage_hosts{state="Error"}'), 1);
    assert.equal(scrape.get('mecm_apppackage_hosts{state="Deleting"}'), 0);
  });

  it('counts AppInstances by phase (Pending without one) and stalled objects by kind and reason', async () => {
    const stalled = condition('Stalled', 'True', 'NotPermitted');
    const instances = [instance('a', 'Ready'), instance('b', 'Installing'), instance('c'), instance('d', 'Failed', stalled)];
    const scrape = await scrapeFleet({
      instances: () => instances,
      stallable: { AppInstance: () => instances, EdgeHost: () => [host('h', condition('Stalled', 'False', 'Settled'))] },
    });
    assert.equal(scrape.get('mecm_appinstances{phase="Ready"}'), 1);
    assert.equal(scrape.get('mecm_appinstances{phase="Pending"}'), 1);
    assert.equal(scrape.get('mecm_appinstances{phase="Upgrading"}'), 0);
    assert.equal(scrape.get('mecm_stalled_objects{kind="AppInstance",reason="NotPermitted"}'), 1);
    assert.ok(![...scrape.keys()].some((k) => k.includes('kind="EdgeHost"')), 'Stalled=False is not counted');
  });

  it('counts at every scrape from the caches as they are then', async () => {
    const hosts = [host('a', condition('Ready', 'True', 'EdgeHostReady'))];
    const registry = new Registry();
    registerFleetMetrics(registry, { hosts: () => hosts, packages: () => [], instances: () => [], stallable: {}, reporting: () => true });
    assert.equal(parseExposition(await registry.metrics()).get('mecm_edgehosts{ready="True",reason="EdgeHostReady"}'), 1);
    hosts[0] = host('a', condition('Ready', 'False', 'EdgeClusterUnreachable'));
    const after = parseExposition(await registry.metrics());
    assert.equal(after.get('mecm_edgehosts{ready="False",reason="EdgeClusterUnreachable"}'), 1);
    assert.equal(after.get('mecm_edgehosts{ready="True",reason="EdgeHostReady"}'), undefined, 'the old series is gone');
  });

  it('reports nothing on a replica that does not lead, so sum() over replicas counts once', async () => {
    const scrape = await scrapeFleet({ hosts: () => [host('a', condition('Ready', 'True', 'EdgeHostReady'))], instances: () => [instance('a', 'Ready')], reporting: () => false });
    assert.deepEqual([...scrape.keys()].filter((k) => /^mecm_(edgehosts|appinstances|apppackage_hosts|stalled_objects)/.test(k)), []);
  });

  it('registers the helm, MEP and drift metrics in the same registry', async () => {
    const registry = new Registry();
    registerFleetMetrics(registry, { hosts: () => [], packages: () => [], instances: () => [], stallable: {}, reporting: () => true });
    recordDrift('Lost');
    const text = await registry.metrics();
    for (const name of ['mecm_helm_operation_duration_seconds', 'mecm_mep_request_duration_seconds', 'mecm_apprule_drift_total']) {
      assert.match(text, new RegExp(`^# TYPE ${name} `, 'm'), name);
    }
    assert.ok((parseExposition(text).get('mecm_apprule_drift_total{drift="Lost"}') ?? 0) >= 1);
  });
});

/** Sum of a histogram's _count series whose labels include all of `labels`, from `registry`. */
async function countOf(registry: Registry, name: string, labels: Record<string, string>): Promise<number> {
  let sum = 0;
  for (const [key, value] of parseExposition(await registry.metrics())) {
    if (!key.startsWith(`${name}_count{`)) continue;
    if (Object.entries(labels).every(([k, v]) => key.includes(`${k}="${v}"`))) sum += value;
  }
  return sum;
}

describe('Helm and MEP timings', () => {
  const registry = new Registry();
  before(() => {
    registerFleetMetrics(registry, { hosts: () => [], packages: () => [], instances: () => [], stallable: {}, reporting: () => true });
  });

  it('times each helm call by subcommand and outcome', async function () {
    this.timeout(20_000);
    const dir = await mkdtemp(join(tmpdir(), 'fake-helm-'));
    const script = join(dir, 'helm');
    await writeFile(script, '#!/bin/sh\nif [ "$1" = upgrade ]; then echo "Error: Kubernetes cluster unreachable" >&2; exit 1; fi\necho "{}"\n');
    await chmod(script, 0o755);
    const helm = new HelmProcess({ binary: script, scratchRoot: dir });
    try {
      const before = { ok: await countOf(registry, 'mecm_helm_operation_duration_seconds', { operation: 'get manifest', outcome: 'Succeeded' }),
        failed: await countOf(registry, 'mecm_helm_operation_duration_seconds', { operation: 'upgrade', outcome: 'ClusterUnreachable' }) };
      await helm.run({ args: ['get', 'manifest', 'r'], what: 'get', kubeconfig: 'apiVersion: v1\n', timeoutMs: 5000 });
      await assert.rejects(helm.run({ args: ['upgrade', 'r', 'chart'], what: 'upgrade', kubeconfig: 'apiVersion: v1\n', timeoutMs: 5000 }));
      assert.equal(await countOf(registry, 'mecm_helm_operation_duration_seconds', { operation: 'get manifest', outcome: 'Succeeded' }), before.ok + 1);
      assert.equal(await countOf(registry, 'mecm_helm_operation_duration_seconds', { operation: 'upgrade', outcome: 'ClusterUnreachable' }), before.failed + 1);
    } finally {
      await helm.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('times each MEP request by method, resource and outcome, without an answer as the failure kind', async function () {
    this.timeout(20_000);
    const mep = await MepSimulator.start({ token: 'timing-token-123456' });
    const client = new MepClient({ url: mep.url, token: 'timing-token-123456', timeoutMs: 2000 });
    const count = (labels: Record<string, string>) => countOf(registry, 'mecm_mep_request_duration_seconds', labels);
    try {
      const before = { notFound: await count({ method: 'GET', resource: 'configuration', outcome: '4xx' }), task: await count({ method: 'GET', resource: 'task', outcome: '4xx' }),
        server: await count({ method: 'GET', resource: 'configuration', outcome: '5xx' }), down: await count({ method: 'GET', resource: 'configuration', outcome: 'Unreachable' }) };
      assert.equal(await client.get('none-such'), undefined);
      await assert.rejects(client.task('none-such'));
      mep.failNext(1, 503);
      await assert.rejects(client.get('none-such'));
      await mep.stop();
      await assert.rejects(client.get('none-such'));
      assert.equal(await count({ method: 'GET', resource: 'configuration', outcome: '4xx' }), before.notFound + 1, 'no configuration: 404');
      assert.equal(await count({ method: 'GET', resource: 'task', outcome: '4xx' }), before.task + 1);
      assert.equal(await count({ method: 'GET', resource: 'configuration', outcome: '5xx' }), before.server + 1);
      assert.equal(await count({ method: 'GET', resource: 'configuration', outcome: 'Unreachable' }), before.down + 1);
    } finally {
      client.close();
      await mep.stop().catch(() => undefined);
    }
  });
});
