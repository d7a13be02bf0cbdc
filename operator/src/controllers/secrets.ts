/**
 * Reads one key of a hub Secret, with a reason when it cannot (never the value in a message),
 * and confines the Secrets an EdgeHost names to the operator's namespace.
 */
import { isNotFound } from '../runtime/kube/errors.js';
import type { KubeObject } from '../runtime/kube/resource.js';
import type { ResourceClient } from '../runtime/kube/resource-client.js';

export interface SecretObject extends KubeObject {
  data?: Record<string, string>;
}

export type SecretRead =
  | { readonly ok: true; readonly value: string; readonly version: string }
  | { readonly ok: false; readonly problem: 'NotFound' | 'KeyMissing' | 'NamespaceNotAllowed'; readonly message: string };

export interface SecretKeyReference {
  readonly name: string;
  readonly namespace: string;
  readonly key?: string;
}

/** A Secret reference of an EdgeHost (cluster-scoped): an omitted namespace is the operator's. */
export interface EdgeHostSecretReference {
  readonly name: string;
  readonly namespace?: string;
  readonly key?: string;
}

/**
 * Where an EdgeHost's Secret reference points, or why it may not be read. EdgeHost Secrets live
 * in the operator's namespace only: the operator lists and watches Secrets nowhere else (its
 * Role), and an EdgeHost must not make it read another namespace's Secrets. The chart's
 * admission policy refuses such EdgeHosts up front; this is the same rule where the Secret is
 * read, for hosts made before the policy or without it. Every controller goes through here.
 */
export function edgeHostSecretRef(ref: EdgeHostSecretReference, operatorNamespace: string):
  { readonly ok: true; readonly ref: SecretKeyReference } | Extract<SecretRead, { ok: false }> {
  const namespace = ref.namespace ?? operatorNamespace;
  if (namespace !== operatorNamespace) {
    return { ok: false, problem: 'NamespaceNotAllowed',
      message: `Secret ${namespace}/${ref.name} is outside the operator's namespace: EdgeHost Secrets must be in namespace ${operatorNamespace}; move the Secret there and set the reference's namespace to ${operatorNamespace} (or omit it).` };
  }
  return { ok: true, ref: { name: ref.name, namespace, ...(ref.key === undefined ? {} : { key: ref.key }) } };
}

/** `namespace/name` of an EdgeHost's Secret reference, the omitted namespace filled in. */
export function edgeHostSecretKey(ref: EdgeHostSecretReference, operatorNamespace: string): string {
  return `${ref.namespace ?? operatorNamespace}/${ref.name}`;
}

/** readSecretKey for a Secret an EdgeHost names: refused (NamespaceNotAllowed) outside the operator's namespace. */
export async function readEdgeHostSecretKey(secrets: ResourceClient<SecretObject>, ref: EdgeHostSecretReference, defaultKey: string, operatorNamespace: string): Promise<SecretRead> {
  const allowed = edgeHostSecretRef(ref, operatorNamespace);
  return allowed.ok ? readSecretKey(secrets, allowed.ref, defaultKey) : allowed;
}

export async function readSecretKey(secrets: ResourceClient<SecretObject>, ref: SecretKeyReference, defaultKey: string): Promise<SecretRead> {
  const key = ref.key ?? defaultKey;
  let secret: SecretObject;
  try {
    secret = await secrets.get(ref.name, ref.namespace);
  } catch (error) {
    if (isNotFound(error)) {
      return { ok: false, problem: 'NotFound', message: `Secret ${ref.namespace}/${ref.name} does not exist; create it or fix the reference.` };
    }
    throw error;
  }
  const data = secret.data?.[key];
  if (data === undefined) {
    const keys = Object.keys(secret.data ?? {}).sort().join(', ') || 'none';
    return { ok: false, problem: 'KeyMissing', message: `Secret ${ref.namespace}/${ref.name} has no key "${key}" (its keys: ${keys}).` };
  }
  return { ok: true, value: Buffer.from(data, 'base64').toString('utf8'), version: `${secret.metadata.uid}/${secret.metadata.resourceVersion}` };
}
