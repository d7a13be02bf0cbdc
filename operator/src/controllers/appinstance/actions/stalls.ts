/** Unsupported and GiveUp: nothing more happens until the spec (or the host) changes. */
import { done, type ReconcileResult } from '../../../runtime/reconcile.js';
import type { AppInstanceAction } from '../decide.js';
import { operation, stall, type ActionContext } from './context.js';

export function runUnsupported(action: Extract<AppInstanceAction, { kind: 'Unsupported' }>, ctx: ActionContext): ReconcileResult {
  stall(ctx.draft, 'UnsupportedInfrastructure', action.message);
  return done;
}

export function runGiveUp(ctx: ActionContext): ReconcileResult {
  const { draft } = ctx;
  draft.value.lastOperation = operation(draft.value, 'INSTANTIATE', 'FAILED', draft.now);
  stall(draft, 'RetriesExhausted',
    `Gave up after ${draft.value.failures ?? 0} failed attempts; change the spec to try again. Last: ${draft.get('Instantiated')?.message ?? ''}`);
  return done;
}
