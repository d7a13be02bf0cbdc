/**
 * Condition types, condition reasons and event reasons of AppRule, declared once. The status
 * draft only accepts these, so a misspelt reason does not compile.
 *
 *   Applied   True  RulesApplied      the MEP holds exactly the spec
 *             False ApplyingRules     a change was sent; its MEP task runs
 *             False HostNotFound | MEPNotConfigured | MEPSecretInvalid   (Stalled)
 *                   | SecretNamespaceNotAllowed  (the host's MEP Secret is outside the operator's namespace)
 *                   | AppInstanceIdInUse   (another AppRule holds the appInstanceId on the host)
 *                   | NotPermitted   (the namespace's Tenant does not grant the host or the rules; nothing
 *                                    is sent to the MEP, what it holds stays)
 *             False MEPTaskFailed | MEPTaskTimedOut                      (retried with backoff)
 *             False MEP<kind>         the MEP refused or did not answer (see MepError)
 *   Ready     = Applied (summarize.ts)
 */
import type { MepFailureReason } from '../mep/errors.js';
import type { CommonConditionType } from '../runtime/status.js';
import type { APP_RULE_CONDITIONS } from './apprule.js';

/** The AppRule's own condition types (Ready, Reconciling and Stalled are every kind's). */
export type AppRuleConditionType = Exclude<(typeof APP_RULE_CONDITIONS)[number], CommonConditionType>;

/** Why the rules cannot be applied until something outside the AppRule changes. */
export type AppRuleStallReason = 'HostNotFound' | 'MEPNotConfigured' | 'MEPSecretInvalid' | 'SecretNamespaceNotAllowed' | 'AppInstanceIdInUse' | 'NotPermitted';

export type AppRuleReason =
  | 'RulesApplied'
  | 'ApplyingRules'
  | AppRuleStallReason
  | 'MEPTaskFailed'
  | 'MEPTaskTimedOut'
  | MepFailureReason;

/** Reasons of the Events the AppRule controller records, beyond its condition reasons. */
export type AppRuleEventReason =
  | AppRuleReason
  | 'RulesCreated'
  | 'RulesUpdated'
  | 'RulesDeleted'
  | 'RulesLost'
  | 'RulesAbandoned';
