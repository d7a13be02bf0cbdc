/**
 * The three probes of an edge host: its Kubernetes API, its OCI repository and its MEP. Each
 * returns an observation or a ProbeFailure with a reason; none throws for a remote problem.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { KubeClient } from '../../runtime/kube/client.js';
import { ApiError, TransportError } from '../../runtime/kube/errors.js';
import { coreTypes } from '../../runtime/kube/resource.js';
import { ResourceClient } from '../../runtime/kube/resource-client.js';
import { EdgeHostReason } from '../../api/edgehost-conditions.js';

/**
 * What a probe found wrong. `transient` failures (no answer) may be a flaky link and count
 * against the grace period; the others (bad Secret, untrusted certificate, rejected
 * credentials) are the user's to fix and show at once.
 */
export interface ProbeFailure {
  readonly reason: EdgeHostReason;
  readonly message: string;
  readonly transient: boolean;
}
import { formatCpu, formatMemory, parseQuantity } from './quantity.js';

export interface ClusterFacts {
  readonly kubernetesVersion: string;
  readonly nodeCount: number;
  readonly readyNodeCount: number;
  readonly capacity: { cpu: string; memory: string };
  readonly allocatable: { cpu: string; memory: string };
}

export type Probe<T> = { readonly ok: true; readonly facts: T } | ({ readonly ok: false } & ProbeFailure);

interface NodeObject {
  metadata: { name?: string };
  status?: {
    capacity?: Record<string, string>;
    allocatable?: Record<string, string>;
    conditions?: Array<{ type: string; status: string }>;
  };
}

const tlsTrustCodes = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_SIGNATURE_FAILURE', 'ERR_TLS_CERT_ALTNAME_INVALID', 'CERT_HAS_EXPIRED',
]);

export async function probeCluster(client: KubeClient, timeoutMs: number): Promise<Probe<ClusterFacts>> {
  try {
    const version = await client.request<{ gitVersion: string }>({ method: 'GET', path: '/version', timeoutMs });
    const nodes = await new ResourceClient<NodeObject & { metadata: object }>(client, coreTypes.node).list({ pageSize: 500, timeoutMs });
    const sum = (field: 'capacity' | 'allocatable', resource: 'cpu' | 'memory') =>
      nodes.items.reduce((total, n) => total + (parseQuantity(n.status?.[field]?.[resource] ?? '0') || 0), 0);
    const ready = nodes.items.filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
    return {
      ok: true,
      facts: {
        kubernetesVersion: version.gitVersion,
        nodeCount: nodes.items.length,
        readyNodeCount: ready.length,
        capacity: { cpu: formatCpu(sum('capacity', 'cpu')), memory: formatMemory(sum('capacity', 'memory')) },
        allocatable: { cpu: formatCpu(sum('allocatable', 'cpu')), memory: formatMemory(sum('allocatable', 'memory')) },
      },
    };
  } catch (error) {
    return { ok: false, ...classifyClusterError(error, client.host) };
  }
}

export function classifyClusterError(error: unknown, host: string): ProbeFailure {
  if (error instanceof ApiError && (error.code === 401 || error.code === 403)) {
    return {
      reason: EdgeHostReason.EdgeCredentialsRejected, transient: false,
      message: `The edge API server at ${host} refused the kubeconfig's credentials (HTTP ${error.code}); they may have expired or lack permissions. Put valid credentials in the kubeconfig Secret.`,
    };
  }
  if (error instanceof TransportError && error.code && tlsTrustCodes.has(error.code)) {
    return {
      reason: EdgeHostReason.EdgeCertificateUntrusted, transient: false,
      message: `The edge API server at ${host} presented a certificate the kubeconfig's CA does not verify (${error.code}). Fix certificate-authority-data in the kubeconfig Secret.`,
    };
  }
  if (error instanceof ApiError) {
    return { reason: EdgeHostReason.EdgeClusterError, transient: true, message: `The edge API server at ${host} answered HTTP ${error.code}: ${error.message}` };
  }
  const detail = error instanceof Error ? error.message : String(error);
  return { reason: EdgeHostReason.EdgeClusterUnreachable, transient: true, message: `No answer from the edge API server at ${host}: ${detail}` };
}

