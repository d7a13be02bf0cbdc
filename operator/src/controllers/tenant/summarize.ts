/** Ready of a Tenant: the grant is in force when it shares no claim with another Tenant (Conflicting is not True). */
import type { TenantConditionType, TenantReason } from '../../api/tenant-conditions.js';
import type { ConditionReader, ReadySummary } from '../../runtime/status.js';

export function summarizeTenant(conditions: ConditionReader<TenantConditionType>): ReadySummary<TenantReason> {
  const conflicting = conditions.get('Conflicting');
  if (conflicting?.status === 'True') return { ready: false, reason: conflicting.reason as TenantReason, message: conflicting.message };
  return { ready: true, reason: 'GrantInForce', message: 'The grant is in force: it governs all its hub namespaces and holds all its edge namespace patterns alone.' };
}
