import { CoreV1Api, KubeConfig, VersionApi } from '@kubernetes/client-node';

/** What one probe of an edge cluster found. Never carries the kubeconfig or its secrets. */
export type EdgeProbeResult =
  | {
      readonly kind: 'Reachable';
      readonly kubernetesVersion: string;
      readonly nodeCount: number;
      readonly readyNodeCount: number;
    }
  | { readonly kind: 'Unreachable'; readonly reason: EdgeProbeFailure; readonly message: string };

export type EdgeProbeFailure = 'KubeconfigInvalid' | 'ConnectionFailed' | 'Unauthorized' | 'Timeout';

/**
 * Asks an edge cluster for its version and nodes with the given kubeconfig (YAML text).
 * Classifies failures; does not retry (the caller owns the schedule).
 */
export async function probeEdgeCluster(kubeconfigYaml: string, timeoutMs: number): Promise<EdgeProbeResult> {
  const config = new KubeConfig();
  try {
    config.loadFromString(kubeconfigYaml);
    if (!config.getCurrentCluster()) throw new Error('no current cluster');
  } catch {
    return { kind: 'Unreachable', reason: 'KubeconfigInvalid', message: 'The kubeconfig cannot be parsed or names no current cluster; fix the Secret.' };
  }
  try {
    const [version, nodes] = await withTimeout(Promise.all([
      config.makeApiClient(VersionApi).getCode(),
      config.makeApiClient(CoreV1Api).listNode(),
    ]), timeoutMs);
    const ready = nodes.items.filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
    return { kind: 'Reachable', kubernetesVersion: version.gitVersion, nodeCount: nodes.items.length, readyNodeCount: ready.length };
  } catch (error) {
    return classifyFailure(error);
  }
}

function classifyFailure(error: unknown): EdgeProbeResult {
  const code = (error as { code?: unknown }).code;
  if (code === 401 || code === 403) {
    return { kind: 'Unreachable', reason: 'Unauthorized', message: `The edge API server refused the credentials (HTTP ${code}); renew them in the kubeconfig Secret.` };
  }
  if (error instanceof TimeoutError) {
    return { kind: 'Unreachable', reason: 'Timeout', message: error.message };
  }
  // Transport errors carry only host/port details, never credentials.
  const detail = error instanceof Error ? error.message.split('\n')[0] : String(error);
  return { kind: 'Unreachable', reason: 'ConnectionFailed', message: `Cannot reach the edge API server: ${detail}` };
}

class TimeoutError extends Error {}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(`The edge API server did not answer within ${ms} ms.`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
