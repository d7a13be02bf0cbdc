/**
 * DeleteNamespace: the namespace made for this instance goes once nothing else is in it. The
 * plugin checks the rule again right before deleting; the deletion takes a while, and the
 * next observe sees it gone (or kept, when another release arrived meanwhile).
 */
import type { ReconcileResult } from '../../../runtime/reconcile.js';
import type { AppInstanceAction } from '../decide.js';
import { progressing, wait, type ActionContext } from './context.js';

export async function runDeleteNamespace(action: Extract<AppInstanceAction, { kind: 'DeleteNamespace' }>, ctx: ActionContext): Promise<ReconcileResult> {
  const { target } = action.access;
  progressing(ctx.draft, 'Terminating', 'NamespaceDeleting', `Deleting namespace ${target.namespace} on the edge.`);
  await action.access.plugin.deleteNamespace(target);
  return wait(ctx);
}
