/**
 * One KubeClient per edge host, built from the kubeconfig in its Secret and rebuilt (the old
 * one closed) when the Secret's contents change. Parsing errors never echo the kubeconfig.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { KubeClient, type KubeClientOptions } from '../../runtime/kube/client.js';
import { Reason, type ProbeFailure } from './reasons.js';

export type EdgeClientResult = { readonly ok: true; readonly client: KubeClient } | ({ readonly ok: false } & ProbeFailure);

export class EdgeClients {
  private readonly clients = new Map<string, { kubeconfig: string; client: KubeClient }>();

  constructor(private readonly options: Omit<KubeClientOptions, 'name'>) {}

  async get(host: string, kubeconfig: string, secretName: string): Promise<EdgeClientResult> {
    const cached = this.clients.get(host);
    if (cached?.kubeconfig === kubeconfig) return { ok: true, client: cached.client };
    this.drop(host);
    const config = new KubeConfig();
    try {
      config.loadFromString(kubeconfig);
    } catch {
      return invalid(`The kubeconfig in Secret ${secretName} is not valid YAML or not a kubeconfig; replace it.`);
    }
    if (!config.getCurrentCluster()) return invalid(`The kubeconfig in Secret ${secretName} has no current context with a cluster; set current-context.`);
    try {
      const client = await KubeClient.create(config, { ...this.options, name: host });
      this.clients.set(host, { kubeconfig, client });
      return { ok: true, client };
    } catch {
      return invalid(`The kubeconfig in Secret ${secretName} names files or credentials that cannot be loaded; embed certificate and key data instead.`);
    }
  }

  drop(host: string): void {
    this.clients.get(host)?.client.close();
    this.clients.delete(host);
  }

  get size(): number {
    return this.clients.size;
  }
}

function invalid(message: string): EdgeClientResult {
  return { ok: false, reason: Reason.KubeconfigInvalid, message, transient: false };
}
