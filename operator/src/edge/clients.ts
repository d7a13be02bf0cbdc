/**
 * The one cache of edge-cluster API clients, shared by the EdgeHost controller's probes and
 * the Kubernetes LCM plugin: one KubeClient (one keep-alive agent, one token bucket) per
 * kubeconfig, keyed by its hash so a rotated kubeconfig gets a new client and the old one is
 * closed when it falls out of the LRU. Nothing here echoes the kubeconfig.
 */
import { createHash } from 'node:crypto';
import { KubeClient, type KubeClientOptions } from '../runtime/kube/client.js';
import type { ReasonedError } from '../runtime/reconcile.js';
import { parseEdgeKubeconfig, renderKubeconfig, strictKubeconfigPolicy, toKubeConfig, type EdgeKubeconfig, type KubeconfigPolicy } from './kubeconfig.js';

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

export interface EdgeClientsOptions extends Omit<KubeClientOptions, 'name'> {
  /** What edge kubeconfigs may contain beyond the allowlist (default: nothing). */
  readonly policy?: KubeconfigPolicy;
  /** Kubeconfigs (and their clients) kept at most; the least recently used goes past it (default 1024). */
  readonly maxClients?: number;
}

/** One kubeconfig, validated once: what was accepted, its rebuilt text, its client. */
interface Entry {
  readonly accepted: EdgeKubeconfig;
  rendered?: string;
  client?: Promise<KubeClient>;
}

export class EdgeClients {
  /** By the kubeconfig's SHA-256; Map order is LRU order. A refused kubeconfig is not kept. */
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly options: EdgeClientsOptions = {}) {}

  /** The client for `kubeconfig`, made on first use. Rejects with KubeconfigError when it cannot be used. */
  get(kubeconfig: string): Promise<KubeClient> {
    let found: { key: string; entry: Entry };
    try {
      found = this.entry(kubeconfig);
    } catch (error) {
      return Promise.reject(error);
    }
    const { key, entry } = found;
    if (!entry.client) {
      const { maxClients: _max, policy: _policy, ...clientOptions } = this.options;
      const client = Promise.resolve().then(() => KubeClient.create(toKubeConfig(entry.accepted), { ...clientOptions, name: `edge-${key.slice(0, 8)}` })).catch(() => {
        // Concurrent first uses share this promise; a client that cannot be made is tried again next time.
        entry.client = undefined;
        throw new KubeconfigError('The kubeconfig\'s certificate or key data cannot be loaded; replace it in the EdgeHost\'s Secret.');
      });
      entry.client = client;
    }
    return entry.client;
  }

  /** The kubeconfig rebuilt from its accepted fields, for tools such as helm; throws KubeconfigError. */
  sanitized(kubeconfig: string): string {
    const { entry } = this.entry(kubeconfig);
    entry.rendered ??= renderKubeconfig(entry.accepted);
    return entry.rendered;
  }

  get size(): number {
    return this.entries.size;
  }

  close(): void {
    for (const entry of this.entries.values()) closeClient(entry);
    this.entries.clear();
  }

  /** The entry of `kubeconfig`, validated on first sight (throws KubeconfigError), now the most recently used. */
  private entry(kubeconfig: string): { key: string; entry: Entry } {
    const key = createHash('sha256').update(kubeconfig).digest('hex');
    let entry = this.entries.get(key);
    if (entry) this.entries.delete(key);
    else entry = { accepted: parseEdgeKubeconfig(kubeconfig, this.options.policy ?? strictKubeconfigPolicy) };
    this.entries.set(key, entry);
    while (this.entries.size > (this.options.maxClients ?? 1024)) {
      const [oldestKey, oldest] = this.entries.entries().next().value as [string, Entry];
      this.entries.delete(oldestKey);
      closeClient(oldest);
    }
    return { key, entry };
  }
}

function closeClient(entry: Entry): void {
  void entry.client?.then((c) => c.close(), () => undefined);
}
