/**
 * Drift of a release: which objects of its manifest are gone from the edge cluster. An object
 * is looked up where the API server's discovery says its kind lives: in the edge's watch of
 * that kind (edge-cache.ts) when there is one to trust, else by a metadata-only GET (no Secret
 * contents cross the wire). One the watch misses is looked up too before it counts as gone, so
 * a watch that has not yet seen a fresh install never causes a repair. An object being deleted
 * counts as gone, and so does one whose kind the cluster no longer serves. Changed fields are
 * not compared: a helm upgrade repairs what is missing, and comparing rendered and live objects
 * field by field is a different, larger job.
 */
import type { KubeClient } from '../../runtime/kube/client.js';
import { isNotFound } from '../../runtime/kube/errors.js';
import { metadataOnlyAccept } from '../../runtime/kube/resource-client.js';
import { objectPath, type KubeObject, type ResourceType } from '../../runtime/kube/resource.js';
import type { DriftReport, ObjectRef } from '../plugin.js';
import type { ManifestObject } from './manifest.js';

/** What an edge's watches can say about objects of any kind (see EdgeCache). */
export interface ObjectCache {
  /** Kind → resource type of one apiVersion, from discovery kept a while; undefined when it is not served. */
  kinds(apiVersion: string): Promise<ReadonlyMap<string, ResourceType> | undefined>;
  /** Whether the object is there and not being deleted, as the watch of its type has it; 'NotCached' when that watch cannot be trusted. */
  exists(type: ResourceType, name: string, namespace?: string): boolean | 'NotCached';
}

interface ApiResourceList {
  resources?: Array<{ name: string; kind: string; namespaced: boolean }>;
}

/** Kind → resource type of one apiVersion, from the API server's discovery; undefined when it is not served. */
export async function discover(client: KubeClient, apiVersion: string): Promise<Map<string, ResourceType> | undefined> {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/', 2) as [string, string] : ['', apiVersion];
  let list: ApiResourceList;
  try {
    list = await client.request<ApiResourceList>({ method: 'GET', path: group ? `/apis/${group}/${version}` : `/api/${version}` });
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
  const kinds = new Map<string, ResourceType>();
  for (const r of list.resources ?? []) {
    if (!r.name.includes('/')) kinds.set(r.kind, { group, version, plural: r.name, kind: r.kind, namespaced: r.namespaced });
  }
  return kinds;
}

/** The objects of `objects` that are not on the cluster. Throws the client's errors. */
export async function findDrift(client: KubeClient, objects: readonly ManifestObject[], cache?: ObjectCache): Promise<DriftReport> {
  const discovery = new Map<string, Promise<ReadonlyMap<string, ResourceType> | undefined>>();
  const typeOf = (o: ManifestObject) => {
    let kinds = discovery.get(o.apiVersion);
    if (!kinds) discovery.set(o.apiVersion, kinds = cache ? cache.kinds(o.apiVersion) : discover(client, o.apiVersion));
    return kinds.then((k) => k?.get(o.kind));
  };
  const missing: ObjectRef[] = [];
  await Promise.all(objects.map(async (o) => {
    const type = await typeOf(o);
    const ref: ObjectRef = type && !type.namespaced
      ? { apiVersion: o.apiVersion, kind: o.kind, name: o.name }
      : { apiVersion: o.apiVersion, kind: o.kind, namespace: o.namespace, name: o.name };
    if (!type) {
      missing.push(ref);
      return;
    }
    if (cache?.exists(type, ref.name, ref.namespace) === true) return;
    if (!(await present(client, type, ref))) missing.push(ref);
  }));
  const order = (r: ObjectRef) => `${r.kind}/${r.namespace ?? ''}/${r.name}`;
  return { missing: missing.sort((a, b) => order(a).localeCompare(order(b))), checked: objects.length };
}

async function present(client: KubeClient, type: ResourceType, ref: ObjectRef): Promise<boolean> {
  try {
    const object = await client.request<KubeObject>({
      method: 'GET', path: objectPath(type, ref.name, type.namespaced ? ref.namespace : undefined), accept: metadataOnlyAccept.object,
    });
    return !object.metadata.deletionTimestamp;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
}
