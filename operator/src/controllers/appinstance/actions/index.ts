/** Runs the one action decide chose: a dispatcher over the action files, deciding nothing. */
import { done, type ReconcileResult } from '../../../runtime/reconcile.js';
import type { AppInstanceAction } from '../decide.js';
import { runAddFinalizer } from './add-finalizer.js';
import { runAdopt } from './adopt.js';
import { runApplyRules } from './apply-rules.js';
import { runAssignId } from './assign-id.js';
import type { HubActionContext } from './context.js';
import { runDeleteNamespace } from './delete-namespace.js';
import { runDeleteRules } from './delete-rules.js';
import { runEnsureCredentials } from './ensure-credentials.js';
import { runInstall } from './install.js';
import { runNotPermitted } from './not-permitted.js';
import { runReady } from './ready.js';
import { runReleaseFinalizer } from './release-finalizer.js';
import { runRemediate } from './remediate.js';
import { runScale } from './scale.js';
import { runBadValues, runGiveUp, runKubeconfigRefused, runOwnedByAnother, runRulesIncomplete, runUnsupported } from './stalls.js';
import { runUninstall } from './uninstall.js';
import { runUnlock } from './unlock.js';
import { runBlockTermination, runWaitForDependencies, runWaitForEdge, runWaitForPackage, runWaitForRules, runWaitForWorkloads } from './waits.js';

export { recordFailure } from './failure.js';
export type { ActionTiming, HubActionContext, HubClients } from './context.js';

export async function runAction(action: AppInstanceAction, ctx: HubActionContext): Promise<ReconcileResult> {
  switch (action.kind) {
    case 'Nothing': return done;
    case 'NotPermitted': return runNotPermitted(action, ctx);
    case 'AddFinalizer': return runAddFinalizer(ctx);
    case 'AssignId': return runAssignId(ctx);
    case 'EnsureCredentials': return runEnsureCredentials(ctx);
    case 'Unsupported': return runUnsupported(action, ctx);
    case 'KubeconfigRefused': return runKubeconfigRefused(action, ctx);
    case 'WaitForPackage': return runWaitForPackage(action, ctx);
    case 'BadValues': return runBadValues(action, ctx);
    case 'RulesIncomplete': return runRulesIncomplete(action, ctx);
    case 'WaitForDependencies': return runWaitForDependencies(action, ctx);
    case 'WaitForEdge': return runWaitForEdge(ctx);
    case 'OwnedByAnother': return runOwnedByAnother(action, ctx);
    case 'Adopt': return runAdopt(action, ctx);
    case 'Unlock': return runUnlock(action, ctx);
    case 'Install':
    case 'Upgrade': return runInstall(action, ctx);
    case 'Remediate': return runRemediate(action, ctx);
    case 'GiveUp': return runGiveUp(ctx);
    case 'Scale': return runScale(action, ctx);
    case 'ApplyRules': return runApplyRules(action, ctx);
    case 'DeleteRules': return runDeleteRules(ctx);
    case 'WaitForRules': return runWaitForRules(action, ctx);
    case 'WaitForWorkloads': return runWaitForWorkloads(action, ctx);
    case 'Ready': return runReady(action, ctx);
    case 'BlockTermination': return runBlockTermination(action, ctx);
    case 'Uninstall': return runUninstall(action, ctx);
    case 'DeleteNamespace': return runDeleteNamespace(action, ctx);
    case 'ReleaseFinalizer': return runReleaseFinalizer(action, ctx);
  }
}
