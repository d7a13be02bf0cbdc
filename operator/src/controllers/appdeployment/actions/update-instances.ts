/**
 * UpdateInstances: brings the instances of the recorded wave to the revision, ONE write each —
 * a create, or a PUT of the whole spec and the revision label together, guarded by the
 * resourceVersion we read (a stale cache gets a Conflict and a retry, never a second write).
 * An instance being deleted is left to its finalizer; it is created again once gone.
 */
import type { AppDeployment } from '../../../api/appdeployment.js';
import type { AppInstance, AppInstanceSpec } from '../../../api/appinstance.js';
import { API_VERSION } from '../../../api/group.js';
import { ApiError, isAlreadyExists, isConflict } from '../../../runtime/kube/errors.js';
import { isDeleting } from '../../../runtime/objects.js';
import { forEachLimited } from '../../../util/concurrency.js';
import { hostAnnotation, instanceLabels, ownedBy } from '../names.js';
import type { ObservedHost } from '../summarize.js';
import type { AppDeploymentActionContext } from './context.js';

/** The instance spec the template makes for `host`. */
export function instanceSpec(deployment: AppDeployment, host: Pick<ObservedHost, 'name' | 'edgeNamespace'>): AppInstanceSpec {
  const { edgeNamespace: _template, ...template } = deployment.spec.template;
  return JSON.parse(JSON.stringify({ ...template, hostRef: { name: host.name }, namespace: host.edgeNamespace })) as AppInstanceSpec;
}

/**
 * How the writes went: all done; some to retry (a conflict, an instance still being deleted);
 * or some refused by the API server (the template makes an AppInstance it will not take, or the
 * operator may not write it): no retry will pass until the spec changes.
 */
export type UpdateOutcome = { readonly kind: 'Done' | 'Retry' } | { readonly kind: 'Refused'; readonly message: string };

export async function updateInstances(hosts: readonly string[], ctx: AppDeploymentActionContext): Promise<UpdateOutcome> {
  const { deployment, revision, client } = ctx;
  const namespace = deployment.metadata.namespace ?? '';
  let complete = true;
  const refusals: string[] = [];
  const targets = ctx.hosts.filter((h) => hosts.includes(h.name));
  await forEachLimited(targets, 8, async (host) => {
    const current = ctx.instances.get(host.instanceName);
    const spec = instanceSpec(deployment, host);
    const labels = instanceLabels(deployment, revision);
    try {
      if (!current) {
        await client.create({
          apiVersion: API_VERSION, kind: 'AppInstance',
          metadata: { name: host.instanceName, namespace, labels, annotations: { [hostAnnotation]: host.name }, ownerReferences: [ownedBy(deployment)] },
          spec,
        });
        await ctx.event('Normal', 'InstanceCreated', `Created AppInstance ${host.instanceName} on ${host.name} at revision ${revision}`);
        return;
      }
      if (isDeleting(current)) {
        complete = false;
        return;
      }
      // Fields the template does not set and that cannot change once set stay as they are.
      const kept: Partial<AppInstanceSpec> = {
        ...(current.spec.releaseName ? { releaseName: current.spec.releaseName } : {}),
        ...(current.spec.appInstanceId ? { appInstanceId: current.spec.appInstanceId } : {}),
        ...(current.spec.suspend !== undefined ? { suspend: current.spec.suspend } : {}),
      };
      const next: AppInstance = { ...current, metadata: { ...current.metadata, labels: { ...current.metadata.labels, ...labels } }, spec: { ...spec, ...kept } };
      delete next.status;
      await client.update(next);
      await ctx.event('Normal', 'InstanceUpdated', `Updated AppInstance ${host.instanceName} on ${host.name} to revision ${revision}`);
    } catch (error) {
      if (error instanceof ApiError && (error.code === 422 || error.code === 403)) {
        refusals.push(`AppInstance ${host.instanceName}: ${error.message}`);
        return;
      }
      // Someone wrote it since we read it (often our own create, not yet cached): read again, then decide again.
      if (!isConflict(error) && !isAlreadyExists(error)) throw error;
      complete = false;
    }
  });
  if (refusals.length) return { kind: 'Refused', message: `The API server refused ${refusals.join('; ')}` };
  return complete ? { kind: 'Done' } : { kind: 'Retry' };
}
