/**
 * The AppRule's status draft (runtime/status.ts typed with its conditions and reasons), and the
 * task fields of status, which mirror the MEP task we last sent or polled.
 */
import type { AppRule, AppRuleStatus } from '../../api/apprule.js';
import type { AppRuleConditionType, AppRuleReason } from '../../api/apprule-conditions.js';
import type { MepTask } from '../../mep/types.js';
import { isDeleting } from '../../runtime/objects.js';
import { StatusDraft } from '../../runtime/status.js';
import type { AppRuleObservation } from './observe.js';
import { summarize } from './summarize.js';

export type AppRuleDraft = StatusDraft<AppRuleStatus, AppRuleConditionType, AppRuleReason>;

export function draftOf(rule: AppRule, now: Date = new Date()): AppRuleDraft {
  return new StatusDraft<AppRuleStatus, AppRuleConditionType, AppRuleReason>(rule, summarize, now);
}

/**
 * The one status write of a reconcile: `write` (writeStatus) gets the draft's result, Ready
 * summarised. Nothing is written for an AppRule being deleted: its status is never read again,
 * and writing would only race the deletion.
 */
export async function commitDraft(rule: AppRule, draft: AppRuleDraft, write: (status: AppRuleStatus) => Promise<boolean>): Promise<boolean> {
  if (isDeleting(rule)) return false;
  // observedGeneration: the status speaks of this spec (kstatus), whatever step it is at.
  draft.markObserved();
  return write(draft.result());
}

/** Copies a task as the MEP reported it into status. */
export function recordTask(draft: AppRuleDraft, task: MepTask): void {
  draft.value.taskId = task.taskId;
  draft.value.configResult = task.configResult;
  if (task.configPhase !== undefined) draft.value.configPhase = task.configPhase;
  if (task.detailed !== undefined) draft.value.mepDetail = task.detailed.slice(0, 4000);
}

/** The task's outcome is unknown (lost or given up on): no longer PROCESSING, so not polled again. */
export function clearTask(draft: AppRuleDraft, detail: string): void {
  draft.value.configResult = 'UNKNOWN';
  draft.value.mepDetail = detail;
}

/** What observe learnt of our last task goes to status before any action runs. */
export function recordObservedTask(draft: AppRuleDraft, observation: AppRuleObservation): void {
  if (observation.kind === 'TaskRunning' || observation.kind === 'TaskFailed') recordTask(draft, observation.task);
  else if (observation.kind === 'Idle' && observation.previous.kind === 'Succeeded') recordTask(draft, observation.previous.task);
  else if (observation.kind === 'Idle' && observation.previous.kind === 'Lost') clearTask(draft, 'The MEP no longer knows the task (it may have restarted).');
}
