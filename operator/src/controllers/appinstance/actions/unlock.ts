/** Unlock: a release left pending by a process that died is recovered (see LcmPlugin.unlock). */
import type { ReconcileResult } from '../../../runtime/reconcile.js';
import type { AppInstanceAction } from '../decide.js';
import { workLeft, type ActionContext } from './context.js';

export async function runUnlock(action: Extract<AppInstanceAction, { kind: 'Unlock' }>, ctx: ActionContext): Promise<ReconcileResult> {
  await action.access.plugin.unlock(action.access.target);
  await ctx.event('Warning', 'ReleaseUnlocked', `Release ${action.access.target.releaseName} was stuck in ${action.status}; recovered it.`);
  return workLeft;
}
