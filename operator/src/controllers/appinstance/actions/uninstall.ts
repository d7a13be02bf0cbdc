/** Uninstall: terminate's removal of the release (its namespace is DeleteNamespace's). */
import type { ReconcileResult } from '../../../runtime/reconcile.js';
import type { AppInstanceAction } from '../decide.js';
import { operation, progressing, workLeft, type ActionContext } from './context.js';

export async function runUninstall(action: Extract<AppInstanceAction, { kind: 'Uninstall' }>, ctx: ActionContext): Promise<ReconcileResult> {
  const { draft } = ctx;
  progressing(draft, 'Terminating', 'Uninstalling', 'Uninstalling the release.');
  draft.value.lastOperation = operation(draft.value, 'TERMINATE', 'PROCESSING', draft.now);
  await action.access.plugin.uninstall(action.access.target);
  await ctx.event('Normal', 'Uninstalled', `Release ${action.access.target.releaseName} uninstalled.`);
  return workLeft;
}
