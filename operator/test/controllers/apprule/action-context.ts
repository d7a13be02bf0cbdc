/**
 * An ActionContext for AppRule action tests: status writes are kept (and skipped when nothing
 * changed, as writeStatus does), events and the finalizer release are recorded.
 */
import { isDeepStrictEqual } from 'node:util';
import type { AppRule, AppRuleStatus } from '../../../src/api/apprule.js';
import type { ActionContext, ActionTiming } from '../../../src/controllers/apprule/actions/context.js';
import { commitDraft, draftOf } from '../../../src/controllers/apprule/draft.js';
import { RunningTasks } from '../../../src/controllers/apprule/running-tasks.js';
import type { EventType } from '../../../src/runtime/events.js';
import { testLogger } from '../../support/logger.js';

export interface RecordedEvent {
  readonly type: EventType;
  readonly reason: string;
  readonly message: string;
}

export interface TestActionContext {
  readonly ctx: ActionContext;
  readonly events: RecordedEvent[];
  /** Each status written, in order. */
  readonly writes: AppRuleStatus[];
  readonly released: { value: boolean };
}

export const timing: ActionTiming = { taskPollMs: 50, driftCheckMs: 5000, stalledRetryMs: 7000 };

export function actionContext(rule: AppRule, tasks = new RunningTasks()): TestActionContext {
  const events: RecordedEvent[] = [];
  const writes: AppRuleStatus[] = [];
  const released = { value: false };
  const draft = draftOf(rule, new Date('2026-11-27T10:00:00Z'));
  const ctx: ActionContext = {
    rule, draft, tasks, timing, log: testLogger(),
    commit: () => commitDraft(rule, draft, async (status) => {
      const wire = JSON.parse(JSON.stringify(status)) as AppRuleStatus;
      if (isDeepStrictEqual(rule.status, wire)) return false;
      writes.push(wire);
      return true;
    }),
    event: async (type, reason, message) => { events.push({ type, reason, message }); },
    removeFinalizer: async () => { released.value = true; },
  };
  return { ctx, events, writes, released };
}

/** The condition `type` of a written status. */
export function conditionOf(status: AppRuleStatus | undefined, type: string) {
  return status?.conditions?.find((c) => c.type === type);
}
