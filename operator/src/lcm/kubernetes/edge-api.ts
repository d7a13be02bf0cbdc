/** Edge API calls of the plugin: reads that take 404 for absent, and failures as LcmError. Nothing here echoes the kubeconfig. */
import { KubeconfigError } from '../../edge/clients.js';
import type { KubeClient } from '../../runtime/kube/client.js';
import { ApiError, isNotFound, TransportError } from '../../runtime/kube/errors.js';
import { objectPath, type KubeObject, type ResourceType } from '../../runtime/kube/resource.js';
import type { EdgeIdentity } from '../../tenancy/identity.js';
import { LcmError } from '../plugin.js';
import { forbiddenAdvice, refusesIdentity } from './forbidden.js';

/**
 * An API failure as LcmError: no answer → ClusterUnreachable, a 403 naming `identity` (the
 * tenant's identity the call was made as) → Forbidden, other 401/403 → Unauthorized, else Failed.
 */
export function lcmErrorOf(error: unknown, what: string, identity?: EdgeIdentity): LcmError {
  if (error instanceof LcmError) return error;
  if (error instanceof KubeconfigError) return new LcmError('ClusterUnreachable', `${what} failed: ${error.message}`);
  if (error instanceof TransportError) {
    return new LcmError(error.timedOut ? 'Timeout' : 'ClusterUnreachable', `${what} failed: the edge cluster did not answer (${error.message}); the operation is retried.`);
  }
  if (error instanceof ApiError) {
    if (error.code === 403 && refusesIdentity(error.message, identity)) {
      return new LcmError('Forbidden', `${what} failed: ${error.message}. ${forbiddenAdvice(identity)}`);
    }
    if (error.code === 401 || error.code === 403) {
      return new LcmError('Unauthorized', `${what} failed: the edge cluster refused the credentials (${error.code} ${error.reason}: ${error.message}); check the EdgeHost's kubeconfig Secret.`);
    }
    return new LcmError('Failed', `${what} failed: ${error.code} ${error.reason}: ${error.message}`);
  }
  return new LcmError('Failed', `${what} failed: ${error instanceof Error ? error.message : String(error)}`);
}

/** The object, or undefined when the edge answers 404; every other failure is thrown as it is. */
export async function getIfExists<T extends KubeObject = KubeObject>(client: KubeClient, type: ResourceType, name: string, namespace?: string): Promise<T | undefined> {
  try {
    return await client.request<T>({ method: 'GET', path: objectPath(type, name, namespace) });
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}
