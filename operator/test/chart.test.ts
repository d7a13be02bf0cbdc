/** The operator's own Helm chart: lints, and the real API server accepts what it renders. */
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { envStartTimeoutMs, sharedEnv, type SharedEnv } from './support/env.js';
import { runCommand } from './support/kubectl.js';

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
  });
});
