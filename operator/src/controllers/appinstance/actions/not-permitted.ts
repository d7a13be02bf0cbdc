/**
 * NotPermitted: the Tenant governing the instance's namespace does not let it use its host or
 * edge namespace, or it is past spec.limits.appInstances (`what: 'Instance'`: nothing was done
 * on the edge, a release installed while it was permitted stays), or the Tenant's MEP grant
 * refuses its rules (`'Rules'`: the owned AppRule says so; the release runs, the MEP is left as
 * it is). Stalled until a Tenant, the spec or (for the count) another instance changes; a
 * Warning event when the refusal is new.
 */
import { done, type ReconcileResult } from '../../../runtime/reconcile.js';
import type { AppInstanceAction } from '../decide.js';
import { markDeployed, stall, type ActionContext } from './context.js';

export async function runNotPermitted(action: Extract<AppInstanceAction, { kind: 'NotPermitted' }>, ctx: ActionContext): Promise<ReconcileResult> {
  const { draft } = ctx;
  const message = action.what === 'Rules' ? `The app's rules: ${action.message}` : action.message;
  if (action.what === 'Rules') {
    markDeployed(draft);
    draft.set('RulesConfigured', false, 'NotPermitted', message);
  }
  const before = draft.get('Stalled');
  stall(draft, 'NotPermitted', message);
  const after = draft.get('Stalled');
  if (before?.status !== 'True' || before.reason !== after?.reason || before.message !== after?.message) {
    await ctx.event('Warning', 'NotPermitted', message);
  }
  return done;
}
