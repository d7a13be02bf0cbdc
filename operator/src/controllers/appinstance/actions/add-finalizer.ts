/** AddFinalizer: the instance is held until its release, rules and namespace are cleaned up. */
import { addFinalizer } from '../../../runtime/objects.js';
import type { ReconcileResult } from '../../../runtime/reconcile.js';
import { finalizer } from '../names.js';
import { workLeft, type HubActionContext } from './context.js';

export async function runAddFinalizer(ctx: HubActionContext): Promise<ReconcileResult> {
  await addFinalizer(ctx.clients.instances, ctx.instance, finalizer);
  ctx.draft.markReconciling('Initializing', 'Setting up the instance.');
  return workLeft;
}
