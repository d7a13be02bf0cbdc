/** AssignId: the UUID the MEP and the chart know the app by (the spec's, or a new one), fixed once before anything uses it. */
import { randomUUID } from 'node:crypto';
import type { ReconcileResult } from '../../../runtime/reconcile.js';
import { workLeft, type ActionContext } from './context.js';

export function runAssignId(ctx: ActionContext): ReconcileResult {
  ctx.draft.value.appInstanceId = ctx.instance.spec.appInstanceId ?? randomUUID();
  ctx.draft.value.operationalState = 'NOT_INSTANTIATED';
  ctx.draft.markReconciling('Initializing', 'Setting up the instance.');
  return workLeft;
}
