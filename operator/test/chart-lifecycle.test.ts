/**
 * The chart's life as docs/install.md tells it, with the real helm on a real cluster: edge-2 of
 * the test environment stands in for a hub because kwok plays its kubelet (Pods are scheduled
 * and marked Ready; no container runs, so the operator itself does not — the operator's
 * behaviour is tested by running it as a process elsewhere). Install (CRDs from crds/ first,
 * the Deployment Available); register a first edge (Secret in the release namespace, EdgeHost,
 * Tenant; the admission policy refuses a Secret elsewhere); upgrade (helm leaves an older CRD
 * as it is; `kubectl apply --server-side --force-conflicts -f crds/` brings it to the chart's);
 * uninstall (the chart's objects go; CRDs, custom resources and Secrets stay; an object with the
 * operator's finalizer stays Terminating until the finalizer is removed by hand).
 */
import assert from 'node:assert/strict';
import yaml from 'js-yaml';
import type { Cluster } from '../../testenv/src/environment.js';
import { waitFor } from '../../testenv/src/process.js';
import { helm } from './support/chart.js';
import { envStartTimeoutMs, sharedEnv, type SharedEnv } from './support/env.js';
import { kubectl, type CommandResult } from './support/kubectl.js';
import { chartDir } from './support/observability.js';

const run = Date.now().toString(36);
const release = `lc-${run}`;
const namespace = `mecm-lc-${run}`;
/** The first team's hub namespace on the stand-in hub. */
const team = `lc-team-${run}`;
const crds = ['appdeployments', 'appinstances', 'apppackages', 'apprules', 'edgehosts', 'notificationsubscriptions', 'tenants'].map((k) => `${k}.mecm.io`);

interface Crd {
  readonly metadata: { readonly name: string; readonly annotations?: Record<string, string>; resourceVersion?: string };
  readonly spec: { readonly versions: Array<{ readonly name: string; schema: { openAPIV3Schema: { properties: { spec: { properties: Record<string, unknown> } } } } }> };
}

