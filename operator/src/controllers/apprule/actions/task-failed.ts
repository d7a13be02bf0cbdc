/** TaskFailed: the MEP ran our change and it failed; say why, and retry the change with backoff. */
import type { MepTask } from '../../../mep/types.js';
import { ReconcileError } from '../../../runtime/reconcile.js';
import type { ActionContext } from './context.js';

export async function taskFailed(ctx: ActionContext, task: MepTask): Promise<never> {
  const message = `MEP task ${task.taskId} failed: ${task.detailed ?? 'no detail'}`;
  ctx.draft.set('Applied', false, 'MEPTaskFailed', message);
  await ctx.event('Warning', 'MEPTaskFailed', message);
  await ctx.commit();
  throw new ReconcileError('MEPTaskFailed', ctx.draft.value.mepDetail ?? 'the MEP task failed');
}
