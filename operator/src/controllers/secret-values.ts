/**
 * Values of the Secrets EdgeHosts name (kubeconfigs, MEP tokens, registry credentials), for
 * every controller that needs them, read with a GET only when the Secret changed: a metadata-only informer tells the current
 * version, so a steady host costs no Secret reads and no Secret contents sit in the cache.
 */
import type { Informer } from '../runtime/informer.js';
import type { KubeObject } from '../runtime/kube/resource.js';
import type { ResourceClient } from '../runtime/kube/resource-client.js';
import { edgeHostSecretRef, readSecretKey, type EdgeHostSecretReference, type SecretObject, type SecretRead } from './secrets.js';

export class SecretValues {
  private readonly values = new Map<string, { version: string; read: SecretRead }>();

  /** `metadata` is the Secret metadata informer of the operator's namespace, the only one EdgeHost Secrets may be in. */
  constructor(private readonly metadata: Informer<KubeObject>, private readonly secrets: ResourceClient<SecretObject>, private readonly operatorNamespace: string) {}

  async read(reference: EdgeHostSecretReference, defaultKey: string): Promise<SecretRead> {
    const allowed = edgeHostSecretRef(reference, this.operatorNamespace);
    if (!allowed.ok) return allowed;
    const { ref } = allowed;
    const objectKey = `${ref.namespace}/${ref.name}`;
    const cacheKey = `${objectKey}#${ref.key ?? defaultKey}`;
    const meta = this.metadata.get(objectKey);
    if (!meta) {
      this.values.delete(cacheKey);
      return { ok: false, problem: 'NotFound', message: `Secret ${objectKey} does not exist; create it or fix the reference.` };
    }
    const version = `${meta.metadata.uid}/${meta.metadata.resourceVersion}`;
    const cached = this.values.get(cacheKey);
    if (cached?.version === version) return cached.read;
    const read = await readSecretKey(this.secrets, ref, defaultKey);
    this.values.set(cacheKey, { version: read.ok ? read.version : version, read });
    return read;
  }

  /** Forgets values no host refers to any more. */
  retain(keep: (cacheKey: string) => boolean): void {
    for (const key of this.values.keys()) if (!keep(key)) this.values.delete(key);
  }
}
