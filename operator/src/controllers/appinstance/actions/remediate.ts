/** Remediate: a failed release goes back to its last good revision, or away, before the next attempt. */
import type { ReconcileResult } from '../../../runtime/reconcile.js';
import type { AppInstanceAction } from '../decide.js';
import { operation, progressing, workLeft, type ActionContext } from './context.js';

export async function runRemediate(action: Extract<AppInstanceAction, { kind: 'Remediate' }>, ctx: ActionContext): Promise<ReconcileResult> {
  const { draft } = ctx;
  const { plugin, target } = action.access;
  const rollback = action.how === 'Rollback';
  progressing(draft, 'Remediating', 'Remediating', `The release failed; ${rollback ? 'rolling back' : 'uninstalling'} before retrying.`);
  draft.value.lastOperation = operation(draft.value, 'INSTANTIATE', 'ROLLING_BACK', draft.now);
  if (rollback) {
    await plugin.rollback(target);
    // The rolled-back revision is not what the spec asks for: the next step upgrades again.
    draft.value.release = { ...draft.value.release, appliedDigest: undefined };
  } else {
    await plugin.uninstall(target);
  }
  draft.value.lastOperation = operation(draft.value, 'INSTANTIATE', 'ROLLED_BACK', draft.now);
  await ctx.event('Warning', rollback ? 'RolledBack' : 'Uninstalled', `Remediated a failed release by ${action.how.toLowerCase()}.`);
  return workLeft;
}
