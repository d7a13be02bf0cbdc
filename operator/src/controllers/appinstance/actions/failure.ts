/**
 * A failed LCM operation, in the status: the error's kind is the reason, Reconciling while a
 * retry may pass and Stalled otherwise (StatusDraft.markFailure), an install or upgrade counts
 * against the retries, and the action's failure is an event. The controller rethrows the
 * error afterwards: the runtime's dispositionOf turns it into the queue decision.
 */
import type { LcmError } from '../../../lcm/plugin.js';
import type { AppInstanceAction, EdgeAccess } from '../decide.js';
import type { ActionContext } from './context.js';
import { countFailedAttempt } from './install.js';

/** The actions that call the LCM plugin (they carry its edge access), and so may fail with an LcmError. */
type LcmAction = Extract<AppInstanceAction, { access: EdgeAccess }>;

const isLcmAction = (action: AppInstanceAction): action is LcmAction => 'access' in action;

/** Records `error` of `action` (undefined: it came from observing) in the draft and as an event. */
export async function recordFailure(error: LcmError, action: AppInstanceAction | undefined, ctx: ActionContext): Promise<void> {
  const { draft } = ctx;
  draft.markFailure(error, error.reason, error.message);
  if (action?.kind === 'Install' || action?.kind === 'Upgrade') countFailedAttempt(action, error, ctx);
  if (draft.isTrue('Stalled')) draft.value.phase = 'Failed';
  if (action && isLcmAction(action)) await ctx.event('Warning', `${action.kind}Failed`, `${error.reason}: ${error.message}`);
}
