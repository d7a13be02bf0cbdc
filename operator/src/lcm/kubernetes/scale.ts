/**
 * ETSI operate on Kubernetes workloads: Stopped and Started, idempotent and exact.
 *
 * - Deployment, StatefulSet: Stopped records `spec.replicas` in the annotation
 *   mecm.io/replicas-before-stop and sets replicas to 0; a second Stopped changes nothing.
 *   When a stopped workload runs again (a helm upgrade or rollback resets the chart's
 *   replicas, or someone scaled it), Stopped records that newer count and scales to 0 again.
 *   Started restores the recorded count and removes the annotation; a workload without it is
 *   left alone.
 * - DaemonSet (it has no replicas): Stopped adds the node selector mecm.io/operate-stopped=true
 *   to its Pod template, which no node carries, so its Pods go away; Started removes it.
 * - Job: left alone; a Job runs to completion and stopping the app does not undo it.
 *
 * Every change is a merge patch carrying the object's resourceVersion, so a count is never
 * recorded from a stale read; a conflict rereads and tries again. A helm upgrade resets what
 * the chart sets (replicas, node selector): the caller scales again after an upgrade while
 * the desired state is Stopped.
 */
import type { KubeClient } from '../../runtime/kube/client.js';
import { isConflict } from '../../runtime/kube/errors.js';
import { objectPath } from '../../runtime/kube/resource.js';
import type { OperateMode } from '../plugin.js';
import { numberAt, type ManifestWorkload } from './manifest.js';
import { getWorkload, workloadTypes, type LiveWorkload } from './workloads.js';

/** On a stopped Deployment or StatefulSet: its replicas before the stop. */
export const replicasBeforeStopAnnotation = 'mecm.io/replicas-before-stop';
/** On a stopped DaemonSet's Pod template: a node selector no node matches. */
export const stoppedNodeSelector = 'mecm.io/operate-stopped';

const maxConflicts = 5;

/** Applies `mode` to each workload that exists; returns how many were changed. */
export async function scaleWorkloads(client: KubeClient, workloads: readonly ManifestWorkload[], mode: OperateMode): Promise<number> {
  const changed = await Promise.all(workloads.filter((w) => w.kind !== 'Job').map((w) => scaleOne(client, w, mode)));
  return changed.filter(Boolean).length;
}

async function scaleOne(client: KubeClient, workload: ManifestWorkload, mode: OperateMode): Promise<boolean> {
  for (let attempt = 1; ; attempt++) {
    const live = await getWorkload(client, workload);
    if (!live) return false;
    const patch = patchFor(workload, live, mode);
    if (!patch) return false;
    try {
      await client.request({
        method: 'PATCH', path: objectPath(workloadTypes[workload.kind], workload.name, workload.namespace),
        contentType: 'application/merge-patch+json', body: patch, query: { fieldManager: 'mecm-operator' },
      });
      return true;
    } catch (error) {
      if (!isConflict(error) || attempt >= maxConflicts) throw error;
    }
  }
}

/** The merge patch that brings `live` to `mode`, or undefined when it is there already. Pure. */
export function patchFor(workload: ManifestWorkload, live: LiveWorkload, mode: OperateMode): Record<string, unknown> | undefined {
  const resourceVersion = live.metadata.resourceVersion;
  const annotations = live.metadata.annotations ?? {};
  if (workload.kind === 'DaemonSet') {
    const stopped = live.spec?.template?.spec?.nodeSelector?.[stoppedNodeSelector] !== undefined;
    if ((mode === 'Stopped') === stopped) return undefined;
    return {
      metadata: { resourceVersion },
      spec: { template: { spec: { nodeSelector: { [stoppedNodeSelector]: mode === 'Stopped' ? 'true' : null } } } },
    };
  }
  const replicas = live.spec?.replicas ?? 1;
  const recorded = annotations[replicasBeforeStopAnnotation];
  if (mode === 'Stopped') {
    if (recorded !== undefined && replicas === 0) return undefined;
    return { metadata: { resourceVersion, annotations: { [replicasBeforeStopAnnotation]: String(replicas) } }, spec: { replicas: 0 } };
  }
  if (recorded === undefined) return undefined;
  const restored = /^\d+$/.test(recorded) ? Number(recorded) : numberAt(workload.body, 'spec', 'replicas') ?? 1;
  return { metadata: { resourceVersion, annotations: { [replicasBeforeStopAnnotation]: null } }, spec: { replicas: restored } };
}
