/** Delete: remove the MEP's configuration (the AppRule is going, or the MEP cannot PUT the change). */
import type { MepClient } from '../../../mep/client.js';
import type { ReconcileResult } from '../../../runtime/reconcile.js';
import type { ActionContext } from './context.js';
import { sent } from './sent.js';

export async function deleteRules(ctx: ActionContext, client: MepClient): Promise<ReconcileResult> {
  return sent(ctx, 'Delete', await client.delete(ctx.rule.spec.appInstanceId));
}
