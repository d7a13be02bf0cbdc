/**
 * What every AppInstance action gets, and the status steps they share. An action does one
 * effect, sets its conditions on the draft and records its event; the controller commits the
 * draft once afterwards, also when the action failed. It returns what should happen next:
 *
 *   workLeft ─► reconcile again at once (the next step)
 *   wait ────► look again after waitMs (something else has to happen first)
 *   done ────► nothing until a change
 */
import type { AppInstanceEventReason, AppInstanceReason } from '../../../api/appinstance-conditions.js';
import type { AppInstance, AppInstanceStatus } from '../../../api/appinstance.js';
import type { AppRule } from '../../../api/apprule.js';
import { rfc3339 } from '../../../runtime/conditions.js';
import type { ActionBase } from '../../../runtime/action.js';
import type { ResourceClient } from '../../../runtime/kube/resource-client.js';
import { requeueAfter, type ReconcileResult } from '../../../runtime/reconcile.js';
import type { SecretObject } from '../../secrets.js';
import type { AppInstanceDraft } from '../summarize.js';

export interface ActionTiming {
  /** Pause before looking again at something that has to happen elsewhere. */
  readonly waitMs: number;
  /** Pause between checks of a Ready instance. */
  readonly steadyCheckMs: number;
  /** How long deletion waits for an edge that does not answer. */
  readonly deletionTimeoutMs: number;
}

export interface ActionContext extends ActionBase<AppInstanceDraft, AppInstanceEventReason> {
  readonly instance: AppInstance;
  readonly timing: ActionTiming;
}

export interface HubClients {
  readonly instances: ResourceClient<AppInstance>;
  readonly rules: ResourceClient<AppRule>;
  readonly secrets: ResourceClient<SecretObject & { stringData?: Record<string, string>; type?: string }>;
}

/** The context of actions that write to the hub. */
export interface HubActionContext extends ActionContext {
  readonly clients: HubClients;
}

export const workLeft: ReconcileResult = requeueAfter(0);
export const wait = (ctx: ActionContext): ReconcileResult => requeueAfter(ctx.timing.waitMs);

export type Phase = NonNullable<AppInstanceStatus['phase']>;
type LastOperation = NonNullable<AppInstanceStatus['lastOperation']>;

/** Work under way in `phase`: Reconciling with `reason` (Ready follows from it). */
export function progressing(draft: AppInstanceDraft, phase: Phase, reason: AppInstanceReason, message: string): void {
  draft.value.phase = phase;
  draft.markReconciling(reason, message);
}

/** Nothing will change without a change of spec: Stalled, phase Failed. */
export function stall(draft: AppInstanceDraft, reason: AppInstanceReason, message: string): void {
  draft.value.phase = 'Failed';
  draft.markStalled(reason, message);
}

/**
 * The ETSI lifecycle operation record: startTime stays while the same operation goes on,
 * stateEnteredTime while its state does not change.
 */
export function operation(status: AppInstanceStatus, type: LastOperation['operationType'], state: LastOperation['operationState'], now: Date): LastOperation {
  const at = rfc3339(now);
  const previous = status.lastOperation;
  const same = previous?.operationType === type;
  const startTime = same && state !== 'STARTING' ? previous.startTime ?? at : at;
  const stateEnteredTime = same && previous.operationState === state ? previous.stateEnteredTime ?? at : at;
  return { operationType: type, operationState: state, startTime, stateEnteredTime };
}

/** The conditions of an installed release whose package, services and rules are in place. */
export function markInstalled(draft: AppInstanceDraft, hasRules: boolean): void {
  markDeployed(draft);
  draft.set('RulesConfigured', true, hasRules ? 'RulesApplied' : 'NoRules', hasRules ? 'The MEP holds the app\'s rules.' : 'The app needs no MEP rules.');
}

/** The package is on the host and every required service runs there. */
export function markPrerequisitesMet(draft: AppInstanceDraft): void {
  draft.set('PackageReady', true, 'PackageDistributed', 'The package is in the host\'s repository.');
  draft.set('DependenciesReady', true, 'DependenciesReady', 'Every required service runs on the host.');
}

/** The conditions of an installed release whose package and services are in place. */
export function markDeployed(draft: AppInstanceDraft): void {
  markPrerequisitesMet(draft);
  // A release deployed by an attempt this operator did not see finish (it died) is installed all the same.
  if (!draft.isTrue('Instantiated')) {
    const release = draft.value.release;
    draft.set('Instantiated', true, 'ReleaseDeployed', `Release ${release?.name ?? ''} revision ${release?.revision ?? 0} is deployed.`);
  }
}
