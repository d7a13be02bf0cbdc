/** DeleteRules: the owned AppRule goes (the AppRule controller takes the rules off the MEP first). */
import { isNotFound } from '../../../runtime/kube/errors.js';
import { isDeleting } from '../../../runtime/objects.js';
import type { ReconcileResult } from '../../../runtime/reconcile.js';
import { progressing, wait, type HubActionContext } from './context.js';

export async function runDeleteRules(ctx: HubActionContext): Promise<ReconcileResult> {
  const { instance } = ctx;
  await ctx.clients.rules.delete(instance.metadata.name ?? '', instance.metadata.namespace).catch((e: unknown) => { if (!isNotFound(e)) throw e; });
  if (isDeleting(instance)) progressing(ctx.draft, 'Terminating', 'RulesDeleting', 'Waiting for the MEP to drop the rules.');
  return wait(ctx);
}
