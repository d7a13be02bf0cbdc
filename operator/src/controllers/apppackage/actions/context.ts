/**
 * What every AppPackage action gets: the package as reconciled, the status draft, and the few
 * effects an action may have besides its own. An action sets its conditions, calls `commit`
 * once, records its events, and returns when to look again (or throws for the runtime to back
 * off or, for a terminal error, to wait for a change).
 */
import type { AppPackage } from '../../../api/apppackage.js';
import type { AppPackageEventReason } from '../../../api/apppackage-conditions.js';
import type { ActionBase } from '../../../runtime/action.js';
import type { AppPackageDraft } from '../draft.js';

export interface ActionContext extends ActionBase<AppPackageDraft, AppPackageEventReason> {
  readonly pkg: AppPackage;
  /** Aborted when the controller stops. */
  readonly signal: AbortSignal;
}