export interface HttpProbeInput {
  readonly url: string;
  readonly headers?: Record<string, string>;
  readonly ca?: string;
  readonly timeoutMs: number;
}

/** One GET; resolves to the HTTP status, or rejects with a TransportError. */
export function httpStatus(input: HttpProbeInput): Promise<number> {
  return new Promise((resolve, reject) => {
    const url = new URL(input.url);
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(url, { method: 'GET', headers: input.headers, timeout: input.timeoutMs, agent: false, ...(input.ca ? { ca: input.ca } : {}) }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy(new TransportError(`GET ${url.host} timed out after ${input.timeoutMs} ms`, true)));
    req.on('error', (error) => reject(error instanceof TransportError ? error
      : new TransportError(`GET ${url.host}: ${error.message}`, false, (error as NodeJS.ErrnoException).code)));
    req.end();
  });
}

export interface RepositoryTarget {
  /** oci://, http:// or https:// base URL. */
  readonly url: string;
  readonly insecure: boolean;
  readonly credentials?: { username: string; password: string };
  readonly ca?: string;
}

/** The registry's API root (`/v2/`) for an oci:// or http(s):// repository URL. */
export function registryApiRoot(target: Pick<RepositoryTarget, 'url' | 'insecure'>): string {
  const url = new URL(target.url.replace(/^oci:\/\//, target.insecure ? 'http://' : 'https://'));
  return `${url.protocol}//${url.host}/v2/`;
}

export async function probeRepository(target: RepositoryTarget, timeoutMs: number): Promise<Probe<null>> {
  const url = registryApiRoot(target);
  const headers = target.credentials
    ? { Authorization: `Basic ${Buffer.from(`${target.credentials.username}:${target.credentials.password}`).toString('base64')}` } : undefined;
  try {
    const status = await httpStatus({ url, headers, ca: target.ca, timeoutMs });
    if (status === 200) return { ok: true, facts: null };
    if (status === 401 || status === 403) {
      return {
        ok: false, reason: EdgeHostReason.RepositoryUnauthorized, transient: false,
        message: `The repository at ${new URL(url).host} refused ${target.credentials ? 'the credentials from the Secret' : 'anonymous access'} (HTTP ${status}); set or fix spec.repository.credentialsSecretRef.`,
      };
    }
    return { ok: false, reason: EdgeHostReason.RepositoryError, transient: true, message: `The repository at ${new URL(url).host} answered HTTP ${status} to GET /v2/.` };
  } catch (error) {
    return { ok: false, reason: EdgeHostReason.RepositoryUnreachable, transient: true, message: `No answer from the repository: ${(error as Error).message}` };
  }
}

export interface MepTarget {
  readonly url: string;
  readonly token?: string;
  readonly ca?: string;
}

/**
 * The MEP has no health endpoint in its contract: any answer below 500 to a GET of its Mm5
 * base path means it is there; 401/403 means the token is wrong.
 */
export async function probeMep(target: MepTarget, timeoutMs: number): Promise<Probe<null>> {
  const url = `${target.url.replace(/\/+$/, '')}/mepcfg/app_lcm/v1/`;
  try {
    const status = await httpStatus({ url, headers: target.token ? { Authorization: `Bearer ${target.token}` } : undefined, ca: target.ca, timeoutMs });
    if (status === 401 || status === 403) {
      return { ok: false, reason: EdgeHostReason.MEPUnauthorized, transient: false, message: `The MEP refused ${target.token ? 'the token from the Secret' : 'requests without a token'} (HTTP ${status}); set or fix spec.mep.tokenSecretRef.` };
    }
    if (status >= 500) return { ok: false, reason: EdgeHostReason.MEPError, transient: true, message: `The MEP answered HTTP ${status}.` };
    return { ok: true, facts: null };
  } catch (error) {
    if (error instanceof TransportError && error.code && tlsTrustCodes.has(error.code)) {
      return { ok: false, reason: EdgeHostReason.MEPUnreachable, transient: false, message: `The MEP's certificate is not trusted (${error.code}); set spec.mep.caSecretRef to the CA that signed it.` };
    }
    return { ok: false, reason: EdgeHostReason.MEPUnreachable, transient: true, message: `No answer from the MEP: ${(error as Error).message}` };
  }
}
