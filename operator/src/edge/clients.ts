/**
 * The one cache of edge-cluster API clients, shared by the EdgeHost controller's probes and
 * the Kubernetes LCM plugin: one KubeClient (one keep-alive agent, one token bucket) per
 * kubeconfig, keyed by its hash so a rotated kubeconfig gets a new client and the old one is
 * closed when it falls out of the LRU. Nothing here echoes the kubeconfig.
 */
import { createHash } from 'node:crypto';
import { KubeClient, type KubeClientOptions } from '../runtime/kube/client.js';
import type { ReasonedError } from '../runtime/reconcile.js';
import { parseEdgeKubeconfig, renderKubeconfig, strictKubeconfigPolicy, toKubeConfig, type KubeconfigPolicy } from './kubeconfig.js';

/**
 * A kubeconfig that cannot be used as it is; a person must replace it. KubeconfigRejected:
 * it uses a field the operator does not accept (named in the message).
 */
export class KubeconfigError extends Error implements ReasonedError {
  readonly transient = false;

  constructor(message: string, readonly reason: 'KubeconfigInvalid' | 'KubeconfigRejected' = 'KubeconfigInvalid') {
    super(message);
    this.name = 'KubeconfigError';
  }
}

/** Validates `kubeconfig` (see kubeconfig.ts) and builds a client from the accepted fields; throws KubeconfigError. */
export async function edgeClient(kubeconfig: string, options: KubeClientOptions, policy: KubeconfigPolicy = strictKubeconfigPolicy): Promise<KubeClient> {
  const config = toKubeConfig(parseEdgeKubeconfig(kubeconfig, policy));
  try {
    return await KubeClient.create(config, options);
  } catch {
    throw new KubeconfigError('The kubeconfig\'s certificate or key data cannot be loaded; replace it in the EdgeHost\'s Secret.');
  }
}

export interface EdgeClientsOptions extends Omit<KubeClientOptions, 'name'> {
  /** What edge kubeconfigs may contain beyond the allowlist (default: nothing). */
  readonly policy?: KubeconfigPolicy;
  /** Clients kept at most; the least recently used is closed past it (default 1024). */
  readonly maxClients?: number;
}

export class EdgeClients {
  /** Promises, so that concurrent first uses share one client. Map order is LRU order. */
  private readonly clients = new Map<string, Promise<KubeClient>>();

  constructor(private readonly options: EdgeClientsOptions = {}) {}

  /** The client for `kubeconfig`, made on first use. Throws KubeconfigError when it cannot be used. */
  get(kubeconfig: string): Promise<KubeClient> {
    const key = createHash('sha256').update(kubeconfig).digest('hex');
    const cached = this.clients.get(key);
    if (cached) {
      this.clients.delete(key);
      this.clients.set(key, cached);
      return cached;
    }
    const { maxClients, policy, ...clientOptions } = this.options;
    const client = edgeClient(kubeconfig, { ...clientOptions, name: `edge-${key.slice(0, 8)}` }, policy);
    this.clients.set(key, client);
    // A kubeconfig that cannot be used is not cached: the next call reports it again.
    client.catch(() => this.clients.delete(key));
    while (this.clients.size > (maxClients ?? 1024)) {
      const [oldestKey, oldest] = this.clients.entries().next().value as [string, Promise<KubeClient>];
      this.clients.delete(oldestKey);
      void oldest.then((c) => c.close(), () => undefined);
    }
    return client;
  }

  /** The kubeconfig rebuilt from its accepted fields, for tools such as helm; throws KubeconfigError. */
  sanitized(kubeconfig: string): string {
    return renderKubeconfig(parseEdgeKubeconfig(kubeconfig, this.options.policy ?? strictKubeconfigPolicy));
  }

  get size(): number {
    return this.clients.size;
  }

  close(): void {
    for (const client of this.clients.values()) void client.then((c) => c.close(), () => undefined);
    this.clients.clear();
  }
}
