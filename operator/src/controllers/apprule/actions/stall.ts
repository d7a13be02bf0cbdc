/** Stall: nothing will change until the EdgeHost, a Secret or the MEP's answer does; look again after `retryMs`. */
import type { AppRuleReason } from '../../../api/apprule-conditions.js';
import { requeueAfter, type ReconcileResult } from '../../../runtime/reconcile.js';
import type { ActionContext } from './context.js';

export async function stall(ctx: ActionContext, reason: AppRuleReason, message: string, retryMs: number): Promise<ReconcileResult> {
  ctx.draft.set('Applied', false, reason, message);
  ctx.draft.markStalled(reason, message);
  // One event per change of the stall, not one per retry.
  if (await ctx.commit()) await ctx.event('Warning', reason, message);
  return requeueAfter(retryMs);
}
