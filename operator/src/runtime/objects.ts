/**
 * Writes a controller makes to its own objects, each with the guard it needs:
 * - finalizers: merge patch carrying the resourceVersion read, so a concurrent change makes
 *   it fail with a Conflict (retried) instead of overwriting the other writer;
 * - status: merge patch to /status, skipped when the status is already what we would write.
 */
import { isDeepStrictEqual } from 'node:util';
import type { KubeObject } from './kube/resource.js';
import type { ResourceClient } from './kube/resource-client.js';

export function hasFinalizer(object: KubeObject, finalizer: string): boolean {
  return object.metadata.finalizers?.includes(finalizer) ?? false;
}

export function isDeleting(object: KubeObject): boolean {
  return Boolean(object.metadata.deletionTimestamp);
}

/** Adds `finalizer` unless present; returns the object as the server has it afterwards. */
export async function addFinalizer<T extends KubeObject>(resources: ResourceClient<T>, object: T, finalizer: string): Promise<T> {
  if (hasFinalizer(object, finalizer)) return object;
  return setFinalizers(resources, object, [...(object.metadata.finalizers ?? []), finalizer]);
}

/** Removes `finalizer` if present; the object may be gone afterwards. */
export async function removeFinalizer<T extends KubeObject>(resources: ResourceClient<T>, object: T, finalizer: string): Promise<void> {
  if (!hasFinalizer(object, finalizer)) return;
  await setFinalizers(resources, object, (object.metadata.finalizers ?? []).filter((f) => f !== finalizer));
}

function setFinalizers<T extends KubeObject>(resources: ResourceClient<T>, object: T, finalizers: string[]): Promise<T> {
  return resources.patch(object.metadata.name ?? '', object.metadata.namespace, 'merge', {
    metadata: { resourceVersion: object.metadata.resourceVersion, finalizers },
  });
}

/**
 * Writes `status` through /status when it differs from the object's; returns whether it wrote.
 * The patch replaces the whole status, so fields the controller no longer sets are removed.
 */
export async function writeStatus<T extends KubeObject & { status?: unknown }>(
  resources: ResourceClient<T>, object: T, status: NonNullable<T['status']>,
): Promise<boolean> {
  // Compare what would go over the wire: undefined fields are not sent.
  const wire = JSON.parse(JSON.stringify(status)) as Record<string, unknown>;
  if (isDeepStrictEqual(object.status, wire)) return false;
  const removed = Object.fromEntries(Object.keys((object.status ?? {}) as object)
    .filter((key) => !(key in wire)).map((key) => [key, null]));
  await resources.patch(object.metadata.name ?? '', object.metadata.namespace, 'merge', { status: { ...removed, ...wire } }, 'status');
  return true;
}
