/**
 * The operator's own Helm chart: lints, the real API server accepts what it renders, tenancy is
 * enforced unless tenancy.enforce is false (the tenancy admission policies themselves are tested
 * in tenancy/admission.test.ts), and its admission policy refuses an EdgeHost that names Secrets
 * outside the operator's namespace.
 */
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import yaml from 'js-yaml';
import { waitFor } from '../../testenv/src/process.js';
import { mecmTypes } from '../src/api/resources.js';
import type { KubeClient } from '../src/runtime/kube/client.js';
import { ApiError } from '../src/runtime/kube/errors.js';
import { collectionPath, type KubeObject } from '../src/runtime/kube/resource.js';
import { ResourceClient } from '../src/runtime/kube/resource-client.js';
import { installCrds } from './support/crds.js';
import { envStartTimeoutMs, sharedEnv, type SharedEnv } from './support/env.js';
import { clientFor } from './support/hub-client.js';
import { kubectl, runCommand } from './support/kubectl.js';
import { operatorNamespace, renderChart } from './support/operator-identity.js';

const chart = fileURLToPath(new URL('../../charts/mecm-operator', import.meta.url));

describe('charts/mecm-operator', function () {
  let shared: SharedEnv;

  before(async function () {
    this.timeout(envStartTimeoutMs);
    shared = await sharedEnv();
  });

  it('passes helm lint', async () => {
    const helm = (await shared.hub.binaries).helm;
    const result = await runCommand(helm, ['lint', chart]);
    assert.equal(result.code, 0, result.stdout + result.stderr);
  });

  it('installs on a real cluster (server-side dry run) with CRDs, RBAC and a Deployment', async function () {
    this.timeout(60_000);
    const helm = (await shared.hub.binaries).helm;
    const result = await runCommand(helm, ['install', 'mecm', chart, '--namespace', 'mecm-system', '--create-namespace',
      '--dry-run=server', '--kubeconfig', shared.edges[0]!.kubeconfigFile]);
    assert.equal(result.code, 0, result.stderr);
    for (const kind of ['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Deployment']) {
      assert.match(result.stdout, new RegExp(`^kind: ${kind}$`, 'm'));
    }
    assert.match(result.stdout, /- --leader-elect=true/);
    for (const kind of ['Role', 'RoleBinding', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding']) {
      assert.match(result.stdout, new RegExp(`^kind: ${kind}$`, 'm'));
    }
    // Tenancy is enforced by default: the flag, and the three tenancy policies beside the EdgeHost one.
    assert.match(result.stdout, /- --enforce-tenancy=true/);
    assert.deepEqual(policyNames(result.stdout), ['mecm-edgehost-secrets', 'mecm-tenant-edge-namespace', 'mecm-tenant-hosts', 'mecm-tenant-rules']);
  });

  /** Names of the ValidatingAdmissionPolicies (not bindings) in rendered YAML, sorted. */
  function policyNames(rendered: string): string[] {
    return (yaml.loadAll(rendered) as Array<{ kind?: string; metadata?: { name: string } } | null>)
      .filter((d) => d?.kind === 'ValidatingAdmissionPolicy').map((d) => d!.metadata!.name).sort();
  }

  const template = async (...set: string[]) => {
    const helm = (await shared.hub.binaries).helm;
    const result = await runCommand(helm, ['template', 'mecm', chart, '--namespace', 'mecm-system', ...set.flatMap((s) => ['--set', s])]);
    assert.equal(result.code, 0, result.stderr);
    return result.stdout;
  };

  it('turns tenancy off for a single trusted team with tenancy.enforce=false: the flag, and no tenancy policies', async () => {
    const rendered = await template('tenancy.enforce=false');
    assert.match(rendered, /- --enforce-tenancy=false/);
    assert.deepEqual(policyNames(rendered), ['mecm-edgehost-secrets']);
  });

  it('leaves the tenancy policies out with tenancy.admissionPolicies=false, tenancy still enforced by the operator', async () => {
    const rendered = await template('tenancy.admissionPolicies=false');
    assert.match(rendered, /- --enforce-tenancy=true/);
    assert.deepEqual(policyNames(rendered), ['mecm-edgehost-secrets']);
  });

  describe('its ValidatingAdmissionPolicy on the hub', function () {
    const run = Date.now().toString(36);
    const release = `vap-${run}`;
    const label = { 'mecm-chart-test': run };
    let hub: KubeClient;
    let hosts: ResourceClient<KubeObject & { spec: unknown }>;
    let policy: string;

    /** An EdgeHost of this test (its label puts it under the test's binding); `refs` override the Secret references. */
    const edgeHost = (name: string, refs: { kubeconfig?: object; credentials?: object; repositoryCa?: object; token?: object; mepCa?: object } = {}) => ({
      apiVersion: 'mecm.io/v1alpha1', kind: 'EdgeHost', metadata: { name: `${release}-${name}`, labels: label },
      spec: {
        infrastructure: { type: 'kubernetes', kubeconfigSecretRef: refs.kubeconfig ?? { name: 'edge' } },
        repository: { url: 'https://registry.example', ...(refs.credentials ? { credentialsSecretRef: refs.credentials } : {}), ...(refs.repositoryCa ? { caSecretRef: refs.repositoryCa } : {}) },
        mep: { url: 'https://mep.example', ...(refs.token ? { tokenSecretRef: refs.token } : {}), ...(refs.mepCa ? { caSecretRef: refs.mepCa } : {}) },
      },
    });
    /** What the API server says to creating it (server-side dry run: admission runs, nothing is stored). */
    const tryCreate = async (host: ReturnType<typeof edgeHost>): Promise<string> => {
      try {
        await hub.request({ method: 'POST', path: collectionPath(mecmTypes.edgeHost), query: { dryRun: 'All' }, body: host });
        return 'created';
      } catch (error) {
        if (error instanceof ApiError) return `${error.code} ${error.message}`;
        throw error;
      }
    };

    before(async function () {
      this.timeout(envStartTimeoutMs);
      await installCrds(shared.hub);
      hub = await clientFor(shared.hub);
      hosts = new ResourceClient(hub, mecmTypes.edgeHost);
      const documents = yaml.loadAll(await renderChart(shared.hub, ['templates/edgehost-secrets-policy.yaml'], release)) as Array<{ kind: string; spec: Record<string, unknown> }>;
      const binding = documents.find((d) => d.kind === 'ValidatingAdmissionPolicyBinding')!;
      // The chart's binding covers every EdgeHost; here it is narrowed to this test's, so other
      // suites sharing the hub (and their EdgeHosts in other namespaces) are not affected.
      assert.equal(binding.spec.matchResources, undefined, 'the chart binds the policy to every EdgeHost');
      binding.spec.matchResources = { objectSelector: { matchLabels: label } };
      policy = documents.map((d) => yaml.dump(d)).join('---\n');
      const applied = await kubectl(shared.hub, ['apply', '-f', '-'], policy);
      assert.equal(applied.code, 0, applied.stderr);
      // A new policy takes effect within seconds.
      await waitFor('the policy in force', async () => (await tryCreate(edgeHost('probe', { kubeconfig: { name: 'edge', namespace: 'default' } }))).startsWith('422'), 30_000, 250);
    });

    after(async function () {
      if (policy) await kubectl(shared.hub, ['delete', '-f', '-', '--ignore-not-found'], policy);
      await hosts?.delete(`${release}-kept`).catch(() => undefined);
      hub?.close();
    });

    const foreign = { name: 'edge', namespace: 'default' };
    const refused: Array<[string, Parameters<typeof edgeHost>[1], string]> = [
      ['the kubeconfig', { kubeconfig: foreign }, 'spec.infrastructure.kubeconfigSecretRef'],
      ['the repository credentials', { credentials: foreign }, 'spec.repository.credentialsSecretRef'],
      ['the repository CA', { repositoryCa: foreign }, 'spec.repository.caSecretRef'],
      ['the MEP token', { token: foreign }, 'spec.mep.tokenSecretRef'],
      ['the MEP CA', { mepCa: { name: 'ca', namespace: 'kube-system' } }, 'spec.mep.caSecretRef'],
    ];
    for (const [what, refs, field] of refused) {
      it(`refuses ${what} in another namespace, saying where it must be`, async () => {
        const answer = await tryCreate(edgeHost('bad', refs));
        assert.match(answer, /^422 /);
        const namespace = field === 'spec.mep.caSecretRef' ? 'kube-system' : 'default';
        assert.ok(answer.includes(`${field} names a Secret in namespace ${namespace}: EdgeHost Secrets must be in the operator's namespace ${operatorNamespace}`), answer);
      });
    }

    it('admits Secrets in the operator\'s namespace, named or omitted', async () => {
      const here = { name: 'edge', namespace: operatorNamespace };
      assert.equal(await tryCreate(edgeHost('omitted', { credentials: { name: 'registry' }, token: { name: 'mep' } })), 'created');
      assert.equal(await tryCreate(edgeHost('named', { kubeconfig: here, credentials: here, repositoryCa: here, token: here, mepCa: here })), 'created');
    });

    it('refuses an update that moves a Secret out of the operator\'s namespace', async () => {
      await hosts.create(edgeHost('kept'));
      try {
        await hosts.patch(`${release}-kept`, undefined, 'merge', { spec: { mep: { tokenSecretRef: foreign } } });
        assert.fail('the update was admitted');
      } catch (error) {
        assert.ok(error instanceof ApiError && error.code === 422, String(error));
        assert.match(error.message, /spec\.mep\.tokenSecretRef names a Secret in namespace default/);
      }
    });
  });
});
