/**
 * Ready of an AppRule: the MEP holds the spec, i.e. Applied, with Applied's reason and
 * message either way (what AppInstance shows of its rules).
 */
import type { AppRuleConditionType, AppRuleReason } from '../../api/apprule-conditions.js';
import type { ConditionReader, ReadySummary } from '../../runtime/status.js';

export function summarize(conditions: ConditionReader<AppRuleConditionType>): ReadySummary<AppRuleReason> {
  const applied = conditions.get('Applied');
  if (!applied) return { ready: false, reason: 'ApplyingRules', message: 'The rules have not been sent to the MEP yet.' };
  // Applied's reason was set through the typed draft, so it is an AppRuleReason.
  return { ready: applied.status === 'True', reason: applied.reason as AppRuleReason, message: applied.message };
}
