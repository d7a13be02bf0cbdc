/** Reads one key of a hub Secret, with a reason when it cannot (never the value in a message). */
import { isNotFound } from '../runtime/kube/errors.js';
import type { KubeObject } from '../runtime/kube/resource.js';
import type { ResourceClient } from '../runtime/kube/resource-client.js';

export interface SecretObject extends KubeObject {
  data?: Record<string, string>;
}

export type SecretRead =
  | { readonly ok: true; readonly value: string; readonly version: string }
  | { readonly ok: false; readonly problem: 'NotFound' | 'KeyMissing'; readonly message: string };

export interface SecretKeyReference {
  readonly name: string;
  readonly namespace: string;
  readonly key?: string;
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
