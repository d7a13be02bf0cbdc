/**
 * API clients for edge clusters, built from kubeconfig text and kept while it is used (a
 * small LRU keyed by the kubeconfig's hash, so a rotated kubeconfig gets a new client), and
 * the mapping of their failures to LcmError. Nothing here echoes the kubeconfig.
 */
import { createHash } from 'node:crypto';
import { KubeConfig } from '@kubernetes/client-node';
import { KubeClient, type KubeClientOptions } from '../../runtime/kube/client.js';
import { ApiError, TransportError } from '../../runtime/kube/errors.js';
import { LcmError } from '../plugin.js';

/** Builds a client for the current context of `kubeconfig`; throws LcmError(ClusterUnreachable) when it cannot be used. */
export async function edgeClient(kubeconfig: string, options: KubeClientOptions): Promise<KubeClient> {
  const config = new KubeConfig();
  try {
    config.loadFromString(kubeconfig);
  } catch {
    throw new LcmError('ClusterUnreachable', 'The edge kubeconfig is not valid YAML or not a kubeconfig; replace it in the EdgeHost\'s Secret.');
  }
  if (!config.getCurrentCluster()) {
    throw new LcmError('ClusterUnreachable', 'The edge kubeconfig has no current context with a cluster; set current-context.');
  }
  try {
    return await KubeClient.create(config, options);
  } catch {
    throw new LcmError('ClusterUnreachable', 'The edge kubeconfig names files or credentials that cannot be loaded; embed certificate and key data.');
  }
}

export class EdgeClients {
  /** Promises, so that concurrent first uses share one client. */
  private readonly clients = new Map<string, Promise<KubeClient>>();

  constructor(private readonly options: Omit<KubeClientOptions, 'name'> & { readonly maxClients?: number } = {}) {}

  /** The client for `kubeconfig`, made on first use; the least recently used is closed past maxClients (default 64). */
  get(kubeconfig: string): Promise<KubeClient> {
    const key = createHash('sha256').update(kubeconfig).digest('hex');
    const cached = this.clients.get(key);
    if (cached) {
      this.clients.delete(key);
      this.clients.set(key, cached);
      return cached;
    }
    const client = edgeClient(kubeconfig, { ...this.options, name: `lcm-${key.slice(0, 8)}` });
    this.clients.set(key, client);
    // A kubeconfig that cannot be used is not cached: the next call reports it again.
    client.catch(() => this.clients.delete(key));
    while (this.clients.size > (this.options.maxClients ?? 64)) {
      const [oldestKey, oldest] = this.clients.entries().next().value as [string, Promise<KubeClient>];
      this.clients.delete(oldestKey);
      void oldest.then((c) => c.close(), () => undefined);
    }
    return client;
  }

  close(): void {
    for (const client of this.clients.values()) void client.then((c) => c.close(), () => undefined);
    this.clients.clear();
  }
}

/** An API failure as LcmError: no answer → ClusterUnreachable, 401/403 → Unauthorized, else Failed. */
export function lcmErrorOf(error: unknown, what: string): LcmError {
  if (error instanceof LcmError) return error;
  if (error instanceof TransportError) {
    return new LcmError(error.timedOut ? 'Timeout' : 'ClusterUnreachable', `${what} failed: the edge cluster did not answer (${error.message}); the operation is retried.`);
  }
  if (error instanceof ApiError) {
    if (error.code === 401 || error.code === 403) {
      return new LcmError('Unauthorized', `${what} failed: the edge cluster refused the credentials (${error.code} ${error.reason}: ${error.message}); check the EdgeHost's kubeconfig Secret.`);
    }
    return new LcmError('Failed', `${what} failed: ${error.code} ${error.reason}: ${error.message}`);
  }
  return new LcmError('Failed', `${what} failed: ${error instanceof Error ? error.message : String(error)}`);
}
