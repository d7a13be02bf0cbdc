/**
 * Steps that wait for something to happen elsewhere: the package on the host, required
 * services, the edge, the MEP, the workloads, dependents going away. Each says what it waits
 * for in its conditions and looks again after waitMs.
 */
import { requeueAfter, type ReconcileResult } from '../../../runtime/reconcile.js';
import type { AppInstanceAction } from '../decide.js';
import { markInstalled, progressing, wait, type ActionContext } from './context.js';

type Of<K extends AppInstanceAction['kind']> = Extract<AppInstanceAction, { kind: K }>;

export function runWaitForPackage(action: Of<'WaitForPackage'>, ctx: ActionContext): ReconcileResult {
  ctx.draft.set('PackageReady', false, 'PackageNotDistributed', action.message);
  progressing(ctx.draft, 'WaitingForPackage', 'PackageNotDistributed', action.message);
  return wait(ctx);
}

export function runWaitForDependencies(action: Of<'WaitForDependencies'>, ctx: ActionContext): ReconcileResult {
  const { draft, instance } = ctx;
  draft.set('PackageReady', true, 'PackageDistributed', 'The package is in the host\'s repository.');
  draft.set('DependenciesReady', false, 'DependencyMissing', `Waiting for services on ${instance.spec.hostRef.name}: ${action.missing.join(', ')}.`);
  progressing(draft, 'CheckingDependencies', 'DependencyMissing', `Waiting for services: ${action.missing.join(', ')}.`);
  return wait(ctx);
}

export function runWaitForEdge(ctx: ActionContext): ReconcileResult {
  const { draft, instance } = ctx;
  progressing(draft, draft.value.phase ?? 'Installing', 'EdgeUnreachable', `The edge cluster of ${instance.spec.hostRef.name} does not answer; waiting for it.`);
  return requeueAfter(Math.max(ctx.timing.waitMs, 1000));
}

export function runWaitForRules(action: Of<'WaitForRules'>, ctx: ActionContext): ReconcileResult {
  const detail = action.message ?? 'not yet applied';
  // The AppRule's own reason belongs to its kind; here it is part of the message.
  ctx.draft.set('RulesConfigured', false, action.reason ? 'RulesNotReady' : 'RulesApplying',
    action.reason ? `${action.reason}: ${detail}` : 'Waiting for the MEP.');
  progressing(ctx.draft, 'ConfiguringRules', 'RulesApplying', `Waiting for the MEP: ${detail}`);
  return wait(ctx);
}

export function runWaitForWorkloads(action: Of<'WaitForWorkloads'>, ctx: ActionContext): ReconcileResult {
  markInstalled(ctx.draft, action.hasRules);
  progressing(ctx.draft, 'Installing', 'WorkloadsNotReady', `Workloads ready: ${ctx.draft.value.readyWorkloads ?? '0/0'}.`);
  return wait(ctx);
}

export function runBlockTermination(action: Of<'BlockTermination'>, ctx: ActionContext): ReconcileResult {
  progressing(ctx.draft, 'Terminating', 'DependentsExist', `Cannot terminate while ${action.dependents.join(', ')} depend on this app's services; delete them first.`);
  return wait(ctx);
}
