import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
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

/** A KubeConfig for `cluster` (its server and CA) that authenticates with a bearer token instead of the admin certificate. */
export async function kubeConfigWithToken(cluster: Cluster, token: string): Promise<KubeConfig> {
  const admin = await kubeConfigFor(cluster);
  const server = admin.getCurrentCluster()!;
  const config = new KubeConfig();
  config.loadFromOptions({
    clusters: [server],
    users: [{ name: 'token', token }],
    contexts: [{ name: 'token', cluster: server.name, user: 'token' }],
    currentContext: 'token',
  });
  return config;
}

export async function clientFor(cluster: Cluster, options: Partial<KubeClientOptions> = {}, server?: string): Promise<KubeClient> {
  return KubeClient.create(await kubeConfigFor(cluster, server), { name: cluster.name, ...options });
}

/** A plain-HTTP test server on loopback and a client of it (no credentials), for tests of the client itself. */
export interface LocalServer {
  readonly client: KubeClient;
  close(): Promise<void>;
}

export async function startLocalServer(handler: RequestListener, options: KubeClientOptions): Promise<LocalServer> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const config = new KubeConfig();
  config.loadFromOptions({
    clusters: [{ name: 'c', server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, skipTLSVerify: true }],
    users: [{ name: 'u' }], contexts: [{ name: 'x', cluster: 'c', user: 'u' }], currentContext: 'x',
  });
  const client = await KubeClient.create(config, options);
  return {
    client,
    close: async () => {
      client.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
