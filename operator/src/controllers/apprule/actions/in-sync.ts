/**
 * InSync: the MEP holds exactly the spec. Status records what it holds; an event and a log line
 * only when that changed, so the drift check every driftCheckMs writes nothing.
 */
import type { MepAppConfig } from '../../../mep/types.js';
import { configDigest } from '../../../mep/digest.js';
import { rfc3339 } from '../../../runtime/conditions.js';
import { requeueAfter, type ReconcileResult } from '../../../runtime/reconcile.js';
import type { ActionContext } from './context.js';

export async function inSync(ctx: ActionContext, config: MepAppConfig): Promise<ReconcileResult> {
  const { draft } = ctx;
  const digest = configDigest(config);
  const changed = draft.value.appliedDigest !== digest;
  draft.value.appliedDigest = digest;
  draft.value.trafficRuleCount = config.appTrafficRule.length;
  draft.value.dnsRuleCount = config.appDNSRule.length;
  if (changed) draft.value.lastAppliedTime = rfc3339(draft.now);
  draft.set('Applied', true, 'RulesApplied', `The MEP holds ${config.appTrafficRule.length} traffic and ${config.appDNSRule.length} DNS rule(s) as specified.`);
  draft.markSettled();
  if (await ctx.commit() && changed) {
    ctx.log.info('Rules applied at the MEP', { digest });
    await ctx.event('Normal', 'RulesApplied', `The MEP holds the rules (${digest.slice(0, 19)}…).`);
  }
  return requeueAfter(ctx.timing.driftCheckMs);
}
