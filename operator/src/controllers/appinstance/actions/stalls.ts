/**
 * Unsupported, KubeconfigRefused, OwnedByAnother, GiveUp, RulesIncomplete and invalid values:
 * nothing more happens until the spec (or what it names) changes. A valuesFrom source that does
 * not exist yet is waited for.
 */
import { done, type ReconcileResult } from '../../../runtime/reconcile.js';
import type { AppInstanceAction } from '../decide.js';
import { markDeployed, operation, progressing, stall, wait, type ActionContext } from './context.js';

export function runUnsupported(action: Extract<AppInstanceAction, { kind: 'Unsupported' }>, ctx: ActionContext): ReconcileResult {
  stall(ctx.draft, 'UnsupportedInfrastructure', action.message);
  return done;
}

/** The host's kubeconfig Secret is in a namespace the operator may not read it from: the EdgeHost must change. */
export function runKubeconfigRefused(action: Extract<AppInstanceAction, { kind: 'KubeconfigRefused' }>, ctx: ActionContext): ReconcileResult {
  stall(ctx.draft, 'SecretNamespaceNotAllowed', action.message);
  return done;
}

/**
 * The release the spec names is another instance's: it is left alone. The owner is named by UID
 * only (its namespace and name may be another tenant's business).
 */
export function runOwnedByAnother(action: Extract<AppInstanceAction, { kind: 'OwnedByAnother' }>, ctx: ActionContext): ReconcileResult {
  const { release, ownerUid } = action.foreign;
  const owner = ownerUid ? `another AppInstance (UID ${ownerUid})` : 'someone else: it carries no owner label and this instance did not make it';
  const message = `Release ${release} on ${ctx.instance.spec.hostRef.name} belongs to ${owner}; it is left alone. `
    + 'releaseName and namespace cannot change: create an AppInstance with another spec.releaseName or spec.namespace and delete this one, or have the owner delete theirs.';
  ctx.draft.set('Instantiated', false, 'OwnedByAnother', message);
  stall(ctx.draft, 'OwnedByAnother', message);
  return done;
}

export function runGiveUp(ctx: ActionContext): ReconcileResult {
  const { draft } = ctx;
  draft.value.lastOperation = operation(draft.value, 'INSTANTIATE', 'FAILED', draft.now);
  stall(draft, 'RetriesExhausted',
    `Gave up after ${draft.value.failures ?? 0} failed attempts; change the spec to try again. Last: ${draft.get('Instantiated')?.message ?? ''}`);
  return done;
}

export function runBadValues(action: Extract<AppInstanceAction, { kind: 'BadValues' }>, ctx: ActionContext): ReconcileResult {
  if (action.reason === 'ValuesNotFound') {
    // The ConfigMap or Secret may be on its way (GitOps applies in any order): look again.
    progressing(ctx.draft, ctx.draft.value.phase ?? 'Installing', action.reason, action.message);
    return wait(ctx);
  }
  stall(ctx.draft, action.reason, action.message);
  return done;
}

/** Installed and running, but the MEP holds fewer rules than the APPD declares: not Ready. */
export function runRulesIncomplete(action: Extract<AppInstanceAction, { kind: 'RulesIncomplete' }>, ctx: ActionContext): ReconcileResult {
  markDeployed(ctx.draft);
  const message = `The APPD declares ${action.leftOut.length} rule(s) that cannot be applied and that spec.rules does not replace: `
    + `${action.leftOut.slice(0, 5).join('; ')}${action.leftOut.length > 5 ? '; …' : ''}. Fix the package, replace them in spec.rules, or set spec.rules.allowIncomplete.`;
  ctx.draft.set('RulesConfigured', false, 'RulesIncomplete', message);
  stall(ctx.draft, 'RulesIncomplete', message);
  return done;
}
