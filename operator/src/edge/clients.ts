/**
 * The one cache of edge-cluster API clients, shared by the EdgeHost controller's probes and
 * the Kubernetes LCM plugin: one KubeClient (one keep-alive agent, one token bucket) per
 * kubeconfig, keyed by its hash so a rotated kubeconfig gets a new client and the old one is
 * closed when it falls out of the LRU. A client that impersonates an identity (a tenant's edge
 * ServiceAccount) is cached per (kubeconfig, identity) and shares the kubeconfig's connections
 * and rate limit; the kubeconfig's own client never carries impersonation headers. Nothing
 * here echoes the kubeconfig.
 */
import { createHash } from 'node:crypto';
import { KubeClient, type Impersonation, type KubeClientOptions } from '../runtime/kube/client.js';
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

/** One kubeconfig, validated once: what was accepted, its rebuilt text, its client and its impersonating clients. */
interface Entry {
  readonly accepted: EdgeKubeconfig;
  rendered?: string;
  client?: Promise<KubeClient>;
  /** By identityKey; they go with the entry. */
  readonly impersonating: Map<string, KubeClient>;
}

export interface GetClientOptions {
  /** Act as this identity instead of the kubeconfig's own user. */
  readonly impersonate?: Impersonation;
}

export class EdgeClients {
  /** By the kubeconfig's SHA-256; Map order is LRU order. A refused kubeconfig is not kept. */
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly options: EdgeClientsOptions = {}) {}

  /**
   * The client for `kubeconfig`, made on first use; with `impersonate`, the one that acts as
   * that identity. Rejects with KubeconfigError when the kubeconfig cannot be used.
   */
  async get(kubeconfig: string, options: GetClientOptions = {}): Promise<KubeClient> {
    const { entry, client } = this.admin(kubeconfig);
    const who = options.impersonate;
    if (!who) return client;
    const admin = await client;
    const key = identityKey(who);
    let found = entry.impersonating.get(key);
    if (!found) entry.impersonating.set(key, found = admin.impersonating(who));
    return found;
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

  /** The kubeconfig's own client and its entry. */
  private admin(kubeconfig: string): { entry: Entry; client: Promise<KubeClient> } {
    const { key, entry } = this.entry(kubeconfig);
    if (!entry.client) {
      const { maxClients: _max, policy: _policy, ...clientOptions } = this.options;
      const client = Promise.resolve().then(() => KubeClient.create(toKubeConfig(entry.accepted), { ...clientOptions, name: `edge-${key.slice(0, 8)}` })).catch(() => {
        // Concurrent first uses share this promise; a client that cannot be made is tried again next time.
        entry.client = undefined;
        throw new KubeconfigError('The kubeconfig\'s certificate or key data cannot be loaded; replace it in the EdgeHost\'s Secret.');
      });
      entry.client = client;
    }
    return { entry, client: entry.client };
  }

  /** The entry of `kubeconfig`, validated on first sight (throws KubeconfigError), now the most recently used. */
  private entry(kubeconfig: string): { key: string; entry: Entry } {
    const key = createHash('sha256').update(kubeconfig).digest('hex');
    let entry = this.entries.get(key);
    if (entry) this.entries.delete(key);
    else entry = { accepted: parseEdgeKubeconfig(kubeconfig, this.options.policy ?? strictKubeconfigPolicy), impersonating: new Map() };
    this.entries.set(key, entry);
    while (this.entries.size > (this.options.maxClients ?? 1024)) {
      const [oldestKey, oldest] = this.entries.entries().next().value as [string, Entry];
      this.entries.delete(oldestKey);
      closeClient(oldest);
    }
    return { key, entry };
  }
}

/** Groups are a set to the API server: the same identity in another order is the same client. */
function identityKey(who: Impersonation): string {
  return JSON.stringify([who.user, [...who.groups].sort()]);
}

function closeClient(entry: Entry): void {
  void entry.client?.then((c) => c.close(), () => undefined);
}
