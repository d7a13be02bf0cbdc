/**
 * Interim EdgeHost reporter for `make demo` until the informer-based EdgeHost controller
 * (issue 4) replaces it: every interval it lists EdgeHosts, probes each edge cluster with the
 * kubeconfig from its Secret, logs the outcome and writes Ready/Reachable, version and node
 * count to `/status` — only when they changed.
 */
import { CoreV1Api, CustomObjectsApi, KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { log } from '../log.js';
import { probeEdgeCluster, type EdgeProbeResult } from './edge-probe.js';

interface EdgeHostLike {
  metadata: { name: string; generation?: number };
  spec: { infrastructure?: { kubeconfigSecretRef?: { name: string; namespace?: string; key?: string } } };
  status?: { conditions?: Condition[]; kubernetesVersion?: string; nodeCount?: number };
}

interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

const group = 'mecm.io';
const version = 'v1alpha1';
const plural = 'edgehosts';

export async function runEdgeHostReporter(hub: KubeConfig, intervalMs: number, signal: AbortSignal): Promise<void> {
  const custom = hub.makeApiClient(CustomObjectsApi);
  const core = hub.makeApiClient(CoreV1Api);
  while (!signal.aborted) {
    try {
      const list = (await custom.listClusterCustomObject({ group, version, plural })) as { items: EdgeHostLike[] };
      await Promise.all(list.items.map((host) => reportOne(host, core, custom)));
    } catch (error) {
      log.error('Listing EdgeHosts failed', { error: error instanceof Error ? error.message : String(error) });
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

async function reportOne(host: EdgeHostLike, core: CoreV1Api, custom: CustomObjectsApi): Promise<void> {
  const result = await probe(host, core);
  log.info('Probed edge host', { edgeHost: host.metadata.name, result });
  const next = statusFor(host, result, new Date().toISOString());
  if (!next) return;
  await custom.patchClusterCustomObjectStatus({ group, version, plural, name: host.metadata.name, body: { status: next } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
}

async function probe(host: EdgeHostLike, core: CoreV1Api): Promise<EdgeProbeResult> {
  const ref = host.spec.infrastructure?.kubeconfigSecretRef;
  if (!ref) return { kind: 'Unreachable', reason: 'KubeconfigInvalid', message: 'spec.infrastructure.kubeconfigSecretRef is not set.' };
  try {
    const secret = await core.readNamespacedSecret({ name: ref.name, namespace: ref.namespace ?? 'mecm-system' });
    const data = secret.data?.[ref.key ?? 'kubeconfig'];
    if (!data) return { kind: 'Unreachable', reason: 'KubeconfigInvalid', message: `Secret ${ref.name} has no key ${ref.key ?? 'kubeconfig'}.` };
    return probeEdgeCluster(Buffer.from(data, 'base64').toString('utf8'), 10_000);
  } catch {
    return { kind: 'Unreachable', reason: 'KubeconfigInvalid', message: `Secret ${ref.namespace ?? 'mecm-system'}/${ref.name} cannot be read.` };
  }
}

/** The status to write, or undefined when nothing but times would change. */
function statusFor(host: EdgeHostLike, result: EdgeProbeResult, now: string): EdgeHostLike['status'] | undefined {
  const reachable = result.kind === 'Reachable';
  const reason = reachable ? 'EdgeClusterReachable' : result.reason;
  const message = reachable ? `Kubernetes ${result.kubernetesVersion}, ${result.readyNodeCount}/${result.nodeCount} nodes ready.` : result.message;
  const old = host.status?.conditions ?? [];
  const conditions = ['Reachable', 'Ready'].map((type): Condition => {
    const previous = old.find((c) => c.type === type);
    const status = reachable ? 'True' : 'False';
    const same = previous && previous.status === status;
    return {
      type, status, reason, message,
      lastTransitionTime: same ? previous.lastTransitionTime : now,
      observedGeneration: host.metadata.generation ?? 0,
    };
  });
  const next = {
    conditions,
    ...(reachable ? { kubernetesVersion: result.kubernetesVersion, nodeCount: result.nodeCount } : {}),
  };
  const unchanged = JSON.stringify(conditions) === JSON.stringify(old.filter((c) => c.type === 'Reachable' || c.type === 'Ready'))
    && (!reachable || (host.status?.kubernetesVersion === result.kubernetesVersion && host.status?.nodeCount === result.nodeCount));
  return unchanged ? undefined : next;
}
