/**
 * What an AppInstance runs on its edge — its release's Pods and Services, with the node ports the
 * edge allocated — for the experience flow's instance status. Read through the LCM plugin of the
 * host's infrastructure type with the host's (admin) kubeconfig, never written.
 *
 * The appstore polls an instance every 3 s, and North answers from the caches: so a read is kept
 * a few seconds per instance (`ttlMs`; a failed one too, so an unreachable edge is not asked at
 * every poll), one read runs at a time per instance, and an answer waits at most `deadlineMs` for
 * it. Past the deadline the status is answered from the CR status alone; the read goes on and its
 * result serves the next poll.
 */
import type { AppInstance } from '../api/appinstance.js';
import type { EdgeHost } from '../api/edgehost.js';
import type { SecretValues } from '../controllers/secret-values.js';
import type { ReleaseResources } from '../lcm/plugin.js';
import type { LcmPluginRegistry } from '../lcm/registry.js';
import { errorMessage, type Logger } from '../runtime/logger.js';

export interface EdgeResources {
  /** The instance's Pods and Services; undefined when it has no release yet, or they cannot be known by the deadline. */
  of(instance: AppInstance): Promise<ReleaseResources | undefined>;
}

export interface EdgeResourcesOptions {
  /** Reads the instance's Pods and Services from its edge; undefined when there is nothing to read with. May throw. */
  readonly read: (instance: AppInstance) => Promise<ReleaseResources | undefined>;
  readonly log: Logger;
  /** How long a read is kept (default 5 s). */
  readonly ttlMs?: number;
  /** How long an answer waits for a read (default 2 s). */
  readonly deadlineMs?: number;
  /** Most instances remembered (default 1,000; then all are forgotten at once). */
  readonly maxEntries?: number;
  /** The clock (tests). */
  readonly now?: () => number;
}

interface Entry {
  readonly read: Promise<ReleaseResources | undefined>;
  /** When the read finished (ms); undefined while it runs. */
  doneMs: number | undefined;
}

/** Reads kept per instance for `ttlMs`, one at a time, each answer waiting at most `deadlineMs`. */
export class TimedEdgeResources implements EdgeResources {
  private readonly entries = new Map<string, Entry>();
  private readonly ttlMs: number;
  private readonly deadlineMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(private readonly options: EdgeResourcesOptions) {
    this.ttlMs = options.ttlMs ?? 5_000;
    this.deadlineMs = options.deadlineMs ?? 2_000;
    this.maxEntries = options.maxEntries ?? 1_000;
    this.now = options.now ?? Date.now;
  }

  async of(instance: AppInstance): Promise<ReleaseResources | undefined> {
    if (!instance.status?.release?.name) return undefined;
    const key = `${instance.metadata.namespace}/${instance.metadata.name}/${instance.metadata.uid}`;
    let entry = this.entries.get(key);
    if (!entry || (entry.doneMs !== undefined && this.now() - entry.doneMs >= this.ttlMs)) {
      if (!entry && this.entries.size >= this.maxEntries) this.entries.clear();
      const started: Entry = { read: this.read(instance), doneMs: undefined };
      void started.read.then(() => { started.doneMs = this.now(); });
      this.entries.set(key, started);
      entry = started;
    }
    return withDeadline(entry.read, this.deadlineMs);
  }

  /** The read, or undefined (logged) when it fails. */
  private async read(instance: AppInstance): Promise<ReleaseResources | undefined> {
    try {
      return await this.options.read(instance);
    } catch (error) {
      this.options.log.info('North could not read an instance\'s Pods and Services; answering from its status', {
        namespace: instance.metadata.namespace, name: instance.metadata.name, error: errorMessage(error),
      });
      return undefined;
    }
  }
}

export interface PluginReadOptions {
  readonly plugins: LcmPluginRegistry;
  /** Values of the Secrets EdgeHosts name (the kubeconfigs). */
  readonly secrets: SecretValues;
  readonly host: (name: string) => EdgeHost | undefined;
}

/**
 * The read through the LCM plugin of the instance's host, with the host's kubeconfig and the
 * release the instance's status names; undefined when the host, its kubeconfig or a plugin for
 * its type is missing (the EdgeHost's status says why).
 */
export function readThroughPlugin(options: PluginReadOptions): EdgeResourcesOptions['read'] {
  return async (instance) => {
    const host = options.host(instance.spec.hostRef.name);
    const ref = host?.spec.infrastructure.kubeconfigSecretRef;
    const plugin = host ? options.plugins.resolve(host.spec.infrastructure.type) : undefined;
    const release = instance.status?.release;
    if (!ref || !plugin?.ok || !release?.name) return undefined;
    const kubeconfig = await options.secrets.read(ref, 'kubeconfig');
    if (!kubeconfig.ok) return undefined;
    return plugin.plugin.resources({
      kubeconfig: kubeconfig.value, releaseName: release.name, namespace: release.namespace ?? instance.spec.namespace, createNamespace: false,
    });
  };
}

/** `promise`'s value, or undefined when it takes longer than `ms`. */
function withDeadline<T>(promise: Promise<T | undefined>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}