describe('charts/mecm-operator installed, upgraded and uninstalled with helm (edge-2 as the hub)', function () {
  let shared: SharedEnv;
  let cluster: Cluster;
  /** kubectl on the stand-in hub; fails the test when it fails. */
  const must = async (args: readonly string[], stdin?: string): Promise<string> => {
    const result = await kubectl(cluster, args, stdin);
    assert.equal(result.code, 0, `kubectl ${args.join(' ')}: ${result.stderr}`);
    return result.stdout;
  };
  const helmHere = (args: readonly string[]): Promise<CommandResult> => helm([...args, '--kubeconfig', cluster.kubeconfigFile]);
  const exists = async (args: readonly string[]) => (await kubectl(cluster, ['get', ...args, '-o', 'name'])).code === 0;
  const edgeHostsCrd = async () => JSON.parse(await must(['get', 'crd', 'edgehosts.mecm.io', '-o', 'json'])) as Crd;

  before(async function () {
    this.timeout(envStartTimeoutMs);
    shared = await sharedEnv();
    cluster = shared.edges[1]!;
    // A first install: no CRDs of ours on this cluster (a crashed earlier run may have left them).
    await must(['delete', 'crd', '--ignore-not-found', ...crds]);
  });

  after(async function () {
    this.timeout(120_000);
    await helmHere(['uninstall', release, '--namespace', namespace, '--wait']);
    await kubectl(cluster, ['delete', 'crd', '--ignore-not-found', ...crds]);
    for (const made of [namespace, team]) await kubectl(cluster, ['delete', 'namespace', made, '--ignore-not-found', '--wait=false']);
  });

  it('installs: CRDs from crds/ first, then RBAC, admission policies, PDB, NetworkPolicy and a Deployment that becomes Available', async function () {
    this.timeout(240_000);
    const installed = await helmHere(['install', release, chartDir, '--namespace', namespace, '--create-namespace', '--wait', '--timeout', '3m']);
    assert.equal(installed.code, 0, installed.stderr);
    await must(['wait', '--for=condition=Established', '--timeout=60s', ...crds.map((c) => `crd/${c}`)]);
    const deployment = JSON.parse(await must(['get', 'deployment', release, '-n', namespace, '-o', 'json'])) as { status: { availableReplicas?: number } };
    assert.equal(deployment.status.availableReplicas, 2);
    for (const object of [['pdb', release, '-n', namespace], ['networkpolicy', release, '-n', namespace], ['clusterrole', release],
      ['validatingadmissionpolicy', `${release}-edgehost-secrets`], ['validatingadmissionpolicy', `${release}-tenant-hosts`], ['service', `${release}-metrics`, '-n', namespace]]) {
      assert.ok(await exists(object), object.join(' '));
    }
  });

  it('registers a first edge: its kubeconfig Secret in the release namespace, the EdgeHost, a Tenant; a Secret elsewhere is refused', async function () {
    this.timeout(60_000);
    const edge = shared.edges[0]!;
    await must(['create', 'secret', 'generic', 'edge-1-kubeconfig', '-n', namespace, `--from-file=kubeconfig=${edge.kubeconfigFile}`]);
    const host = (secretRef: Record<string, string>) => yaml.dump({
      apiVersion: 'mecm.io/v1alpha1', kind: 'EdgeHost', metadata: { name: 'edge-1' },
      spec: { infrastructure: { type: 'kubernetes', kubeconfigSecretRef: secretRef }, repository: { url: edge.registryUrl!, insecure: true } },
    });
    // The chart's policy takes effect within seconds of the install.
    await waitFor('the EdgeHost Secret policy in force', async () => {
      const refused = await kubectl(cluster, ['create', '--dry-run=server', '-f', '-'], host({ name: 'edge-1-kubeconfig', namespace: 'default' }));
      return refused.code !== 0 && refused.stderr.includes(`EdgeHost Secrets must be in the operator's namespace ${namespace}`);
    }, 30_000, 250);
    await must(['create', '-f', '-'], host({ name: 'edge-1-kubeconfig', key: 'kubeconfig' }));
    await must(['create', '-f', '-'], yaml.dump({
      apiVersion: 'mecm.io/v1alpha1', kind: 'Tenant', metadata: { name: 'team-a' },
      spec: { namespaces: [team], hosts: { names: ['edge-1'] } },
    }));
  });

  it('upgrades: helm leaves an older CRD as it was; kubectl apply --server-side of crds/ brings it to the chart\'s', async function () {
    this.timeout(240_000);
    // The CRD as a previous release had it: one spec field fewer.
    const current = await edgeHostsCrd();
    const older = structuredClone(current);
    for (const version of older.spec.versions) delete version.schema.openAPIV3Schema.properties.spec.properties.displayName;
    await must(['replace', '-f', '-'], JSON.stringify(older));
    const upgraded = await helmHere(['upgrade', release, chartDir, '--namespace', namespace, '--reuse-values', '--set', 'probeInterval=45', '--wait', '--timeout', '3m']);
    assert.equal(upgraded.code, 0, upgraded.stderr);
    assert.match(await must(['get', 'deployment', release, '-n', namespace, '-o', 'jsonpath={.spec.template.spec.containers[0].args}']), /--probe-interval=45/);
    const afterHelm = await edgeHostsCrd();
    assert.ok(afterHelm.spec.versions.every((v) => !('displayName' in v.schema.openAPIV3Schema.properties.spec.properties)), 'helm upgrade does not touch CRDs');
    // The documented step (docs/install.md): CRDs first, from the chart being installed.
    await must(['apply', '--server-side', '--force-conflicts', '-f', `${chartDir}/crds/`]);
    const applied = await edgeHostsCrd();
    assert.ok(applied.spec.versions.every((v) => 'displayName' in v.schema.openAPIV3Schema.properties.spec.properties), 'the chart\'s CRD is in place');
    assert.ok(await exists(['edgehost', 'edge-1']), 'custom resources survive the CRD update');
  });

  it('uninstalls: the chart\'s objects go; CRDs, custom resources and Secrets stay', async function () {
    this.timeout(120_000);
    const removed = await helmHere(['uninstall', release, '--namespace', namespace, '--wait']);
    assert.equal(removed.code, 0, removed.stderr);
    for (const object of [['deployment', release, '-n', namespace], ['clusterrole', release], ['clusterrolebinding', release],
      ['validatingadmissionpolicy', `${release}-edgehost-secrets`], ['pdb', release, '-n', namespace], ['networkpolicy', release, '-n', namespace]]) {
      assert.equal(await exists(object), false, `${object.join(' ')} is gone`);
    }
    for (const crd of crds) assert.ok(await exists(['crd', crd]), `${crd} stays`);
    assert.ok(await exists(['edgehost', 'edge-1']), 'the EdgeHost stays');
    assert.ok(await exists(['tenant', 'team-a']), 'the Tenant stays');
    assert.ok(await exists(['secret', 'edge-1-kubeconfig', '-n', namespace]), 'the kubeconfig Secret stays');
  });

  it('leaves an object with the operator\'s finalizer Terminating once the operator is gone, until the finalizer is removed by hand', async function () {
    this.timeout(60_000);
    // What the operator would have added to an AppInstance it ran (docs/install.md, Uninstall).
    await must(['create', 'namespace', team]);
    await must(['create', '-f', '-'], yaml.dump({
      apiVersion: 'mecm.io/v1alpha1', kind: 'AppInstance', metadata: { name: 'orphan', namespace: team, finalizers: ['mecm.io/appinstance-cleanup'] },
      spec: { packageRef: { name: 'provider' }, hostRef: { name: 'edge-1' }, namespace: `${team}-orphan` },
    }));
    await must(['delete', 'appinstance', 'orphan', '-n', team, '--wait=false']);
    assert.match(await must(['get', 'appinstance', 'orphan', '-n', team, '-o', 'jsonpath={.metadata.deletionTimestamp}']), /^\d{4}-/, 'Terminating');
    await must(['patch', 'appinstance', 'orphan', '-n', team, '--type=merge', '-p', '{"metadata":{"finalizers":null}}']);
    await waitFor('the AppInstance gone', async () => !(await exists(['appinstance', 'orphan', '-n', team])), 30_000, 200);
  });
});
