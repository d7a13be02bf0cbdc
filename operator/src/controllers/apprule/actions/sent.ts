/** What every change sent to the MEP is followed by: remember its task, show it, poll it soon. */
import type { MepTask } from '../../../mep/types.js';
import { objectKey } from '../../../runtime/kube/resource.js';
import { requeueAfter, type ReconcileResult } from '../../../runtime/reconcile.js';
import { recordTask } from '../draft.js';
import type { ActionContext } from './context.js';

export type Change = 'Create' | 'Update' | 'Delete';

const eventReason = { Create: 'RulesCreated', Update: 'RulesUpdated', Delete: 'RulesDeleted' } as const;

export async function sent(ctx: ActionContext, change: Change, task: MepTask): Promise<ReconcileResult> {
  ctx.tasks.follow(objectKey(ctx.rule), { taskId: task.taskId, since: Date.now() });
  recordTask(ctx.draft, task);
  ctx.draft.set('Applied', false, 'ApplyingRules', `${change} sent to the MEP (task ${task.taskId}).`);
  ctx.draft.markReconciling('ApplyingRules', `Waiting for MEP task ${task.taskId}.`);
  await ctx.commit();
  await ctx.event('Normal', eventReason[change], `${change} sent to the MEP as task ${task.taskId}.`);
  return requeueAfter(ctx.timing.taskPollMs);
}
