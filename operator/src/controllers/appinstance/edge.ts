/** The few direct edge-cluster calls the AppInstance controller makes besides Helm: its namespace. */
import { KubeConfig } from '@kubernetes/client-node';
import { KubeClient } from '../../runtime/kube/client.js';
import { isNotFound } from '../../runtime/kube/errors.js';
import { coreTypes, type KubeObject } from '../../runtime/kube/resource.js';
import { ResourceClient } from '../../runtime/kube/resource-client.js';

export const managedByLabel = { key: 'app.kubernetes.io/managed-by', value: 'mecm-operator' } as const;

async function withNamespaces<T>(kubeconfig: string, run: (namespaces: ResourceClient<KubeObject>) => Promise<T>): Promise<T> {
  const config = new KubeConfig();
  config.loadFromString(kubeconfig);
  const client = await KubeClient.create(config, { name: 'edge-namespace', timeoutMs: 10_000 });
  try {
    return await run(new ResourceClient<KubeObject>(client, coreTypes.namespace));
  } finally {
    client.close();
  }
}

/** 'Absent', 'Ours' (labelled as created by the operator) or 'Theirs'. */
export function namespaceOwner(kubeconfig: string, name: string): Promise<'Absent' | 'Ours' | 'Theirs'> {
  return withNamespaces(kubeconfig, async (namespaces) => {
    try {
      const ns = await namespaces.get(name);
      return ns.metadata.labels?.[managedByLabel.key] === managedByLabel.value ? 'Ours' : 'Theirs';
    } catch (error) {
      if (isNotFound(error)) return 'Absent';
      throw error;
    }
  });
}

export function createNamespace(kubeconfig: string, name: string): Promise<void> {
  return withNamespaces(kubeconfig, async (namespaces) => {
    await namespaces.create({ metadata: { name, labels: { [managedByLabel.key]: managedByLabel.value } } });
  });
}

export function deleteNamespace(kubeconfig: string, name: string): Promise<void> {
  return withNamespaces(kubeconfig, async (namespaces) => {
    try {
      await namespaces.delete(name);
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  });
}
