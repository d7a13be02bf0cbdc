/** AddFinalizer: before anything reaches an edge repository, so no chart outlives its AppPackage. */
import type { AppPackage } from '../../../api/apppackage.js';
import type { ResourceClient } from '../../../runtime/kube/resource-client.js';
import { addFinalizer as patchFinalizer } from '../../../runtime/objects.js';
import { requeueAfter, type ReconcileResult } from '../../../runtime/reconcile.js';
import { finalizer } from '../finalizer.js';
import { markProgress } from '../draft.js';
import type { ActionContext } from './context.js';

export async function addFinalizer(ctx: ActionContext, resources: ResourceClient<AppPackage>): Promise<ReconcileResult> {
  await patchFinalizer(resources, ctx.pkg, finalizer);
  markProgress(ctx.draft, ctx.pkg, 'Downloading the package.');
  await ctx.commit();
  return requeueAfter(0);
}
