/**
 * Release namespaces on the edge. The plugin creates a missing namespace itself (not with
 * helm's --create-namespace) so that it can label it app.kubernetes.io/managed-by=mecm-operator
 * at creation: a namespace that existed before never gets the label, and terminate deletes only
 * namespaces that carry it. The label says "the operator created it", not "only one app uses
 * it": before deleting, the caller checks that no other AppInstance targets the namespace.
 */
import type { KubeClient } from '../../runtime/kube/client.js';
import { isAlreadyExists, isNotFound } from '../../runtime/kube/errors.js';
import { coreTypes, objectPath, collectionPath, type KubeObject } from '../../runtime/kube/resource.js';
import { edgeClient } from '../../edge/clients.js';
import { lcmErrorOf } from './edge-api.js';

export const managedByLabel = 'app.kubernetes.io/managed-by';
export const managedByValue = 'mecm-operator';
/** On a namespace the operator created: the release it was created for (informational). */
export const createdForReleaseAnnotation = 'mecm.io/created-for-release';

/** Creates `name` labelled as ours when it is missing; an existing namespace is left as it is. */
export async function ensureNamespace(client: KubeClient, name: string, releaseName: string): Promise<'Created' | 'Existed'> {
  try {
    await client.request<KubeObject>({ method: 'GET', path: objectPath(coreTypes.namespace, name) });
    return 'Existed';
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  try {
    await client.request({
      method: 'POST', path: collectionPath(coreTypes.namespace),
      body: {
        apiVersion: 'v1', kind: 'Namespace',
        metadata: { name, labels: { [managedByLabel]: managedByValue }, annotations: { [createdForReleaseAnnotation]: releaseName } },
      },
    });
    return 'Created';
  } catch (error) {
    if (isAlreadyExists(error)) return 'Existed';
    throw error;
  }
}

/** Whether `namespace` exists on the edge and was created by the operator. Throws LcmError. */
export async function namespaceCreatedByUs(kubeconfig: string, namespace: string): Promise<boolean> {
  return withClient(kubeconfig, `Reading namespace ${namespace}`, async (client) => {
    const ns = await getNamespace(client, namespace);
    return ns?.metadata.labels?.[managedByLabel] === managedByValue;
  });
}

/**
 * Deletes `namespace` when the operator created it (and with it whatever is still inside).
 * 'NotOurs' leaves it alone; 'Absent' when it is gone already. Throws LcmError.
 */
export async function deleteNamespaceIfCreatedByUs(kubeconfig: string, namespace: string): Promise<'Deleted' | 'NotOurs' | 'Absent'> {
  return withClient(kubeconfig, `Deleting namespace ${namespace}`, async (client) => {
    const ns = await getNamespace(client, namespace);
    if (!ns) return 'Absent';
    if (ns.metadata.labels?.[managedByLabel] !== managedByValue) return 'NotOurs';
    if (ns.metadata.deletionTimestamp) return 'Deleted';
    try {
      await client.request({
        method: 'DELETE', path: objectPath(coreTypes.namespace, namespace),
        body: { apiVersion: 'v1', kind: 'DeleteOptions', preconditions: { uid: ns.metadata.uid } },
      });
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    return 'Deleted';
  });
}

async function getNamespace(client: KubeClient, name: string): Promise<KubeObject | undefined> {
  try {
    return await client.request<KubeObject>({ method: 'GET', path: objectPath(coreTypes.namespace, name) });
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

async function withClient<T>(kubeconfig: string, what: string, use: (client: KubeClient) => Promise<T>): Promise<T> {
  const client = await edgeClient(kubeconfig, { name: 'lcm-namespace', timeoutMs: 30_000 }).catch((error: unknown) => { throw lcmErrorOf(error, what); });
  try {
    return await use(client);
  } catch (error) {
    throw lcmErrorOf(error, what);
  } finally {
    client.close();
  }
}
