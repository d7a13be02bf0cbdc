/**
 * TaskTimedOut: our change was still PROCESSING after taskTimeoutMs. Stop following it (status
 * no longer says PROCESSING) and retry with backoff: what follows is decided afresh from what
 * the MEP holds, and a task that still runs makes the MEP answer "operation in progress".
 */
import { objectKey } from '../../../runtime/kube/resource.js';
import { ReconcileError } from '../../../runtime/reconcile.js';
import { clearTask } from '../draft.js';
import type { ActionContext } from './context.js';

export async function taskTimedOut(ctx: ActionContext, taskId: string, timeoutMs: number): Promise<never> {
  ctx.tasks.forget(objectKey(ctx.rule));
  const detail = `Task ${taskId} was still PROCESSING after ${Math.round(timeoutMs / 1000)} s.`;
  clearTask(ctx.draft, detail);
  ctx.draft.set('Applied', false, 'MEPTaskTimedOut', `MEP task ${taskId} did not finish in time; retrying.`);
  await ctx.commit();
  throw new ReconcileError('MEPTaskTimedOut', detail);
}
