/**
 * The next step for one AppRule, from what observe saw (pure; `now` passed in):
 *
 *   the Tenant does not grant the host or the rules ─┬ deleting ─► ReleaseFinalizer (it never
 *                                 │                    spoke to the MEP: nothing there is its own)
 *                                 └──────────► Stall NotPermitted (nothing is sent; what the
 *                                              MEP holds stays)
 *   another AppRule holds the appInstanceId on the host (claims.ts) ─┬ deleting ─► ReleaseFinalizer
 *                                 │                   (the MEP's configuration is the holder's: untouched)
 *                                 └──────────► Stall AppInstanceIdInUse (nothing is sent to the MEP)
 *   EdgeHost gone or without MEP ─┬ deleting ─► ReleaseFinalizer (warning: the MEP may keep the rules)
 *                                 └──────────► Stall HostNotFound | MEPNotConfigured
 *   token or CA Secret unusable ─────────────► Stall MEPSecretInvalid
 *   token or CA Secret in another namespace ─► Stall SecretNamespaceNotAllowed
 *   MEP refused or did not answer ───────────► ReportFailure (Reconciling if transient, else Stalled)
 *   our task PROCESSING ─┬ within the timeout ► WaitForTask
 *                        └ past it ──────────► TaskTimedOut (retried with backoff)
 *   our task FAILURE ────────────────────────► TaskFailed (retried with backoff)
 *   deleting ─┬ MEP holds a configuration ───► Delete, then ReleaseFinalizer
 *             └ MEP holds nothing ───────────► ReleaseFinalizer
 *   MEP holds nothing ───────────────────────► Create (POST, once: never while a task runs)
 *   MEP holds another appName, or only Mp1 differs ► Delete (then Create): the MEP cannot PUT those
 *   MEP holds other rules ───────────────────► Update (PUT)
 *   MEP holds exactly the spec ──────────────► InSync (compared again after the drift interval)
 */
import type { AppRule } from '../../api/apprule.js';
import type { AppRuleStallReason } from '../../api/apprule-conditions.js';
import type { MepClient } from '../../mep/client.js';
import { sameConfig } from '../../mep/digest.js';
import type { MepError } from '../../mep/errors.js';
import type { MepAppConfig, MepTask } from '../../mep/types.js';
import { isDeleting } from '../../runtime/objects.js';
import type { AppRuleObservation } from './observe.js';

/** How often a rule stalled on its EdgeHost or Secrets looks again (Secrets are not watched). */
export const configurationRetryMs = 60_000;

export type AppRuleAction =
  | { readonly kind: 'Stall'; readonly reason: AppRuleStallReason; readonly message: string; readonly retryMs: number }
  | { readonly kind: 'ReportFailure'; readonly error: MepError }
  /**
   * `abandoned`: why the MEP may still hold the rules (said in a warning event); `notHeld`: why
   * the MEP's configuration was not ours to delete (said in a normal event).
   */
  | { readonly kind: 'ReleaseFinalizer'; readonly abandoned: string | undefined; readonly notHeld?: string; readonly notPermitted?: string }
  | { readonly kind: 'WaitForTask'; readonly taskId: string; readonly since: number }
  | { readonly kind: 'TaskFailed'; readonly task: MepTask }
  | { readonly kind: 'TaskTimedOut'; readonly taskId: string; readonly timeoutMs: number }
  /** `rulesLost`: the MEP once confirmed the rules and no longer holds them. */
  | { readonly kind: 'Create'; readonly client: MepClient; readonly config: MepAppConfig; readonly rulesLost: boolean }
  | { readonly kind: 'Update'; readonly client: MepClient; readonly config: MepAppConfig }
  | { readonly kind: 'Delete'; readonly client: MepClient; readonly why: 'Deleting' | 'AppNameChanged' | 'Mp1Changed' }
  | { readonly kind: 'InSync'; readonly config: MepAppConfig };

export interface DecideInput {
  readonly rule: AppRule;
  readonly observation: AppRuleObservation;
  /** ms since epoch. */
  readonly now: number;
  /** A task still PROCESSING after this long is given up on (and the change retried). */
  readonly taskTimeoutMs: number;
}

