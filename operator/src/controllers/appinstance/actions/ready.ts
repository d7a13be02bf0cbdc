/**
 * Ready: everything is in place; the instance is checked again after about steadyCheckMs
 * (jittered, so a thousand instances made together do not check together). Changes on the
 * edge wake it sooner: it follows its release (observe.ts).
 */
import { jittered } from '../../../runtime/backoff.js';
import { requeueAfter, type ReconcileResult } from '../../../runtime/reconcile.js';
import type { AppInstanceAction } from '../decide.js';
import { markInstalled, operation, type ActionContext } from './context.js';

export function runReady(action: Extract<AppInstanceAction, { kind: 'Ready' }>, ctx: ActionContext): ReconcileResult {
  const { draft } = ctx;
  const status = draft.value;
  markInstalled(draft, action.hasRules);
  status.phase = 'Ready';
  if (status.lastOperation?.operationState !== 'COMPLETED') {
    status.lastOperation = operation(status, status.lastOperation?.operationType ?? 'INSTANTIATE', 'COMPLETED', draft.now);
  }
  draft.markSettled();
  return requeueAfter(jittered(ctx.timing.steadyCheckMs));
}
