/**
 * ReleaseFinalizer: terminate is over (or abandoned, or the release was another instance's and
 * is left to it, or the Tenant never let the instance act on the edge); the API server may
 * delete the instance.
 */
import { removeFinalizer } from '../../../runtime/objects.js';
import { done, type ReconcileResult } from '../../../runtime/reconcile.js';
import type { AppInstanceAction } from '../decide.js';
import { finalizer } from '../names.js';
import type { HubActionContext } from './context.js';

export async function runReleaseFinalizer(action: Extract<AppInstanceAction, { kind: 'ReleaseFinalizer' }>, ctx: HubActionContext): Promise<ReconcileResult> {
  const { instance } = ctx;
  if (action.abandoned) {
    await ctx.event('Warning', 'TerminationAbandoned',
      `The edge of ${instance.spec.hostRef.name} did not answer for ${Math.round(ctx.timing.deletionTimeoutMs / 60000)} min; release ${instance.status?.release?.name ?? ''} in namespace ${instance.spec.namespace} may be left behind there.`);
  }
  if (action.leftToOwner) {
    const { release, ownerUid } = action.leftToOwner;
    await ctx.event('Warning', 'OwnedByAnother',
      `Release ${release} belongs to ${ownerUid ? `AppInstance ${ownerUid}` : 'someone else'}; it and its namespace are left on the edge untouched.`);
  }
  if (action.notPermitted) {
    await ctx.event('Normal', 'NotPermitted', `Deleted without asking the edge: the instance never acted on it (not permitted: ${action.notPermitted}).`);
  }
  if (action.keptNamespace.length) {
    await ctx.event('Normal', 'NamespaceKept', `Namespace ${instance.spec.namespace} is kept: other releases are in it (${action.keptNamespace.join(', ')}).`);
  }
  await removeFinalizer(ctx.clients.instances, instance, finalizer);
  return done;
}
