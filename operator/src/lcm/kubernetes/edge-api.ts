/** Failures of edge API calls as LcmError. Nothing here echoes the kubeconfig. */
import { KubeconfigError } from '../../edge/clients.js';
import { ApiError, TransportError } from '../../runtime/kube/errors.js';
import { LcmError } from '../plugin.js';

/** An API failure as LcmError: no answer → ClusterUnreachable, 401/403 → Unauthorized, else Failed. */
export function lcmErrorOf(error: unknown, what: string): LcmError {
  if (error instanceof LcmError) return error;
  if (error instanceof KubeconfigError) return new LcmError('ClusterUnreachable', `${what} failed: ${error.message}`);
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
