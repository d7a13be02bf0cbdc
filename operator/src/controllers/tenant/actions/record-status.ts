/**
 * The Tenant controller's one action: write the status decideStatus computed (only when it
 * changed) and record an event when Ready flips, so `kubectl describe tenant` shows when a
 * conflict began and ended.
 */
import type { Tenant, TenantStatus } from '../../../api/tenant.js';
import { findCondition } from '../../../runtime/conditions.js';
import type { EventRecorder } from '../../../runtime/events.js';
import type { ResourceClient } from '../../../runtime/kube/resource-client.js';
import type { Logger } from '../../../runtime/logger.js';
import { writeStatus } from '../../../runtime/objects.js';

export interface RecordDeps {
  readonly client: ResourceClient<Tenant>;
  readonly events: EventRecorder;
  readonly log: Logger;
}

export async function recordStatus(tenant: Tenant, status: TenantStatus, deps: RecordDeps): Promise<void> {
  if (!(await writeStatus(deps.client, tenant, status))) return;
  const before = findCondition(tenant.status?.conditions, 'Ready');
  const after = findCondition(status.conditions, 'Ready');
  deps.log.info('Updated Tenant status', { ready: after?.status, reason: after?.reason, namespaces: status.namespaces?.length, hosts: status.hostCount });
  if (!after || before?.status === after.status) return;
  await deps.events.record(tenant, after.status === 'True' ? 'Normal' : 'Warning', after.reason, after.message);
}
