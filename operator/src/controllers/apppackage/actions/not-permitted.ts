/**
 * NotPermitted: the Tenant governing the package's namespace does not allow it (no grant, a
 * contested namespace, over spec.limits.appPackages or spec.limits.packageBytes). Stalled with
 * the missing grant; nothing is downloaded, distributed or taken out of a host. The package
 * decides again when a Tenant changes, or (for a limit) when another package of the Tenant
 * comes or goes.
 */
import { done, type ReconcileResult } from '../../../runtime/reconcile.js';
import type { AppPackageAction } from '../decide.js';
import type { ActionContext } from './context.js';

export async function notPermitted(ctx: ActionContext, action: Extract<AppPackageAction, { kind: 'NotPermitted' }>): Promise<ReconcileResult> {
  if (action.condition) ctx.draft.set(action.condition, false, 'NotPermitted', action.message);
  ctx.draft.markStalled('NotPermitted', action.message);
  ctx.draft.markObserved();
  // One event per change of the refusal, not one per resync.
  if (await ctx.commit()) await ctx.event('Warning', 'NotPermitted', action.message);
  return done;
}
