/**
 * Every object the chart renders with every optional part on — CRDs, RBAC, admission policies,
 * Deployment, PodDisruptionBudget, NetworkPolicy, North's Service, metrics Service, scraper token,
 * ServiceMonitor, PrometheusRule, dashboard ConfigMap — is accepted by the hub's real API server
 * (server-side dry run: validation, defaulting and admission, nothing stored). The hub has no
 * kubelet, so the Pods cannot run here; chart-lifecycle.test.ts installs on an edge, whose
 * kwok plays the kubelet. prometheus-operator's ServiceMonitor and PrometheusRule CRDs (vendored,
 * fixtures/monitoring-crds/) are installed first, so those two are checked against their real
 * schema. The release namespace enforces Pod Security "restricted": the operator's Pod passes,
 * and the same Pod made to run as root does not.
 */
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import yaml from 'js-yaml';
import { documents, everything, only, template, type Rendered } from './support/chart.js';
import { envStartTimeoutMs, sharedEnv, type SharedEnv } from './support/env.js';
import { kubectl } from './support/kubectl.js';

const monitoringCrds = fileURLToPath(new URL('./fixtures/monitoring-crds/', import.meta.url));
const run = Date.now().toString(36);
const namespace = `chart-dry-${run}`;
const release = `dry-${run}`;

describe('charts/mecm-operator on the hub (server-side dry run of every object)', function () {
  let shared: SharedEnv;
  let rendered: Rendered[];

  before(async function () {
    this.timeout(envStartTimeoutMs);
    shared = await sharedEnv();
    // Real CRDs (not a dry run): the ServiceMonitor and PrometheusRule below are validated against them.
    for (const file of (await readdir(monitoringCrds)).filter((f) => f.endsWith('.yaml'))) {
      const applied = await kubectl(shared.hub, ['apply', '--server-side', '--force-conflicts', '-f', `${monitoringCrds}${file}`]);
      assert.equal(applied.code, 0, applied.stderr);
    }
    const established = await kubectl(shared.hub, ['wait', '--for=condition=Established', '--timeout=60s',
      'crd/servicemonitors.monitoring.coreos.com', 'crd/prometheusrules.monitoring.coreos.com']);
    assert.equal(established.code, 0, established.stderr);
    const made = await kubectl(shared.hub, ['apply', '-f', '-'], yaml.dump({
      apiVersion: 'v1', kind: 'Namespace',
      metadata: { name: namespace, labels: { 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/warn': 'restricted' } },
    }));
    assert.equal(made.code, 0, made.stderr);
    const result = await template(everything, { release, namespace, extra: ['--include-crds'] });
    assert.equal(result.code, 0, result.stderr);
    rendered = documents(result.stdout);
  });

  after(async function () {
    this.timeout(60_000);
    // The monitoring CRDs stay: other runs of this suite on an attached environment reuse them.
    await kubectl(shared.hub, ['delete', 'namespace', namespace, '--ignore-not-found', '--wait=false']);
  });

  it('renders every kind an admin may turn on', () => {
    const kinds = new Set(rendered.map((d) => d.kind));
    for (const kind of ['CustomResourceDefinition', 'ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding',
      'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding', 'Deployment', 'PodDisruptionBudget', 'NetworkPolicy', 'Service',
      'Secret', 'ServiceMonitor', 'PrometheusRule', 'ConfigMap']) {
      assert.ok(kinds.has(kind), kind);
    }
  });

  it('is accepted object by object by the API server, without a warning', async function () {
    this.timeout(120_000);
    // Server-side apply: what an admin's kubectl apply --server-side or helm would send, with no
    // client-side annotation; conflicts with earlier appliers (other suites' CRDs) are forced.
    const result = await kubectl(shared.hub, ['apply', '--server-side', '--force-conflicts', '--field-manager=chart-dry-run', '--dry-run=server', '-f', '-'],
      rendered.map((d) => yaml.dump(d)).join('---\n'));
    assert.equal(result.code, 0, result.stderr);
    assert.doesNotMatch(result.stderr, /warning/i, 'no warning (deprecated API, Pod Security, unknown field)');
    const accepted = result.stdout.trim().split('\n');
    assert.equal(accepted.length, rendered.length, result.stdout);
    assert.ok(accepted.every((line) => line.endsWith('(server dry run)')), result.stdout);
  });

  it('refuses what the monitoring CRDs refuse: the check above is real', async () => {
    const monitor = only(rendered, 'ServiceMonitor');
    const bad = { ...monitor, spec: { ...monitor.spec, endpoints: [{ port: 'metrics', scheme: 'gopher' }] } };
    const result = await kubectl(shared.hub, ['apply', '--dry-run=server', '-f', '-'], yaml.dump(bad));
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /scheme/);
  });

  it('runs under Pod Security "restricted", and the same Pod as root is refused', async () => {
    const deployment = only(rendered, 'Deployment').spec as { template: { metadata: Record<string, unknown>; spec: Record<string, unknown> } };
    // The ServiceAccount admission plugin wants the Pod's account to exist (the dry run above made none).
    const account = await kubectl(shared.hub, ['create', 'serviceaccount', release, '-n', namespace]);
    assert.equal(account.code, 0, account.stderr);
    const pod = (spec: Record<string, unknown>) => yaml.dump({ apiVersion: 'v1', kind: 'Pod', metadata: { name: `${release}-pod`, namespace }, spec });
    const admitted = await kubectl(shared.hub, ['create', '--dry-run=server', '-f', '-'], pod(deployment.template.spec));
    assert.equal(admitted.code, 0, admitted.stderr);
    const root = { ...deployment.template.spec, securityContext: { ...(deployment.template.spec.securityContext as object), runAsNonRoot: false, runAsUser: 0 } };
    const refused = await kubectl(shared.hub, ['create', '--dry-run=server', '-f', '-'], pod(root));
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /violates PodSecurity "restricted:latest": runAsNonRoot != true.*runAsUser=0/);
  });

});