/** The configuration the MEP should hold: the spec from appName onwards, defaults filled in. */
export function desiredConfig(rule: AppRule): MepAppConfig {
  return {
    appName: rule.spec.appName,
    appSupportMp1: rule.spec.appSupportMp1 ?? false,
    appTrafficRule: rule.spec.appTrafficRule ?? [],
    appDNSRule: rule.spec.appDNSRule ?? [],
  };
}

export function decideAction({ rule, observation, now, taskTimeoutMs }: DecideInput): AppRuleAction {
  const deleting = isDeleting(rule);
  switch (observation.kind) {
    case 'NotPermitted':
      return deleting
        ? { kind: 'ReleaseFinalizer', abandoned: undefined, notPermitted: `Deleted without contacting the MEP, which holds nothing of this AppRule: not permitted: ${observation.message}.` }
        : { kind: 'Stall', reason: 'NotPermitted', message: `Not permitted: ${observation.message}. Nothing is sent to the MEP; what it holds stays.`, retryMs: configurationRetryMs };
    case 'AppInstanceIdInUse': {
      const held = `appInstanceId ${rule.spec.appInstanceId} on EdgeHost ${observation.hostName} is held by AppRule ${observation.holder}`;
      return deleting
        ? { kind: 'ReleaseFinalizer', abandoned: undefined, notHeld: `Deleted without changing the MEP: ${held}.` }
        : { kind: 'Stall', reason: 'AppInstanceIdInUse', message: `${held}; this AppRule sends nothing to the MEP while that one exists.`, retryMs: configurationRetryMs };
    }
    case 'HostNotFound':
      return deleting
        ? { kind: 'ReleaseFinalizer', abandoned: `EdgeHost ${observation.hostName} is gone; its MEP may still hold the rules.` }
        : { kind: 'Stall', reason: 'HostNotFound', message: `EdgeHost ${observation.hostName} does not exist.`, retryMs: configurationRetryMs };
    case 'MEPNotConfigured':
      return deleting
        ? { kind: 'ReleaseFinalizer', abandoned: `EdgeHost ${observation.hostName} has no MEP; its MEP may still hold the rules.` }
        : { kind: 'Stall', reason: 'MEPNotConfigured', message: `EdgeHost ${observation.hostName} has no spec.mep; configure its MEP to apply rules.`, retryMs: configurationRetryMs };
    case 'SecretInvalid':
      return { kind: 'Stall', reason: 'MEPSecretInvalid', message: observation.message, retryMs: configurationRetryMs };
    case 'SecretNamespaceNotAllowed':
      return { kind: 'Stall', reason: 'SecretNamespaceNotAllowed', message: observation.message, retryMs: configurationRetryMs };
    case 'MEPFailed':
      return { kind: 'ReportFailure', error: observation.error };
    case 'TaskRunning':
      return now - observation.since < taskTimeoutMs
        ? { kind: 'WaitForTask', taskId: observation.task.taskId, since: observation.since }
        : { kind: 'TaskTimedOut', taskId: observation.task.taskId, timeoutMs: taskTimeoutMs };
    case 'TaskFailed':
      return { kind: 'TaskFailed', task: observation.task };
    case 'Idle':
      break;
  }

  const { client, current } = observation;
  if (deleting) return current ? { kind: 'Delete', client, why: 'Deleting' } : { kind: 'ReleaseFinalizer', abandoned: undefined };
  const desired = desiredConfig(rule);
  if (!current) return { kind: 'Create', client, config: desired, rulesLost: Boolean(rule.status?.appliedDigest) };
  if (sameConfig(current, desired)) return { kind: 'InSync', config: desired };
  if (current.appName !== desired.appName) return { kind: 'Delete', client, why: 'AppNameChanged' };
  if (sameConfig({ ...current, appSupportMp1: desired.appSupportMp1 }, desired)) return { kind: 'Delete', client, why: 'Mp1Changed' };
  return { kind: 'Update', client, config: desired };
}
