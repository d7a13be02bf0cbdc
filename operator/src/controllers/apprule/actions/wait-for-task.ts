/** WaitForTask: our change is still PROCESSING at the MEP; status shows its progress, poll again soon. */
import { requeueAfter, type ReconcileResult } from '../../../runtime/reconcile.js';
import type { ActionContext } from './context.js';

export async function waitForTask(ctx: ActionContext): Promise<ReconcileResult> {
  await ctx.commit();
  return requeueAfter(ctx.timing.taskPollMs);
}
