/**
 * ReportFailure: a step failed. Its condition goes False with the error's reason; a transient
 * error leaves the package Reconciling, a terminal one Stalled (its spec acted on as far as it
 * can be). One Warning event; the error is rethrown for the runtime to back off or to wait.
 */
import type { AppPackageConditionType } from '../../../api/apppackage-conditions.js';
import type { CsarError } from '../../../csar/index.js';
import type { DownloadError } from '../../../packages/download.js';
import { dispositionOf } from '../../../runtime/reconcile.js';
import type { DistributionError } from '../edge-repository.js';
import { AppPackageError } from '../errors.js';
import type { ActionContext } from './context.js';

/** The errors of this controller's domain: each has a reason of the AppPackage union. */
export type AppPackageFailure = DownloadError | CsarError | DistributionError | AppPackageError;

export async function fail(ctx: ActionContext, condition: AppPackageConditionType, error: AppPackageFailure): Promise<never> {
  ctx.draft.set(condition, false, error.reason, error.message);
  ctx.draft.markFailure(error, error.reason, error.message);
  if (dispositionOf(error).kind === 'Terminal') ctx.draft.markObserved();
  await ctx.commit();
  await ctx.event('Warning', error.reason, error.message);
  throw error;
}

/** A problem observe found (a Secret that cannot be read), reported as the step's failure. */
export function reportFailure(ctx: ActionContext, action: { condition: AppPackageConditionType; reason: AppPackageFailure['reason']; message: string; transient: boolean }): Promise<never> {
  return fail(ctx, action.condition, new AppPackageError(action.reason, action.message, { transient: action.transient }));
}
