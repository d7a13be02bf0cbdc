/**
 * The EdgeHost controller's one action: write the status decideStatus computed (only when it
 * changed) and record an event when Ready flips, so `kubectl describe` shows when a host
 * came and went.
 */
import type { EdgeHost, EdgeHostStatus } from '../../../api/edgehost.js';
import { findCondition } from '../../../runtime/conditions.js';
import type { EventRecorder } from '../../../runtime/events.js';
import type { ResourceClient } from '../../../runtime/kube/resource-client.js';
import type { Logger } from '../../../runtime/logger.js';
import { writeStatus } from '../../../runtime/objects.js';

export async function recordProbe(
  host: EdgeHost, status: EdgeHostStatus, deps: { readonly client: ResourceClient<EdgeHost>; readonly events: EventRecorder; readonly log: Logger },
): Promise<void> {
  if (!(await writeStatus(deps.client, host, status))) return;
  const before = findCondition(host.status?.conditions, 'Ready');
  const after = findCondition(status.conditions, 'Ready');
  deps.log.info('Updated EdgeHost status', { ready: after?.status, reason: after?.reason });
  if (!after || before?.status === after.status) return;
  await deps.events.record(host, after.status === 'True' ? 'Normal' : 'Warning', after.reason, after.message);
}
