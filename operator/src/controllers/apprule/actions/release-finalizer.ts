/** ReleaseFinalizer: the MEP holds nothing of the deleted AppRule (or can no longer be asked); let it go. */
import { done, type ReconcileResult } from '../../../runtime/reconcile.js';
import type { ActionContext } from './context.js';

export async function releaseFinalizer(ctx: ActionContext, abandoned: string | undefined): Promise<ReconcileResult> {
  if (abandoned) await ctx.event('Warning', 'RulesAbandoned', abandoned);
  await ctx.removeFinalizer();
  return done;
}
