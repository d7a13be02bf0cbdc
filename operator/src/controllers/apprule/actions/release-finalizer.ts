/**
 * ReleaseFinalizer: the MEP holds nothing of the deleted AppRule (or can no longer be asked, or
 * what it holds belongs to the AppRule that holds the appInstanceId, or the Tenant never let it
 * speak to the MEP); let it go.
 */
import { done, type ReconcileResult } from '../../../runtime/reconcile.js';
import type { ActionContext } from './context.js';

export async function releaseFinalizer(ctx: ActionContext, abandoned: string | undefined, notHeld?: string, notPermitted?: string): Promise<ReconcileResult> {
  if (abandoned) await ctx.event('Warning', 'RulesAbandoned', abandoned);
  if (notHeld) await ctx.event('Normal', 'AppInstanceIdInUse', notHeld);
  if (notPermitted) await ctx.event('Normal', 'NotPermitted', notPermitted);
  await ctx.removeFinalizer();
  return done;
}
