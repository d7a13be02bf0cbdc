/**
 * ReleaseFinalizer: the package is out of every host that answered; hosts that did not within
 * deletionTimeoutMs are given up on, with a Warning naming them. The AppPackage may be gone
 * afterwards, so nothing is written to its status.
 */
import type { AppPackage } from '../../../api/apppackage.js';
import type { ResourceClient } from '../../../runtime/kube/resource-client.js';
import { removeFinalizer } from '../../../runtime/objects.js';
import { done, type ReconcileResult } from '../../../runtime/reconcile.js';
import { finalizer } from '../finalizer.js';
import type { ActionContext } from './context.js';

export async function releaseFinalizer(ctx: ActionContext, resources: ResourceClient<AppPackage>, abandoned: readonly string[]): Promise<ReconcileResult> {
  if (abandoned.length) {
    await ctx.event('Warning', 'RemovalAbandoned', `Gave up removing the package from ${abandoned.join(', ')}; it may remain in their repositories.`);
  }
  await removeFinalizer(resources, ctx.pkg, finalizer);
  return done;
}
