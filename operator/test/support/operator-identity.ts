/**
 * Who the operator is in tests: the chart's ServiceAccount, bound by nothing but the chart's own
 * RBAC, in the operator's namespace. Controller suites run the operator as it (startOperator),
 * so a permission the code needs and the chart lacks fails a test, not a deployment.
 *
 *   helm template charts/mecm-operator --show-only templates/rbac.yaml ─► kubectl apply (once per run)
 *   kubectl create token (a TokenRequest) ─► a KubeConfig: the hub's server and CA, that token
 */
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Cluster } from '../../../testenv/src/environment.js';
import { kubeConfigWithToken } from './hub-client.js';
import { kubectl, runCommand } from './kubectl.js';

/** The operator's namespace in tests (the chart's usual one): EdgeHost Secrets go here. */
export const operatorNamespace = 'mecm-system';
/** The chart's release name, so the ServiceAccount, roles and bindings are config/rbac's names. */
export const operatorRelease = 'mecm-operator';
/** The user name the API server gives the operator's token. */
export const operatorUser = `system:serviceaccount:${operatorNamespace}:${operatorRelease}`;

const chart = fileURLToPath(new URL('../../../charts/mecm-operator', import.meta.url));

/** `helm template` of the chart with the test release and namespace, `--show-only` each of `templates`. */
export async function renderChart(hub: Cluster, templates: readonly string[], release = operatorRelease): Promise<string> {
  const helm = (await hub.binaries).helm;
  const result = await runCommand(helm, ['template', release, chart, '--namespace', operatorNamespace, ...templates.flatMap((t) => ['--show-only', t])]);
  if (result.code !== 0) throw new Error(`helm template failed: ${result.stderr}`);
  return result.stdout;
}

let token: Promise<string> | undefined;

/**
 * A token of the chart's ServiceAccount, after the operator's namespace and the chart's RBAC
 * (ServiceAccount, ClusterRole, ClusterRoleBinding, Role, RoleBinding) are applied to the hub;
 * both done once per run.
 */
export function operatorToken(hub: Cluster): Promise<string> {
  token ??= grant(hub).catch((error: unknown) => {
    token = undefined;
    throw error;
  });
  return token;
}

async function grant(hub: Cluster): Promise<string> {
  const namespace = `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${operatorNamespace}}\n---\n`;
  const applied = await kubectl(hub, ['apply', '-f', '-'], namespace + await renderChart(hub, ['templates/rbac.yaml']));
  if (applied.code !== 0) throw new Error(`applying the chart's RBAC failed: ${applied.stderr}`);
  // Long enough for a run with benches; a TokenRequest, as the kubelet makes for the Pod.
  const created = await kubectl(hub, ['create', 'token', operatorRelease, '-n', operatorNamespace, '--duration', '12h']);
  if (created.code !== 0) throw new Error(`a TokenRequest for ${operatorUser} failed: ${created.stderr}`);
  return created.stdout.trim();
}

/** A hub KubeConfig authenticated as the chart's ServiceAccount. */
export async function operatorKubeConfig(hub: Cluster): Promise<KubeConfig> {
  return kubeConfigWithToken(hub, await operatorToken(hub));
}

/** Writes a kubeconfig file authenticated as the chart's ServiceAccount, for an operator process (`--kubeconfig`). */
export async function writeOperatorKubeconfig(hub: Cluster, file: string): Promise<void> {
  await writeFile(file, (await operatorKubeConfig(hub)).exportConfig(), { mode: 0o600 });
}
