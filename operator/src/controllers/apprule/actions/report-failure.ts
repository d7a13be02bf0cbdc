/**
 * ReportFailure: the MEP refused or did not answer, while observing or acting. A transient
 * failure leaves the rule Reconciling and is rethrown (the runtime backs off); a refusal (token,
 * validation, a name another app holds) stalls it, tried again every stalledRetryMs.
 */
import { MepError } from '../../../mep/errors.js';
import { dispositionOf, type ReconcileResult } from '../../../runtime/reconcile.js';
import type { ActionContext } from './context.js';
import { stall } from './stall.js';

export async function reportFailure(ctx: ActionContext, error: MepError): Promise<ReconcileResult> {
  const message = `The MEP refused or did not answer: ${error.message}`;
  if (dispositionOf(error).kind === 'Terminal') return stall(ctx, error.reason, message, ctx.timing.stalledRetryMs);
  ctx.draft.set('Applied', false, error.reason, message);
  ctx.draft.markFailure(error, error.reason, message);
  await ctx.commit();
  throw error;
}

/** Runs an action that calls the MEP; a MepError it throws is reported like one observed. */
export async function reportingFailure(ctx: ActionContext, act: () => Promise<ReconcileResult>): Promise<ReconcileResult> {
  try {
    return await act();
  } catch (error) {
    if (error instanceof MepError) return reportFailure(ctx, error);
    throw error;
  }
}
