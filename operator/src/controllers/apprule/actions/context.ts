/**
 * What every AppRule action gets: the rule as reconciled, the status draft, and the few
 * effects an action may have besides its own MEP call. An action sets its conditions, calls
 * `commit` once, records its events, and returns when to look again (or throws to back off).
 */
import type { AppRule } from '../../../api/apprule.js';
import type { AppRuleEventReason } from '../../../api/apprule-conditions.js';
import type { ActionBase } from '../../../runtime/action.js';
import type { AppRuleDraft } from '../draft.js';
import type { RunningTasks } from '../running-tasks.js';

export interface ActionTiming {
  /** How often a running MEP task is polled. */
  readonly taskPollMs: number;
  /** How often an in-sync rule is compared with the MEP again. */
  readonly driftCheckMs: number;
  /** How often a rule the MEP refused is tried again. */
  readonly stalledRetryMs: number;
}

/** `commit` writes nothing while the AppRule is being deleted. */
export interface ActionContext extends ActionBase<AppRuleDraft, AppRuleEventReason> {
  readonly rule: AppRule;
  readonly tasks: RunningTasks;
  readonly timing: ActionTiming;
  /** Removes our finalizer: the AppRule may be gone afterwards. */
  removeFinalizer(): Promise<void>;
}
