/** Scale: ETSI operate, the release's workloads stopped (scaled to zero) or started again. */
import type { ReconcileResult } from '../../../runtime/reconcile.js';
import type { AppInstanceAction } from '../decide.js';
import { operation, workLeft, type ActionContext } from './context.js';

export async function runScale(action: Extract<AppInstanceAction, { kind: 'Scale' }>, ctx: ActionContext): Promise<ReconcileResult> {
  const { draft } = ctx;
  await action.access.plugin.scale(action.access.target, action.to);
  draft.value.operationalState = action.to === 'Stopped' ? 'STOPPED' : 'STARTED';
  draft.value.lastOperation = operation(draft.value, 'OPERATE', 'COMPLETED', draft.now);
  await ctx.event('Normal', action.to, `Workloads ${action.to === 'Stopped' ? 'scaled to zero' : 'restored'}.`);
  return workLeft;
}
