/**
 * Remove: the instances of hosts no longer placed. Delete (only that incarnation, by UID): the
 * instance's finalizer removes its rules, then its release. Orphan: one patch drops our
 * ownerReference and labels, guarded by the resourceVersion read, and the instance stays.
 */
import type { AppInstance } from '../../../api/appinstance.js';
import { isConflict, isNotFound } from '../../../runtime/kube/errors.js';
import type { StrayInstance } from '../decide.js';
import { deploymentNameLabel, deploymentUidLabel, hostAnnotation, revisionLabel } from '../names.js';
import type { AppDeploymentActionContext } from './context.js';

export async function removeInstances(policy: 'Delete' | 'Orphan', strays: readonly StrayInstance[], ctx: AppDeploymentActionContext): Promise<void> {
  const namespace = ctx.deployment.metadata.namespace ?? '';
  const uid = ctx.deployment.metadata.uid ?? '';
  for (const stray of strays) {
    const instance = ctx.instances.get(stray.name);
    if (!instance) continue;
    try {
      if (policy === 'Delete') {
        await ctx.client.delete(stray.name, namespace, { uid: instance.metadata.uid });
        await ctx.event('Normal', 'InstanceRemoved', `Deleted AppInstance ${stray.name}: host ${stray.host} is no longer placed`);
      } else {
        await ctx.client.patch(stray.name, namespace, 'merge', orphanPatch(instance, uid));
        await ctx.event('Normal', 'InstanceOrphaned', `Released AppInstance ${stray.name}: host ${stray.host} is no longer placed and removalPolicy is Orphan`);
      }
    } catch (error) {
      if (!isNotFound(error) && !isConflict(error)) throw error;
    }
  }
}

function orphanPatch(instance: AppInstance, uid: string): unknown {
  return {
    metadata: {
      resourceVersion: instance.metadata.resourceVersion,
      ownerReferences: (instance.metadata.ownerReferences ?? []).filter((o) => o.uid !== uid),
      labels: { [deploymentUidLabel]: null, [deploymentNameLabel]: null, [revisionLabel]: null },
      annotations: { [hostAnnotation]: null },
    },
  };
}
