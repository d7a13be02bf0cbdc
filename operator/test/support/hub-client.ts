import { KubeConfig } from '@kubernetes/client-node';
import type { Cluster } from '../../../testenv/src/environment.js';
import { KubeClient, type KubeClientOptions } from '../../src/runtime/kube/client.js';

/** A KubeConfig for `cluster`, optionally pointed at another server URL (a TcpProxy). */
export async function kubeConfigFor(cluster: Cluster, server?: string): Promise<KubeConfig> {
  const config = new KubeConfig();
  config.loadFromString(await cluster.kubeconfig());
  if (!server) return config;
  const current = config.getCurrentCluster()!;
  const other = new KubeConfig();
  other.loadFromOptions({
    clusters: [{ ...current, server }],
    users: config.users, contexts: config.contexts, currentContext: config.currentContext,
  });
  return other;
}

export async function clientFor(cluster: Cluster, options: Partial<KubeClientOptions> = {}, server?: string): Promise<KubeClient> {
  return KubeClient.create(await kubeConfigFor(cluster, server), { name: cluster.name, ...options });
}
