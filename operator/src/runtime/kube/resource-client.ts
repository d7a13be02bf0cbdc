/** Typed CRUD for one resource type on one cluster, over KubeClient. */
import type { KubeClient } from './client.js';
import { apiVersionOf, collectionPath, objectPath, type KubeObject, type ResourceType } from './resource.js';

export interface ListResult<T> {
  readonly items: T[];
  readonly resourceVersion: string;
}

export interface ListOptions {
  readonly namespace?: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  /** Page size; lists are read page by page so a large collection never arrives in one body. */
  readonly pageSize?: number;
  readonly timeoutMs?: number;
  /** Ask for metadata only (PartialObjectMetadataList): no spec, no data — e.g. no Secret contents. */
  readonly metadataOnly?: boolean;
}

/** Accept headers that make the API server answer with metadata only. */
export const metadataOnlyAccept = {
  list: 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json',
  object: 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json',
} as const;

export type PatchType = 'merge' | 'json' | 'apply';

const patchContentTypes: Record<PatchType, string> = {
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
  apply: 'application/apply-patch+yaml',
};

export class ResourceClient<T extends KubeObject> {
  constructor(readonly client: KubeClient, readonly type: ResourceType, private readonly fieldManager = 'mecm-operator') {}

  get(name: string, namespace?: string): Promise<T> {
    return this.client.request<T>({ method: 'GET', path: objectPath(this.type, name, namespace) });
  }

  /** Lists every page; returns the items and the list's resourceVersion to watch from. */
  async list(options: ListOptions = {}): Promise<ListResult<T>> {
    const items: T[] = [];
    let continueToken: string | undefined;
    let resourceVersion = '';
    do {
      const page = await this.client.request<{ items: T[]; metadata: { resourceVersion: string; continue?: string } }>({
        method: 'GET', path: collectionPath(this.type, options.namespace), timeoutMs: options.timeoutMs,
        accept: options.metadataOnly ? metadataOnlyAccept.list : undefined,
        query: { limit: options.pageSize ?? 500, continue: continueToken, labelSelector: options.labelSelector, fieldSelector: options.fieldSelector },
      });
      // A metadata-only list of nothing says `items: null`.
      for (const item of page.items ?? []) items.push(this.withTypeMeta(item));
      resourceVersion = page.metadata.resourceVersion;
      continueToken = page.metadata.continue || undefined;
    } while (continueToken);
    return { items, resourceVersion };
  }

  create(object: T): Promise<T> {
    return this.client.request<T>({
      method: 'POST', path: collectionPath(this.type, object.metadata.namespace),
      body: { apiVersion: apiVersionOf(this.type), kind: this.type.kind, ...object },
    });
  }

  /** PUT; fails with a Conflict when `object.metadata.resourceVersion` is stale. */
  update(object: T): Promise<T> {
    return this.client.request<T>({
      method: 'PUT', path: objectPath(this.type, object.metadata.name ?? '', object.metadata.namespace), body: object,
    });
  }

  /** PUT to /status; only the status is taken, with the same optimistic concurrency. */
  updateStatus(object: T): Promise<T> {
    return this.client.request<T>({
      method: 'PUT', path: objectPath(this.type, object.metadata.name ?? '', object.metadata.namespace, 'status'), body: object,
    });
  }

  patch(name: string, namespace: string | undefined, type: PatchType, body: unknown, subresource?: string): Promise<T> {
    const applied = type === 'apply'
      ? { apiVersion: apiVersionOf(this.type), kind: this.type.kind, ...(body as object) } : body;
    return this.client.request<T>({
      method: 'PATCH', path: objectPath(this.type, name, namespace, subresource), body: applied,
      contentType: patchContentTypes[type],
      query: type === 'apply' ? { fieldManager: this.fieldManager, force: true } : { fieldManager: this.fieldManager },
    });
  }

  /** Deletes; with `uid`, only that incarnation of the object (never a newer one of the same name). */
  async delete(name: string, namespace?: string, preconditions?: { uid?: string; resourceVersion?: string }): Promise<void> {
    await this.client.request({
      method: 'DELETE', path: objectPath(this.type, name, namespace),
      body: { apiVersion: 'v1', kind: 'DeleteOptions', propagationPolicy: 'Background', ...(preconditions ? { preconditions } : {}) },
    });
  }

  private withTypeMeta(item: T): T {
    return { ...item, apiVersion: apiVersionOf(this.type), kind: this.type.kind };
  }
}
